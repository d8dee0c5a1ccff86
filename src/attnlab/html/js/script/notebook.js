// notebook.js: a notebook's page output (application/javascript; attnlab.notebook, after fit.js). It
// puts the page into a sandboxed <iframe srcdoc> and hides the preview of the same output.
// data: {page: base85 (Python's b85encode alphabet) of deflate(the page), mark: the preview's id,
// sandbox, height: the frame's height before the page reports its own, max: the most it grows to}.
// Where it runs: `element` is the output's node in JupyterLab, Notebook 7 and nbconvert (a jQuery
// object in the classic notebook); VS Code runs it as a <script> (currentScript); Colab's output
// frame is a document of its own (body). The preview is the image whose PNG text chunk (in its first
// bytes) carries the mark.
function attnlabNotebook(data) {
  /* global element */
  const mine = typeof element !== "undefined" ? element : null;
  const host = (mine && (mine.jquery ? mine[0] : mine)) ||
    (document.currentScript && document.currentScript.parentElement) || document.body;
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", data.sandbox);
  frame.setAttribute("title", "attnlab");
  frame.style.cssText = `display:block;width:100%;height:${data.height}px;border:1px solid #ddd;box-sizing:border-box`;
  attnlabFit(frame, data.max);
  host.appendChild(frame);
  // base85: 5 characters carry 4 bytes
  const Z = data.page, A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
  const digit = new Uint8Array(128), pad = (5 - (Z.length % 5)) % 5, raw = new Uint8Array((Z.length + pad) / 5 * 4);
  for (let i = 0; i < 85; i++) digit[A.charCodeAt(i)] = i;
  for (let i = 0, o = 0; i < Z.length; i += 5, o += 4) {
    let v = 0;
    for (let j = i; j < i + 5; j++) v = v * 85 + (j < Z.length ? digit[Z.charCodeAt(j)] : 84);
    raw[o] = v >>> 24; raw[o + 1] = (v >>> 16) & 255; raw[o + 2] = (v >>> 8) & 255; raw[o + 3] = v & 255;
  }
  const inflate = new Blob([raw.subarray(0, raw.length - pad)]).stream().pipeThrough(new DecompressionStream("deflate"));
  new Response(inflate).text().then((page) => { frame.srcdoc = page; }, (e) => { host.append(`attnlab: ${e}`); });
  let found = false, tries = 8;
  const tag = `attnlab\u0000${data.mark}`, hide = (img) => { img.style.display = "none"; found = true; };
  const ours = (img) => {
    const src = img.getAttribute("src") || "";
    if (src.startsWith("data:image/png;base64,")) {
      try { if (atob(src.slice(22, 4118)).includes(tag)) hide(img); } catch (e) { return; }
    } else if (src.startsWith("blob:")) {
      fetch(src).then((r) => r.arrayBuffer()).then((b) => {
        if (String.fromCharCode(...new Uint8Array(b, 0, Math.min(4096, b.byteLength))).includes(tag)) hide(img);
      }).catch(() => {});
    }
  };
  (function look() {
    Array.from(document.images).forEach(ours);
    if (--tries > 0 && !found) setTimeout(look, 250);
  })();
}
