// The company overview view (get_company_overview): every site and environment with PHP and WordPress
// versions, pending plugin and theme updates and vulnerable plugins (when the result carries them),
// sortable and filterable; a click on an environment shows its details, and can ask Kinsta for the
// rest (list_environments through the host) or hand it to the assistant (ui/message).
import { callTool, el, formatNumber, replace, resultText, startView, status } from "./common.js";

const root = document.getElementById("app");
let app = null;
let overview = null;
let input = {}; // the call's arguments: a page further is the same call with the answer's next_offset
let rows = [];
let sort = { key: "site", dir: 1 };
let selected = null;

const text = (v) => (v === null || v === undefined || v === "" ? "" : String(v));
const countOf = (list) => (Array.isArray(list) ? list.length : null);

// Vulnerable plugins, whatever the result calls them: a list (its length) or a count.
function vulnerableOf(env) {
  for (const [key, value] of Object.entries(env)) {
    if (!/vulnerab/i.test(key)) continue;
    if (Array.isArray(value)) return { count: value.length, names: value.map((v) => (typeof v === "object" && v ? text(v.name ?? v.slug ?? JSON.stringify(v)) : text(v))) };
    if (typeof value === "number") return { count: value, names: [] };
  }
  return null;
}

function rowsOf(data) {
  const out = [];
  for (const site of Array.isArray(data?.sites) ? data.sites : []) {
    if (!site || typeof site !== "object") continue;
    const envs = Array.isArray(site.environments) ? site.environments.filter((e) => e && typeof e === "object") : [];
    const base = { site: text(site.name || site.display_name || site.id), siteId: text(site.id), status: text(site.status), errors: Array.isArray(site.errors) ? site.errors.map(text) : [] };
    if (!envs.length) out.push({ ...base, env: "", envId: "", envData: null, php: "", wp: "", domain: "", plugins: null, themes: null, vulnerable: null });
    for (const env of envs) {
      out.push({
        ...base,
        env: text(env.name || env.display_name || env.id),
        envId: text(env.id),
        envData: env,
        php: text(env.php_version).replace(/^php/i, ""),
        wp: text(env.wordpress_version),
        domain: text(env.primary_domain),
        plugins: countOf(env.plugin_updates),
        themes: countOf(env.theme_updates),
        vulnerable: vulnerableOf(env),
      });
    }
  }
  return out;
}

const COLUMNS = [
  { key: "site", label: "Site" },
  { key: "env", label: "Environment" },
  { key: "php", label: "PHP", version: true },
  { key: "wp", label: "WordPress", version: true },
  { key: "domain", label: "Domain", wide: true },
  { key: "plugins", label: "Plugins", title: "Pending plugin updates", number: true },
  { key: "themes", label: "Themes", title: "Pending theme updates", number: true },
  { key: "vulnerable", label: "Vulnerable", title: "Vulnerable plugins", number: true, optional: true },
];

function value(row, column) {
  const v = row[column.key];
  if (column.key === "vulnerable") return v ? v.count : null;
  return v;
}

function compare(a, b, column) {
  const x = value(a, column);
  const y = value(b, column);
  if (x === null || x === "" || x === undefined) return y === null || y === "" || y === undefined ? 0 : 1;
  if (y === null || y === "" || y === undefined) return -1;
  if (column.number) return (x - y) * sort.dir;
  return String(x).localeCompare(String(y), "en", { numeric: true, sensitivity: "base" }) * sort.dir;
}

function matches(row, query, pendingOnly) {
  if (pendingOnly && !((row.plugins ?? 0) + (row.themes ?? 0) + (row.vulnerable?.count ?? 0))) return false;
  if (!query) return true;
  const env = row.envData || {};
  const names = [...(env.plugin_updates || []), ...(env.theme_updates || [])].map((u) => text(u?.name));
  const haystack = [row.site, row.env, row.domain, row.php, row.wp, row.siteId, row.envId, ...names, ...(row.vulnerable?.names || [])];
  return haystack.some((h) => h.toLowerCase().includes(query));
}

function cell(row, column) {
  const v = value(row, column);
  const attrs = { class: [column.number ? "num" : "", column.wide ? "wide" : ""].filter(Boolean).join(" ") || undefined };
  if (column.number) return el("td", attrs, v === null ? el("span", { class: "muted", title: "could not be read" }, "?") : v ? el("b", {}, formatNumber(v)) : "0");
  if (column.key === "env" && !row.envId) return el("td", attrs, el("span", { class: "muted" }, "no environments"));
  if (column.key === "site") return el("td", attrs, v, row.errors.length ? el("div", { class: "errors" }, `could not read: ${row.errors.join("; ")}`) : null);
  return el("td", attrs, v || el("span", { class: "muted" }, "–"));
}

function render() {
  const query = (document.getElementById("filter")?.value || "").trim().toLowerCase();
  const pendingOnly = document.getElementById("pending")?.checked || false;
  const columns = COLUMNS.filter((c) => !c.optional || rows.some((r) => r.vulnerable));
  const column = columns.find((c) => c.key === sort.key) || columns[0];
  const shown = rows.filter((r) => matches(r, query, pendingOnly)).sort((a, b) => compare(a, b, column) || a.site.localeCompare(b.site) || a.env.localeCompare(b.env));

  const head = el("tr", {}, columns.map((c) =>
    el("th", { class: [c.number ? "num" : "", c.wide ? "wide" : ""].filter(Boolean).join(" ") || undefined, "aria-sort": c.key === sort.key ? (sort.dir > 0 ? "ascending" : "descending") : undefined, scope: "col", title: c.title },
      el("button", { type: "button", on: { click: () => { sort = { key: c.key, dir: sort.key === c.key ? -sort.dir : 1 }; render(); } } }, c.label))));
  const body = el("tbody", {});
  for (const row of shown) {
    const open = () => { selected = row; render(); };
    body.append(el("tr", {
      class: ["env", selected && selected.envId === row.envId && selected.siteId === row.siteId ? "selected" : ""].filter(Boolean).join(" "),
      tabindex: 0,
      dataset: { site: row.siteId, env: row.envId },
      on: { click: open, keydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(); } } },
    }, columns.map((c) => cell(row, c))));
  }
  const table = document.getElementById("table");
  replace(table, el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, head), body)));
  document.getElementById("shown").textContent = `${shown.length} of ${rows.length} environments shown`;
  details();
}

function details() {
  const box = document.getElementById("details");
  if (!selected) {
    box.replaceChildren();
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const row = selected;
  const env = row.envData || {};
  const updates = (list, kind) =>
    Array.isArray(list)
      ? list.length
        ? el("ul", {}, list.map((u) => el("li", {}, text(u?.name), el("span", { class: "muted" }, ` ${text(u?.version) || "?"} → ${text(u?.update_version) || "?"}`))))
        : el("p", { class: "muted" }, `No ${kind} updates pending.`)
      : el("p", { class: "muted" }, `The ${kind}s could not be read.`);
  const fetched = el("div", { id: "fetched" });
  const actions = el("div", { class: "controls" });
  if (row.envId && row.siteId) {
    actions.append(el("button", { type: "button", on: { click: () => fetchEnvironment(row, fetched) } }, "Details from Kinsta"));
  }
  if (row.envId && app?.getHostCapabilities()?.message) {
    actions.append(el("button", { type: "button", on: { click: () => askAbout(row) } }, "Ask the assistant about it"));
  }
  replace(
    box,
    el("h2", {}, row.site, row.env ? ` / ${row.env}` : ""),
    el("dl", {},
      el("dt", {}, "Site id"), el("dd", { class: "mono" }, row.siteId),
      el("dt", {}, "Environment id"), el("dd", { class: "mono" }, row.envId || "–"),
      el("dt", {}, "Status"), el("dd", {}, row.status || "–"),
      el("dt", {}, "Domain"), el("dd", {}, row.domain || "–"),
      el("dt", {}, "PHP / WordPress"), el("dd", {}, `${row.php || "?"} / ${row.wp || "?"}`)),
    el("strong", {}, "Plugin updates"), updates(env.plugin_updates, "plugin"),
    el("strong", {}, "Theme updates"), updates(env.theme_updates, "theme"),
    row.vulnerable ? [el("strong", {}, "Vulnerable plugins"), el("ul", {}, row.vulnerable.names.map((n) => el("li", {}, n)))] : null,
    row.errors.length ? el("p", { class: "errors" }, `Could not read: ${row.errors.join("; ")}`) : null,
    actions,
    fetched,
  );
}

function flat(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "object") return String(value);
  return JSON.stringify(value);
}

async function fetchEnvironment(row, box) {
  status(`Asking Kinsta about ${row.site} / ${row.env}…`);
  try {
    const result = await callTool(app, "list_environments", { site_id: row.siteId });
    const envs = result.structuredContent?.site?.environments || [];
    const env = envs.find((e) => String(e?.id) === row.envId);
    if (!env) throw new Error(`${row.env} is no longer among the site's environments.`);
    replace(box, el("dl", {}, Object.entries(env).flatMap(([k, v]) => [el("dt", {}, k), el("dd", { class: typeof v === "object" ? "mono" : undefined }, flat(v))])));
    status("");
  } catch (error) {
    status(error.message || String(error), "error");
  }
}

async function askAbout(row) {
  try {
    await app.sendMessage({
      role: "user",
      content: [{ type: "text", text: `Show me the environment ${row.env} of the site ${row.site} (env_id ${row.envId}).` }],
    });
  } catch (error) {
    status(error.message || String(error), "error");
  }
}

function count(n, one, many) {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

// What the whole company looks like, from the answer's totals (the older shape: from its sites).
function summary(data) {
  const sites = data.sites_total ?? (Array.isArray(data.sites) ? data.sites.length : 0);
  const environments = data.environments_total ?? rows.filter((r) => r.envId).length;
  const parts = [count(sites, "site", "sites"), count(environments, "environment", "environments")];
  if (data.pending_plugin_updates !== undefined) parts.push(count(data.pending_plugin_updates, "plugin update", "plugin updates") + " pending");
  if (data.pending_theme_updates !== undefined) parts.push(count(data.pending_theme_updates, "theme update", "theme updates") + " pending");
  if (data.vulnerable_installs) parts.push(count(data.vulnerable_installs, "vulnerable install", "vulnerable installs"));
  if (data.sites_with_errors) parts.push(`${count(data.sites_with_errors, "site", "sites")} partly unreadable`);
  return parts.join(" · ");
}

function vulnerableList(data) {
  const items = Array.isArray(data.vulnerable) ? data.vulnerable.filter((v) => v && typeof v === "object") : [];
  if (!items.length) return null;
  return el("div", { class: "vulnerable" },
    el("strong", {}, "Vulnerable anywhere: "),
    items.map((v, i) => [
      i ? ", " : "",
      el("span", { class: "vuln" }, text(v.name)),
      el("span", { class: "muted" }, ` (${text(v.kind) || "plugin"}, ${count(v.environments ?? 0, "environment", "environments")}${
        v.latest_vulnerable ? ", no fixed version yet" : v.latest_version ? `, fixed in ${text(v.latest_version)}` : ""})`),
    ]));
}

function notes(data) {
  const out = [];
  for (const error of Array.isArray(data.errors) ? data.errors : []) out.push(el("p", { class: "errors" }, `Could not read: ${text(error)}`));
  for (const [key, v] of Object.entries(data)) {
    if (typeof v === "string" && v && /note|left_out|notice|truncat/i.test(key)) out.push(el("p", { class: "sub note" }, v));
  }
  return out;
}

function pager() {
  const box = document.getElementById("more");
  const next = overview?.next_offset;
  if (next === null || next === undefined) {
    replace(box);
    return;
  }
  const total = overview.matching ?? overview.sites_total;
  const shown = new Set(rows.map((r) => r.siteId)).size;
  replace(box,
    el("p", { class: "sub note" }, total ? `${formatNumber(shown)} of ${formatNumber(total)} sites shown.` : text(overview.more)),
    el("button", { type: "button", id: "more-sites", on: { click: () => more(next) } }, "Show more sites"));
}

// The next page, when the person asks for it: the same call with the answer's next_offset, through the host.
async function more(offset) {
  status("Loading more sites…");
  for (const button of document.querySelectorAll("#more button")) button.disabled = true;
  try {
    const result = await callTool(app, "get_company_overview", { ...input, offset });
    const page = result.structuredContent || {};
    const seen = new Set(rows.map((r) => r.siteId));
    rows = rows.concat(rowsOf(page).filter((r) => !seen.has(r.siteId)));
    overview = { ...overview, next_offset: page.next_offset ?? null, more: page.more };
    status("");
  } catch (error) {
    status(error.message || String(error), "error");
  }
  render();
  pager();
}

function show(data) {
  overview = data;
  rows = rowsOf(data);
  selected = null;
  replace(
    document.getElementById("head"),
    el("h1", {}, "Company overview"),
    el("p", { class: "sub summary" }, summary(data)),
    vulnerableList(data),
    notes(data),
  );
  render();
  pager();
}

replace(
  root,
  el("header", { id: "head" }, el("h1", {}, "Company overview")),
  el("div", { id: "status", class: "status", role: "status" }, "Waiting for the result…"),
  el("div", { class: "filters" },
    el("input", { id: "filter", type: "search", placeholder: "Filter by site, environment, domain, plugin…", "aria-label": "Filter", on: { input: () => render() } }),
    el("label", {}, el("input", { id: "pending", type: "checkbox", on: { change: () => render() } }), "Pending updates only"),
    el("span", { id: "shown", class: "muted" })),
  el("div", { id: "table" }),
  el("div", { id: "more" }),
  el("section", { id: "details", class: "details", hidden: true, "aria-live": "polite" }),
);

app = startView("overview", {
  onInput(args) {
    input = { ...args };
    delete input.offset;
  },
  onResult(result) {
    if (result?.isError) {
      status(resultText(result) || "The overview failed.", "error");
      return;
    }
    if (!result?.structuredContent) {
      status(resultText(result) || "This result has nothing to draw.");
      return;
    }
    status("");
    show(result.structuredContent);
  },
  onContext() {
    if (overview) render();
  },
});
