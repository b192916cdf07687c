// The batch view (run_batch): every target with its outcome and the ids of what was created. While
// the batch runs it shows what was asked; operations still running can be checked again from the
// view (run_batch with resume, through the host), their rows updated as the outcomes arrive.
import { callTool, el, formatNumber, replace, resultText, startView, status } from "./common.js";

const TOOL = "run_batch";
const ORDER = ["failed", "running", "not_started", "skipped", "done", "planned"];
const root = document.getElementById("app");
let app = null;
let batch = null;

const text = (v) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));

function rowKey(row) {
  return `${text(row.id)}|${text(row.operation)}`;
}

function totalsOf(rows) {
  const totals = {};
  for (const row of rows) totals[text(row.outcome) || "?"] = (totals[text(row.outcome) || "?"] || 0) + 1;
  return totals;
}

function render() {
  const rows = Array.isArray(batch?.rows) ? batch.rows.filter((r) => r && typeof r === "object") : [];
  const totals = batch?.totals && typeof batch.totals === "object" ? batch.totals : totalsOf(rows);
  const ordered = [...rows].sort((a, b) => rank(a.outcome) - rank(b.outcome));
  const resume = Array.isArray(batch?.resume) ? batch.resume.map(text).filter(Boolean) : [];
  replace(
    document.getElementById("head"),
    el("h1", {}, text(batch?.batch) || "Batch"),
    el("div", { class: "totals" },
      batch?.dry_run ? el("span", { class: "badge warn" }, "dry run: nothing was sent") : null,
      Object.entries(totals).sort(([a], [b]) => rank(a) - rank(b)).map(([outcome, n]) =>
        el("span", { class: `badge ${outcome}`, dataset: { outcome } }, `${formatNumber(n)} ${outcome.replace(/_/g, " ")}`))),
  );
  const table = el("table", {},
    el("thead", {}, el("tr", {}, ["Target", "Operation", "Outcome", "Created", "Details"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ordered.map((row) =>
      el("tr", { dataset: { id: text(row.id), outcome: text(row.outcome) } },
        el("td", {}, text(row.target), el("div", { class: "mono muted" }, text(row.id))),
        el("td", { class: "mono" }, text(row.operation)),
        el("td", {}, el("span", { class: `badge ${text(row.outcome)}` }, text(row.outcome).replace(/_/g, " "))),
        el("td", { class: "created" }, row.created && typeof row.created === "object"
          ? Object.entries(row.created).map(([k, v]) => el("div", {}, el("span", { class: "muted" }, `${k} `), el("span", { class: "mono" }, text(v))))
          : el("span", { class: "muted" }, "–")),
        el("td", {},
          row.message ? el("div", {}, text(row.message)) : null,
          row.operation_id && row.outcome !== "done" ? el("div", { class: "mono muted" }, `operation ${text(row.operation_id)}`) : null)))),
  );
  const notes = [];
  if (batch?.left_out) notes.push(el("p", { class: "note" }, text(batch.left_out)));
  const actions = el("div", { class: "controls" });
  if (resume.length) {
    actions.append(el("button", { type: "button", on: { click: () => checkAgain(resume) } }, `Check the ${resume.length} still running`));
  }
  replace(document.getElementById("body"), rows.length ? el("div", { class: "table-wrap" }, table) : el("p", { class: "muted" }, "No target matched."), notes, actions);
}

function rank(outcome) {
  const i = ORDER.indexOf(text(outcome));
  return i < 0 ? ORDER.length : i;
}

async function checkAgain(resume) {
  status(`Checking ${resume.length} operation(s)…`);
  for (const button of document.querySelectorAll("button")) button.disabled = true;
  try {
    const result = await callTool(app, TOOL, { resume });
    const fresh = Array.isArray(result.structuredContent?.rows) ? result.structuredContent.rows : [];
    const byOperation = new Map(fresh.map((r) => [text(r.operation_id), r]));
    const byKey = new Map(fresh.map((r) => [rowKey(r), r]));
    const rows = (batch.rows || []).map((row) => byOperation.get(text(row.operation_id)) || byKey.get(rowKey(row)) || row);
    batch = { ...batch, rows, totals: totalsOf(rows), resume: Array.isArray(result.structuredContent?.resume) ? result.structuredContent.resume : [] };
    status("");
  } catch (error) {
    status(error.message || String(error), "error");
  }
  render();
}

replace(
  root,
  el("header", { id: "head" }, el("h1", {}, "Batch")),
  el("div", { id: "status", class: "status", role: "status" }, "Waiting for the result…"),
  el("section", { id: "body" }),
);

app = startView("batch", {
  onInput(input) {
    const what = input.operation || input.preset || (input.resume ? "resuming operations" : "batch");
    const where = [input.name && `sites ${input.name}`, input.environments && `${input.environments} environments`, input.ids && `${input.ids.length} id(s)`].filter(Boolean).join(", ");
    status(`Running ${text(what)}${where ? ` on ${where}` : ""}…`);
  },
  onResult(result) {
    if (!result?.structuredContent) {
      status(resultText(result) || "This result has nothing to draw.", result?.isError ? "error" : undefined);
      return;
    }
    batch = result.structuredContent;
    status(result.isError ? resultText(result).split("\n")[0] : "", result.isError ? "error" : undefined);
    render();
  },
});
