// Parse Mermaid text with the real Mermaid parser: each file named on the
// command line (or stdin when none) must be one diagram. Prints "ok" per
// diagram, or the parser's error and exits 1. Used by tests/test_network.py.
import { readFileSync } from "node:fs";
import mermaid from "mermaid";

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
