// views/flow/live.js (web app only): the form that asks the server for one token's flow graph
// (server/routes_flow.py: the text run again with its residual streams in the model worker; 202 with the
// progress until done, then the tab's data), then hands the data to the tab.

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// LV: the page's view_meta.flow.live ({lang, token, threshold}); onData(tab data)
export function livePanel(core, LV, onData) {
  const { META, L, N, el, select, tokLabel } = core;
  const tokens = select(Array.from({ length: N }, (_, i) => [i, tokLabel(i)]), LV.token, () => {});
  const tau = el("input", { type: "number", min: "0.001", max: "1", step: "0.01", value: String(LV.threshold),
    "data-testid": "flow-threshold" });
  tokens.dataset.testid = "flow-token";
  const status = el("p", { class: "hint", role: "status", "aria-live": "polite", "data-testid": "flow-status" });
  const error = el("p", { class: "error", role: "alert", hidden: true, "data-testid": "flow-error" });
  const button = el("button", { type: "button", class: "button", "data-testid": "flow-compute", text: L.flow_compute,
    onclick: () => run() });
  async function run() {
    const url = `${META.live.api}/flow?token=${tokens.value}&threshold=${encodeURIComponent(tau.value)}&lang=${LV.lang}`;
    button.disabled = true; error.hidden = true; status.textContent = L.computing;
    try {
      for (;;) {
        const r = await fetch(url, { credentials: "same-origin" });
        const answer = await r.json().catch(() => ({}));
        if (r.status === 200) { status.textContent = ""; onData(answer); break; }
        if (r.status !== 202 && r.status !== 503) { error.textContent = answer.error || `HTTP ${r.status}`; error.hidden = false; status.textContent = ""; break; }
        const what = answer.state === "queued" ? L.state_queued : answer.message === "loading" ? L.state_loading : L.computing;
        status.textContent = `${L.computing}: ${what} (${answer.elapsed_s || 0} s)`;
        await sleep(1000 * Number(r.headers.get("retry-after") || 1));
      }
    } catch (e) { error.textContent = String(e.message || e); error.hidden = false; }
    button.disabled = false;
  }
  return el("div", { class: "flow-form", "data-testid": "flow-form" },
    el("p", { class: "hint", text: L.flow_compute_hint }),
    el("label", { class: "ctl" }, el("span", { text: `${L.flow_token_input} ` }), tokens),
    el("label", { class: "ctl" }, el("span", { text: `${L.flow_threshold_input} ` }), tau),
    button, status, error);
}
