// The safety boundary, attacked end to end: each case of boundary.jsonl is one call through our CLI
// (`eks-sre-mcp upstream call`) -> the validator -> the real kubernetes-mcp-server -> kubesim, and kubesim's
// request log is the judge: nothing refused reaches the API, and an allowed call touches exactly its target
// (its contract). Cases cover kubeconfig and manifest variants that YAML readers disagree on, argument types
// and ranges, the upstream tools' side effects, planted secrets in results, and Host/Origin names over HTTP.
//   case: {name, category, tool, args, expect: allow|deny|needs_approval|refused|usage, code?, policy?,
//          kubeconfig?, touch?: ["METHOD|METHOD /path"] (exactly the writes), reads?: [paths GET], absent?,
//          present?, upstream_error? (the tool answers an error: exit 1)}  host cases: {category: host, host, origin?, expect: accept|refuse}
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { binaryFromEnv, isolatedDir, run, within, killIfAlive, startHttpServe } from '../e2e/helpers.mjs';
import { NODE_MODULES, startKubesim } from '../kubesim/helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER = binaryFromEnv('EKS_SRE_MCP');
const UPSTREAM = path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server');
const CASES = fs.readFileSync(path.join(HERE, 'boundary.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

let sim;
const iso = isolatedDir('boundary');
const configs = {};
const kubeconfigs = {};

// The kubeconfig variants: the same cluster, with the current namespace written in ways YAML readers agree
// on (accepted) or disagree on (refused before anything reaches the cluster).
function writeKubeconfigs() {
  const { url, token } = sim;
  const doc = (contextBody, extra = '') =>
    `apiVersion: v1\nkind: Config\nclusters:\n- name: kubesim\n  cluster:\n    server: ${url}\nusers:\n- name: kubesim\n` +
    `  user:\n    token: ${token}\ncontexts:\n- name: kubesim\n  context:\n${contextBody}current-context: kubesim\n${extra}`;
  const ctx = (ns) => `    cluster: kubesim\n    user: kubesim\n${ns === undefined ? '' : `    namespace: ${ns}\n`}`;
  const variants = {
    apps: doc(ctx('apps')),
    quoted: doc(ctx('"apps"')),
    json: JSON.stringify({
      apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'kubesim', cluster: { server: url } }],
      users: [{ name: 'kubesim', user: { token } }],
      contexts: [{ name: 'kubesim', context: { cluster: 'kubesim', user: 'kubesim', namespace: 'apps' } }],
      'current-context': 'kubesim',
    }),
    flow: doc('', '').replace('  context:\n', '  context: {cluster: kubesim, user: kubesim, namespace: apps}  # the team\'s namespace\n'),
    no_namespace: doc(ctx(undefined)),
    kube_system: doc(ctx('kube-system')),
    duplicate_namespace: doc(`${ctx('apps')}    namespace: kube-system\n`),
    duplicate_current_context: doc(ctx('apps'), 'current-context: other\n'),
    duplicate_contexts_key: doc(ctx('apps'), 'contexts:\n- name: kubesim\n  context: {cluster: kubesim, user: kubesim, namespace: kube-system}\n'),
    merge_key: doc(`${ctx(undefined)}    <<: {namespace: kube-system}\n`),
    anchor_alias: doc(ctx('apps').replace('    cluster: kubesim', '    cluster: &c kubesim').replace('    user: kubesim', '    user: *c')),
    tag_str: doc(ctx('!!str kube-system')),
    tag_binary: doc(ctx('!!binary a3ViZS1zeXN0ZW0=')),
    yaml11_boolean_namespace: doc(ctx('no')),
    numeric_namespace: doc(ctx('0777')),
    duplicate_context_name: doc(`${ctx('apps')}- name: kubesim\n  context: {cluster: kubesim, user: kubesim, namespace: kube-system}\n`),
    two_documents: `${doc(ctx('apps'))}---\ncurrent-context: other\n`,
    not_yaml: `${doc(ctx('apps'))}contexts: [unclosed\n`,
  };
  for (const [name, text] of Object.entries(variants)) {
    kubeconfigs[name] = path.join(iso.dir, `kubeconfig-${name}`);
    fs.writeFileSync(kubeconfigs[name], text);
  }
  kubeconfigs.default = sim.kubeconfig;
}

function writeConfigs() {
  const upstream = `mcpServers:\n  kubernetes:\n    command: ${UPSTREAM}\n    connect_timeout_ms: 20000\n`;
  // High rate limits: the corpus makes more changes than the default 10 an hour (limits have their own tests).
  const policies = {
    auto: 'mode: auto\nrate_limits: {cluster: 1000, per_namespace: 1000}\n',
    // kube-system locked outright, as a team may choose, instead of approval-only.
    locked: 'mode: auto\nrate_limits: {cluster: 1000, per_namespace: 1000}\nprotected_namespaces: [kube-system]\n',
    read_only: 'mode: read_only\n',
    propose: 'mode: propose\n',
  };
  for (const [name, policy] of Object.entries(policies)) {
    const policyFile = path.join(iso.dir, `policy-${name}.yaml`);
    fs.writeFileSync(policyFile, policy);
    configs[name] = path.join(iso.dir, `config-${name}.yaml`);
    fs.writeFileSync(configs[name], `${upstream}policy: ${policyFile}\n`);
  }
}

before(async () => {
  sim = await startKubesim(path.join(HERE, 'boundary-cluster'));
  writeKubeconfigs();
  writeConfigs();
});
after(async () => {
  await sim?.stop();
  iso.cleanup();
});

const AUDIT = () => path.join(iso.env.XDG_STATE_HOME, 'eks-sre-mcp', 'audit.jsonl');
const auditLines = () => (fs.existsSync(AUDIT()) ? fs.readFileSync(AUDIT(), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

// API discovery and access reviews are how any client starts; they are neither a target nor a write.
const isDiscovery = (q) => ['/version', '/api', '/api/v1', '/apis'].includes(q.path) || q.path.startsWith('/openapi') ||
  /^\/apis\/[^/]+(\/[^/]+)?$/.test(q.path) || q.path.includes('selfsubjectaccessreviews');
const isWrite = (q) => !['GET', 'HEAD'].includes(q.method) && !isDiscovery(q);

async function call(c) {
  const requestsBefore = sim.requests().length;
  const auditBefore = auditLines().length;
  const r = await run(SERVER, ['upstream', 'call', 'kubernetes', c.tool, JSON.stringify(c.args), '--config', configs[c.policy ?? 'auto'],
    '--kubeconfig', kubeconfigs[c.kubeconfig ?? 'default']], { env: iso.env, cwd: iso.dir, timeoutMs: 60000 });
  const requests = sim.requests().slice(requestsBefore).filter((q) => !isDiscovery(q));
  const decisions = auditLines().slice(auditBefore).filter((l) => l.event === 'decision' && l.tool === c.tool);
  return { ...r, requests, decision: decisions.at(-1) };
}

const show = (r) => `exit ${r.code}\nstderr: ${r.stderr.slice(-1500)}\nstdout: ${r.stdout.slice(0, 800)}\nrequests: ${JSON.stringify(r.requests.map((q) => `${q.method} ${q.path}`))}\ndecision: ${JSON.stringify(r.decision)}`;

function checkCall(c, r) {
  const writes = r.requests.filter(isWrite).map((q) => `${q.method} ${q.path}`);
  assert.ok(!r.requests.some((q) => q.path.includes('/secrets')), `a Secret was requested\n${show(r)}`);
  if (c.expect === 'allow') {
    // upstream_error: the cluster has no such API (metrics, OpenShift, node proxy), so the tool answers an error.
    assert.equal(r.code, c.upstream_error ? 1 : 0, `allowed and answered\n${show(r)}`);
    assert.equal(r.decision?.decision, 'allow', show(r));
    if (c.code) assert.equal(r.decision.code, c.code, show(r));
    const expected = c.touch ?? [];
    assert.equal(writes.length, expected.length, `writes: exactly ${JSON.stringify(expected)}\n${show(r)}`);
    expected.forEach((pattern, i) => {
      const [methods, p] = pattern.split(' ');
      assert.ok(methods.split('|').includes(r.requests.filter(isWrite)[i].method) && r.requests.filter(isWrite)[i].path === p,
        `write ${i}: ${pattern}\n${show(r)}`);
    });
    for (const p of c.reads ?? []) {
      assert.ok(r.requests.some((q) => q.method === 'GET' && q.path === p), `reads ${p}\n${show(r)}`);
    }
    for (const s of c.absent ?? []) assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `planted secret ${s} left the server\n${show(r)}`);
    for (const s of c.present ?? []) assert.ok(r.stdout.includes(s), `result shows ${s}\n${show(r)}`);
    return;
  }
  assert.deepEqual(writes, [], `nothing refused reaches the API\n${show(r)}`);
  if (c.expect === 'usage') {
    assert.equal(r.code, 2, show(r));
    return;
  }
  assert.equal(r.code, 3, `refused (exit 3)\n${show(r)}`);
  if (c.expect === 'refused') {
    // Refused before any decision: the kubeconfig cannot be read one way only; nothing reaches the cluster.
    assert.match(r.stderr, /kubeconfig/, show(r));
    assert.equal(r.requests.length, 0, show(r));
    return;
  }
  assert.equal(r.decision?.decision, c.expect, show(r));
  if (c.code) assert.equal(r.decision.code, c.code, show(r));
}

for (const c of CASES.filter((x) => x.category !== 'host')) {
  test(`${c.category}: ${c.name}`, async () => checkCall(c, await call(c)));
}

// --- Host and Origin over HTTP: exact loopback names only (DNS rebinding) ----------------------------------
let httpServer;
const startHttp = () => startHttpServe(SERVER, ['--config', configs.read_only], { env: iso.env, cwd: iso.dir, timeoutMs: 15000 });

function post(port, headers) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'boundary', version: '1' } } });
  return within(10000, new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', setHost: false,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Content-Length': Buffer.byteLength(body), ...headers } },
    (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    req.end(body);
  }), 'an HTTP answer');
}

test('host: Host and Origin names', async (t) => {
  httpServer = await startHttp();
  try {
    for (const c of CASES.filter((x) => x.category === 'host')) {
      await t.test(c.name, async () => {
        const headers = { Host: c.host.replaceAll('{port}', httpServer.port) };
        if (c.origin) headers.Origin = c.origin.replaceAll('{port}', httpServer.port);
        const status = await post(httpServer.port, headers);
        if (c.expect === 'accept') assert.equal(status, 200, `${c.name}: accepted`);
        else assert.equal(status, 403, `${c.name}: refused`);
      });
    }
  } finally {
    httpServer.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    killIfAlive(httpServer.child.pid);
  }
});
