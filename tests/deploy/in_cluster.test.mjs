// In a pod: with no kubeconfig, the server finds the API server from the service account environment
// (KUBERNETES_SERVICE_HOST/PORT, the token, ca.crt and namespace files), writes a private kubeconfig into its
// state directory and hands it to kubernetes-mcp-server, which then reaches the API server over TLS as the
// service account. kubesim stands in for the API server behind a loopback TLS front whose certificate the test
// makes with the openssl CLI; the service account directory is a temporary one. What a diagnosis sends from
// there is checked request by request against the read-only overlay's RBAC.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import YAML from 'yaml';
import { after, before, test } from 'node:test';

import { NODE_MODULES, binaryFromEnv, isolatedDir, killIfAlive, run, tail, waitUntil, within } from '../e2e/helpers.mjs';
import { REPO, SCENARIOS, startKubesim } from '../kubesim/helpers.mjs';
import { allowed, attributes, grantsOf } from './rbac.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const UPSTREAM = path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server');
const TOKEN = 'sa-token-in-cluster-test';

let iso, sim, front, sa, pki;

// A CA, and a certificate for 127.0.0.1 it signs.
function makeCertificates(dir) {
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 20000 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=in-cluster-test-ca');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt',
    '-days', '1', '-extfile', 'san.ext');
  // A second CA that signed nothing here: a client trusting it must refuse the server.
  openssl('req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.crt', '-days', '1', '-subj', '/CN=other-ca');
}

// TLS on 127.0.0.1 in front of kubesim's plain HTTP; stopped by closing it (it is in this process).
async function startTlsFront(target) {
  const port = Number(new URL(target).port);
  const sockets = new Set();
  const server = tls.createServer({ key: fs.readFileSync(path.join(pki, 'server.key')), cert: fs.readFileSync(path.join(pki, 'server.crt')) }, (client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () => new Promise((resolve) => { sockets.forEach((s) => s.destroy()); server.close(resolve); }),
  };
}

before(async () => {
  iso = isolatedDir('in-cluster');
  pki = path.join(iso.dir, 'pki');
  fs.mkdirSync(pki);
  makeCertificates(pki);
  sim = await startKubesim(path.join(SCENARIOS, 'crashloop-missing-env'), { args: ['--token', TOKEN, '--require-token'] });
  front = await startTlsFront(sim.url);
  sa = path.join(iso.dir, 'serviceaccount');
  fs.mkdirSync(sa);
  fs.writeFileSync(path.join(sa, 'token'), TOKEN);
  fs.copyFileSync(path.join(pki, 'ca.crt'), path.join(sa, 'ca.crt'));
  fs.writeFileSync(path.join(sa, 'namespace'), 'payments');
});
after(async () => {
  await front?.close();
  if (sim) assert.equal(await sim.stop(), 0, 'kubesim ends cleanly on SIGTERM');
  iso?.cleanup();
});

// The roles the read-only overlay binds to the pod's service account (deploy/overlays/read-only, rendered).
let readOnlyText;
function readOnlyGrants() {
  readOnlyText ??= execFileSync('kubectl', ['kustomize', path.join(REPO, 'deploy/overlays/read-only')], { encoding: 'utf8', timeout: 30000 });
  return grantsOf(YAML.parseAllDocuments(readOnlyText).map((d) => d.toJS()), 'eks-sre-mcp', 'eks-sre-mcp');
}

// `upstream call kubernetes pods_list_in_namespace {}` as the pod would run it: the namespace left to the
// kubeconfig's (the service account's), no kubeconfig anywhere but the service account environment.
function callInPod(stateDir, args = ['upstream', 'call', 'kubernetes', 'pods_list_in_namespace', '{}']) {
  const config = path.join(iso.dir, 'config.yaml');
  fs.writeFileSync(config, `state_dir: ${stateDir}\nmcpServers:\n  kubernetes:\n    command: ${UPSTREAM}\n    connect_timeout_ms: 20000\n`);
  return run(SERVER, [...args, '--config', config], {
    env: { ...iso.env, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(front.port), EKS_SRE_MCP_SERVICE_ACCOUNT_DIR: sa },
    cwd: iso.dir,
    timeoutMs: 60000,
  });
}

test('the server and its upstream reach the API server as the service account, over verified TLS', async () => {
  const state = path.join(iso.dir, 'state');
  const before = sim.requests().length;
  const r = await callInPod(state);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /payments-api-/, 'the pods of the service account\'s namespace');
  const seen = sim.requests().slice(before);
  assert.ok(seen.some((q) => q.path === '/api/v1/namespaces/payments/pods' && q.status === 200), JSON.stringify(seen.slice(0, 5)));
  assert.ok(seen.every((q) => q.status !== 401), 'every request carried the token');
  const kubeconfig = path.join(state, 'in-cluster.kubeconfig');
  assert.equal(fs.statSync(kubeconfig).mode & 0o777, 0o600);
  const text = fs.readFileSync(kubeconfig, 'utf8');
  assert.match(text, new RegExp(`server: "https://127\\.0\\.0\\.1:${front.port}"`));
  assert.ok(text.includes(`tokenFile: "${path.join(sa, 'token')}"`), 'the token is read from its file, so a rotated one is used');
  assert.ok(!text.includes(TOKEN), 'no token in the written kubeconfig');
});

test('a CA that did not sign the API server\'s certificate is refused', async () => {
  fs.copyFileSync(path.join(pki, 'other.crt'), path.join(sa, 'ca.crt'));
  try {
    const before = sim.requests().length;
    const r = await callInPod(path.join(iso.dir, 'state-other'));
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr + r.stdout, /x509|certificate/i);
    assert.equal(sim.requests().length, before, 'nothing reached the API server');
  } finally {
    fs.copyFileSync(path.join(pki, 'ca.crt'), path.join(sa, 'ca.crt'));
  }
});

test('every request a diagnosis sends from the pod (lists, logs) the read-only RBAC permits', async () => {
  const before = sim.requests().length;
  const diagnose = await callInPod(path.join(iso.dir, 'state-diagnose'), ['diagnose', '--namespace', 'payments']);
  assert.equal(diagnose.code, 1, `exit 1: findings\n${diagnose.stderr}`);
  assert.match(diagnose.stdout, /DATABASE_URL/, 'the crash loop\'s cause, from its logs');
  const grants = readOnlyGrants();
  const seen = sim.requests().slice(before).map(attributes).filter(Boolean);
  // SelfSubjectAccessReviews are allowed to every authenticated user by the cluster's default roles.
  const checked = seen.filter((r) => r.resource !== 'selfsubjectaccessreviews');
  assert.ok(checked.some((r) => r.resource === 'pods/log'), 'the logs were read');
  assert.ok(checked.length >= 20, `${checked.length} requests`);
  for (const r of checked) assert.ok(allowed(grants, r), `permitted: ${JSON.stringify(r)}`);
  const kinds = new Set(checked.map((r) => r.resource));
  console.log(`diagnose from the pod: ${checked.length} requests on ${kinds.size} resources, every one permitted`);
});

test('from the pod the monitor leads through the Lease of its own namespace, within the read-only roles', async () => {
  // The deployment's own objects first (its Namespace and the Lease without a holder), as `kubectl apply -k` makes them.
  // kubectl sends no token over plain HTTP: it goes through the TLS front too.
  readOnlyGrants();
  const admin = path.join(iso.dir, 'admin.kubeconfig');
  fs.writeFileSync(admin, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:${front.port}\n` +
    `    certificate-authority: ${path.join(pki, 'ca.crt')}\nusers:\n- name: u\n  user:\n    token: ${TOKEN}\ncontexts:\n- name: c\n` +
    '  context:\n    cluster: c\n    user: u\ncurrent-context: c\n');
  // Not execFileSync: the front runs in this process's event loop.
  const applied = await run('kubectl', ['--request-timeout=10s', 'apply', '--server-side', '--validate=false', '-f', '-'],
    { input: readOnlyText, env: { PATH: process.env.PATH, HOME: iso.dir, KUBECONFIG: admin }, timeoutMs: 30000 });
  assert.equal(applied.code, 0, applied.stderr);
  const podSa = path.join(iso.dir, 'serviceaccount-eks-sre-mcp');
  fs.mkdirSync(podSa);
  for (const f of ['token', 'ca.crt']) fs.copyFileSync(path.join(sa, f), path.join(podSa, f));
  fs.writeFileSync(path.join(podSa, 'namespace'), 'eks-sre-mcp');
  const config = path.join(iso.dir, 'monitor.yaml');
  fs.writeFileSync(config, `state_dir: ${path.join(iso.dir, 'state-monitor')}\nmonitor:\n  leader_election:\n    lease_duration_seconds: 3\n` +
    `    renew_deadline_seconds: 2\n    retry_period_seconds: 1\nmcpServers:\n  kubernetes:\n    command: ${UPSTREAM}\n    connect_timeout_ms: 20000\n`);
  const before = sim.requests().length;
  const child = spawn(SERVER, ['monitor', '--leader-elect', '--interval', '1s', '--config', config], {
    env: { ...iso.env, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(front.port), EKS_SRE_MCP_SERVICE_ACCOUNT_DIR: podSa },
    cwd: iso.dir, stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = tail(child.stderr);
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const lease = '/apis/coordination.k8s.io/v1/namespaces/eks-sre-mcp/leases/eks-sre-mcp';
  try {
    await waitUntil(() => sim.requests().slice(before).some((q) => q.method === 'PATCH' && q.path === lease && q.status === 200) &&
      /\[monitor\] cycle \d+: /.test(stderr()), 30000, `a cycle as the Lease's holder\n${stderr()}`, 50);
    process.kill(child.pid, 'SIGTERM');
    assert.equal(await within(15000, exited, 'the monitor to exit on SIGTERM'), 0, stderr());
  } finally {
    killIfAlive(child.pid);
  }
  const seen = sim.requests().slice(before).map(attributes).filter((r) => r && r.resource !== 'selfsubjectaccessreviews');
  const onLease = seen.filter((r) => r.resource === 'leases').map((r) => `${r.verb} ${r.namespace}/${r.name}`);
  assert.deepEqual([...new Set(onLease)].sort(), ['get eks-sre-mcp/eks-sre-mcp', 'patch eks-sre-mcp/eks-sre-mcp']);
  const grants = readOnlyGrants();
  for (const r of seen) assert.ok(allowed(grants, r), `permitted: ${JSON.stringify(r)}`);
  console.log(`monitor from the pod: ${seen.length} requests, ${onLease.length} on its Lease, every one permitted`);
});
