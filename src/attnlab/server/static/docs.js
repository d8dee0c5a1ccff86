// docs.js (app): the JSON API, drawn from /openapi.json by this server's own script (FastAPI's
// Swagger UI would load from a CDN: it is off). Paths, methods, parameters and request bodies.

import { el } from "../../html/js/core.js";
import * as api from "./api.js";

const { L, get } = api;

function schemaText(s) {
  if (!s) return "";
  if (s.anyOf) return s.anyOf.map(schemaText).join(" | ");
  const type = Array.isArray(s.type) ? s.type.join(" | ") : s.type || "";
  const range = [s.minimum !== undefined ? `≥ ${s.minimum}` : "", s.maximum !== undefined ? `≤ ${s.maximum}` : "",
    s.pattern ? `/${s.pattern}/` : "", s.default !== undefined ? `= ${JSON.stringify(s.default)}` : ""].filter(Boolean);
  return [type === "array" && s.items ? `array of ${schemaText(s.items)}` : type, ...range].join(" ");
}

export async function build(host) {
  const spec = await get("/openapi.json");
  host.append(el("h2", { text: `${spec.info.title} ${spec.info.version} · API` }), el("p", { class: "hint", text: L.docs_hint }));
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters || []).map((p) => el("li", {}, el("code", { text: p.name }),
        ` (${p.in}) ${schemaText(p.schema)}${p.description ? " — " + p.description : ""}`));
      const bodySchema = op.requestBody && op.requestBody.content["application/json"].schema;
      const fields = bodySchema && bodySchema.properties ? Object.entries(bodySchema.properties).map(([n, s]) =>
        el("li", {}, el("code", { text: n }), ` ${schemaText(s)}${s.description ? " — " + s.description : ""}`)) : [];
      host.append(el("section", { class: "endpoint" },
        el("h3", {}, el("code", { class: "method", text: method.toUpperCase() }), " ", el("code", { text: path })),
        el("p", { text: op.summary || "" }),
        params.length ? el("ul", {}, ...params) : null,
        fields.length ? el("div", {}, el("b", { text: "JSON body" }), el("ul", {}, ...fields)) : null));
    }
  }
}
