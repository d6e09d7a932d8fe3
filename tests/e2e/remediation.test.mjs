// Remediation end to end: our CLI's propose_remediation and apply_remediation commands -> the validator -> the
// real kubernetes-mcp-server -> kubesim, whose scenarios declare how pods behave after a change. An auto-approved
// plan runs and is verified; a plan that needs a human waits for `eks-sre-mcp approve`, runs once, and its
// approval cannot be replayed; a plan whose target changed is stale. What did not run leaves no trace in kubesim.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { binaryFromEnv, isolatedDir, run, sdkHost } from './helpers.mjs';
import { SCENARIOS, NODE_MODULES, api, startKubesim } from '../kubesim/helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const UPSTREAM = path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server');

const evicted = await startKubesim(path.join(SCENARIOS, 'evicted-pods'));
const oom = await startKubesim(path.join(SCENARIOS, 'oomkilled'));
const elicited = await startKubesim(path.join(SCENARIOS, 'oomkilled'));
const healthy = await startKubesim(path.join(SCENARIOS, 'healthy'));
const iso = isolatedDir('remediation');
after(async () => {
  await evicted.stop();
  await oom.stop();
  await elicited.stop();
  await healthy.stop();
  iso.cleanup();
});

const config = path.join(iso.dir, 'config.yaml');
// One metrics-API sample is enough for a recommendation here (cost.strategy.points_required), so a right-sizing
// plan can be made from kubesim's pods_top without a usage history.
fs.writeFileSync(config, `mode: auto\nmcpServers:\n  kubernetes:\n    command: ${UPSTREAM}\n    connect_timeout_ms: 20000\n` +
  'cost:\n  strategy:\n    points_required: 1\n');

const eks = (sim, args) => run(SERVER, [...args, '--config', config, '--kubeconfig', sim.kubeconfig],
  { env: iso.env, cwd: iso.dir, timeoutMs: 90000 });
// kubernetes-mcp-server asks the API server what it may do (SelfSubjectAccessReviews) before lists: not a change.
const writes = (sim, from) => sim.requests().slice(from)
  .filter((q) => !['GET', 'HEAD'].includes(q.method) && !q.path.includes('selfsubjectaccessreviews'));

async function propose(sim) {
  const r = await eks(sim, ['propose_remediation', '--format', 'json']);
  assert.equal(r.code, 1, `plans were found\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('Evicted pod records are deleted without a human, one call per pod, and the fix is verified', async () => {
  const proposal = await propose(evicted);
  const plan = proposal.plans.find((p) => p.actions.some((a) => a.type === 'delete_failed_pods'));
  assert.ok(plan, JSON.stringify(proposal, null, 2));
  assert.equal(plan.actions[0].verdict, 'auto');
  const before = evicted.requests().length;
  const r = await eks(evicted, ['apply_remediation', plan.plan_id, '--verify-timeout-seconds', '30', '--format', 'json']);
  const out = JSON.parse(r.stdout || '{}');
  assert.equal(out.status, 'applied', r.stdout + r.stderr);
  assert.equal(out.verification.status, 'fixed', r.stdout);
  assert.equal(r.code, 0, r.stderr);
  const deletes = writes(evicted, before).filter((q) => q.method === 'DELETE');
  assert.equal(deletes.length, plan.actions[0].upstream_calls.length, JSON.stringify(deletes));
  for (const d of deletes) assert.match(d.path, /\/namespaces\/media\/pods\/thumbnailer-/);
  // The same plan again: its pods are gone, so it is stale and nothing is sent.
  const again = await eks(evicted, ['apply_remediation', plan.plan_id, '--format', 'json']);
  assert.equal(JSON.parse(again.stdout || '{}').status, 'stale_plan', again.stdout + again.stderr);
});

test('a plan that needs a human waits, runs once under the approval, and the approval cannot be replayed', async () => {
  const proposal = await propose(oom);
  const plan = proposal.plans.find((p) => p.actions.some((a) => a.type === 'set_resources'));
  assert.ok(plan, JSON.stringify(proposal, null, 2));
  assert.equal(plan.actions[0].verdict, 'needs_approval');
  const before = oom.requests().length;

  const waiting = await eks(oom, ['apply_remediation', plan.plan_id, '--format', 'json']);
  assert.equal(waiting.code, 3, waiting.stderr);
  const w = JSON.parse(waiting.stdout);
  assert.equal(w.status, 'awaiting_approval');
  assert.match(w.approve_command, new RegExp(`approve ${plan.plan_id}`));
  assert.deepEqual(writes(oom, before), [], 'nothing ran before the approval');

  const wrong = await eks(oom, ['approve', 'p-0000000000000000', '--by', 'alice']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /no plan/);
  const approved = await eks(oom, ['approve', plan.plan_id, '--by', 'alice', '--reason', 'limit too low for the report size']);
  assert.equal(approved.code, 0, approved.stderr);
  const twice = await eks(oom, ['approve', plan.plan_id, '--by', 'mallory']);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /already approved/);

  const r = await eks(oom, ['apply_remediation', plan.plan_id, '--verify-timeout-seconds', '30', '--format', 'json']);
  const out = JSON.parse(r.stdout || '{}');
  assert.equal(out.status, 'applied', r.stdout + r.stderr);
  assert.equal(out.approved_by, 'alice');
  const patches = writes(oom, before);
  assert.equal(patches.length, 1, JSON.stringify(patches));
  assert.match(patches[0].path, /\/namespaces\/reports\/deployments\/report-renderer/);
  assert.equal(out.verification.status, 'fixed', r.stdout);

  // The approval was used once: the same plan again is stale (its Deployment changed) and sends nothing.
  const after = oom.requests().length;
  const replay = await eks(oom, ['apply_remediation', plan.plan_id, '--format', 'json']);
  assert.equal(JSON.parse(replay.stdout || '{}').status, 'stale_plan', replay.stdout + replay.stderr);
  assert.deepEqual(writes(oom, after), []);
  const audit = fs.readFileSync(path.join(iso.env.XDG_STATE_HOME, 'eks-sre-mcp', 'audit.jsonl'), 'utf8');
  assert.match(audit, /"event":"approval"/);
  assert.match(audit, /"by":"alice"/);
});

test('a right-sizing recommendation becomes a plan; once approved the rollout is verified with the new resources', async () => {
  const r = await eks(healthy, ['rightsizing', '--namespace', 'shop', '--format', 'json']);
  const report = JSON.parse(r.stdout || '{}');
  const rec = (report.recommendations || []).find((x) => x.workload.name === 'storefront' && x.status === 'ok');
  assert.ok(rec, r.stdout + r.stderr);
  const proposed = await eks(healthy, ['propose_remediation', '--recommendation-ids', JSON.stringify([rec.id]),
    '--format', 'json']);
  assert.equal(proposed.code, 1, proposed.stderr);
  const { plans } = JSON.parse(proposed.stdout);
  assert.equal(plans.length, 1, proposed.stdout);
  const plan = plans[0];
  assert.deepEqual(plan.recommendation_ids, [rec.id]);
  assert.deepEqual(plan.check_kinds, ['Deployment']);
  assert.equal(plan.actions[0].type, 'set_resources');
  assert.equal(plan.actions[0].verdict, 'needs_approval', JSON.stringify(plan.actions[0]));
  const unknown = await eks(healthy, ['propose_remediation', '--recommendation-ids', '["rs-0000000000000000"]']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stdout + unknown.stderr, /rs-0000000000000000 is not among .*recommend_rightsizing/);

  const before = healthy.requests().length;
  const approved = await eks(healthy, ['approve', plan.plan_id, '--by', 'alice', '--reason', 'right-size storefront']);
  assert.equal(approved.code, 0, approved.stderr);
  const applied = await eks(healthy, ['apply_remediation', plan.plan_id, '--verify-timeout-seconds', '30',
    '--format', 'json']);
  const out = JSON.parse(applied.stdout || '{}');
  assert.equal(out.status, 'applied', applied.stdout + applied.stderr);
  assert.equal(out.verification.status, 'fixed', applied.stdout);
  assert.match(out.verification.evidence[0], /^2 of 2 pod\(s\) run with the new resources, 2 of them ready/);
  const patches = writes(healthy, before);
  assert.equal(patches.length, 1, JSON.stringify(patches));
  assert.match(patches[0].path, /\/namespaces\/shop\/deployments\/storefront/);
  const deployment = (await api(healthy, 'GET', '/apis/apps/v1/namespaces/shop/deployments/storefront')).json;
  const web = deployment.spec.template.spec.containers.find((c) => c.name === 'web');
  assert.equal(web.resources.requests.cpu, rec.recommended.cpu_request);
  assert.equal(web.resources.requests.memory, rec.recommended.memory_request);
  assert.equal(web.resources.limits.memory, rec.recommended.memory_limit);
});

// The official TypeScript SDK client as the host: `serve` over stdio on the same state directory, with or without
// the elicitation capability; `answer` is what its human says to the form.
const host = (sim, answer) => sdkHost(SERVER, ['serve', '--config', config, '--kubeconfig', sim.kubeconfig],
  { env: iso.env, cwd: iso.dir, name: 'eks-e2e-approver', answer });

test('the SDK client approves through its elicitation handler; without the capability the plan waits', async () => {
  const before = elicited.requests().length;
  const plain = await host(elicited, null);
  let planId;
  try {
    const proposal = await plain.call('propose_remediation', { namespace: 'reports' });
    planId = proposal.plans.find((p) => p.actions[0].verdict === 'needs_approval')?.plan_id;
    assert.ok(planId, JSON.stringify(proposal, null, 2));
    const waiting = await plain.call('apply_remediation', { plan_id: planId });
    assert.equal(waiting.status, 'awaiting_approval');
  } finally {
    await plain.close();
  }

  const declining = await host(elicited, { action: 'decline' });
  try {
    const declined = await declining.call('apply_remediation', { plan_id: planId });
    assert.equal(declined.status, 'declined');
    assert.equal(declining.asked.length, 1);
    assert.match(declining.asked[0].message, new RegExp(planId));
    assert.deepEqual(writes(elicited, before), [], 'nothing ran before an approval');
  } finally {
    await declining.close();
  }

  const approving = await host(elicited, { action: 'accept', content: { approve: true, reason: 'month-end reports' } });
  try {
    const applied = await approving.call('apply_remediation', { plan_id: planId, verify_timeout_seconds: 30 });
    assert.equal(applied.status, 'applied', JSON.stringify(applied, null, 2));
    assert.match(applied.approved_by, /eks-e2e-approver/);
    assert.equal(applied.verification.status, 'fixed', JSON.stringify(applied, null, 2));
    const changes = writes(elicited, before);
    assert.equal(changes.length, 1, JSON.stringify(changes));
    assert.match(changes[0].path, /\/namespaces\/reports\/deployments\/report-renderer/);
  } finally {
    await approving.close();
  }
});
