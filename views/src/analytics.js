// The analytics view (get_analytics): a time series as a chart over the period's dates, a breakdown
// as bars. Metric, period and environment are switched from the view: each switch is one
// get_analytics call (or list_sites, for the list of environments) through the host.
import uPlot from "uplot";
import {
  callTool,
  el,
  formatNumber,
  formatTime,
  parseTime,
  replace,
  resultText,
  startView,
  status,
  toNumber,
} from "./common.js";

const TOOL = "get_analytics";
const METRICS = {
  visits: "Visits",
  bandwidth: "Server bandwidth",
  "cdn-bandwidth": "CDN bandwidth",
  "top-countries": "Top countries",
  "top-cities": "Top cities",
  "top-client-ips": "Top client IPs",
  "visits-dispersion": "Visits by device",
  "response-codes": "Response codes",
  "top-uas": "Top user agents",
  "top-browsers": "Top browsers",
  "top-referrers": "Top referrers",
  "top-hosts": "Top hosts",
  "top-asns": "Top networks",
};
const PERIODS = { "24_hours": "24 hours", "7_days": "7 days", "30_days": "30 days", "60_days": "60 days" };
const DEFAULT_PERIOD = "7_days"; // Kinsta's, when none is given
const PALETTE = ["#5b7cfa", "#e5484d", "#2f9e6e", "#e09b13", "#8e4ec6", "#12a5a5", "#e93d82", "#8d7d5a"];

const root = document.getElementById("app");
let app = null;
let args = {};
let drawn = null; // the last drawable result, redrawn on a theme or size change
let chart = null;
let environments = null; // [{id, label}] once the person asked for the list

// -- reading a result -----------------------------------------------------------------------

function itemsOf(structured) {
  const response = structured?.analytics?.analytics_response;
  return Array.isArray(response?.data) ? response.data.filter((item) => item && typeof item === "object") : null;
}

const LABEL_FIELDS = ["name", "response_code", "ip", "key", "date"];

function labelOf(item) {
  for (const field of LABEL_FIELDS) if (typeof item[field] === "string" && item[field]) return item[field];
  const text = Object.values(item).find((value) => typeof value === "string" && value);
  return text || "?";
}

// A number of a breakdown row: the first field that reads as a number, other than its label.
function amountOf(item) {
  for (const field of ["views", "value", "total", "count", "percent"]) {
    const n = toNumber(item[field]);
    if (n !== null) return n;
  }
  const label = labelOf(item);
  for (const value of Object.values(item)) {
    if (value === label) continue;
    const n = toNumber(value);
    if (n !== null) return n;
  }
  return null;
}

// Time series: rows that carry an array of {key|date, value|percent} points.
function seriesOf(items) {
  const series = [];
  for (const item of items) {
    const points = Object.values(item).find(Array.isArray);
    if (!points) return null;
    const percent = points.some((p) => p && "percent" in p);
    const values = points
      .filter((p) => p && typeof p === "object")
      .map((p) => [parseTime(p.key ?? p.date), toNumber(p.value ?? p.percent)])
      .filter(([t]) => t !== null);
    series.push({ label: labelOf(item), total: toNumber(item.total), percent, values });
  }
  return series.length ? series : null;
}

// -- drawing ----------------------------------------------------------------------------------

function colour(name) {
  const probe = el("span", { style: `color: var(${name})` });
  document.body.append(probe);
  const value = getComputedStyle(probe).color;
  probe.remove();
  return value;
}

function summarise(s) {
  const known = s.values.map(([, v]) => v).filter((v) => v !== null);
  if (s.percent) {
    const mean = known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
    return { label: "average", value: mean === null ? null : Math.round(mean * 100) / 100, suffix: "%" };
  }
  return { label: "total", value: s.total ?? known.reduce((a, b) => a + b, 0), suffix: "" };
}

function drawSeries(container, series, title) {
  const times = [...new Set(series.flatMap((s) => s.values.map(([t]) => t)))].sort((a, b) => a - b);
  const hourly = times.length > 1 && times[1] - times[0] < 86400;
  const data = [times, ...series.map((s) => {
    const byTime = new Map(s.values);
    return times.map((t) => (byTime.has(t) ? byTime.get(t) : null));
  })];
  const single = series.length === 1;
  const names = series.map((s) => (single ? title : s.label));

  const first = times[0];
  const last = times[times.length - 1];
  const period = el("p", { class: "sub period", "data-first": first, "data-last": last },
    times.length ? `${formatTime(first, hourly)} – ${formatTime(last, hourly)} · ${times.length} ${hourly ? "hourly" : "daily"} points` : "No data points in this period");

  const figure = el("figure", { class: "chart", role: "img" });
  const legend = el("ul", { class: "legend" });
  const readouts = [];
  series.forEach((s, i) => {
    const summary = summarise(s);
    const at = el("span", { class: "at muted" });
    readouts.push(at);
    legend.append(
      el("li", { dataset: { series: names[i] } },
        el("span", { class: "swatch", style: `background:${PALETTE[i % PALETTE.length]}` }),
        el("span", { class: "name" }, names[i]),
        el("span", { class: "summary" }, `${summary.label} `, el("b", { class: "amount" }, `${formatNumber(summary.value)}${summary.suffix}`)),
        at),
    );
  });
  container.append(period, figure, legend);
  if (!times.length) return;

  const axis = colour("--fg-2");
  const grid = colour("--line");
  const painted = (axisName) => (u, splits) => {
    const labels = splits.map((v) => (axisName === "x" ? formatTime(v, hourly) : formatNumber(v)));
    figure.dataset[axisName === "x" ? "xTicks" : "yTicks"] = JSON.stringify(labels);
    return axisName === "x" ? labels.map((label) => label.replace(/, \d{4}/, "")) : labels;
  };
  const width = Math.max(240, container.clientWidth || 320);
  const opts = {
    width,
    height: 220,
    legend: { show: false },
    cursor: { points: { size: 7 }, drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, values: painted("x"), space: 70 },
      { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, values: painted("y"), size: 60 },
    ],
    series: [
      {},
      ...series.map((s, i) => ({
        label: names[i],
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        fill: single ? `${PALETTE[0]}22` : undefined,
        points: { show: times.length <= 31 },
        spanGaps: false,
      })),
    ],
    hooks: {
      setCursor: [
        (u) => {
          const idx = u.cursor.idx;
          series.forEach((s, i) => {
            const v = idx === null || idx === undefined ? undefined : data[i + 1][idx];
            readouts[i].textContent =
              v === undefined ? "" : ` · ${formatTime(times[idx], hourly)}: ${v === null ? "no data" : formatNumber(v)}${s.percent && v !== null ? "%" : ""}`;
          });
        },
      ],
    },
  };
  chart = new uPlot(opts, data, figure);
  figure.setAttribute("aria-label", `${title}: ${names.join(", ")} from ${formatTime(first, hourly)} to ${formatTime(last, hourly)}`);
}

function drawBars(container, rows, note) {
  const max = Math.max(0, ...rows.map((r) => r.value ?? 0));
  const list = el("ol", { class: "bars" });
  for (const row of rows) {
    const bar = el("span", { class: "bar" });
    bar.style.width = `${max > 0 && row.value ? Math.max(1, (row.value / max) * 100) : 0}%`;
    list.append(
      el("li", {},
        el("span", { class: "label", title: row.label }, row.label),
        el("span", { class: "track" }, bar),
        el("span", { class: "value" }, `${formatNumber(row.value)}${row.suffix || ""}`)),
    );
  }
  if (note) container.append(el("p", { class: "sub" }, note));
  container.append(rows.length ? list : el("p", { class: "muted" }, "Nothing to show for this period."));
}

function draw() {
  if (chart) {
    chart.destroy();
    chart = null;
  }
  const body = document.getElementById("body");
  body.replaceChildren();
  if (!drawn) return;
  const metric = args.metric || "visits";
  const title = METRICS[metric] || metric;
  const items = itemsOf(drawn);
  if (!items) {
    body.append(el("pre", { class: "mono" }, drawn.text || "This result has no analytics to draw."));
    return;
  }
  const series = seriesOf(items);
  if (series) {
    drawSeries(body, series, title);
    if (series.length > 1) {
      const totals = series.map((s) => ({ label: s.label, value: summarise(s).value, suffix: summarise(s).suffix }));
      drawBars(body, totals.sort((a, b) => (b.value ?? 0) - (a.value ?? 0)), series[0].percent ? "Average share over the period" : "Totals over the period");
    }
  } else {
    const rows = items.map((item) => ({ label: labelOf(item), value: amountOf(item) }));
    drawBars(body, rows.sort((a, b) => (b.value ?? 0) - (a.value ?? 0)), `${title} over ${periodText()}`);
  }
}

function periodText() {
  if (args.from_date || args.to_date) return `${args.from_date || "…"} to ${args.to_date || "…"}`;
  return `the last ${PERIODS[args.time_span || DEFAULT_PERIOD] || args.time_span}`;
}

// -- controls ------------------------------------------------------------------------------------

function select(label, choices, value, onChange) {
  const node = el("select", { "aria-label": label, on: { change: () => onChange(node.value) } });
  for (const [key, text] of Object.entries(choices)) node.append(el("option", { value: key }, text));
  if (value && !(value in choices)) node.append(el("option", { value }, value));
  node.value = value;
  return node;
}

function header() {
  const metric = args.metric || "visits";
  const period = args.from_date || args.to_date ? "custom" : args.time_span || DEFAULT_PERIOD;
  const periods = period === "custom" ? { custom: `${args.from_date || "…"} to ${args.to_date || "…"}`, ...PERIODS } : PERIODS;
  const head = document.getElementById("head");
  const envControl = environments
    ? select("Environment", Object.fromEntries(environments.map((e) => [e.id, e.label])), args.env_id, (env_id) => load({ env_id }))
    : el("button", { type: "button", class: "env", on: { click: loadEnvironments } }, "Other environment…");
  replace(
    head,
    el("h1", {}, `${METRICS[metric] || metric}`),
    el("p", { class: "sub" }, "Environment ", el("span", { class: "mono env-id" }, String(args.env_id ?? "?"))),
    el("div", { class: "controls" },
      select("Metric", METRICS, metric, (m) => load({ metric: m })),
      select("Period", periods, period, (p) => load({ time_span: p, from_date: undefined, to_date: undefined })),
      envControl),
  );
}

async function load(change) {
  const next = { ...args, ...change };
  for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
  status("Loading…");
  for (const control of document.querySelectorAll("select, button")) control.disabled = true;
  try {
    const result = await callTool(app, TOOL, next);
    args = next;
    drawn = result.structuredContent || { text: resultText(result) };
    status("");
  } catch (error) {
    status(error.message || String(error), "error");
  }
  header();
  draw();
}

async function loadEnvironments() {
  status("Loading environments…");
  try {
    const result = await callTool(app, "list_sites", { include_environments: true });
    const sites = result.structuredContent?.company?.sites || [];
    environments = sites.flatMap((site) =>
      (site.environments || []).map((env) => ({
        id: String(env.id),
        label: `${site.display_name || site.name || site.id} / ${env.display_name || env.name || env.id}`,
      })),
    );
    if (!environments.some((e) => e.id === String(args.env_id))) environments.unshift({ id: String(args.env_id), label: String(args.env_id) });
    status("");
  } catch (error) {
    status(error.message || String(error), "error");
  }
  header();
}

replace(root, el("header", { id: "head" }), el("div", { id: "status", class: "status", role: "status" }, "Waiting for the result…"), el("section", { id: "body" }));

app = startView("analytics", {
  onInput(input) {
    args = { ...input };
    header();
  },
  onResult(result) {
    if (result?.isError) {
      status(resultText(result) || "The call failed.", "error");
      return;
    }
    drawn = result?.structuredContent || { text: resultText(result) };
    status("");
    header();
    draw();
  },
  onContext() {
    header();
    draw();
  },
});
header();

new ResizeObserver(() => {
  const body = document.getElementById("body");
  if (chart && body && Math.abs(chart.width - body.clientWidth) > 4) chart.setSize({ width: Math.max(240, body.clientWidth), height: 220 });
}).observe(document.getElementById("body"));
