// app.js (app): the frame of every screen (header, screens, language) and the screen the address asks for:
// the toy playground (/), the text explorer (/?screen=text), a kept trace (/t/<id>), the API (/docs).
// The address holds each screen's state: the toy's options and x, the text and model, and the tab, layer
// and head shown (view, layer, head); the screens keep it there (api.setAddress) as it changes, so a
// reload, the language switch and the browser's back and forward find it, and links share it.

import { el } from "../../html/js/core.js";
import * as api from "./api.js";
import * as playground from "./playground.js";
import * as explorer from "./explorer.js";
import * as tracepage from "./tracepage.js";
import * as docs from "./docs.js";

const { L, BOOT, APP, langUrl } = api;
const root = document.getElementById("app");
const params = new URLSearchParams(window.location.search);
const link = (screen, href, text) => el("a", { href, text, class: BOOT.screen === screen ? "on" : "", "data-screen": screen });
const other = BOOT.lang === "ja" ? "en" : "ja";
root.append(el("header", { class: "app-head" },
  el("h1", { text: L.app_title }),
  el("nav", { class: "screens", "aria-label": L.app_title },
    link("toy", `/?lang=${BOOT.lang}`, L.screen_toy),
    link("text", `/?screen=text&lang=${BOOT.lang}`, L.screen_text),
    BOOT.docs ? link("docs", `/docs?lang=${BOOT.lang}`, L.screen_docs) : null),
  el("a", { class: "lang", href: langUrl(other), "data-testid": "lang-switch", "data-lang": other, lang: other,
    text: other === "en" ? "English" : "日本語" })));
const main = el("main", { class: "screen", "data-screen": BOOT.screen });
root.append(main);

function json(text, otherwise) { try { return JSON.parse(text); } catch (e) { return otherwise; } }
function toyOptions() {
  if (params.has("toy")) return json(params.get("toy"), {});
  const out = {};
  for (const k of ["tokens", "d_model", "heads", "seed", "temperature"]) if (params.has(k)) out[k] = k === "tokens" ? params.get(k) : Number(params.get(k));
  if (params.has("causal")) out.causal = params.get("causal") === "true";
  const x = params.has("x") ? json(params.get("x"), null) : null;
  if (Array.isArray(x) && x.every((row) => Array.isArray(row) && row.every(Number.isFinite))) out.x = x;
  return out;
}
// the tab, layer and head the address asks for (the screens check them against what the trace has)
function viewState() {
  const out = {};
  if (params.has("view")) out.view = params.get("view");
  if (/^\d+$/.test(params.get("layer") || "")) out.layer = Number(params.get("layer"));
  const head = params.get("head") || "";
  if (head === "mean" || /^\d+$/.test(head)) out.head = head === "mean" ? "mean" : Number(head);
  return out;
}
function textOptions() {
  return { text: params.get("text") || undefined, model: params.get("model") || undefined,
    generate: Number(params.get("generate") || 0), truncate: params.get("truncate") === "true", run: params.get("run") === "1",
    ...sampling() };
}
// a generation's settings in the address (explorer.js; a link's "run it again" address holds them too)
function sampling() {
  const out = {};
  for (const k of ["temperature", "top_k", "seed"]) {
    if (/^\d+(\.\d+)?$/.test(params.get(k) || "")) out[k] = Number(params.get(k));
  }
  return out;
}

const started = BOOT.screen === "trace" ? tracepage.build(main, BOOT.trace, viewState())
  : BOOT.screen === "text" ? explorer.build(main, textOptions())
    : BOOT.screen === "docs" ? docs.build(main)
      : playground.build(main, toyOptions(), viewState());
Promise.resolve(started).then((screen) => { APP.screen = screen; APP.ready = true; document.body.dataset.app = "1"; })
  .catch((e) => { APP.errors.push(String(e)); main.append(el("div", { class: "error", text: String(e.message || e) })); });
