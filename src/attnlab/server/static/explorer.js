// explorer.js (app): real text through a real model. The text, a model the server offers (its
// registry and the --model values it was started with: never a path typed here) or "auto" (the
// default: the request names no model and the server chooses from the text, as the CLI does: Japanese
// goes to smollm2), tokens to generate (a decoder's: greedy, or sampled with a temperature, top-k and seed,
// which the server checks and keeps with the trace, so its page shows the steps and its link makes the same
// tokens again; none given, the server chooses the seed), truncation. The capture runs on the server (POST
// /api/text/stream): its progress (place in the queue, layers captured) is shown as it comes; then the
// trace opens at its own address, /t/<id> (with model=auto when the server chose: the trace page says
// which model that was). The address holds the text and the options as they are typed
// (api.setAddress; no model: auto); Ctrl+Enter (⌘+Enter) in the text runs it.

import { el } from "../../html/js/core.js";
import * as api from "./api.js";

const { L, stream, BOOT, APP } = api;
const AUTO = ""; // the model select's value for "the server chooses from the text"

export function build(host, options) {
  const opts = options || {};
  const text = el("textarea", { rows: 4, cols: 72, "data-testid": "text-input", spellcheck: "false",
    "aria-label": L.text_hint, "aria-keyshortcuts": "Control+Enter" });
  text.value = opts.text || "Tokyo is beautiful";
  const model = el("select", { "data-testid": "text-model" }, el("option", { value: AUTO, text: L.model_auto }),
    ...BOOT.models.map((m) => el("option", { value: m, text: m })));
  model.value = opts.model && BOOT.models.includes(opts.model) ? opts.model : AUTO;
  const generate = el("input", { type: "number", min: 0, max: 256, step: 1, value: String(opts.generate || 0),
    "data-testid": "text-generate" });
  const num = (testid, value, attrs) => el("input", { type: "number", "data-testid": testid, value: value === undefined
    ? "" : String(value), style: "width: 6em", ...attrs });
  const temperature = num("text-temperature", opts.temperature || 0, { min: 0, step: 0.1 });
  const topK = num("text-top-k", opts.top_k, { min: 1, step: 1 }), seed = num("text-seed", opts.seed, { min: 0, step: 1 });
  const sampling = () => { // the settings the request names: none when greedy (the server refuses stray ones)
    const out = {};
    if (Number(temperature.value)) out.temperature = Number(temperature.value);
    if (topK.value !== "") out.top_k = Number(topK.value);
    if (seed.value !== "") out.seed = Number(seed.value);
    return out;
  };
  const truncate = el("input", { type: "checkbox", "data-testid": "text-truncate" });
  truncate.checked = !!opts.truncate;
  const go = el("button", { class: "primary", "data-testid": "text-run", text: L.run, title: "Ctrl+Enter" });
  const bar = el("progress", { max: 1, value: 0, hidden: true, "data-testid": "text-progress" });
  const status = el("span", { class: "hint", "data-testid": "text-status" });
  const err = el("div", { class: "error", role: "alert", "data-testid": "text-error", hidden: true });
  let ctrl = null;

  function say(p) {
    const where = p.state === "queued" ? `${L.state_queued} (${p.position})` : p.message === "loading" ? L.state_loading
      : p.message === "generating" ? L.state_generating : L.state_running;
    const layers = p.n_layers ? ` · ${L.layers_captured} ${p.layers_done}/${p.n_layers}` : "";
    status.textContent = `${where}${layers} · ${p.elapsed_s || 0} s`;
    bar.hidden = false;
    if (p.n_layers) bar.value = p.layers_done / p.n_layers; else bar.removeAttribute("value");
  }

  async function run() {
    if (ctrl) ctrl.abort(); // a second run replaces the first (the server cancels it if still queued)
    ctrl = new AbortController();
    err.hidden = true; go.disabled = true;
    const auto = model.value === AUTO;
    const body = { text: text.value, ...(auto ? {} : { model: model.value }), generate: Number(generate.value) || 0,
      truncate: truncate.checked, ...sampling() };
    let result = null;
    try {
      await stream(`/api/text/stream?lang=${BOOT.lang}`, body, (name, data) => {
        if (name === "progress") say(data);
        else if (name === "result") result = data;
        else if (name === "error") throw new api.ApiError(400, data.error, data);
      }, ctrl.signal);
    } catch (e) {
      if (e.name !== "AbortError") { err.textContent = e.message; err.hidden = false; APP.lastError = e.message; }
    } finally {
      go.disabled = false; bar.hidden = true;
    }
    if (result) {
      status.textContent = `${result.model} · ${result.n_tokens} ${L.tokens}`;
      window.location.assign(`${result.url}?lang=${BOOT.lang}${auto ? "&model=auto" : ""}`);
    }
  }
  go.addEventListener("click", run);
  text.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(); }
  });
  function address() {
    const q = new URLSearchParams({ screen: "text", lang: BOOT.lang, text: text.value });
    if (model.value !== AUTO) q.set("model", model.value);
    if (Number(generate.value)) q.set("generate", String(Number(generate.value)));
    if (truncate.checked) q.set("truncate", "true");
    for (const [k, v] of Object.entries(sampling())) q.set(k, String(v));
    api.setAddress(q.toString());
  }
  for (const c of [text, model, generate, truncate, temperature, topK, seed]) c.addEventListener("input", address);
  truncate.addEventListener("change", address);
  const row = (label, ...inputs) => el("label", { class: "ctl" }, el("span", { text: label }), ...inputs);
  host.append(el("section", { class: "controls", "data-testid": "text-controls" },
    el("p", { class: "hint", text: L.text_hint }), text,
    el("div", { class: "ctl-row" }, row(L.model, model), row(L.generate, generate), row(L.truncate, truncate), go),
    el("div", { class: "ctl-row", "data-testid": "text-sampling" }, row(L.gen_temperature, temperature),
      row(L.gen_top_k, topK), row(L.gen_seed, seed)),
    el("div", { class: "ctl-row" }, bar, status), err));
  if (opts.run) run();
  return { run };
}
