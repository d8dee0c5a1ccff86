// fit.js: sizes a notebook's frame to its page (attnlab.notebook: the page output and the HTML form).
// The page posts {attnlab: "size", height} (html/js/page.js); the frame takes that height, at least
// 80 px and at most `max`. A frame that left the document (a cleared output) drops its listener a
// minute later; one that comes back (JupyterLab re-attaches cells scrolled out of view) is still sized.
// `frame`: the <iframe>, or its id.
function attnlabFit(frame, max) {
  if (typeof frame === "string") frame = document.getElementById(frame);
  let gone = 0;
  function drop() { gone = 0; if (!frame.isConnected) removeEventListener("message", listen); }
  function listen(e) {
    if (!frame.isConnected) { gone = gone || setTimeout(drop, 60000); return; }
    if (e.source !== frame.contentWindow || !e.data || e.data.attnlab !== "size") return;
    frame.style.height = `${Math.min(max, Math.max(80, Math.ceil(+e.data.height || 0) + 2))}px`;
  }
  addEventListener("message", listen);
}
