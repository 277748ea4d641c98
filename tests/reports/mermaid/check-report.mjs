// Reads race-explorer Markdown reports the way GitHub shows them, headless, and prints what
// it found as JSON: every Mermaid diagram parsed by Mermaid's own parser (participants,
// messages and notes with their text decoded), and every table as its rendered cell texts.
//
// Usage: node check-report.mjs REPORT.md...   (install once: npm ci, in this folder)
// Exit status: 0 when every diagram parsed, 1 when one did not, 2 on a usage error.
// Mermaid needs a DOM even to parse (it sanitises labels with DOMPurify): jsdom provides one.

import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;

const { default: mermaid } = await import("mermaid");
const mermaidVersion = JSON.parse(
  readFileSync(new URL("./node_modules/mermaid/package.json", import.meta.url), "utf8"),
).version;
const { marked } = await import("marked");
mermaid.initialize({ startOnLoad: false });

// Mermaid keeps "#59;"-style entity codes as placeholders until it renders; decode them here.
function decodeMermaid(text) {
  return String(text ?? "")
    .replace(/ﬂ°°(\d+)¶ß/g, (_, code) => String.fromCodePoint(Number(code)))
    .replace(/ﬂ°(\w+)¶ß/g, (_, name) => htmlText(`&${name};`));
}

function htmlText(html) {
  const div = document.createElement("div");
  div.innerHTML = html;
  return div.textContent;
}

async function checkDiagram(source) {
  try {
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(source);
    const db = diagram.db;
    const participants = [...db.getActors().values()].map((a) => [a.name, decodeMermaid(a.description)]);
    const events = db.getMessages().map((m) => ({
      type: m.type,
      from: m.from ?? null,
      to: m.to ?? null,
      text: decodeMermaid(m.message),
    }));
    return { ok: true, type: diagram.type, participants, events };
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error).split("\n").slice(0, 4).join(" | ") };
  }
}

function tableOf(token) {
  const cell = (c) => htmlText(marked.parseInline(c.text)).trim();
  return { header: token.header.map(cell), rows: token.rows.map((row) => row.map(cell)) };
}

async function checkReport(path) {
  const tokens = marked.lexer(readFileSync(path, "utf8"));
  const diagrams = [];
  const tables = [];
  const headings = [];
  for (const token of tokens) {
    if (token.type === "code" && token.lang === "mermaid") diagrams.push(await checkDiagram(token.text));
    if (token.type === "table") tables.push(tableOf(token));
    if (token.type === "heading") headings.push(htmlText(marked.parseInline(token.text)));
  }
  return { path, headings, diagrams, tables };
}

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error("usage: node check-report.mjs REPORT.md...");
  process.exit(2);
}
// Exit through exitCode, not process.exit(): a piped stdout must be flushed first.
const reports = [];
for (const path of paths) reports.push(await checkReport(path));
console.log(JSON.stringify({ mermaid: mermaidVersion, reports }));
process.exitCode = reports.every((r) => r.diagrams.every((d) => d.ok)) ? 0 : 1;
