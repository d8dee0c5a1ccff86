// build.mjs: every JS source of attnlab -> src/attnlab/html/js/compiled.json, the code that pages,
// notebook outputs and the web app carry (`make js`: npm ci here, then this). Dev time only: the
// output is committed, and nothing of node runs when attnlab runs.
//
// Sources: the ES modules of src/attnlab (html/js/*.js, views/<name>/*.js, server/static/*.js) and
// the plain scripts of html/js/script/ (the loader, the packed page's boot, the notebook's two).
// A module becomes one unit, define("<id>", ["exports", <ids it imports>], factory) (rollup's AMD
// form, every import kept external), its id its path in attnlab without ".js"; attnlab.html.code
// puts the units a script needs after the loader, each after the units it imports. Then terser
// (compress, mangle) makes every unit and script small: pages and notebooks store this code.
// "sources" is the sha256 of every file above plus this one and the lockfile (the staleness test,
// tests/html/test_code.py, recomputes it from the files as they are).

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rollup } from "@rollup/wasm-node";
import { minify } from "terser";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");
const PKG = path.join(ROOT, "src", "attnlab");
const OUT = path.join(PKG, "html", "js", "compiled.json");
const SCRIPTS = "html/js/script/"; // plain scripts (not modules), under the package
const TOOLS = ["scripts/js/build.mjs", "scripts/js/package-lock.json"]; // part of the digest too
// terser: every unit and script as small as it gets, names mangled (no property names); `unsafe_arrows`
// and `unsafe_methods` turn functions into arrows and methods (nothing here is called with `new`)
const TERSER = {
  compress: { ecma: 2020, passes: 3, unsafe_arrows: true, unsafe_methods: true, pure_getters: true },
  mangle: true, ecma: 2020, format: { comments: false, wrap_func_args: false },
};
// a notebook stores its output's script as a JSON string, where each " costs a backslash more
const SCRIPT_FORMAT = { ...TERSER.format, quote_style: 1 };

// every .js file under the package, as posix paths relative to it, sorted
function sources(dir = PKG) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(full));
    else if (entry.name.endsWith(".js")) out.push(path.relative(PKG, full).split(path.sep).join("/"));
  }
  return out.sort();
}

// sha256 over (path NUL content NUL) of each file, in sorted path order (attnlab.html.code: the same)
function digest(files) {
  const h = createHash("sha256");
  for (const f of [...files].sort()) h.update(f + "\0").update(readFileSync(path.join(ROOT, f))).update("\0");
  return h.digest("hex");
}

const unitId = (file) => path.relative(PKG, file).split(path.sep).join("/").replace(/\.js$/, "");

async function unit(rel) {
  const file = path.join(PKG, rel), id = unitId(file);
  const imports = { name: "units", resolveId(source, importer) { // every import: another unit, by id
    if (importer === undefined) return null;
    if (!source.startsWith(".")) throw new Error(`${rel}: import ${source}: only relative imports of attnlab's modules`);
    const target = path.resolve(path.dirname(importer), source);
    if (!target.startsWith(PKG) || unitId(target).startsWith(SCRIPTS)) throw new Error(`${rel}: import ${source}: not a module`);
    readFileSync(target); // a missing file fails here, by name
    return { id: unitId(target), external: true };
  } };
  const bundle = await rollup({ input: file, plugins: [imports], onwarn: (w) => { throw new Error(`${rel}: ${w.message}`); } });
  const { output: [chunk] } = await bundle.generate({
    format: "amd", amd: { id }, strict: false, esModule: false, freeze: false, interop: "esModule",
    generatedCode: { arrowFunctions: true, constBindings: true, objectShorthand: true, symbols: false },
  });
  await bundle.close();
  return [id, { deps: [...chunk.imports], code: (await minify(chunk.code, TERSER)).code }];
}

async function main() {
  const files = sources();
  const units = {}, scripts = {};
  for (const rel of files) {
    if (rel.startsWith(SCRIPTS)) {
      const source = readFileSync(path.join(PKG, rel), "utf8");
      scripts[rel.replace(/\.js$/, "")] = (await minify(source, { ...TERSER, format: SCRIPT_FORMAT })).code;
    } else {
      const [id, u] = await unit(rel);
      units[id] = u;
    }
    console.log(`${rel}`);
  }
  const out = { sources: digest([...files.map((f) => `src/attnlab/${f}`), ...TOOLS]), units, scripts };
  writeFileSync(`${OUT}.tmp`, JSON.stringify(out, null, 1) + "\n");
  renameSync(`${OUT}.tmp`, OUT); // never half a file
  console.log(`${path.relative(ROOT, OUT)}: ${Object.keys(units).length} modules, ${Object.keys(scripts).length} scripts`);
}

await main();
