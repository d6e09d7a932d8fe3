// The real kubernetes-mcp-server (tests/node_modules, pinned) against kubesim: each tool the gateway relies on
// returns real content from the scenario, and writes reach the API as the request log shows.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { NODE_MODULES, SCENARIOS, startKubesim, tempDir } from './helpers.mjs';

const UPSTREAM = path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server');
let sim, client, transport, home;

async function call(name, args = {}) {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 15000 });
  const text = r.content.map((c) => c.text ?? '').join('\n');
  assert.ok(!r.isError, `${name} failed: ${text}`);
  return text;
}

before(async () => {
  sim = await startKubesim(path.join(SCENARIOS, 'crashloop-missing-env'));
  home = tempDir('home');
  transport = new StdioClientTransport({ command: UPSTREAM, args: ['--kubeconfig', sim.kubeconfig], stderr: 'pipe',
    env: { HOME: home, PATH: process.env.PATH, KUBECONFIG: sim.kubeconfig } });
  client = new Client({ name: 'kubesim-e2e', version: '1.0.0' });
  await client.connect(transport, { timeout: 15000 });
});

after(async () => {
  const pid = transport?.pid;
  await client?.close().catch(() => {});
  if (pid) try { process.kill(pid, 'SIGKILL'); } catch {}
  assert.equal(await sim?.stop(), 0, 'kubesim ends cleanly on SIGTERM');
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('pods_list shows every namespace, the crash-looping pods included', async () => {
  const text = await call('pods_list');
  assert.match(text, /kube-system\s+v1\s+Pod\s+coredns-/);
  assert.match(text, /payments\s+v1\s+Pod\s+payments-api-\S+\s+0\/1\s+CrashLoopBackOff\s+9 \(/);
  assert.ok(sim.requests().some((r) => r.method === 'POST' && r.path.endsWith('/selfsubjectaccessreviews')), 'the upstream asked for access first');
});

test('pods_list_in_namespace lists only that namespace', async () => {
  const text = await call('pods_list_in_namespace', { namespace: 'shop' });
  assert.match(text, /storefront-/);
  assert.doesNotMatch(text, /payments-api-/);
});

test('pods_get returns the pod with its waiting reason', async () => {
  const name = (await call('pods_list_in_namespace', { namespace: 'payments' })).match(/payments-api-[a-z0-9]+-[a-z0-9]+/)[0];
  const text = await call('pods_get', { namespace: 'payments', name });
  assert.match(text, /reason: CrashLoopBackOff/);
  assert.match(text, /exitCode: 1/);
});

test('pods_log returns current and previous logs', async () => {
  const name = (await call('pods_list_in_namespace', { namespace: 'payments' })).match(/payments-api-[a-z0-9]+-[a-z0-9]+/)[0];
  assert.match(await call('pods_log', { namespace: 'payments', name }), /DATABASE_URL is not set/);
  assert.match(await call('pods_log', { namespace: 'payments', name, previous: true }), /required environment variable DATABASE_URL/);
  const logs = sim.requests().filter((r) => r.path.endsWith('/log'));
  assert.ok(logs.some((r) => /previous=true/.test(r.query)), 'previous=true reached the API');
});

test('events_list shows the kubelet back-off events', async () => {
  const text = await call('events_list', { namespace: 'payments' });
  assert.match(text, /Back-off restarting failed container api in pod payments-api-/);
});

test('resources_list and resources_get read Deployments', async () => {
  const list = await call('resources_list', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop' });
  assert.match(list, /storefront\s+2\/2/);
  const one = await call('resources_get', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'payments', name: 'payments-api' });
  assert.match(one, /name: payments-api/);
  assert.match(one, /image: 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/payments\/api:3\.2\.0/);
});

test('pods_delete deletes through the API and the ReplicaSet recreates the pod', async () => {
  const before = await call('pods_list_in_namespace', { namespace: 'shop', labelSelector: 'app=cart' });
  const victim = before.match(/cart-[a-z0-9]+-[a-z0-9]+/)[0];
  await call('pods_delete', { namespace: 'shop', name: victim });
  assert.ok(sim.requests().some((r) => r.method === 'DELETE' && r.path === `/api/v1/namespaces/shop/pods/${victim}` && r.status === 200));
  const afterText = await call('pods_list_in_namespace', { namespace: 'shop', labelSelector: 'app=cart' });
  assert.doesNotMatch(afterText, new RegExp(victim));
  assert.equal(afterText.match(/cart-[a-z0-9]+-[a-z0-9]+\s+1\/1\s+Running/g)?.length, 2, afterText);
});

test('resources_scale changes replicas and the pods follow', async () => {
  await call('resources_scale', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'storefront', scale: 4 });
  const pods = await call('pods_list_in_namespace', { namespace: 'shop', labelSelector: 'app=storefront' });
  assert.equal(pods.match(/storefront-\S+\s+1\/1\s+Running/g)?.length, 4, pods);
  assert.ok(sim.requests().some((r) => /deployments\/storefront\/scale$/.test(r.path) && ['PUT', 'PATCH'].includes(r.method)));
});

test('resources_create_or_update applies a ConfigMap server-side', async () => {
  const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: payments-config\n  namespace: payments\ndata:\n  DATABASE_URL: postgres://payments@db:5432/payments\n';
  await call('resources_create_or_update', { resource: yaml });
  const got = await call('resources_get', { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'payments', name: 'payments-config' });
  assert.match(got, /DATABASE_URL: postgres:\/\/payments@db:5432\/payments/);
  const write = sim.requests().find((r) => r.path === '/api/v1/namespaces/payments/configmaps/payments-config' && r.method !== 'GET');
  assert.ok(write, 'the write reached the API');
});

test('pods_top and nodes_top read metrics.k8s.io', async () => {
  assert.match(await call('pods_top', { namespace: 'shop', all_namespaces: false }), /storefront-\S+\s+web\s+\d+m\s+\d+Mi/);
  assert.match(await call('nodes_top'), /ip-10-0-1-23\.eu-west-1\.compute\.internal\s+\d+m/);
});
