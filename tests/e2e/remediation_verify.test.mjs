// Remediation's second half end to end, through the real kubernetes-mcp-server and kubesim (whose scenarios say
// what a recreated pod does): a restart that does not help is verified not_fixed, and the second such failure
// trips the circuit breaker; a Service whose workload runs 0 replicas is scaled up and verified fixed; every
// outcome reaches Teams and Slack (loopback receivers checking each service's payload shape); and a plan that
// waits is approved over HTTP with the approver token, never with the MCP clients' token.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import {
  binaryFromEnv, isolatedDir, killIfAlive, run, startHttpServe, waitUntil, webhookReceiver, within,
} from './helpers.mjs';
import { SCENARIOS, NODE_MODULES, startKubesim } from '../kubesim/helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const UPSTREAM = path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server');

const crash = await startKubesim(path.join(SCENARIOS, 'dependency-crash'));
const idle = await startKubesim(path.join(SCENARIOS, 'scaled-to-zero'));
const waiting = await startKubesim(path.join(SCENARIOS, 'oomkilled'));
const hooks = await webhookReceiver();
const iso = isolatedDir('remediation-verify');
after(async () => {
  await crash.stop();
  await idle.stop();
  await waiting.stop();
  await hooks.close();
  iso.cleanup();
});

const config = path.join(iso.dir, 'config.yaml');
const approverTokenFile = path.join(iso.dir, 'approver-token');
fs.writeFileSync(approverTokenFile, 'approver-0f3c9a1e7b5d2c48\n', { mode: 0o600 });
fs.writeFileSync(config, [
  'mode: auto',
  'notifications:',
  `  teams_webhook_url: ${hooks.url('/teams/workflow')}`,
  `  slack_webhook_url: ${hooks.url('/services/T000/B000/xyz')}`,
  'remediation:',
  `  approver_token_file: ${approverTokenFile}`,
  'mcpServers:',
  '  kubernetes:',
  `    command: ${UPSTREAM}`,
  '    connect_timeout_ms: 20000',
  ''].join('\n'));

const eks = (sim, args) => run(SERVER, [...args, '--config', config, '--kubeconfig', sim.kubeconfig],
  { env: iso.env, cwd: iso.dir, timeoutMs: 90000 });
const writes = (sim, from) => sim.requests().slice(from)
  .filter((q) => !['GET', 'HEAD'].includes(q.method) && !q.path.includes('selfsubjectaccessreviews'));

async function planOf(sim, type) {
  const r = await eks(sim, ['remediate', '--format', 'json']);
  assert.equal(r.code, 1, `plans were found\n${r.stdout}\n${r.stderr}`);
  const proposal = JSON.parse(r.stdout);
  const plan = proposal.plans.find((p) => p.actions.some((a) => a.type === type));
  assert.ok(plan, JSON.stringify(proposal, null, 2));
  return plan;
}

const teamsTitle = (m) => m.body.attachments[0].content.body[0].text;
const slackTitle = (m) => m.body.blocks[0].text.text;

function checkPayloads(from, titlePattern) {
  const got = hooks.received.slice(from);
  const teams = got.filter((m) => m.path === '/teams/workflow');
  const slack = got.filter((m) => m.path === '/services/T000/B000/xyz');
  assert.equal(teams.length, 1, JSON.stringify(got, null, 2));
  assert.equal(slack.length, 1, JSON.stringify(got, null, 2));
  for (const m of [...teams, ...slack]) assert.match(m.contentType, /application\/json/);
  assert.equal(teams[0].body.type, 'message');
  assert.equal(teams[0].body.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
  assert.equal(teams[0].body.attachments[0].content.type, 'AdaptiveCard');
  assert.match(teamsTitle(teams[0]), titlePattern);
  assert.equal(typeof slack[0].body.text, 'string');
  assert.equal(slack[0].body.blocks[0].type, 'header');
  assert.match(slackTitle(slack[0]), titlePattern);
  return { teams: teams[0].body, slack: slack[0].body };
}

test('a restart that does not help is not_fixed, and the second failure trips the circuit breaker', async () => {
  for (const round of [1, 2]) {
    const plan = await planOf(crash, 'restart_pod');
    assert.equal(plan.actions[0].verdict, 'auto', `round ${round}: ${JSON.stringify(plan.actions[0])}`);
    assert.equal(plan.subject, 'Deployment/shipping/label-printer');
    const before = crash.requests().length;
    const heard = hooks.received.length;
    const r = await eks(crash, ['remediate', '--apply', plan.plan_id, '--verify-timeout-seconds', '4', '--format', 'json']);
    const out = JSON.parse(r.stdout || '{}');
    assert.equal(out.status, 'applied', r.stdout + r.stderr);
    assert.equal(out.verification.status, 'not_fixed', r.stdout);
    assert.ok(out.verification.evidence.some((e) => /connection refused|10\.100\.41\.7/.test(e)), r.stdout);
    const deletes = writes(crash, before).filter((q) => q.method === 'DELETE');
    assert.equal(deletes.length, 1, JSON.stringify(deletes));
    assert.match(deletes[0].path, /\/namespaces\/shipping\/pods\/label-printer-/);
    checkPayloads(heard, /did not fix/);
  }

  const plan = await planOf(crash, 'restart_pod');
  assert.equal(plan.actions[0].verdict, 'needs_approval');
  assert.equal(plan.actions[0].rule, 'circuit_breaker');
  assert.match(plan.actions[0].reason, /failed verification 2 times/);
  const before = crash.requests().length;
  const heard = hooks.received.length;
  const r = await eks(crash, ['apply_remediation', plan.plan_id, '--format', 'json']);
  assert.equal(r.code, 3, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.status, 'awaiting_approval');
  assert.match(out.reason, /circuit breaker/);
  assert.deepEqual(writes(crash, before), [], 'nothing ran');
  const { slack } = checkPayloads(heard, /waits for approval/);
  assert.ok(slack.blocks.some((b) => b.text?.text?.includes(`approve ${plan.plan_id}`)), JSON.stringify(slack));
});

test('a Service whose only workload runs 0 replicas gets one replica, verified fixed', async () => {
  const plan = await planOf(idle, 'scale');
  const action = plan.actions[0];
  assert.equal(action.verdict, 'auto', JSON.stringify(action));
  assert.equal(action.rule, 'auto_approve.scale');
  assert.deepEqual(action.target, { kind: 'Deployment', namespace: 'reports', name: 'report-api' });
  assert.equal(plan.blast_radius.replicas_after, 1);
  const before = idle.requests().length;
  const heard = hooks.received.length;
  const r = await eks(idle, ['remediate', '--apply', plan.plan_id, '--verify-timeout-seconds', '30', '--format', 'json']);
  const out = JSON.parse(r.stdout || '{}');
  assert.equal(out.status, 'applied', r.stdout + r.stderr);
  assert.equal(out.verification.status, 'fixed', r.stdout);
  assert.equal(r.code, 0);
  const changes = writes(idle, before);
  assert.equal(changes.length, 1, JSON.stringify(changes));
  assert.match(changes[0].path, /\/namespaces\/reports\/deployments\/report-api\/scale$/);
  assert.ok(!changes.some((q) => q.path.includes('report-backfill')), 'the near miss is left alone');
  checkPayloads(heard, /Remediation applied/);
  // Every step is in the audit log, and the answer names its lines: the proposal, the call's decision, the
  // verification.
  const audit = fs.readFileSync(path.join(iso.env.XDG_STATE_HOME, 'eks-sre-mcp', 'audit.jsonl'), 'utf8')
    .split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(out.audit_ids.length, 2, JSON.stringify(out));
  const [decision, verification] = out.audit_ids.map((id) => audit.find((e) => e.correlation_id === id && e.event !== 'result'));
  assert.equal(decision?.event, 'decision', JSON.stringify(decision));
  assert.equal(decision.action.name, 'report-api');
  assert.equal(verification?.event, 'verification');
  assert.equal(verification.status, 'fixed');
  assert.ok(audit.some((e) => e.event === 'proposal' && e.plan_id === plan.plan_id), 'the proposal is audited');
});

// `serve --transport http` with a client token; the plan that waits is approved with the approver token.
async function startHttp(sim) {
  const clientToken = 'client-7d1e55b0a9c34f21';
  const server = await startHttpServe(SERVER, ['--config', config, '--kubeconfig', sim.kubeconfig],
    { env: { ...iso.env, EKS_SRE_MCP_TOKEN: clientToken }, cwd: iso.dir });
  return { ...server, clientToken };
}

async function approve(url, planId, token, body) {
  const r = await fetch(`${url}/approvals/${planId}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => ({})) };
}

test('over HTTP a plan waits, the clients\' token cannot approve it, the approver\'s can', async () => {
  const server = await startHttp(waiting);
  const client = new Client({ name: 'eks-e2e-http-host', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`),
    { requestInit: { headers: { Authorization: `Bearer ${server.clientToken}` } } });
  try {
    await within(20000, client.connect(transport), 'initialize');
    const call = async (name, args) => {
      const r = await within(90000, client.callTool({ name, arguments: args }, undefined, { timeout: 90000 }), name);
      assert.ok(!r.isError, `${name}: ${JSON.stringify(r.content)}\n${server.stderr()}`);
      return r.structuredContent;
    };
    const proposal = await call('propose_remediation', { namespace: 'reports' });
    const plan = proposal.plans.find((p) => p.actions[0].verdict === 'needs_approval');
    assert.ok(plan, JSON.stringify(proposal, null, 2));
    const before = waiting.requests().length;
    const heard = hooks.received.length;
    const held = await call('apply_remediation', { plan_id: plan.plan_id });
    assert.equal(held.status, 'awaiting_approval');
    await waitUntil(() => hooks.received.length >= heard + 2, 10000, 'the awaiting_approval notifications');
    checkPayloads(heard, /waits for approval/);

    const byClient = await approve(server.url, plan.plan_id, server.clientToken, { by: 'a model' });
    assert.equal(byClient.status, 403, JSON.stringify(byClient.body));
    const unknown = await approve(server.url, 'p-0000000000000000', 'approver-0f3c9a1e7b5d2c48', { by: 'alice' });
    assert.equal(unknown.status, 404);
    assert.deepEqual(writes(waiting, before), []);

    const ok = await approve(server.url, plan.plan_id, 'approver-0f3c9a1e7b5d2c48', { by: 'alice', reason: 'reports are late' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.approved_by, 'alice');
    const twice = await approve(server.url, plan.plan_id, 'approver-0f3c9a1e7b5d2c48', { by: 'bob' });
    assert.equal(twice.status, 409, JSON.stringify(twice.body));

    const applied = await call('apply_remediation', { plan_id: plan.plan_id, verify_timeout_seconds: 30 });
    assert.equal(applied.status, 'applied', JSON.stringify(applied, null, 2));
    assert.equal(applied.approved_by, 'alice');
    assert.equal(writes(waiting, before).length, 1);

    const metrics = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${server.clientToken}` } });
    const text = await metrics.text();
    assert.match(text, /eks_sre_mcp_notifications_total\{service="teams",outcome="sent"\} [1-9]/);
    assert.match(text, /eks_sre_mcp_notifications_total\{service="slack",outcome="failed"\} 0/);
    const audit = fs.readFileSync(path.join(iso.env.XDG_STATE_HOME, 'eks-sre-mcp', 'audit.jsonl'), 'utf8');
    assert.match(audit, /"via":"http"/);
  } finally {
    await within(8000, client.close(), 'close').catch(() => {});
    killIfAlive(server.child.pid);
  }
});
