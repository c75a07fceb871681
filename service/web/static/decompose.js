// Split a total target over series, months or quarters; register the parts as targets.
"use strict";

(() => {
  const { el, num, pct, api } = SS;
  const form = document.getElementById("decompose-form");
  const fields = Object.fromEntries(["target", "period", "scope", "by", "method"].map((id) => [id, document.getElementById(id)]));
  let last = null; // the request and answer shown

  function scopeGroup(value) {
    if (!value) return {};
    const at = value.indexOf("=");
    return { [value.slice(0, at)]: value.slice(at + 1) };
  }

  async function fillScopes() {
    try {
      const { columns } = await api("GET", "/v1/groups");
      for (const [col, values] of Object.entries(columns)) {
        const group = el("optgroup", { label: col });
        for (const v of values) group.append(el("option", { value: `${col}=${v.value}`, text: `${col} = ${v.value} (${v.series} series)` }));
        fields.scope.append(group);
      }
    } catch (error) { SS.showError(error); }
  }

  // The URL fills the form at once; the scope once its options have loaded (if nobody chose one).
  function fromUrl() {
    const q = SS.query();
    const target = SS.parseAmount(q.get("target"));
    fields.target.value = target === null || Number.isNaN(target) ? "" : num(target);
    fields.period.value = q.get("period") || "";
    for (const name of ["by", "method"]) if (q.get(name) !== null) fields[name].value = q.get(name);
    return target !== null && fields.period.value !== "";
  }
  function scopeFromUrl() {
    const scope = SS.query().get("scope");
    if (scope !== null && fields.scope.value === "") fields.scope.value = scope;
  }

  function render(request, answer) {
    document.getElementById("result").hidden = false;
    SS.setProbability(document.getElementById("probability"), answer.total.probability);
    const names = answer.parts.map((p) => p.name);
    Plotly.react("parts-chart", [
      { type: "bar", name: "target", x: names, y: answer.parts.map((p) => p.target), marker: { color: "#a35f00" },
        hovertemplate: "%{x} target %{y:,.0f}<extra></extra>" },
      { type: "bar", name: "expected", x: names, y: answer.parts.map((p) => p.expected), marker: { color: "#1f5fbf" },
        text: answer.parts.map((p) => pct(p.probability)), textposition: "outside",
        hovertemplate: "%{x} expected %{y:,.0f}<extra></extra>" },
    ], { barmode: "group", margin: { l: 70, r: 20, t: 30, b: 60 }, xaxis: { type: "category" }, yaxis: { tickformat: ",.0f" },
      legend: { orientation: "h", y: 1.12 } },
    { responsive: true, displaylogo: false });
    const body = document.querySelector("#parts tbody");
    body.replaceChildren();
    for (const p of answer.parts) {
      const prob = el("span", { "data-value": String(p.probability), text: `${pct(p.probability)} (${p.probability})` });
      body.append(el("tr", {}, el("th", { scope: "row", text: p.name }), el("td", { class: "num", text: num(p.target) }),
        el("td", { class: "num", text: num(p.expected) }), el("td", { class: "num" }, prob)));
    }
    body.append(el("tr", {}, el("th", { scope: "row", text: `Total (${answer.series_count} series)` }),
      el("td", { class: "num", text: num(answer.total.target) }), el("td", { class: "num", text: num(answer.total.expected) }),
      el("td", { class: "num", text: `${pct(answer.total.probability)} (${answer.total.probability})` })));
    const prefix = document.getElementById("prefix");
    if (!prefix.value) prefix.value = `${(answer.period || answer.start).toLowerCase()}-split`;
  }

  async function split() {
    const target = SS.parseAmount(fields.target.value);
    if (!(target > 0)) { SS.showError(`target: enter a positive amount, got ${JSON.stringify(fields.target.value)}`); return; }
    const request = { target, period: fields.period.value.trim(), group: scopeGroup(fields.scope.value), by: fields.by.value, method: fields.method.value };
    SS.clearError();
    try {
      const answer = await api("POST", "/v1/targets/decompose", request);
      last = { request, answer };
      render(request, answer);
    } catch (error) { document.getElementById("result").hidden = true; SS.showError(error); }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    SS.setQuery({ target: String(SS.parseAmount(fields.target.value) ?? ""), period: fields.period.value.trim(),
      scope: fields.scope.value, by: fields.by.value, method: fields.method.value });
    split();
  });

  document.getElementById("register-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!last) return;
    const status = document.getElementById("register-status");
    const prefix = document.getElementById("prefix").value.trim();
    const { request, answer } = last;
    let done = 0;
    SS.clearError();
    try {
      for (const part of answer.parts) {
        const body = request.by === "series"
          ? { name: `${prefix}-${part.name}`, series_id: part.name, period: request.period, amount: part.target }
          : { name: `${prefix}-${part.name}`, group: request.group, period: part.name, amount: part.target };
        await api("POST", "/v1/targets", body, { write: true });
        done += 1;
        status.textContent = `registered ${done} of ${answer.parts.length}…`;
      }
      status.replaceChildren(`Registered ${done} targets. See them on the `, el("a", { href: "/app/", text: "overview" }), ".");
    } catch (error) {
      status.textContent = `registered ${done} of ${answer.parts.length}`;
      SS.showError(error);
    }
  });

  const complete = fromUrl();
  fillScopes().then(() => { scopeFromUrl(); if (complete) split(); });
})();
