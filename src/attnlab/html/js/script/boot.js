// boot.js: a packed page's one constant script (its hash is a constant of the page's CSP). It inflates
// the page's code (#attnlab-code: base64 of deflate(CSS, NUL, words as JSON, NUL, script)) and inserts
// a <style>, the words (#attnlab-labels, as an unpacked page holds them) and the <script>; an error
// (a browser without DecompressionStream) is shown as text.
(function () {
  const root = document.getElementById("attnlab-root");
  const bytes = Uint8Array.from(atob(document.getElementById("attnlab-code").textContent.trim()), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  new Response(stream).text().then((text) => {
    const [css, labels, code] = text.split("\u0000"), style = document.createElement("style");
    const words = document.createElement("script"), script = document.createElement("script");
    style.textContent = css;
    document.head.append(style);
    words.type = "application/json";
    words.id = "attnlab-labels";
    words.textContent = labels;
    script.textContent = code;
    document.body.append(words, script);
  }).catch((e) => { root.textContent = `attnlab: ${e}`; });
})();
