// api.js (app): the boot data, the labels and the server's JSON API (DOM helpers: html/js/core.js).
// Every answer that is not 2xx carries {"error": "..."}: it becomes an ApiError with that text.

export const BOOT = JSON.parse(document.getElementById("attnlab-app").textContent);
export const L = BOOT.labels;
export const APP = (window.__attnlabApp = { edits: [], errors: [], mounts: 0 }); // timings for tests and benchmarks
window.addEventListener("error", (e) => APP.errors.push(String(e.message)));

export class ApiError extends Error {
  constructor(status, message, body) { super(message); this.status = status; this.body = body; }
}

async function answer(r) {
  const type = r.headers.get("content-type") || "";
  const body = type.includes("json") ? await r.json().catch(() => ({})) : {};
  if (!r.ok) throw new ApiError(r.status, body.error || `HTTP ${r.status}`, body);
  return body;
}
function call(method, url, body, signal) {
  const init = { method, signal, credentials: "same-origin", headers: {} };
  if (body !== undefined) { init.headers["content-type"] = "application/json"; init.body = JSON.stringify(body); }
  return fetch(url, init).then(answer);
}
export const get = (url, signal) => call("GET", url, undefined, signal);
export const post = (url, body, signal) => call("POST", url, body, signal);

// POST with a text/event-stream answer: onEvent(name, data) for each event; resolves at the end
export async function stream(url, body, onEvent, signal) {
  const r = await fetch(url, { method: "POST", signal, credentials: "same-origin",
    headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!r.ok) return answer(r);
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let at;
    while ((at = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, at); buf = buf.slice(at + 2);
      const name = (block.match(/^event: (.*)$/m) || [])[1], data = (block.match(/^data: (.*)$/m) || [])[1];
      if (name && data) onEvent(name, JSON.parse(data));
    }
  }
}

// the address of this app in the other language (the page reloads in it, with the same state)
export function langUrl(lang) {
  const u = new URL(window.location.href);
  u.searchParams.set("lang", lang);
  return u.pathname + u.search + u.hash;
}
// the screen's state into the address (no new history entry: reloading, the language switch and going
// back then find it there); the language switch follows
export function setAddress(search) {
  const url = `${window.location.pathname}?${search}`;
  if (url !== window.location.pathname + window.location.search) window.history.replaceState(window.history.state, "", url);
  const other = document.querySelector("[data-testid=lang-switch]");
  if (other) other.href = langUrl(other.dataset.lang);
}
