// Monitoring: coverage of the 50/80/95% bands, PIT histogram, bias and MASE of the scored actuals,
// the calibration of target probabilities, overall and per group value (GET /v1/monitoring).
"use strict";

(() => {
  const { el, num, api } = SS;
  const share = (x) => (x === null || x === undefined ? "–" : SS.pct(x));
  const fixed = (x, digits = 3) => (x === null || x === undefined ? "–" : x.toFixed(digits));
  const signed = (x) => (x === null || x === undefined ? "–" : `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}%`);

  async function load() {
    try {
      const params = new URLSearchParams();
      const query = SS.query();
      for (const key of ["series_id", "since", "model_version"]) if (query.get(key)) params.set(key, query.get(key));
      for (const g of query.getAll("group")) params.append("group", g);
      const text = params.toString();
      const m = await api("GET", `/v1/monitoring${text ? `?${text}` : ""}`);
      const f = m.forecast, t = m.targets;
      const dl = document.getElementById("monitoring-facts");
      dl.replaceChildren();
      SS.fact(dl, "Model", m.model_version);
      SS.fact(dl, "Scope", m.series_id || (m.group ? Object.entries(m.group).map(([a, b]) => `${a}=${b}`).join(", ") : "all series"));
      SS.fact(dl, "Actuals scored", `${num(f.periods_scored)} periods, ${num(f.series)} series`);
      for (const level of ["50", "80", "95"]) SS.fact(dl, `Inside the ${level}% band`, share(f.coverage[level]));
      SS.fact(dl, "Bias (forecast vs actual)", signed(f.bias));
      SS.fact(dl, "MASE", fixed(f.mase));
      SS.fact(dl, "Targets resolved", t.resolved ? `${num(t.resolved)}, ${share(t.hit_rate)} hit` : "none yet");
      SS.fact(dl, "Brier score of target probabilities", fixed(t.brier));
      SS.fact(dl, "Calibration error (ECE)", fixed(t.ece));
      const bins = f.pit_histogram.map((_, i) => `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`);
      Plotly.react("pit-chart", [
        { type: "bar", x: bins, y: f.pit_histogram, name: "scored actuals", marker: { color: "#1f5fbf" },
          hovertemplate: "PIT %{x}: %{y:.1%}<extra></extra>" },
        { type: "scatter", mode: "lines", x: bins, y: bins.map(() => 0.1), name: "honest (flat)", line: { color: "#5b6474", dash: "dash" } },
      ], { margin: { l: 60, r: 20, t: 20, b: 50 }, yaxis: { title: { text: "share of actuals" }, tickformat: ".0%" },
        xaxis: { type: "category", title: { text: "position among the forecast samples (PIT)" } }, legend: { orientation: "h" } },
      { responsive: true, displaylogo: false });
      const body = document.querySelector("#monitoring-groups tbody");
      body.replaceChildren();
      for (const [col, values] of Object.entries(m.groups)) {
        for (const [value, g] of Object.entries(values)) {
          const link = el("a", { href: `/app/monitoring?group=${encodeURIComponent(`${col}:${value}`)}`, text: `${col}=${value}` });
          body.append(el("tr", {}, el("th", { scope: "row" }, link), el("td", { class: "num", text: num(g.forecast.periods_scored) }),
            ...["50", "80", "95"].map((level) => el("td", { class: "num", text: share(g.forecast.coverage[level]) })),
            el("td", { class: "num", text: signed(g.forecast.bias) }), el("td", { class: "num", text: fixed(g.forecast.mase) }),
            el("td", { class: "num", text: num(g.targets.resolved) }), el("td", { class: "num", text: fixed(g.targets.brier) })));
        }
      }
      if (!body.children.length) body.append(el("tr", {}, el("td", { colspan: "9", class: "muted", text: "The model has no groups." })));
    } catch (error) { SS.showError(error); }
  }
  load();
})();
