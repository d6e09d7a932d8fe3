// The diagnosis commands: `eks-sre-mcp diagnose` and `eks-sre-mcp logs` on snapshots (offline replay) and
// live through the real kubernetes-mcp-server in front of kubesim. stdout is exactly the tool's output;
// exit codes: diagnose 0 healthy / 1 findings / 2 error, logs 0 no cause / 1 cause / 2 error.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { binaryFromEnv, isolatedDir, run } from './helpers.mjs';
import { SCENARIOS, NODE_MODULES, startKubesim } from '../kubesim/helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const iso = isolatedDir('cli');
after(() => iso.cleanup());
const eks = (args) => run(SERVER, args, { env: iso.env, cwd: iso.dir, timeoutMs: 60000 });

test('diagnose on a healthy snapshot exits 0 with no findings', async () => {
  const r = await eks(['diagnose', '--snapshot', path.join(SCENARIOS, 'healthy'), '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).findings.filter((f) => f.severity !== 'info'), []);
});

test('diagnose on a failing snapshot exits 1 and names the root cause', async () => {
  const r = await eks(['diagnose', '--snapshot', path.join(SCENARIOS, 'oomkilled'), '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const [top] = JSON.parse(r.stdout).findings;
  assert.equal(top.reason, 'OOMKilled');
  assert.equal(top.root_cause.category, 'out_of_memory');
});

test('logs finds the missing variable in the crashed instance', async () => {
  const r = await eks(['logs', 'payments', 'payments-api', '--snapshot', path.join(SCENARIOS, 'crashloop-missing-env')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /DATABASE_URL/);
});

test('a directory that is not a snapshot is an error that says so', async () => {
  const r = await eks(['diagnose', '--snapshot', iso.dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not a snapshot directory/);
  assert.equal(r.stdout, '');
});

test('diagnose reads a live cluster through the upstream server, read-only', async () => {
  const sim = await startKubesim(path.join(SCENARIOS, 'demo'));
  try {
    const config = path.join(iso.dir, 'live.yaml');
    fs.writeFileSync(config, `mcpServers:\n  kubernetes:\n    command: ${path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server')}\n`);
    const r = await eks(['diagnose', '--config', config, '--kubeconfig', sim.kubeconfig, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const reasons = JSON.parse(r.stdout).findings.map((f) => f.reason).sort();
    assert.deepEqual(reasons, ['CrashLoopBackOff', 'ImagePullBackOff', 'OOMKilled', 'ServiceNoEndpoints', 'Unschedulable']);
    assert.ok(!sim.requests().some((q) => q.method !== 'GET' && !q.path.includes('selfsubjectaccessreviews')),
      'a diagnosis changes nothing');
  } finally {
    await sim.stop();
  }
});
