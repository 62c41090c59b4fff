// Parse Mermaid text with the real Mermaid parser: each file named on the
// command line (or stdin when none) must be one diagram. Prints "ok FILE" per
// diagram, or "error FILE: message", and exits 1 on any error.
// Used by tests/test_network.py. Mermaid sanitises labels with DOMPurify,
// which needs a DOM: jsdom provides one (no browser, works offline).
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;

const { default: mermaid } = await import("mermaid");

const inputs = process.argv.length > 2 ? process.argv.slice(2) : ["/dev/stdin"];
let failed = false;
for (const file of inputs) {
  const text = readFileSync(file, "utf8");
  try {
    await mermaid.parse(text);
    console.log(`ok ${file}`);
  } catch (err) {
    failed = true;
    console.log(`error ${file}: ${err && err.message ? err.message : err}`);
  }
}
process.exit(failed ? 1 : 0);
