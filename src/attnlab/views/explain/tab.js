// views/explain/tab.js: 読み取れること, the explanation computed in Python from the trace (views/explain).
// A toy page shows its whole explanation; a model page the reading of the head (or head mean) that
// the heatmap has selected, with the same layer and head selectors. Text only (textContent).
// A remote page (the app, a long trace) asks the server for the shown layer's readings (`core.viewMeta`).

export function tab(core) {
  const { META, L, STATE, PERF, el, layerSelect, headSelect, viewMeta } = core;
  const VM = META.view_meta.explain;
  const layers = new Map(); // a remote page: layer index -> {texts: [[map texts]], overview}

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
    const wait = el("p", { class: "note", "data-testid": "explain-loading", text: L.loading, hidden: true });
    root.append(bar, stale, wait, text);
    function paragraphs(s) {
      return s.split("\n").map((line) => el("p", { class: /^\[.*\]$/.test(line) ? "head" : "", text: line }));
    }
    function refresh() {
      stale.hidden = !STATE.edited;
      if (VM.source === "toy") { text.replaceChildren(...paragraphs(VM.text)); return; }
      layerSel.value = String(STATE.li); headSel.value = String(STATE.map);
      const li = STATE.li, held = VM.deferred ? layers.get(li) : { texts: [VM.texts[li]], overview: VM.overview };
      if (!held) {
        wait.hidden = false;
        viewMeta("explain", li).then((got) => { layers.set(li, got); if (STATE.li === li) refresh(); },
          (e) => { wait.textContent = String(e.message || e); PERF.errors.push(String(e)); });
        return;
      }
      wait.hidden = true;
      text.replaceChildren(...paragraphs(held.texts[0][STATE.map]), ...paragraphs(held.overview));
    }
    return { refresh };
  }

  return { build };
}
