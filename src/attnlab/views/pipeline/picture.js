// views/pipeline/picture.js: the pipeline's saved pictures (Save PNG, Save SVG): its stages left to right
// in rows at most SHEET_W wide, as the page wraps them (one row of every stage was a 2,266 x 130 px strip
// for three tokens), each under its name and formula, in the colours and labels the tab draws.

// parts: the tab's {boxes() -> [{mat, g, canvas}], absMax(mat), hiddenAt(mat, i, j), cellColor(mat, v,
// hidden, amax), cellText(mat, v, hidden), rowLabel(mat, i, g)}
export function saved(core, parts) {
  const { FONT, hiDpi, cssColor, inkOn, escXml, svgDoc } = core;
  const { absMax, hiddenAt, cellColor, cellText, rowLabel } = parts;
  // the stages laid out for a saved picture: left to right in rows at most SHEET_W wide (as the page
  // wraps them), each under its name and formula: [{b, x, y}], and the sheet's size
  const SHEET_W = 1200;
  function sheet() {
    const pad = 20, places = [];
    let x = pad, y = 0, rowH = 0, w = 0;
    for (const b of parts.boxes()) {
      if (x > pad && x + b.g.w > SHEET_W) { x = pad; y += rowH + 40 + pad; rowH = 0; }
      places.push({ b, x, y });
      x += b.g.w + pad; rowH = Math.max(rowH, b.g.h); w = Math.max(w, x);
    }
    return { places, w, h: y + rowH + 40 + pad };
  }
  function toCanvas() {
    const { places, w, h } = sheet(), c = document.createElement("canvas"), x = hiDpi(c, w, h);
    x.fillStyle = "white"; x.fillRect(0, 0, w, h); x.fillStyle = "#222"; x.font = `12px ${FONT}`;
    for (const { b, x: at, y } of places) {
      x.fillText(`${b.mat.name}: ${b.mat.formula}`, at, y + 16); x.drawImage(b.canvas, at, y + 30, b.g.w, b.g.h);
    }
    return c;
  }
  function toSvg() {
    const { places, w, h } = sheet(), parts = [];
    for (const { b, x: at, y: top } of places) {
      const { mat, g } = b, amax = absMax(mat);
      parts.push(`<text x="${at}" y="${top + 16}" font-size="12">${escXml(`${mat.name}: ${mat.formula}`)}</text>`);
      for (let i = 0; i < mat.rows; i++) {
        const y = top + 30 + g.tm + i * g.ch;
        if (g.lm > 4) {
          parts.push(`<text x="${at + g.lm - 3}" y="${y + g.ch / 2 + 4}" font-size="11" text-anchor="end">` +
            `${escXml(rowLabel(mat, i, g))}</text>`);
        }
        for (let j = 0; j < mat.cols; j++) {
          const v = mat.get(i, j), hid = hiddenAt(mat, i, j), x = at + g.lm + j * g.cw;
          parts.push(`<rect x="${x}" y="${y}" width="${g.cw}" height="${g.ch}" fill="${cssColor(cellColor(mat, v, hid, amax))}">` +
            `<title>${hid && mat.kind === "weights" ? "—" : Number.isFinite(v) ? v : "-inf"}</title></rect>`);
          if (g.nums) {
            const ink = inkOn(cellColor(mat, v, hid, amax));
            parts.push(`<text x="${x + g.cw / 2}" y="${y + g.ch / 2 + 4}" font-size="11" text-anchor="middle" ` +
              `fill="${ink}">${escXml(cellText(mat, v, hid))}</text>`);
          }
        }
      }
    }
    return svgDoc(w, h, parts.join("\n") + "\n");
  }
  return { toCanvas, toSvg, sheet };
}
