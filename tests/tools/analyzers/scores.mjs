#!/usr/bin/env node
// Adds up the scenario suite's figures that analyzer_tests' ExpectedIncidents tests leave in
// <build>/scenario-scores/<scenario>.json (one file per scenario, snapshot and live path) and prints them:
//   recall     expected incidents found (the resource and the reason) / expected incidents
//   precision  warning-or-worse findings that are expected incidents / warning-or-worse findings
//   category   found incidents with the right root-cause category / found incidents
//   evidence   found incidents carrying one of the expected evidence strings / found incidents
// Usage: node tests/tools/analyzers/scores.mjs BUILD_DIR
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = path.join(process.argv[2] ?? 'build/ci', 'scenario-scores');
const scenarios = fs.readdirSync(path.join(root, 'examples/scenarios'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, 'examples/scenarios', d.name, 'expected.json')))
  .map((d) => d.name).sort();
const total = { expected: 0, found: 0, category: 0, evidence: 0, findings: 0, incidents: 0 };
const missing = [];
for (const name of scenarios) {
  const file = path.join(dir, `${name}.json`);
  if (!fs.existsSync(file)) { missing.push(name); continue; }
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const p of ['snapshot', 'live']) for (const k of Object.keys(total)) total[k] += s[p][k];
}
const ratio = (a, b) => (b ? a / b : 1).toFixed(2);
// Two lines, so that make test's output stays within 120 columns.
console.log(`scenario suite (${scenarios.length - missing.length} scenarios, snapshot + live):\n  ` +
  `recall ${ratio(total.found, total.expected)} (${total.found}/${total.expected}), ` +
  `precision ${ratio(total.incidents, total.findings)} (${total.incidents}/${total.findings}), ` +
  `category ${ratio(total.category, total.found)} (${total.category}/${total.found}), ` +
  `evidence ${ratio(total.evidence, total.found)} (${total.evidence}/${total.found})`);
if (missing.length) console.log(`  no figures for: ${missing.join(', ')} (their test did not run to the end)`);
