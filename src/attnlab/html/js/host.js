// host.js: what a page file's entry (page.js, parts.js) sets up before it reads its data: window.__attnlab
// with the errors seen (tests and benchmarks read it; a core's PERF replaces it once there is one), the
// `embedded` class in a frame (a notebook output), and the page's height reported to the host with
// postMessage ({attnlab: "size", height}), so the host can give the frame that height (attnlab.notebook
// does); a host that does not listen keeps its own height and the page scrolls inside the frame.

export function hostPage() {
  const embedded = window.parent !== window, errors = [];
  window.__attnlab = { errors, ready: false };
  window.addEventListener("error", (e) => errors.push(String(e.message)));
  document.documentElement.classList.toggle("embedded", embedded);
  let reported = 0;
  function reportSize() {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (!embedded || height === reported) return;
    reported = height;
    window.__attnlab.reportedHeight = height;
    window.parent.postMessage({ attnlab: "size", height }, "*");
  }
  new ResizeObserver(reportSize).observe(document.body);
  const text = (id) => document.getElementById(id).textContent; // a <script> element's data
  return { errors, reportSize, text };
}
