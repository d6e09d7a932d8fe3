// The monitor end to end, through the real kubernetes-mcp-server and kubesim, the real server-github against the
// GitHub stand-in, and loopback Teams/Slack receivers: failures injected into kubesim mid-run are auto-remediated
// or escalated within one interval + 5 s; an unchanged finding is one incident with no comment spam; while the
// cluster cannot be read (API 500s, the upstream killed) nothing is resolved; GitHub down delays an incident
// without duplicating it; a fixed finding resolves after two clean cycles; SIGTERM ends the loop cleanly. Then the
// HTML report is rendered by headless Chromium and looked at; and `serve --monitor` publishes the report as a
// subscribable resource and its figures on /metrics.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import {
  binaryFromEnv, childrenOf, evictedStorefrontPod, githubUpstreamYaml, isolatedDir, killIfAlive, run, scaled,
  startHttpServe, waitUntil, webhookReceiver,
} from './helpers.mjs';
import { decodePng, countColour } from './png.mjs';
import { SCENARIOS, NODE_MODULES, api, startKubesim } from '../kubesim/helpers.mjs';
import { startFakeGitHub } from '../fakes/github/fake.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const UPSTREAM = path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server');
const TOKEN = 'ghp_e2eMonitorToken0123456789abcdefABCDEF';
const ARTIFACTS = process.env.EKS_TEST_ARTIFACTS;
const INTERVAL_MS = 1000;

const github = await startFakeGitHub({
  tokens: { [TOKEN]: { login: 'eks-bot', repos: { 'acme/incidents': 'write' } } },
  repos: { 'acme/incidents': { files: {} } },
});
const sim = await startKubesim(path.join(SCENARIOS, 'healthy'));
const hooks = await webhookReceiver();
const iso = isolatedDir('monitor');
const children = [];
after(async () => {
  for (const pid of children) killGroup(pid);
  await sim.stop();
  await github.close();
  await hooks.close();
  iso.cleanup();
});

const stateDir = path.join(iso.dir, 'state');
const config = path.join(iso.dir, 'config.yaml');
fs.writeFileSync(config, [
  'mode: auto',
  `state_dir: ${stateDir}`,
  'github:',
  '  incident_repository: acme/incidents',
  '  cluster_name: e2e-monitor',
  'notifications:',
  `  slack_webhook_url: ${hooks.url('/services/T000/B000/xyz')}`,
  'monitor:',
  '  clean_cycles_to_resolve: 2',
  '  verify_timeout_seconds: 5',
  'mcpServers:',
  '  kubernetes:',
  `    command: ${UPSTREAM}`,
  '    connect_timeout_ms: 20000',
  ...githubUpstreamYaml(github),
  ''].join('\n'));
const env = { ...iso.env, GITHUB_TOKEN: TOKEN };

const issues = () => github.state().repos['acme/incidents'].issues ?? [];
const slackTitles = () => hooks.received.map((m) => m.body.blocks?.[0]?.text?.text ?? '');
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

// The monitor in the foreground, its log lines kept; cycles() parses "cycle N: OUTCOME".
function startMonitor(args = [], { configFile = config, cluster = sim, intervalMs = INTERVAL_MS } = {}) {
  // Its own process group: what it starts (the upstream servers) is stopped with it.
  const child = spawn(SERVER, ['monitor', '--interval', `${intervalMs}ms`, '--config', configFile, '--kubeconfig',
    cluster.kubeconfig, '--log-level', 'info', ...args],
  { env, cwd: iso.dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child.pid);
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child, exited,
    log: () => log,
    cycles: () => [...log.matchAll(/cycle (\d+): (\w+) in|cycle: (standby)/g)]
      .map((m) => ({ n: Number(m[1] ?? 0), outcome: m[2] ?? m[3] })),
  };
}

async function patchStatus(ns, pod, status) {
  const r = await api(sim, 'PATCH', `/api/v1/namespaces/${ns}/pods/${pod}/status`,
    { body: JSON.stringify({ status }), contentType: 'application/merge-patch+json' });
  assert.equal(r.status, 200, r.text);
}

const notReady = (reason, message) => ({
  conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now() },
    { type: 'ContainersReady', status: 'False', lastTransitionTime: now() }],
  containerStatuses: [{ name: 'api', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/api:3.2.0',
    imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason, message } } }],
});
const ready = () => ({
  conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now() },
    { type: 'ContainersReady', status: 'True', lastTransitionTime: now() }],
  containerStatuses: [{ name: 'api', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/api:3.2.0',
    imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now() } } }],
});

let latestIncidentReport;

test('the monitor remediates, escalates once, survives faults, resolves after clean cycles', async () => {
  const m = startMonitor();
  await waitUntil(() => m.cycles().filter((c) => c.outcome === 'healthy').length >= 2, 60000,
    `two healthy cycles\n${m.log()}`, 20);

  // An Evicted pod record: the policy deletes Failed pods without a human; verified fixed; no incident.
  const evicted = await api(sim, 'POST', '/api/v1/namespaces/shop/pods',
    { contentType: 'application/json', body: evictedStorefrontPod('storefront-jg7fdchbmq-zz9xq') });
  assert.equal(evicted.status, 201, evicted.text);
  let t0 = performance.now();
  await waitUntil(() => sim.requests().some((q) => q.method === 'DELETE' && q.path.endsWith('/pods/storefront-jg7fdchbmq-zz9xq')),
    INTERVAL_MS + 5000, `the Evicted pod deleted within one interval + 5 s\n${m.log()}`, 20);
  console.log(`auto-remediated in ${Math.round(performance.now() - t0)} ms`);
  await waitUntil(() => /Evicted Deployment\/shop\/storefront remediated by plan p-[0-9a-f]{16}: applied: fixed/.test(m.log()) &&
    m.cycles().at(-1).outcome === 'healthy', 20000,
    `a healthy cycle after the fix\n${m.log()}`, 20);
  assert.equal(issues().length, 0, 'a fixed finding needs no incident');

  // A pod that cannot start for a missing Secret: nothing can fix it automatically; one incident, one message.
  await patchStatus('payments', 'payments-api-24gk6wmjj4-wjzcw',
    notReady('CreateContainerConfigError', 'secret "payments-db-credentials" not found'));
  t0 = performance.now();
  await waitUntil(() => issues().length === 1, INTERVAL_MS + 5000, `an incident within one interval + 5 s\n${m.log()}`, 20);
  console.log(`escalated in ${Math.round(performance.now() - t0)} ms`);
  const issue = issues()[0];
  assert.match(issue.title, /CreateContainerConfigError|payments/, issue.title);
  await waitUntil(() => slackTitles().some((t) => /CreateContainerConfigError/.test(t)), 10000,
    `the escalation notified\n${JSON.stringify(hooks.received, null, 1)}`, 20);
  const before = m.cycles().length;
  await waitUntil(() => m.cycles().length >= before + 4, 30000, `four more cycles\n${m.log()}`, 20);
  assert.equal(issues().length, 1, 'still one incident');
  assert.equal((issues()[0].comments ?? []).length, 0, 'an unchanged finding is not commented on');
  const reports = fs.readdirSync(path.join(stateDir, 'reports')).filter((f) => /^cycle-.*\.html$/.test(f)).sort();
  latestIncidentReport = path.join(stateDir, 'reports', reports.at(-1));
  fs.copyFileSync(latestIncidentReport, path.join(iso.dir, 'incident-report.html'));
  latestIncidentReport = path.join(iso.dir, 'incident-report.html');

  // Part of the cluster cannot be listed (API 500s on another namespace's pods) while the pod recovers: a read
  // that is not whole resolves nothing.
  let r = await api(sim, 'POST', '/_kubesim/faults', {
    body: JSON.stringify({ status: 500, count: 100000, path_prefix: '/api/v1/namespaces/shop/pods' }),
    contentType: 'application/json',
  });
  assert.equal(r.status, 200, r.text);
  await patchStatus('payments', 'payments-api-24gk6wmjj4-wjzcw', ready());
  const faulted = m.cycles().length;
  await waitUntil(() => m.cycles().slice(faulted).filter((c) => c.outcome !== 'findings').length >= 4, 40000,
    `four cycles during the faults\n${m.log()}`, 20);
  assert.equal(issues()[0].state, 'open', `no false resolution during API errors\n${m.log()}`);

  // The upstream killed mid-run: restarted by the gateway; still no false resolution.
  const upstreamPid = childrenOf(m.child.pid).find((pid) => /kubernetes-mcp-server/.test(commandLine(pid)));
  assert.ok(upstreamPid, 'the kubernetes upstream runs as a child of the monitor');
  process.kill(upstreamPid, 'SIGKILL');
  const killed = m.cycles().length;
  await waitUntil(() => m.cycles().length >= killed + 2, 40000, `cycles after the kill\n${m.log()}`, 20);
  assert.equal(issues()[0].state, 'open', `no false resolution after the upstream died\n${m.log()}`);

  // Reads succeed again: the recovered pod resolves after two clean cycles; the incident is closed once.
  r = await api(sim, 'DELETE', '/_kubesim/faults');
  assert.equal(r.status, 200);
  t0 = performance.now();
  await waitUntil(() => issues()[0].state === 'closed', 3 * INTERVAL_MS + 30000,
    `the incident closed after two clean cycles\n${m.log()}`, 20);
  console.log(`resolved ${Math.round(performance.now() - t0)} ms after reads recovered`);
  await waitUntil(() => slackTitles().some((t) => /^Resolved/.test(t)), 10000, 'the resolution notified', 20);
  assert.equal(issues().length, 1);

  // The same workload fails the same way again while GitHub answers 502: the incident waits for GitHub, then its
  // recently closed issue is reopened, once, rather than a duplicate filed.
  github.fault({ kind: 'server_error', status: 502, count: 10 });
  await patchStatus('payments', 'payments-api-24gk6wmjj4-htnvt',
    notReady('CreateContainerConfigError', 'configmap "payments-limits" not found'));
  await waitUntil(() => /not filed \(retried next cycle\)/.test(m.log()), 60000, 'a failed filing', 20);
  await waitUntil(() => issues()[0].state === 'open', 90000, 'the incident reopened after GitHub recovered', 50);
  const settled = m.cycles().length;
  await waitUntil(() => m.cycles().length >= settled + 3, 30000, 'three more cycles', 20);
  assert.equal(issues().length, 1, `no duplicate\n${m.log()}`);
  assert.equal(issues()[0].state, 'open');

  // SIGTERM: the cycle in progress finishes, then a clean exit.
  process.kill(m.child.pid, 'SIGTERM');
  const exit = await Promise.race([m.exited, new Promise((res) => setTimeout(() => res('timeout'), scaled(30000)))]);
  assert.deepEqual(exit, { code: 0, signal: null }, m.log());
  assert.match(m.log(), /monitor stopped/);
});

// Stops a monitor and everything it started (its process group, led by its PID).
function killGroup(pid) {
  try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
}
function commandLine(pid) {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return ''; }
}

test('two monitors on one cluster: one acts; kill -9 the leader and the other leads within the lease', async () => {
  const shared = await startKubesim(path.join(SCENARIOS, 'healthy'));
  const replicas = [];
  try {
    for (const name of ['replica-a', 'replica-b']) {
      const file = path.join(iso.dir, `${name}.yaml`);
      fs.writeFileSync(file, [
        'mode: auto',
        `state_dir: ${path.join(iso.dir, name)}`,
        'monitor:',
        '  leader_election:',
        '    enabled: true',
        '    namespace: default',
        `    identity: ${name}`,
        '    lease_duration_seconds: 3',
        '    renew_deadline_seconds: 2',
        '    retry_period_seconds: 1',
        'mcpServers:',
        '  kubernetes:',
        `    command: ${UPSTREAM}`,
        '    connect_timeout_ms: 20000',
        ''].join('\n'));
      replicas.push({ name, ...startMonitor([], { configFile: file, cluster: shared, intervalMs: 500 }) });
    }
    const leaders = () => replicas.filter((r) => /acquired the lease/.test(r.log()));
    await waitUntil(() => leaders().length >= 1, 30000, `a leader\n${replicas.map((r) => r.log()).join('\n')}`, 20);
    await waitUntil(() => replicas.every((r) => r.cycles().length >= 3), 30000, 'both running', 20);
    assert.equal(leaders().length, 1, 'exactly one replica leads');
    const [leader] = leaders();
    const follower = replicas.find((r) => r !== leader);
    assert.ok(follower.cycles().every((c) => c.outcome === 'standby'), follower.log());

    // Only the leader acts: one DELETE for one Evicted pod.
    const deletes = (name) => shared.requests().filter((q) => q.method === 'DELETE' && q.path.endsWith(`/pods/${name}`));
    let r = await api(shared, 'POST', '/api/v1/namespaces/shop/pods',
      { contentType: 'application/json', body: evictedStorefrontPod('storefront-jg7fdchbmq-lead1') });
    assert.equal(r.status, 201, r.text);
    await waitUntil(() => deletes('storefront-jg7fdchbmq-lead1').length === 1, 15000, 'the leader deleted it', 20);
    const seen = follower.cycles().length;
    await waitUntil(() => follower.cycles().length >= seen + 4, 20000, 'follower cycles', 20);
    assert.equal(deletes('storefront-jg7fdchbmq-lead1').length, 1, 'the follower did nothing');

    // kill -9 the leader (and then its orphaned upstream): the follower leads within lease + retry.
    process.kill(leader.child.pid, 'SIGKILL');
    await leader.exited;
    killGroup(leader.child.pid);  // its upstream, orphaned
    const t0 = performance.now();
    await waitUntil(() => /acquired the lease/.test(follower.log()), 15000, `a takeover\n${follower.log()}`, 20);
    const took = performance.now() - t0;
    console.log(`took over ${Math.round(took)} ms after the leader was killed`);
    assert.ok(took <= scaled(3000 + 1000 + 1500), `took over in ${Math.round(took)} ms (lease 3 s + retry 1 s)`);
    r = await api(shared, 'POST', '/api/v1/namespaces/shop/pods',
      { contentType: 'application/json', body: evictedStorefrontPod('storefront-jg7fdchbmq-lead2') });
    assert.equal(r.status, 201, r.text);
    await waitUntil(() => deletes('storefront-jg7fdchbmq-lead2').length === 1, 15000, 'the new leader acts', 20);

    // The Lease's successful writes name one holder, then the other: never back and forth.
    const holders = shared.requests()
      .filter((q) => q.path.includes('/leases/eks-sre-mcp') && ['PATCH', 'PUT', 'POST'].includes(q.method) &&
        q.status < 300)
      .map((q) => { try { return JSON.parse(q.body).spec?.holderIdentity; } catch { return undefined; } })
      .filter((h) => h);
    const switches = holders.filter((h, i) => i > 0 && h !== holders[i - 1]).length;
    assert.equal(switches, 1, JSON.stringify(holders));
    assert.equal(holders[0], leader.name);
  } finally {
    for (const rep of replicas) killGroup(rep.child.pid);
    await shared.stop();
  }
});
test('headless Chromium renders the HTML report: timeline bars, the incident, the action', async () => {
  assert.ok(latestIncidentReport, 'the first test kept a report');
  const dom = await run('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom',
    `file://${latestIncidentReport}`], { env: iso.env, timeoutMs: 60000 });
  assert.equal(dom.code, 0, dom.stderr);
  assert.match(dom.stdout, /<svg id="timeline"/);
  assert.match(dom.stdout, /<rect class="bar (critical|warning)" data-finding="f-[0-9a-f]{16}"/);
  assert.match(dom.stdout, /<table id="incidents">[\s\S]*href="https:\/\/github\.com\/acme\/incidents\/issues\/1"/);
  assert.match(dom.stdout, /<table id="actions">[\s\S]*applied[\s\S]*fixed/);
  const shot = path.join(ARTIFACTS ?? iso.dir, 'monitor-report.png');
  fs.mkdirSync(path.dirname(shot), { recursive: true });
  const r = await run('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
    '--window-size=1100,900', `--screenshot=${shot}`, `file://${latestIncidentReport}`], { env: iso.env, timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  const image = decodePng(fs.readFileSync(shot));
  assert.equal(image.width, 1100);
  // The severity colours are on the page: the badge, the tile and the timeline's bar.
  const painted = countColour(image, [0xd1, 0x24, 0x2f]) + countColour(image, [0xbf, 0x87, 0x00]);
  assert.ok(painted > 200, `severity colours painted: ${painted} pixels`);
});

test('serve --monitor: the report is a subscribable resource and the figures are on /metrics', async () => {
  const oom = await startKubesim(path.join(SCENARIOS, 'oomkilled'));
  const serveIso = isolatedDir('monitor-serve');
  const serveConfig = path.join(serveIso.dir, 'config.yaml');
  fs.writeFileSync(serveConfig, ['mcpServers:', '  kubernetes:', `    command: ${UPSTREAM}`, ''].join('\n'));
  const serve = await startHttpServe(SERVER, ['--monitor', '--interval', '1s', '--config', serveConfig,
    '--kubeconfig', oom.kubeconfig], { env: serveIso.env, cwd: serveIso.dir });
  children.push(serve.child.pid);
  const client = new Client({ name: 'monitor-e2e', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', serve.url)));
    const updated = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { updated.push(n.params.uri); });
    const listed = await client.listResources();
    for (const uri of ['eks-sre-mcp://reports/latest', 'eks-sre-mcp://reports/latest.md', 'eks-sre-mcp://incidents/open'])
      assert.ok(listed.resources.some((r) => r.uri === uri), uri);
    await client.subscribeResource({ uri: 'eks-sre-mcp://reports/latest' });
    await waitUntil(() => updated.includes('eks-sre-mcp://reports/latest'), 30000, 'notifications/resources/updated', 20);
    const read = await client.readResource({ uri: 'eks-sre-mcp://reports/latest' });
    const report = JSON.parse(read.contents[0].text);
    assert.equal(report.kind, 'cycle');
    assert.ok(report.findings.some((f) => f.reason === 'OOMKilled'), read.contents[0].text);
    const md = await client.readResource({ uri: 'eks-sre-mcp://reports/latest.md' });
    assert.match(md.contents[0].text, /\| critical \| OOMKilled \|/);
    const metrics = await (await fetch(new URL('/metrics', serve.url))).text();
    assert.match(metrics, /eks_sre_mcp_monitor_cycles_total\{outcome="findings"\} [1-9]/);
    assert.match(metrics, /eks_sre_mcp_monitor_findings\{reason="OOMKilled",severity="critical"\} 1/);
    assert.match(metrics, /eks_sre_mcp_monitor_cycle_duration_seconds_count [1-9]/);
  } finally {
    await client.close().catch(() => {});
    killIfAlive(serve.child.pid);
    await oom.stop();
    serveIso.cleanup();
  }
});

test('monitor --once: exit 0 on a healthy cluster, 1 with findings, 2 when the cluster cannot be read', async () => {
  const healthy = await startKubesim(path.join(SCENARIOS, 'healthy'));
  const failing = await startKubesim(path.join(SCENARIOS, 'crashloop-missing-env'));
  const onceConfig = path.join(iso.dir, 'once.yaml');
  fs.writeFileSync(onceConfig, ['mcpServers:', '  kubernetes:', `    command: ${UPSTREAM}`, ''].join('\n'));
  const cli = (kubeconfig, state) => run(SERVER, ['monitor', '--once', '--config', onceConfig, '--kubeconfig', kubeconfig],
    { env: { ...iso.env, XDG_STATE_HOME: path.join(iso.dir, state) }, cwd: iso.dir, timeoutMs: 90000 });
  // The healthy cluster's kubeconfig outlives it: the third run finds nobody at its address.
  const gone = path.join(iso.dir, 'gone.kubeconfig');
  fs.copyFileSync(healthy.kubeconfig, gone);
  try {
    let r = await cli(healthy.kubeconfig, 'once-a');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^healthy: 0 open/);
    // Without Prometheus each cycle records a metrics-API sample (one per step, 10 s here) into usage.sqlite, and
    // right-sizing reads that history: a cycle, then its own call one step later, give storefront's 2 pods 2 each.
    const sampled = path.join(iso.dir, 'sampled.yaml');
    fs.writeFileSync(sampled, fs.readFileSync(onceConfig, 'utf8') +
      'cost:\n  prometheus:\n    step_seconds: 10\n  strategy:\n    points_required: 4\n');
    const env = { ...iso.env, XDG_STATE_HOME: path.join(iso.dir, 'once-s') };
    const nextStep = () => new Promise((resolve) => setTimeout(resolve, 10100 - (Date.now() % 10000)));
    for (const command of [['monitor', '--once'], ['rightsizing', '--namespace', 'shop', '--format', 'json']]) {
      await nextStep();
      r = await run(SERVER, [...command, '--config', sampled, '--kubeconfig', healthy.kubeconfig],
        { env, cwd: iso.dir, timeoutMs: 90000 });
    }
    const storefront = JSON.parse(r.stdout || '{}').recommendations?.find((x) => x.workload.name === 'storefront');
    assert.ok(storefront, r.stdout + r.stderr);
    assert.equal(storefront.points, 4, JSON.stringify(storefront));
    assert.equal(storefront.status, 'ok', JSON.stringify(storefront));
    r = await cli(failing.kubeconfig, 'once-b');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^findings: [1-9]\d* open/);
    await healthy.stop();
    r = await cli(gone, 'once-c');
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /^read_failed: .*could not read the cluster/);
  } finally {
    await healthy.stop();
    await failing.stop();
  }
});
