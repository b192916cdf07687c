// What every view shares: the host bridge (MCP Apps, @modelcontextprotocol/ext-apps), the host's
// theme, DOM building that only ever inserts text (never HTML), number and date formatting.
//
// A view draws the tool result the host hands it (ui/notifications/tool-result) and asks for
// nothing on its own: the only requests it makes are tool calls the person starts by clicking,
// sent through the host (tools/call), where the server's guard judges them like any other call.
import { App, applyDocumentTheme, applyHostStyleVariables } from "@modelcontextprotocol/ext-apps";

// Elements are built with text nodes only: site names, plugin names, referrers and messages
// are third-party text and must never be parsed as HTML.
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "on") for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

// Kinsta sends counts as text ("1071"); anything that is not a finite number stays null.
export function toNumber(value) {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string" || value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function formatNumber(n) {
  if (n === null || n === undefined) return "–";
  return Number.isInteger(n) ? integer.format(n) : decimal.format(n);
}

// Kinsta's time keys ("2026-01-09T00:00:00") carry no zone: they are UTC days and hours.
export function parseTime(key) {
  if (typeof key !== "string") return null;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(key) ? key : `${key}Z`);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

const dayFormat = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
const hourFormat = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});

export function formatTime(seconds, hourly) {
  return (hourly ? hourFormat : dayFormat).format(new Date(seconds * 1000)) + (hourly ? " UTC" : "");
}

export function status(message, kind) {
  const node = document.getElementById("status");
  if (!node) return;
  node.className = kind ? `status ${kind}` : "status";
  node.textContent = message || "";
}

// The text of a result: what a tool said when it failed (Kinsta's message, the guard's refusal).
export function resultText(result) {
  return (result?.content || [])
    .filter((block) => block && block.type === "text")
    .map((block) => block.text)
    .join("\n");
}

function applyContext(context) {
  if (!context) return;
  if (context.theme) applyDocumentTheme(context.theme);
  if (context.styles?.variables) applyHostStyleVariables(context.styles.variables);
  const width = context.containerDimensions?.maxWidth ?? context.containerDimensions?.width;
  if (width) document.documentElement.style.setProperty("--frame-width", `${width}px`);
}

// Connects to the host. `onInput(args)` gets the tool's arguments, `onResult(result)` the tool's
// result (its structuredContent is what the view draws), `onContext()` a theme or size change.
export function startView(name, { onInput, onResult, onCancelled, onContext }) {
  const app = new App({ name: `kinsta-${name}`, version: "1.0.0" }, {}, { autoResize: true });
  app.ontoolinput = (params) => onInput && onInput(params?.arguments || {});
  app.ontoolresult = (result) => onResult(result);
  app.ontoolcancelled = (params) => (onCancelled ? onCancelled(params) : status(`Cancelled: ${params?.reason || "by the host"}`, "error"));
  app.onhostcontextchanged = (context) => {
    applyContext(context);
    if (onContext) onContext();
  };
  app.onteardown = async () => ({});
  app
    .connect()
    .then(() => {
      applyContext(app.getHostContext());
      if (onContext) onContext();
    })
    .catch((error) => status(`Could not reach the host: ${error?.message || error}`, "error"));
  return app;
}

// A tool call the person asked for, through the host. Resolves to the structured result, or throws
// with the tool's own text when it failed (refused, not confirmed, Kinsta's error).
export async function callTool(app, name, args) {
  const result = await app.callServerTool({ name, arguments: args });
  if (result?.isError) throw new Error(resultText(result) || `${name} failed`);
  return result;
}
