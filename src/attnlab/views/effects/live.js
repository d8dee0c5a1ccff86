// views/effects/live.js (web app only): the form that asks the server for this trace's head effects
// (server/routes_effects.py: GET says whether it can and hands back effects already computed; POST
// computes them in the model worker, answering 202 with the progress until they are done), then hands
// the tab's data to the view. The methods ticked (none: every method cheap enough), a target token
// (decoders) and a corrupted text (activation patching) travel as the CLI's --method, --target, --corrupt.

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// LV: the page's view_meta.effects.live ({lang, decoder, methods: {name: words}}); onData(tab data);
// onReady(): the form knows what the server can do (or why not)
export function livePanel(core, LV, onData, onReady) {
  const { META, L, el } = core;
  const url = `${META.live.api}/effects?lang=${LV.lang}`;
  const boxes = Object.entries(LV.methods).filter(([m]) => LV.decoder || m !== "dla").map(([m, words]) =>
    el("label", { class: "ctl" }, el("input", { type: "checkbox", value: m, "data-method": m }), ` ${words}`));
  const target = el("input", { type: "text", size: 12, spellcheck: "false", "data-testid": "effects-target" });
  const corrupt = el("input", { type: "text", size: 48, spellcheck: "false", "data-testid": "effects-corrupt" });
  const button = el("button", { type: "button", class: "button", "data-testid": "effects-compute", disabled: true,
    text: L.effects_compute, onclick: () => run() });
  const status = el("p", { class: "hint", role: "status", "aria-live": "polite", "data-testid": "effects-status" });
  const error = el("p", { class: "error", role: "alert", hidden: true, "data-testid": "effects-error" });
  const form = el("details", { class: "effects-form", open: true, "data-testid": "effects-form" },
    el("summary", { text: L.effects_compute }),
    el("p", { class: "hint", text: L.effects_compute_hint }),
    el("fieldset", {}, el("legend", { text: L.effects_methods_pick }), ...boxes),
    LV.decoder ? el("label", { class: "ctl" }, el("span", { text: L.effects_target_input }), target) : null,
    el("label", { class: "ctl" }, el("span", { text: L.effects_corrupt_input }), corrupt),
    el("div", {}, button), status, error);

  function got(data) { form.open = false; onData(data); }
  function fail(text) { error.textContent = text; error.hidden = false; status.textContent = ""; }
  function progress(p) { // a 202's body: the job's state, and per exact method the heads done
    const what = p.state === "queued" ? L.state_queued : p.message === "loading" ? L.state_loading
      : p.method ? L.effects_progress.replace("{method}", LV.methods[p.method]).replace("{done}", p.heads_done)
        .replace("{heads}", p.heads) : L.computing;
    status.textContent = `${L.computing}: ${what} (${p.elapsed_s || 0} s)`;
  }
  function body() {
    const out = {}, methods = boxes.map((b) => b.firstChild).filter((b) => b.checked).map((b) => b.value);
    if (methods.length) out.methods = methods;
    if (LV.decoder && target.value !== "") out.target = target.value;
    if (corrupt.value !== "") out.corrupt = corrupt.value;
    return out;
  }
  async function run() {
    const sent = JSON.stringify(body());
    button.disabled = true; error.hidden = true; status.textContent = L.computing;
    try {
      for (;;) {
        const r = await fetch(url, { method: "POST", credentials: "same-origin",
          headers: { "content-type": "application/json" }, body: sent });
        const answer = await r.json().catch(() => ({}));
        if (r.status === 200) { status.textContent = ""; got(answer); break; }
        if (r.status !== 202 && r.status !== 503) { fail(answer.error || `HTTP ${r.status}`); break; }
        if (r.status === 202) progress(answer);
        await sleep(1000 * Number(r.headers.get("retry-after") || 1));
      }
    } catch (e) { fail(String(e.message || e)); }
    button.disabled = false;
  }
  fetch(url, { credentials: "same-origin" }).then(async (r) => {
    const answer = await r.json().catch(() => ({}));
    if (!r.ok) fail(answer.error || `HTTP ${r.status}`);
    else if (!answer.can) status.textContent = answer.why;
    else {
      button.disabled = false;
      if (answer.done) got(answer.done);
    }
    onReady();
  }, (e) => { fail(String(e.message || e)); onReady(); });
  return form;
}
