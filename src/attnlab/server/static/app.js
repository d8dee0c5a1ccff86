// app.js (app): the frame of every screen (header, screens, language) and the screen the address asks for:
// the toy playground (/), the text explorer (/?screen=text), a kept trace (/t/<id>), the API (/docs).
// Options in the address (tokens, text, model, ...) fill the screen's controls, so links can share them.

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
  el("nav", { class: "screens" },
    link("toy", `/?lang=${BOOT.lang}`, L.screen_toy),
    link("text", `/?screen=text&lang=${BOOT.lang}`, L.screen_text),
    BOOT.docs ? link("docs", `/docs?lang=${BOOT.lang}`, L.screen_docs) : null),
  el("a", { class: "lang", href: langUrl(other), "data-testid": "lang-switch", text: other === "en" ? "English" : "日本語" })));
const main = el("main", { class: "screen", "data-screen": BOOT.screen });
root.append(main);

function toyOptions() {
  if (params.has("toy")) { try { return JSON.parse(params.get("toy")); } catch (e) { return {}; } }
  const out = {};
  for (const k of ["tokens", "d_model", "heads", "seed", "temperature"]) if (params.has(k)) out[k] = k === "tokens" ? params.get(k) : Number(params.get(k));
  if (params.has("causal")) out.causal = params.get("causal") === "true";
  return out;
}
function textOptions() {
  return { text: params.get("text") || undefined, model: params.get("model") || undefined,
    generate: Number(params.get("generate") || 0), truncate: params.get("truncate") === "true", run: params.get("run") === "1" };
}

const started = BOOT.screen === "trace" ? tracepage.build(main, BOOT.trace)
  : BOOT.screen === "text" ? explorer.build(main, textOptions())
    : BOOT.screen === "docs" ? docs.build(main)
      : playground.build(main, toyOptions());
Promise.resolve(started).then((screen) => { APP.screen = screen; APP.ready = true; document.body.dataset.app = "1"; })
  .catch((e) => { APP.errors.push(String(e)); main.append(el("div", { class: "error", text: String(e.message || e) })); });
