// Every KRI: its state, thresholds and latest values.
"use strict";

(() => {
  const { el, api } = SS;
  const fmt = (x) => (x === null || x === undefined ? "–" : Math.abs(x) >= 1000 ? SS.num(x) : String(+x.toPrecision(4)));

  async function load() {
    const body = document.querySelector("#kris tbody");
    try {
      const { kris } = await api("GET", "/v1/kri");
      body.replaceChildren();
      if (!kris.length) { body.append(el("tr", {}, el("td", { colspan: "5", class: "muted", text: "No KRI is configured." }))); return; }
      for (const k of kris) {
        const side = k.direction === "above" ? "≥" : "≤";
        const thresholds = [k.warning !== undefined && k.warning !== null ? `warning ${side} ${fmt(k.warning)}` : null,
          k.critical !== undefined && k.critical !== null ? `critical ${side} ${fmt(k.critical)}` : null].filter(Boolean).join(" · ");
        const values = el("ul", { class: "links" });
        for (const v of k.values.slice(0, 12)) {
          const labels = Object.entries(v.labels).map(([a, b]) => `${a}=${b}`).join(", ");
          values.append(el("li", { class: `state-${v.state}`, text: `${labels ? `${labels}: ` : ""}${fmt(v.value)} (${v.state})` }));
        }
        if (!k.values.length) values.append(el("li", { class: "muted", text: k.no_data_reason || "no value yet" }));
        const name = el("th", { scope: "row" }, el("div", { text: k.name }), el("div", { class: "muted", text: k.description }));
        body.append(el("tr", {}, name, el("td", { class: `state-${k.state}`, text: k.severity ? `${k.state} (${k.severity})` : k.state }),
          el("td", { text: thresholds || "–" }), el("td", {}, values), el("td", { text: k.since ? k.since.replace("T", " ").slice(0, 16) : "–" })));
      }
    } catch (error) { body.replaceChildren(); SS.showError(error); }
  }
  load();
})();
