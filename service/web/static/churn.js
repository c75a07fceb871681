// Churn: revenue at risk overall and by segment, customers per risk band.
"use strict";

(() => {
  const { el, num, pct, api } = SS;
  const BANDS = ["high", "medium", "low"];

  async function load() {
    try {
      const s = await api("GET", "/v1/churn/summary");
      const dl = document.getElementById("churn-facts");
      dl.replaceChildren();
      SS.fact(dl, "Customers scored", num(s.customers));
      SS.fact(dl, "Mean churn probability", pct(s.mean_probability));
      SS.fact(dl, "Revenue at risk", s.revenue_at_risk === null ? "– (trained without a value column)" : `${num(s.revenue_at_risk)} per month (${s.value_column})`);
      SS.fact(dl, "Model", s.model_version);
      Plotly.react("bands-chart", [{ type: "bar", x: BANDS, y: BANDS.map((b) => s.risk_bands[b] || 0),
        marker: { color: ["#b3261e", "#a35f00", "#1b7f3b"] }, hovertemplate: "%{x}: %{y:,} customers<extra></extra>" }],
      { margin: { l: 60, r: 20, t: 20, b: 40 }, yaxis: { title: { text: "customers" } }, xaxis: { type: "category", title: { text: "risk band" } } },
      { responsive: true, displaylogo: false });
      const body = document.querySelector("#segments tbody");
      body.replaceChildren();
      document.getElementById("segments-title").textContent = s.segment_column ? `By ${s.segment_column}` : "By segment";
      for (const seg of s.by_segment) {
        body.append(el("tr", {}, el("th", { scope: "row", text: seg.segment ?? "(none)" }), el("td", { class: "num", text: num(seg.customers) }),
          el("td", { class: "num", text: pct(seg.mean_probability) }), el("td", { class: "num", text: num(seg.revenue_at_risk) }),
          el("td", { text: BANDS.map((b) => num(seg.risk_bands[b] || 0)).join(" / ") })));
      }
    } catch (error) { SS.showError(error); }
  }
  load();
})();
