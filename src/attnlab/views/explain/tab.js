// views/explain/tab.js: 読み取れること, the explanation computed in Python from the trace (views/explain).
// A toy page shows its whole explanation; a model page the reading of the head (or head mean) that
// the heatmap has selected, with the same layer and head selectors. Text only (textContent).
// A remote page (the app, a long trace) asks the server for the shown layer's readings (core.remote.viewMeta).

export function tab(core) {
  const { META, L, STATE, el, layerSelect, headSelect, remote } = core;
  const VM = META.view_meta.explain;

  function build(root) {
    const text = el("div", { class: "explain-text", "data-testid": "explain-text" });
    const stale = el("p", { class: "note", "data-testid": "explain-stale", text: L.explain_stale });
    const bar = el("div", { class: "toolbar" });
    let layerSel = null, headSel = null;
    if (VM.source === "model") {
      layerSel = layerSelect((v) => { STATE.li = v; refresh(); });
      headSel = headSelect((v) => { STATE.map = v; refresh(); });
      bar.append(el("label", { text: L.layer + " " }, layerSel), el("label", { text: L.head + " " }, headSel));
    }
    root.append(bar, stale, text);
    function paragraphs(s) {
      return s.split("\n").map((line) => el("p", { class: /^\[.*\]$/.test(line) ? "head" : "", text: line }));
    }
    function refresh() {
      stale.hidden = !STATE.edited;
      if (VM.source === "toy") { text.replaceChildren(...paragraphs(VM.text)); return; }
      layerSel.value = String(STATE.li); headSel.value = String(STATE.map);
      const li = STATE.li, m = STATE.map;
      const shown = (held) => { if (STATE.li === li && STATE.map === m) text.replaceChildren(...paragraphs(held.texts[0][m]), ...paragraphs(held.overview)); };
      if (VM.deferred) remote.viewMeta("explain", li, root).then(shown); // {texts: [[map texts]], overview}
      else shown({ texts: [VM.texts[li]], overview: VM.overview });
    }
    return { refresh };
  }

  return { build };
}
