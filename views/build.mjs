// Builds each MCP Apps view into ONE self-contained HTML file in kinsta_mcp/views/ (committed, so a
// wheel needs no Node): the view's script with the host bridge (@modelcontextprotocol/ext-apps) and
// the chart library (uPlot) bundled in by esbuild, its styles inline, nothing loaded from elsewhere.
//
//   npm ci && npm run build     rebuild after changing src/ or a dependency
//   npm run check               exit 1, naming the file, when a committed view is not what the sources build
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "kinsta_mcp", "views");
const MAX_BYTES = 512 * 1024;

// name -> extra styles bundled with it (beyond src/common.css and src/<name>.css)
const VIEWS = {
  analytics: { title: "Kinsta analytics", css: [join(here, "node_modules", "uplot", "dist", "uPlot.min.css")] },
  overview: { title: "Kinsta company overview", css: [] },
  batch: { title: "Kinsta batch", css: [] },
};

// zod (a dependency of the bridge) carries its validation messages in 50 languages; the views show
// none of them, so every locale but English is left out (about 250 KB per view).
const englishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/][^\\/]+\.js$/ }, (args) => {
      if (/[\\/](en|index)\.js$/.test(args.path)) return undefined;
      return { contents: "export default function () { return { localeError: () => undefined }; }", loader: "js" };
    });
  },
};

async function build(name, { title, css }) {
  const result = await esbuild.build({
    entryPoints: [join(here, "src", `${name}.js`)],
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2022"],
    platform: "browser",
    legalComments: "none",
    write: false,
    plugins: [englishOnly],
    logLevel: "silent",
  });
  const script = result.outputFiles[0].text.trim();
  if (/<\/script/i.test(script)) throw new Error(`${name}: the bundle contains "</script"; it cannot be inlined`);
  const styles = (await Promise.all([...css, join(here, "src", "common.css"), join(here, "src", `${name}.css`)].map((f) => readFile(f, "utf8"))))
    .join("\n")
    .trim();
  const html = [
    "<!doctype html>",
    `<!-- Built by views/build.mjs from views/src/${name}.js (npm ci && npm run build in views/); do not edit. -->`,
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title>`,
    `<style>${styles}</style>`,
    '</head><body><main id="app"></main>',
    `<script>${script}</script>`,
    "</body></html>",
    "",
  ].join("\n");
  const bytes = Buffer.byteLength(html);
  if (bytes > MAX_BYTES) throw new Error(`${name}: ${bytes} bytes, over the ${MAX_BYTES} allowed per view`);
  return html;
}

const check = process.argv.includes("--check");
let stale = 0;
for (const [name, spec] of Object.entries(VIEWS)) {
  const html = await build(name, spec);
  const target = join(out, `${name}.html`);
  if (check) {
    const committed = await readFile(target, "utf8").catch(() => null);
    if (committed !== html) {
      stale += 1;
      console.error(`kinsta_mcp/views/${name}.html is stale: run \`npm ci && npm run build\` in views/ and commit it`);
    }
  } else {
    await writeFile(target, html);
    console.log(`kinsta_mcp/views/${name}.html: ${Buffer.byteLength(html)} bytes`);
  }
}
process.exit(stale ? 1 : 0);
