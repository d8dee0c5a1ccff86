"use strict";
// loader.js: the first lines of every attnlab script (a page's, the web app's). Each module that
// follows is an ES module compiled to define(id, deps, factory) (scripts/js/build.mjs), placed after
// the modules it imports (attnlab.html.code orders them), and runs at once: its imports are already
// in UNITS, its exports go there. "exports" is the module's own exports object (rollup's AMD form).
// The last module is the script's entry (html/js/page.js, server/static/app.js).

const UNITS = Object.create(null);

function define(id, deps, factory) {
  const exports = (UNITS[id] = {});
  factory(...deps.map((d) => (d === "exports" ? exports : UNITS[d])));
}
