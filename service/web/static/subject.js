// A series, a group or the total: fan chart, a target over a period, and the target curve.
"use strict";

(() => {
  const subject = SS.page.subject; // {series_id} | {group: {...}} | {total: true}
  const form = document.getElementById("target-form");
  const periodSelect = document.getElementById("period");
  const [startInput, endInput, targetInput] = ["start", "end", "target"].map((id) => document.getElementById(id));
  const fanBox = document.getElementById("fan-chart");
  const curveBox = document.getElementById("target-curve");
  const answerBox = document.getElementById("answer");
  const plotConfig = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  let fan = null;
  let periods = [];

  function selection() {
    const period = periodSelect.value || null;
    const start = startInput.value || null, end = endInput.value || null;
    if (period) {
      const named = periods.find((p) => p.name === period);
      return { body: { period }, start: named ? named.start : null, end: named ? named.end : null };
    }
    if (start && end) return { body: { start, end }, start, end };
    return null;
  }

  function fillPeriods() {
    const lastHistory = fan.history.length ? fan.history[fan.history.length - 1].ds : fan.forecast[0].ds;
    const lastForecast = fan.forecast[fan.forecast.length - 1].ds;
    periods = SS.namedPeriods(lastHistory, lastForecast);
    const groups = {};
    for (const p of periods) {
      if (!groups[p.kind]) { groups[p.kind] = SS.el("optgroup", { label: p.kind }); periodSelect.append(groups[p.kind]); }
      groups[p.kind].append(SS.el("option", { value: p.name, text: `${p.name} (${p.start} – ${p.end})` }));
    }
    startInput.min = endInput.min = fan.history.length ? fan.history[0].ds : fan.forecast[0].ds;
    startInput.max = endInput.max = lastForecast;
  }

  // The URL fills the form once: the dates and target at once, the period when its options exist
  // (so nothing a planner types while the chart loads is overwritten).
  function fromUrl({ period = true } = {}) {
    const q = SS.query();
    const named = q.get("period");
    if (period) {
      if (named && !periods.some((p) => p.name === named)) periodSelect.append(SS.el("option", { value: named, text: named }));
      periodSelect.value = named || "";
    }
    startInput.value = q.get("start") || "";
    endInput.value = q.get("end") || "";
    const target = SS.parseAmount(q.get("target"));
    targetInput.value = target === null || Number.isNaN(target) ? "" : SS.num(target);
  }

  function periodFromUrl() {
    const named = SS.query().get("period");
    if (!named || periodSelect.value) return;
    if (!periods.some((p) => p.name === named)) periodSelect.append(SS.el("option", { value: named, text: named }));
    periodSelect.value = named;
  }

  function band(points, level, color) {
    const ds = points.map((p) => p.ds);
    return [
      { x: ds, y: points.map((p) => p.bands[level].upper), mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false },
      { x: ds, y: points.map((p) => p.bands[level].lower), mode: "lines", line: { width: 0 }, fill: "tonexty",
        fillcolor: color, name: `${level}% band`, hovertemplate: `${level}%%: %{y:,.0f}<extra></extra>` },
    ];
  }

  function drawFan(chosen, answer) {
    const f = fan.forecast;
    const traces = [
      ...band(f, "95", "rgba(31,95,191,0.12)"),
      ...band(f, "80", "rgba(31,95,191,0.20)"),
      ...band(f, "50", "rgba(31,95,191,0.30)"),
      { x: fan.history.map((p) => p.ds), y: fan.history.map((p) => p.y), mode: "lines", name: "history",
        line: { color: "#1d2433", width: 1.5 }, hovertemplate: "%{x}: %{y:,.0f}<extra>history</extra>" },
      { x: f.map((p) => p.ds), y: f.map((p) => p.mean), mode: "lines", name: "forecast",
        line: { color: "#1f5fbf", width: 2 }, hovertemplate: "%{x}: %{y:,.0f}<extra>forecast</extra>" },
    ];
    if (fan.actuals.length) {
      traces.push({ x: fan.actuals.map((p) => p.ds), y: fan.actuals.map((p) => p.y), mode: "markers", name: "posted actuals",
        marker: { color: "#b3261e", size: 6 }, hovertemplate: "%{x}: %{y:,.0f}<extra>actual</extra>" });
    }
    const shapes = [];
    if (chosen && chosen.start && chosen.end) {
      shapes.push({ type: "rect", xref: "x", yref: "paper", x0: chosen.start, x1: chosen.end, y0: 0, y1: 1,
        fillcolor: "rgba(255,193,7,0.15)", line: { width: 0 }, layer: "below" });
      if (answer) {
        const periodsInPeriod = answer.periods_elapsed + answer.periods_remaining;
        if (periodsInPeriod > 0) {
          const rate = answer.target / periodsInPeriod;
          traces.push({ x: [chosen.start, chosen.end], y: [rate, rate], mode: "lines", name: "target run rate",
            line: { color: "#a35f00", dash: "dash", width: 2 }, hovertemplate: "target run rate %{y:,.0f}<extra></extra>" });
        }
      }
    }
    const layout = { margin: { l: 70, r: 20, t: 20, b: 40 }, hovermode: "x unified", shapes,
      yaxis: { title: { text: `sales per period (${fan.freq})` }, tickformat: ",.0f", rangemode: "tozero" },
      legend: { orientation: "h", y: -0.15 } };
    Plotly.react(fanBox, traces, layout, plotConfig);
  }

  function drawCurve(curve, target) {
    curveBox.hidden = false;
    const traces = [{ x: curve.map((p) => p.target), y: curve.map((p) => p.probability), mode: "lines", name: "P(total ≥ x)",
      line: { color: "#1f5fbf", width: 2, shape: "hv" }, hovertemplate: "target %{x:,.0f}: %{y:.1%}<extra></extra>" }];
    const layout = { margin: { l: 60, r: 20, t: 20, b: 50 },
      xaxis: { title: { text: "period total target" }, tickformat: ",.0f" },
      yaxis: { title: { text: "probability of reaching it" }, range: [0, 1.02], tickformat: ".0%" },
      shapes: [{ type: "line", x0: target, x1: target, y0: 0, y1: 1, yref: "paper", line: { color: "#a35f00", dash: "dash" } }],
      showlegend: false };
    Plotly.react(curveBox, traces, layout, plotConfig);
  }

  function renderAnswer(a) {
    answerBox.hidden = false;
    SS.setProbability(document.getElementById("probability"), a.probability);
    const verdict = document.getElementById("verdict");
    verdict.textContent = a.verdict;
    verdict.className = `verdict ${a.verdict}`;
    const facts = document.getElementById("answer-facts");
    facts.replaceChildren();
    SS.fact(facts, "Period", `${a.period ? `${a.period}: ` : ""}${a.start} – ${a.end}`);
    SS.fact(facts, "Target", SS.num(a.target));
    SS.fact(facts, "Expected", SS.num(a.expected));
    SS.fact(facts, "Range (p10 – p90)", `${SS.num(a.p10)} – ${SS.num(a.p90)}`);
    SS.fact(facts, "Gap (target − expected)", SS.num(a.gap));
    SS.fact(facts, "Actual to date", `${SS.num(a.actual_to_date)} (${a.periods_elapsed} of ${a.periods_elapsed + a.periods_remaining} periods)`);
    SS.fact(facts, "Required run rate", a.required_run_rate === null ? "–" : `${SS.num(a.required_run_rate)} per period`);
    SS.fact(facts, "Forecast run rate", a.forecast_run_rate === null ? "–" : `${SS.num(a.forecast_run_rate)} per period`);
    SS.fact(facts, "Model", a.model_version);
  }

  async function evaluate() {
    const chosen = selection();
    const target = SS.parseAmount(targetInput.value);
    if (!chosen || target === null) { answerBox.hidden = true; curveBox.hidden = true; drawFan(chosen, null); return; }
    if (!(target > 0)) { SS.showError(`target: enter a positive amount, got ${JSON.stringify(targetInput.value)}`); return; }
    SS.clearError();
    try {
      const answer = await SS.api("POST", "/v1/feasibility", { ...subject, ...chosen.body, target });
      renderAnswer(answer);
      drawFan({ ...chosen, start: answer.start, end: answer.end }, answer);
      const curve = await SS.api("POST", "/v1/feasibility/curve", { ...subject, ...chosen.body, points: 81 });
      drawCurve(curve, target);
    } catch (error) {
      answerBox.hidden = true;
      curveBox.hidden = true;
      SS.showError(error);
      drawFan(null, null); // the forecast still shows; the error says what was wrong with the request
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = selection();
    const target = SS.parseAmount(targetInput.value);
    SS.setQuery({
      period: periodSelect.value || null,
      start: periodSelect.value ? null : startInput.value || null,
      end: periodSelect.value ? null : endInput.value || null,
      target: target === null || Number.isNaN(target) ? null : String(target),
    });
    if (chosen === null) SS.showError("choose a named period, or both a start and an end date");
    else evaluate();
  });
  periodSelect.addEventListener("change", () => { if (periodSelect.value) { startInput.value = ""; endInput.value = ""; } });
  for (const input of [startInput, endInput]) input.addEventListener("change", () => { if (input.value) periodSelect.value = ""; });
  window.addEventListener("popstate", () => { fromUrl(); evaluate(); });

  async function init() {
    fromUrl({ period: false });
    try {
      fan = await SS.api("POST", "/v1/fan", { ...subject, history_periods: 120 });
    } catch (error) {
      SS.showError(error);
      fanBox.replaceChildren(SS.el("p", { class: "muted", text: `No chart: ${error.message}` }));
      form.hidden = true;
      return;
    }
    const facts = document.getElementById("subject-facts");
    const scope = fan.series_count === 1 ? "1 series" : `${SS.num(fan.series_count)} series`;
    facts.textContent = `${scope} · history to ${fan.history.length ? fan.history[fan.history.length - 1].ds : "–"} · `
      + `forecast to ${fan.forecast[fan.forecast.length - 1].ds} · model ${fan.model_version}`;
    fillPeriods();
    periodFromUrl();
    await evaluate();
  }
  init();
})();
