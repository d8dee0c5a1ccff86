// tracepage.js (app): one kept trace at its own address, /t/<id>, the same for every browser on
// this server. The page views as in a page file (when its maps fit one) plus the live ones (deep
// zoom, head atlas), a link to share, the page file to download (as `--html` writes it), and the
// most attended tokens (or words) of a chosen head, as `attnlab text` prints them.
// An evicted trace (410) says so and offers to run it again.

import { el } from "../../html/js/core.js";
import * as api from "./api.js";
import * as mnt from "./mount.js";

const { L, get, BOOT } = api;
const TOP = 3, TABLE_MAX = 1024; // keys listed per row; rows up to which the table is offered

export async function build(host, tid) {
  const head = el("div", { class: "trace-head", "data-testid": "trace-head" });
  const views = el("div", { class: "views", "data-testid": "trace-views" });
  const err = el("div", { class: "error", role: "alert", "data-testid": "trace-error", hidden: true });
  host.append(head, err, views);
  let info;
  try {
    info = await get(`/api/traces/${tid}`);
  } catch (e) {
    err.textContent = e.message; err.hidden = false;
    const inputs = e.body && e.body.inputs;
    if (inputs) err.append(el("div", {}, rerunLink(tid, inputs)));
    return null;
  }
  const data = await get(`/api/traces/${tid}/page-data?lang=${BOOT.lang}`);
  const fits = data.meta.fits;
  const what = info.kind === "toy" ? "toy" : info.inputs.text;
  head.append(...[
    el("h2", {}, el("span", { text: `${info.model} · ${info.n_tokens} ${L.tokens} · ${info.n_layers} × ${info.n_heads}` })),
    el("p", { class: "quote", text: what.length > 300 ? what.slice(0, 299) + "…" : what }),
    info.truncated ? el("p", { class: "hint", text: L.truncated_note.replace("{n}", info.truncated) }) : null,
    el("div", { class: "links" },
      el("a", { href: `/t/${tid}?lang=${BOOT.lang}`, "data-testid": "trace-link", text: L.share_link }),
      fits ? el("a", { href: `/api/traces/${tid}/page?lang=${BOOT.lang}`, download: "", "data-testid": "trace-download",
        text: L.download_page }) : el("span", { class: "hint", text: L.no_download }),
      el("a", { href: `/?screen=text&lang=${BOOT.lang}`, text: L.new_text }))].filter(Boolean));
  await mnt.mount(views, data, {});
  if (info.kind !== "toy" && info.n_tokens <= TABLE_MAX) host.append(topTable(tid, info));
  return info;
}

function rerunLink(tid, inputs) {
  const q = new URLSearchParams({ lang: BOOT.lang });
  if (tid.startsWith("toy-")) { q.set("screen", "toy"); q.set("toy", JSON.stringify(inputs)); }
  else { q.set("screen", "text"); for (const [k, v] of Object.entries(inputs)) q.set(k, String(v)); q.set("run", "1"); }
  return el("a", { href: `/?${q}`, class: "button", "data-testid": "rerun", text: L.rerun });
}

// the most attended keys of each query row of one head, per token or per word
function topTable(tid, info) {
  const layer = el("select", {}, ...Array.from({ length: info.n_layers }, (_, l) => el("option", { value: l, text: `${L.layer} ${l}` })));
  const headSel = el("select", {}, ...Array.from({ length: info.n_heads }, (_, h) => el("option", { value: h, text: `${L.head} ${h}` })));
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
