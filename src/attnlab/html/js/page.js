// page.js: a page file's entry (the last module of its script). It reads the page's own data from the
// document (#attnlab-meta, #attnlab-blob, its words #attnlab-labels), makes its core and mounts the
// frame in #attnlab-root.
// In a frame (a notebook output) the page reports its height to the host with postMessage
// ({attnlab: "size", height}), so the host can give the frame that height (attnlab.notebook does);
// a host that does not listen keeps its own height and the page scrolls inside the frame.
// window.__attnlab records timings (first draw, head switches, hovers) and errors for tests and
// benchmarks: the core's PERF once there is one.

import { createCore } from "./core.js";
import { mountPage } from "./frame.js";

const EMBEDDED = window.parent !== window;
const root = document.getElementById("attnlab-root");
const errors = [];
window.__attnlab = { errors, ready: false };
window.addEventListener("error", (e) => errors.push(String(e.message)));
document.documentElement.classList.toggle("embedded", EMBEDDED);

let reported = 0;
function reportSize() {
  const height = Math.ceil(document.body.getBoundingClientRect().height);
  if (!EMBEDDED || height === reported) return;
  reported = height;
  window.__attnlab.reportedHeight = height;
  window.parent.postMessage({ attnlab: "size", height }, "*");
}

new ResizeObserver(reportSize).observe(document.body);
const text = (id) => document.getElementById(id).textContent;
const meta = { ...JSON.parse(text("attnlab-meta")), labels: JSON.parse(text("attnlab-labels")) };
createCore(meta, text("attnlab-blob")).then((core) => {
  core.PERF.errors = errors;
  core.PERF.dataMs = performance.now();
  window.__attnlab = core.PERF;
  mountPage(root, core, () => {
    document.body.dataset.ready = "1";
    reportSize();
  });
}).catch((e) => {
  errors.push(String(e));
  root.textContent = `attnlab: ${e}`;
  console.error(e);
});
