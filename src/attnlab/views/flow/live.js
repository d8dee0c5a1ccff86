// views/flow/live.js (web app only): the form that asks the server for one token's flow graph
// (server/routes_flow.py: first whether it can, and why not; then the text run again with its residual
// streams in the model worker, 202 with the progress until done, then the tab's data) and hands the data
// to the tab.

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
    disabled: true, onclick: () => run() });
  const base = `${META.live.api}/flow?lang=${LV.lang}`;
  const fail = (text) => { error.textContent = text; error.hidden = false; status.textContent = ""; };
  fetch(base, { credentials: "same-origin" }).then(async (r) => { // whether this server can (and why not)
    const answer = await r.json().catch(() => ({}));
    if (!r.ok) fail(answer.error || `HTTP ${r.status}`);
    else if (!answer.can) status.textContent = answer.why;
    else button.disabled = false;
  }, (e) => fail(String(e.message || e)));
  async function run() {
    const url = `${base}&token=${tokens.value}&threshold=${encodeURIComponent(tau.value)}`;
    button.disabled = true; error.hidden = true; status.textContent = L.computing;
    try {
      for (;;) {
        const r = await fetch(url, { credentials: "same-origin" });
        const answer = await r.json().catch(() => ({}));
        if (r.status === 200) { status.textContent = ""; onData(answer); break; }
        if (r.status !== 202 && r.status !== 503) { fail(answer.error || `HTTP ${r.status}`); break; }
        const what = answer.state === "queued" ? L.state_queued : answer.message === "loading" ? L.state_loading : L.computing;
        status.textContent = `${L.computing}: ${what} (${answer.elapsed_s || 0} s)`;
        await sleep(1000 * Number(r.headers.get("retry-after") || 1));
      }
    } catch (e) { fail(String(e.message || e)); }
    button.disabled = false;
  }
  return el("div", { class: "flow-form", "data-testid": "flow-form" },
    el("p", { class: "hint", text: L.flow_compute_hint }),
    el("label", { class: "ctl" }, el("span", { text: `${L.flow_token_input} ` }), tokens),
    el("label", { class: "ctl" }, el("span", { text: `${L.flow_threshold_input} ` }), tau),
    button, status, error);
}
