// units.js: the modules a script carries, by id (a module's path in attnlab, without .js:
// "views/heatmap/tab"). A page holds only the modules of its views (and a helper only with the data it
// reads), so the frame finds a view's tab, and a view an optional helper, here rather than by import.
// UNITS is the registry of the script's loader (html/js/script/loader.js), which defines every module
// in dependency order before the entry runs.

/* global UNITS */
export function carried(id) {
  return UNITS[id] || null;
}
