// tracepage.js (app): one kept trace at its own address, /t/<id>, the same for every browser on
// this server. The page views as in a page file (when its maps fit one) plus the live ones (deep
// zoom, head atlas), a link to share, the page file to download (as `--html` writes it), and the
// most attended tokens (or words) of a chosen head, as `attnlab text` prints them. The model's name
// heads it (said to be the server's choice when the explorer left it to the server: model=auto in the
// address); the server's `warnings` (what the model did not read as written: Japanese through MiniLM)
// follow, one per line, in the app's language, as every call here names it (?lang=).
// A link that cannot be opened (404: unknown; 410: evicted, or its record cannot make it again) shows
// the server's message, in the app's language, and a link that runs it again (the answer's `rerun`).
// The address holds the tab, layer and head shown (view, layer, head: api.setAddress). A toy's address
// reopens the playground, editable.

import { el } from "../../html/js/core.js";
import { spanText } from "../../html/js/frame.js";
import * as api from "./api.js";
import * as mnt from "./mount.js";
import { playgroundSearch } from "./playground.js";

const { L, get, BOOT } = api;
const TOP = 3, TABLE_MAX = 1024; // keys listed per row; rows up to which the table is offered

export async function build(host, tid, view) {
  const head = el("div", { class: "trace-head", "data-testid": "trace-head" });
  const views = el("div", { class: "views", "data-testid": "trace-views" });
  const err = el("div", { class: "error", role: "alert", "data-testid": "trace-error", hidden: true });
  host.append(head, err, views);
  const lang = `lang=${BOOT.lang}`, auto = new URLSearchParams(window.location.search).get("model") === "auto";
  let info, data;
  try {
    info = await get(`/api/traces/${tid}?${lang}`);
    if (info.kind === "toy") { // a toy is edited in the playground: its address holds the same options
      window.location.replace(`/?${playgroundSearch({ ...info.inputs, tokens: info.inputs.tokens.join(" ") }, view)}`);
      return info;
    }
    data = await get(`/api/traces/${tid}/page-data?${lang}`);
  } catch (e) { // 404 or 410: the server's message in the app's language, and how to run it again
    err.replaceChildren(e.message, ...(rerunOf(e) ? [el("div", {}, rerunLink(rerunOf(e)))] : []));
    err.hidden = false;
    return null;
  }
  const what = info.inputs.text;
  head.append(...[
    el("h2", {}, el("span", { "data-testid": "trace-model", text: info.model }),
      el("span", { text: ` · ${info.n_tokens} ${L.tokens} · ${info.n_layers} × ${info.n_heads}` })),
    auto ? el("p", { class: "hint", "data-testid": "trace-chosen", text: L.model_chosen.replace("{model}", info.model) }) : null,
    info.warnings.length ? el("div", { class: "warnings", "data-testid": "trace-warnings", role: "note" },
      ...info.warnings.map((w) => el("p", { class: "hint warn", text: w }))) : null,
    el("p", { class: "quote", text: what.length > 300 ? what.slice(0, 299) + "…" : what }),
    info.truncated ? el("p", { class: "hint", text: L.truncated_note.replace("{n}", info.truncated) }) : null,
    el("div", { class: "links" },
      el("a", { href: `/t/${tid}?lang=${BOOT.lang}`, "data-testid": "trace-link", text: L.share_link }),
      download(tid, info, data.meta.download),
      el("a", { href: `/?screen=text&lang=${BOOT.lang}`, text: L.new_text }))].filter(Boolean));
  const meta = data.meta, want = view || {}, M = meta.n_heads + (meta.has_mean ? 1 : 0);
  const first = { view: want.view, li: want.layer === undefined ? undefined : meta.layers.indexOf(want.layer),
    map: want.head === "mean" ? M - 1 : want.head };
  const onState = (state) => api.setAddress(new URLSearchParams({ lang: BOOT.lang, ...(auto ? { model: "auto" } : {}),
    view: state.view, layer: String(meta.layers[state.li]), head: state.map >= meta.n_heads ? "mean" : String(state.map) }).toString());
  await mnt.mount(views, data, first, { onState });
  if (info.n_tokens <= TABLE_MAX) host.append(topTable(tid, info));
  return info;
}

// the page file to download, with the layers it holds: by default as many as fit one page (the page
// names those it leaves out), or those typed here; none when not even one layer fits
function download(tid, info, plan) {
  if (!plan.most) return el("span", { class: "hint", "data-testid": "trace-no-download", text: L.no_download });
  const link = el("a", { download: "", "data-testid": "trace-download", text: L.download_page });
  const layers = el("input", { type: "text", size: 10, "data-testid": "trace-layers", spellcheck: "false",
    value: spanText(plan.layers), "aria-describedby": "trace-layers-note" });
  const note = el("span", { class: "hint", id: "trace-layers-note", "data-testid": "trace-layers-note" });
  const fit = L.download_fit.replace("{most}", plan.most).replace("{n}", info.n_layers);
  function update() {
    const chosen = parseLayers(layers.value, info.n_layers);
    const ok = chosen !== null && chosen.length <= plan.most;
    note.textContent = ok ? fit : L.download_bad.replace("{last}", info.n_layers - 1).replace("{most}", plan.most);
    note.classList.toggle("warn", !ok);
    if (ok) link.href = `/api/traces/${tid}/page?lang=${BOOT.lang}&layers=${spanText(chosen)}`;
    else link.removeAttribute("href");
  }
  layers.addEventListener("input", update);
  update();
  return el("span", { class: "download" }, link, el("label", { class: "ctl" }, el("span", { text: L.download_layers }), layers), note);
}
// "0-11" or "0,5,29" -> the layers (sorted, each once), or null when it is not that or names a layer the trace lacks
function parseLayers(text, n) {
  const out = new Set();
  for (const part of text.split(",")) {
    const m = part.trim().match(/^(\d+)(?:-(\d+))?$/);
    if (!m) return null;
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b >= n) return null;
    for (let l = a; l <= b; l++) out.add(l);
  }
  return [...out].sort((x, y) => x - y);
}

// the app's address that runs a trace again, from a refusal's answer: only one of this app's own ("/?...")
const rerunOf = (e) => (e.body && typeof e.body.rerun === "string" && e.body.rerun.startsWith("/?") ? e.body.rerun : null);
function rerunLink(href) {
  return el("a", { href, class: "button", "data-testid": "rerun", text: L.rerun });
}

// the most attended keys of each query row of one head, per token or per word
function topTable(tid, info) {
  const layer = el("select", { "aria-label": L.layer },
    ...Array.from({ length: info.n_layers }, (_, l) => el("option", { value: l, text: `${L.layer} ${l}` })));
  const headSel = el("select", { "aria-label": L.head },
    ...Array.from({ length: info.n_heads }, (_, h) => el("option", { value: h, text: `${L.head} ${h}` })));
  const words = el("input", { type: "checkbox", "data-testid": "top-words" });
  const body = el("div", { class: "top-table", "data-testid": "top-table" });
  async function load() {
    try {
      const d = await get(`/api/traces/${tid}/head?layer=${layer.value}&head=${headSel.value}&words=${words.checked}`);
      body.replaceChildren(...d.weights.map((row, q) => {
        const order = row.map((w, k) => [w, k]).filter(([w]) => w > 0).sort((a, b) => b[0] - a[0]).slice(0, TOP);
        return el("div", { class: "top-row", "data-q": q }, el("span", { class: "tok", text: `${q} ${d.tokens[q]}` }), " → ",
          el("span", { text: order.map(([w, k]) => `${k} ${d.tokens[k]} ${w.toFixed(2)}`).join(", ") }));
      }));
    } catch (e) { body.textContent = e.message; }
  }
  for (const c of [layer, headSel, words]) c.addEventListener("change", load);
  load();
  return el("section", { class: "top" }, el("h3", { text: L.top_title }),
    el("div", { class: "toolbar" }, layer, headSel, el("label", {}, words, ` ${L.words_toggle}`)), body);
}
