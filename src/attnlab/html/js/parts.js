// parts.js: an encoder-decoder page's entry (html/parts.py, html/render.py). A part switch (encoder |
// decoder | cross, #attnlab-parts: the parts' names and words) above one panel per part; each part is a
// page of its own (#attnlab-meta-<part>, #attnlab-blob-<part>) whose core and frame are made when it is
// first opened, on the tab the part shown before was on (when it has that tab). The switch follows the
// WAI-ARIA tabs pattern, as the frame's tabs do (frame.tabKeys). window.__attnlab is the shown part's
// core.PERF (its `part` names it), with one list of errors for the page; body[data-ready] marks the
// first part drawn, and each part's panel gets data-ready once its frame is drawn.

import { createCore, el } from "./core.js";
import { mountPage, tabKeys } from "./frame.js";
import { hostPage } from "./host.js";

const root = document.getElementById("attnlab-root");
const { errors, reportSize, text } = hostPage();
const spec = JSON.parse(text("attnlab-parts")), labels = JSON.parse(text("attnlab-labels"));
const names = spec.parts.map((p) => p.name), panels = {}, cores = {}, asked = {};
const nav = el("nav", { class: "parts", role: "tablist", "aria-label": spec.label });
root.append(el("header", {}, el("h1", { text: spec.title })), nav);
for (const { name, label } of spec.parts) {
  nav.append(el("button", { role: "tab", "data-part": name, id: `attnlab-part-${name}`, text: label,
    "aria-controls": `attnlab-panel-${name}`, "aria-selected": "false", tabindex: "-1", onclick: () => open(name) }));
  panels[name] = el("section", { class: "part", "data-part": name, role: "tabpanel", id: `attnlab-panel-${name}`,
    "aria-labelledby": `attnlab-part-${name}`, hidden: "" });
  root.append(panels[name]);
}
let shown = null;

// show part `name` (its frame made the first time, on the tab the part shown before was on)
function open(name) {
  const before = shown !== null && cores[shown] ? cores[shown].STATE.view : null;
  shown = name;
  for (const n of names) {
    const tab = nav.querySelector(`[data-part="${n}"]`);
    panels[n].hidden = n !== name;
    tab.classList.toggle("on", n === name);
    tab.setAttribute("aria-selected", String(n === name));
    tab.tabIndex = n === name ? 0 : -1;
  }
  if (cores[name]) {
    window.__attnlab = cores[name].PERF;
    cores[name].PERF.show(cores[name].STATE.view); // fits its views to the panel, shown again
  } else if (!asked[name]) {
    asked[name] = true;
    mount(name, before);
  }
}

function mount(name, view) {
  const meta = { ...JSON.parse(text(`attnlab-meta-${name}`)), labels };
  if (view !== null && meta.views.includes(view)) meta.view = view;
  createCore(meta, text(`attnlab-blob-${name}`), { heading: 2 }).then((core) => {
    core.PERF.errors = errors;
    core.PERF.part = name;
    cores[name] = core;
    if (shown === name) window.__attnlab = core.PERF;
    mountPage(panels[name], core, () => {
      panels[name].dataset.ready = "1";
      document.body.dataset.ready = "1";
      reportSize();
    });
  }).catch((e) => {
    errors.push(String(e));
    panels[name].textContent = `attnlab: ${e}`;
    console.error(e);
  });
}

tabKeys(nav, names, () => shown, open, "data-part");
open(names.includes(spec.open) ? spec.open : names[0]);
