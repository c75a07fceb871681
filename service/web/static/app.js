// Shared by every page: the JSON API with the planner's key, errors, number and period formatting.
"use strict";

const SS = (() => {
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const KEY = "sentinel-api-key";
  const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const errorBox = document.getElementById("error");
  const keyButton = document.getElementById("key-button");

  function storedKey() { return sessionStorage.getItem(KEY); }
  function refreshKeyButton() { keyButton.hidden = !storedKey(); }
  keyButton.addEventListener("click", () => { sessionStorage.removeItem(KEY); refreshKeyButton(); });
  refreshKeyButton();

  // Ask for a key once per tab; it stays in sessionStorage, never in a URL or a cookie.
  function askKey(reason) {
    const dialog = document.getElementById("key-dialog");
    const input = document.getElementById("key-input");
    document.getElementById("key-reason").textContent = reason;
    input.value = "";
    return new Promise((resolve) => {
      const form = document.getElementById("key-form");
      const cancel = document.getElementById("key-cancel");
      const done = (value) => {
        form.removeEventListener("submit", onSubmit);
        cancel.removeEventListener("click", onCancel);
        if (dialog.open) dialog.close();
        resolve(value);
      };
      const onSubmit = (event) => { event.preventDefault(); done(input.value.trim() || null); };
      const onCancel = () => done(null);
      form.addEventListener("submit", onSubmit);
      cancel.addEventListener("click", onCancel);
      dialog.showModal();
      input.focus();
    });
  }

  class ApiError extends Error {
    constructor(status, code, detail) { super(detail); this.status = status; this.code = code; }
  }

  async function api(method, path, body, { write = false } = {}) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const headers = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const key = storedKey();
      if (key) headers["X-API-Key"] = key;
      const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      if (response.status === 204) return null;
      const payload = await response.json().catch(() => ({ error: "bad_response", detail: `${response.status} ${response.statusText}` }));
      if (response.ok) return payload;
      if ((response.status === 401 || response.status === 403) && attempt === 0) {
        const reason = response.status === 401
          ? (write ? "This action needs an API key with the write role." : "Reading needs an API key on this service.")
          : `${payload.detail} Enter a key with a higher role.`;
        const entered = await askKey(reason);
        if (entered) { sessionStorage.setItem(KEY, entered); refreshKeyButton(); continue; }
      }
      throw new ApiError(response.status, payload.error, payload.detail || JSON.stringify(payload));
    }
    throw new ApiError(401, "unauthorized", "no API key was given");
  }

  function showError(error) {
    errorBox.textContent = error instanceof Error ? error.message : String(error);
    errorBox.hidden = false;
  }
  function clearError() { errorBox.hidden = true; errorBox.textContent = ""; }

  const num = (x) => (x === null || x === undefined ? "–" : numberFormat.format(x));
  const pct = (p) => `${(100 * p).toFixed(1)}%`;
  function parseAmount(text) {
    const cleaned = String(text || "").replace(/[\s,_]/g, "");
    return cleaned === "" ? null : Number(cleaned);
  }
  // The probability as a percentage beside the API's exact number, which data-value carries.
  function setProbability(element, p) {
    element.dataset.value = String(p);
    element.textContent = pct(p);
    const exact = document.createElement("span");
    exact.className = "exact";
    exact.textContent = `(${Number(p.toFixed(4))})`;
    element.append(exact);
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null) continue;
      if (name === "class") node.className = value; else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child);
    return node;
  }
  function fact(dl, label, value) { dl.append(el("div", {}, el("dt", { text: label }), el("dd", { text: value }))); }

  // Dates as YYYY-MM-DD strings, computed in UTC so the browser's time zone never shifts a day.
  const iso = (d) => d.toISOString().slice(0, 10);
  const day = (text) => new Date(`${text}T00:00:00Z`);
  function addMonths(year, month, n) { const d = new Date(Date.UTC(year, month - 1 + n, 1)); return [d.getUTCFullYear(), d.getUTCMonth() + 1]; }
  function span(year, month, months) {
    const start = new Date(Date.UTC(year, month - 1, 1));
    const end = new Date(Date.UTC(year, month - 1 + months, 0));
    return [iso(start), iso(end)];
  }
  // Named periods (months, fiscal quarters, fiscal years) that end inside (after, last]; the
  // names are the API's: a fiscal year is named by the calendar year it ends in.
  function namedPeriods(after, last, fiscalStart = page.fiscalYearStartMonth || 1) {
    const out = [];
    const first = day(after), end = day(last);
    const y0 = first.getUTCFullYear() - 1, y1 = end.getUTCFullYear() + 1;
    for (let y = y0; y <= y1; y += 1) {
      for (let m = 1; m <= 12; m += 1) {
        const [s, e] = span(y, m, 1);
        out.push({ name: `${y}-${String(m).padStart(2, "0")}`, kind: "Months", start: s, end: e });
      }
      const [fy, fm] = fiscalStart === 1 ? [y, 1] : [y - 1, fiscalStart];
      for (let q = 0; q < 4; q += 1) {
        const [qy, qm] = addMonths(fy, fm, 3 * q);
        const [s, e] = span(qy, qm, 3);
        out.push({ name: `${y}-Q${q + 1}`, kind: "Quarters", start: s, end: e });
      }
      const [s, e] = span(fy, fm, 12);
      out.push({ name: `${y}`, kind: "Years", start: s, end: e });
    }
    return out.filter((p) => p.end > after && p.end <= last).sort((a, b) => a.start.localeCompare(b.start));
  }

  function query() { return new URLSearchParams(window.location.search); }
  function setQuery(values) {
    const params = query();
    for (const [k, v] of Object.entries(values)) {
      if (v === null || v === undefined || v === "") params.delete(k); else params.set(k, v);
    }
    const text = params.toString();
    window.history.pushState(null, "", `${window.location.pathname}${text ? `?${text}` : ""}`);
  }

  return { page, api, ApiError, showError, clearError, num, pct, parseAmount, setProbability, el, fact, iso, day, namedPeriods, query, setQuery };
})();
