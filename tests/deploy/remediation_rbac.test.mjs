// The remediation overlay's RBAC against what remediation really sends: plans applied through the real
// kubernetes-mcp-server to kubesim (an Evicted pod deleted, a Deployment scaled from zero, a memory limit
// raised under a human's approval); every request they make is one the overlay's roles permit, and every change
// among them is one the read-only overlay's roles refuse.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import YAML from 'yaml';

import { binaryFromEnv, isolatedDir, run } from '../e2e/helpers.mjs';
import { NODE_MODULES, REPO, SCENARIOS, startKubesim } from '../kubesim/helpers.mjs';
import { allowed, attributes, grantsOf } from './rbac.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const UPSTREAM = path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server');
const CASES = [['evicted-pods', 'delete_failed_pods'], ['scaled-to-zero', 'scale'], ['oomkilled', 'set_resources']];

const iso = isolatedDir('remediation-rbac');
const sims = await Promise.all(CASES.map(([scenario]) => startKubesim(path.join(SCENARIOS, scenario))));
after(async () => {
  for (const sim of sims) await sim.stop();
  iso.cleanup();
});
const config = path.join(iso.dir, 'config.yaml');
fs.writeFileSync(config, `mode: auto\nmcpServers:\n  kubernetes:\n    command: ${UPSTREAM}\n    connect_timeout_ms: 20000\n`);
const eks = (sim, args) => run(SERVER, [...args, '--config', config, '--kubeconfig', sim.kubeconfig], { env: iso.env, cwd: iso.dir, timeoutMs: 90000 });
const grants = (overlay) => grantsOf(YAML.parseAllDocuments(execFileSync('kubectl', ['kustomize', path.join(REPO, 'deploy/overlays', overlay)],
  { encoding: 'utf8', timeout: 30000 })).map((d) => d.toJS()), 'eks-sre-mcp', 'eks-sre-mcp');

test('every request of applied plans is permitted by the remediation overlay, and no change by read-only', async () => {
  const starts = sims.map((sim) => sim.requests().length);
  await Promise.all(CASES.map(async ([, type], i) => {
    const sim = sims[i];
    const proposed = await eks(sim, ['propose_remediation', '--format', 'json']);
    const plan = JSON.parse(proposed.stdout || '{"plans":[]}').plans.find((p) => p.actions.some((a) => a.type === type));
    assert.ok(plan, `${type}: ${proposed.stdout}${proposed.stderr}`);
    if (plan.actions.some((a) => a.verdict === 'needs_approval')) {
      const approved = await eks(sim, ['approve', plan.plan_id, '--by', 'alice', '--reason', 'rbac check']);
      assert.equal(approved.code, 0, approved.stderr);
    }
    const applied = await eks(sim, ['apply_remediation', plan.plan_id, '--verify-timeout-seconds', '30', '--format', 'json']);
    assert.equal(JSON.parse(applied.stdout || '{}').status, 'applied', `${type}: ${applied.stdout}${applied.stderr}`);
  }));
  const remediation = grants('remediation');
  const readOnly = grants('read-only');
  // SelfSubjectAccessReviews are allowed to every authenticated user by the cluster's default roles.
  const requests = sims.flatMap((sim, i) => sim.requests().slice(starts[i])).map(attributes)
    .filter((r) => r && r.resource !== 'selfsubjectaccessreviews');
  for (const r of requests) assert.ok(allowed(remediation, r), `remediation permits ${JSON.stringify(r)}`);
  const changes = requests.filter((r) => !['get', 'list', 'watch'].includes(r.verb));
  for (const r of changes) assert.ok(!allowed(readOnly, r), `read-only refuses ${JSON.stringify(r)}`);
  const kinds = [...new Set(changes.map((r) => `${r.verb} ${r.resource}`))].sort();
  assert.deepEqual(kinds, ['delete pods', 'patch deployments', 'update deployments/scale']);
  console.log(`applied plans: ${requests.length} requests, changes ${kinds.join(', ')}; all permitted`);
});
