// Overview: registered targets with probability, verdict and pace; active alerts; served models.
"use strict";

(() => {
  const { el, num, pct, api } = SS;

  function subjectText(t) {
    if (t.series_id) return el("a", { href: `/app/series/${encodeURIComponent(t.series_id)}`, text: t.series_id });
    const group = t.group || {};
    const keys = Object.keys(group);
    const params = keys.length ? new URLSearchParams(group).toString() : "total=1";
    return el("a", { href: `/app/group?${params}`, text: keys.length ? keys.map((k) => `${k}=${group[k]}`).join(", ") : "all series" });
  }

  function paceBar(t) {
    const periods = t.periods_elapsed + t.periods_remaining;
    const done = Math.max(0, Math.min(1, t.actual_to_date / t.amount));
    const elapsed = periods ? t.periods_elapsed / periods : 0;
    const bar = el("div", { class: "pace", role: "img",
      "aria-label": `${pct(done)} of the target reached with ${pct(elapsed)} of the period elapsed` });
    const fill = el("div", { class: "done" }); fill.style.width = `${100 * done}%`;
    const mark = el("div", { class: "elapsed" }); mark.style.left = `${100 * elapsed}%`;
    bar.append(fill, mark);
    return el("div", {}, bar, el("div", { class: "pace-text", text: `${num(t.actual_to_date)} to date · ${pct(elapsed)} of the period elapsed` }));
  }

  async function targets() {
    const body = document.querySelector("#targets tbody");
    try {
      const { targets: list } = await api("GET", "/v1/targets");
      body.replaceChildren();
      if (!list.length) {
        body.append(el("tr", {}, el("td", { colspan: "7", class: "muted" },
          "No registered targets yet: check one on a ", el("a", { href: "/app/group?total=1", text: "forecast page" }),
          " or split one with ", el("a", { href: "/app/decompose", text: "Split a target" }), ".")));
        return;
      }
      for (const t of list) {
        const deep = `?period=${encodeURIComponent(t.period || "")}&target=${t.amount}`;
        const link = subjectText(t);
        link.href += (link.href.includes("?") ? "&" : "") + deep.slice(1);
        const row = el("tr", {},
          el("th", { scope: "row", text: t.name }), el("td", {}, link),
          el("td", { text: t.period || `${t.start} – ${t.end}` }), el("td", { class: "num", text: num(t.amount) }));
        if (t.error) {
          row.append(el("td", { colspan: "3", class: "muted", text: t.error }));
        } else {
          const p = el("span", { "data-testid": "target-probability", "data-value": String(t.probability), text: pct(t.probability) });
          row.append(el("td", { class: "num" }, p), el("td", {}, el("span", { class: `verdict ${t.verdict}`, text: t.verdict })), el("td", {}, paceBar(t)));
        }
        body.append(row);
      }
    } catch (error) { body.replaceChildren(); SS.showError(error); }
  }

  async function alerts() {
    const body = document.querySelector("#alerts tbody");
    try {
      const list = await api("GET", "/v1/alerts");
      body.replaceChildren();
      if (!list.length) { body.append(el("tr", {}, el("td", { colspan: "4", class: "muted", text: "No alert is firing." }))); return; }
      for (const a of list) {
        const labels = Object.entries(a.labels).filter(([k]) => !["alertname", "severity"].includes(k)).map(([k, v]) => `${k}=${v}`).join(", ");
        body.append(el("tr", {}, el("th", { scope: "row", text: labels }),
          el("td", { class: `sev-${a.labels.severity}`, text: a.labels.severity }),
          el("td", { text: a.annotations.summary || "" }), el("td", { text: a.startsAt.replace("T", " ").slice(0, 16) + " UTC" })));
      }
    } catch (error) { body.replaceChildren(); SS.showError(error); }
  }

  async function models() {
    const dl = document.getElementById("models");
    try {
      const m = await api("GET", "/v1/models");
      dl.replaceChildren();
      const when = (ts) => (ts ? ts.replace("T", " ").slice(0, 16) + " UTC" : "–");
      if (m.forecast) SS.fact(dl, "Forecast model", `${m.forecast.version} · trained ${when(m.forecast.trained_at)} · ${num(m.forecast.series)} series`);
      else SS.fact(dl, "Forecast model", "none loaded: train one with `sentinel train forecast`");
      SS.fact(dl, "Churn model", m.churn ? `${m.churn.version} · trained ${when(m.churn.trained_at)}` : "none loaded");
      const last = m.last_retrain;
      const jobs = last && last.jobs ? Object.entries(last.jobs).map(([model, status]) => `${model} ${status}`).join(", ") : "";
      SS.fact(dl, "Last retrain", last ? `${when(last.finished_at || null)}${jobs ? ` · ${jobs}` : ""}` : "none yet");
      const links = document.getElementById("series-links");
      links.replaceChildren(el("li", {}, el("a", { href: "/app/group?total=1", text: "All series (total)" })));
      const { series } = await api("GET", "/v1/series");
      for (const s of series.slice(0, 200)) {
        links.append(el("li", {}, el("a", { href: `/app/series/${encodeURIComponent(s.series_id)}`, text: s.series_id })));
      }
      const { columns } = await api("GET", "/v1/groups");
      for (const [col, values] of Object.entries(columns)) {
        for (const v of values) {
          links.append(el("li", {}, el("a", { href: `/app/group?${new URLSearchParams({ [col]: v.value })}`, text: `${col}=${v.value} (${v.series})` })));
        }
      }
    } catch (error) { SS.showError(error); }
  }

  targets(); alerts(); models();
})();
