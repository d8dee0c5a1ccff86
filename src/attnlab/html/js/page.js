// page.js: a page file's entry (the last module of its script). It reads the page's own data from the
// document (#attnlab-meta, #attnlab-blob, its words #attnlab-labels), makes its core and mounts the
// frame in #attnlab-root. host.js: the errors, the `embedded` class and the height reported to a frame's
// host. window.__attnlab records timings (first draw, head switches, hovers) and errors for tests and
// benchmarks: the core's PERF once there is one.

import { createCore } from "./core.js";
import { mountPage } from "./frame.js";
import { hostPage } from "./host.js";

const root = document.getElementById("attnlab-root");
const { errors, reportSize, text } = hostPage();
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
