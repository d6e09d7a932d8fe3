// The gateway and the safety validator end to end: our CLI (`eks-sre-mcp upstream call`) -> the validator ->
// the real kubernetes-mcp-server -> kubesim. Whatever is denied leaves no trace in kubesim's request log;
// what is allowed does. Both the read_only default and auto mode with the built-in policy.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { binaryFromEnv, isolatedDir, run } from './helpers.mjs';
import { SCENARIOS, NODE_MODULES, startKubesim } from '../kubesim/helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const UPSTREAM = path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server');

const sim = await startKubesim(path.join(SCENARIOS, 'crashloop-missing-env'));
const degraded = await startKubesim(path.join(SCENARIOS, 'namespace-degraded'));
const iso = isolatedDir('gateway');
after(async () => {
  await sim.stop();
  await degraded.stop();
  iso.cleanup();
});

function config(mode) {
  const file = path.join(iso.dir, `config-${mode}.yaml`);
  fs.writeFileSync(file, `mode: ${mode}\nmcpServers:\n  kubernetes:\n    command: ${UPSTREAM}\n    connect_timeout_ms: 20000\n`);
  return file;
}

// Runs `eks-sre-mcp upstream call kubernetes TOOL ARGS` and returns {code, stdout, stderr} plus what reached
// the API server during it.
async function call(mode, tool, args, cluster = sim) {
  const before = cluster.requests().length;
  const r = await run(SERVER, ['upstream', 'call', 'kubernetes', tool, JSON.stringify(args), '--config', config(mode),
    '--kubeconfig', cluster.kubeconfig], { env: iso.env, cwd: iso.dir, timeoutMs: 60000 });
  const requests = cluster.requests().slice(before).filter((q) => q.path !== '/version' && !q.path.startsWith('/api') || q.path.includes('/namespaces/'));
  return { ...r, requests };
}

const touched = (requests, fragment) => requests.some((q) => q.path.includes(fragment));

test('an allowed read reaches the cluster and returns its pods', async () => {
  const r = await call('read_only', 'pods_list_in_namespace', { namespace: 'payments' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /payments-api-hxw2kj9g88-gl8g7/);
  assert.ok(touched(r.requests, '/namespaces/payments/pods'), JSON.stringify(r.requests));
});

test('reading a Secret is refused before it reaches the cluster', async () => {
  const r = await call('read_only', 'resources_get', { apiVersion: 'v1', kind: 'Secret', namespace: 'payments', name: 'db' });
  assert.equal(r.code, 3, `exit code 3 means denied: ${r.stderr}`);
  assert.match(r.stderr, /[Ss]ecret/);
  assert.ok(!touched(r.requests, '/secrets'), JSON.stringify(r.requests));
});

test('the kubeconfig is never read through configuration_view', async () => {
  const r = await call('read_only', 'configuration_view', {});
  assert.equal(r.code, 3, r.stderr);
  assert.doesNotMatch(r.stdout, /token/);
});

test('read_only mode refuses a pod deletion and nothing is deleted', async () => {
  const r = await call('read_only', 'pods_delete', { namespace: 'payments', name: 'payments-api-hxw2kj9g88-gl8g7' });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /read.only/i);
  assert.ok(!r.requests.some((q) => q.method === 'DELETE'), JSON.stringify(r.requests));
});

test('auto mode leaves deleting a pod in kube-system to a human', async () => {
  const r = await call('auto', 'pods_delete', { namespace: 'kube-system', name: 'aws-node-bg8dx' });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /approval/i);
  assert.ok(!r.requests.some((q) => q.method === 'DELETE'), JSON.stringify(r.requests));
});

test('auto mode runs an approved pod restart, and the audit log records it', async () => {
  const r = await call('auto', 'pods_delete', { namespace: 'payments', name: 'payments-api-hxw2kj9g88-jxfd7' });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const deletes = r.requests.filter((q) => q.method === 'DELETE');
  assert.equal(deletes.length, 1, JSON.stringify(r.requests));
  assert.match(deletes[0].path, /namespaces\/payments\/pods\/payments-api-hxw2kj9g88-jxfd7/);
  const audit = fs.readFileSync(path.join(iso.env.XDG_STATE_HOME, 'eks-sre-mcp', 'audit.jsonl'), 'utf8')
    .split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const decision = audit.find((e) => e.event === 'decision' && e.action?.name === 'payments-api-hxw2kj9g88-jxfd7');
  assert.equal(decision?.decision, 'allow', JSON.stringify(audit));
  const result = audit.find((e) => e.event === 'result' && e.correlation_id === decision.correlation_id);
  assert.equal(result?.result, 'ok', 'a result line follows the decision line');
});

test('auto mode scales by +2 without a human and refuses +3; nothing of the refusal reaches the cluster', async () => {
  const scale = (replicas) => call('auto', 'resources_scale',
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'payments', name: 'payments-api', scale: replicas });
  const up = await scale(4);  // 2 -> 4
  assert.equal(up.code, 0, up.stderr + up.stdout);
  const patches = up.requests.filter((q) => q.method === 'PATCH' || q.method === 'PUT');
  assert.equal(patches.length, 1, JSON.stringify(up.requests));
  assert.match(patches[0].path, /\/namespaces\/payments\/deployments\/payments-api\/scale$/);
  const tooFar = await scale(7);  // 4 -> 7
  assert.equal(tooFar.code, 3, tooFar.stderr);
  assert.match(tooFar.stderr, /more than 2/);
  assert.ok(!tooFar.requests.some((q) => !['GET', 'HEAD'].includes(q.method) && q.path.includes('/scale')),
    JSON.stringify(tooFar.requests));
});

test('auto mode leaves a PersistentVolumeClaim change to a human', async () => {
  const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'payments-data', namespace: 'payments' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } } };
  const r = await call('auto', 'resources_create_or_update', { resource: JSON.stringify(claim) });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /PersistentVolume.*approval/i);
  assert.ok(!r.requests.some((q) => !['GET', 'HEAD'].includes(q.method) && q.path.includes('persistentvolumeclaims')),
    JSON.stringify(r.requests));
});

test('auto mode escalates a restart in a namespace with more than 5 failing pods', async () => {
  const r = await call('auto', 'pods_delete', { namespace: 'orders', name: 'orders-api-k4rn7n8765-jztdv' }, degraded);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /7 failing pods/);
  assert.ok(!r.requests.some((q) => q.method === 'DELETE'), JSON.stringify(r.requests));
});

test('separate CLI runs share one rate limit through the state directory', async () => {
  // Its own state directory: the slots other tests of this file took must not count here.
  const own = isolatedDir('gateway-limits');
  try {
    const configFile = path.join(own.dir, 'config.yaml');
    fs.writeFileSync(configFile, `mcpServers:\n  kubernetes:\n    command: ${UPSTREAM}\n    connect_timeout_ms: 20000\n`);
    const policyFile = path.join(own.dir, 'policy.yaml');
    fs.writeFileSync(policyFile, 'mode: auto\nrate_limits: {cluster: 1}\n');
    const restart = async (pod) => {
      const before = sim.requests().length;
      const r = await run(SERVER, ['upstream', 'call', 'kubernetes', 'pods_delete', JSON.stringify({ namespace: 'shop', name: pod }),
        '--config', configFile, '--policy', policyFile, '--kubeconfig', sim.kubeconfig],
      { env: own.env, cwd: own.dir, timeoutMs: 60000 });
      return { ...r, deletes: sim.requests().slice(before).filter((q) => q.method === 'DELETE') };
    };

    const first = await restart('cart-nxqlkrlvwh-ndg5b');
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.equal(first.deletes.length, 1, JSON.stringify(first.deletes));

    // A new process: before the limits were kept on disk, it started from zero and ran.
    const second = await restart('storefront-f5qt8gpf2h-vpqjt');
    assert.equal(second.code, 3, `exit code 3 means denied: ${second.stderr}`);
    assert.match(second.stderr, /rate_limited/);
    assert.deepEqual(second.deletes, [], 'nothing reached the cluster');
    assert.ok(fs.existsSync(path.join(own.env.XDG_STATE_HOME, 'eks-sre-mcp', 'limits.sqlite')));
  } finally {
    own.cleanup();
  }
});
