// Incidents end to end: our CLI and server -> the validator -> the real server-github -> the GitHub stand-in
// (tests/fakes/github, reached through its preload: nothing leaves the machine). One issue per incident: the
// same finding again is a comment, ten concurrent calls in one server and a restarted server still find the one
// issue, resolved closes it and the next occurrence within the window reopens it. Nothing secret reaches GitHub,
// writes outside the incident repository and merges are refused before GitHub sees them, and GitHub's rate
// limits and 5xx are retried, then reported, and the incident is filed on the next call.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { binaryFromEnv, githubUpstreamYaml, isolatedDir, run, sdkHost } from './helpers.mjs';
import { SCENARIOS, NODE_MODULES, startKubesim } from '../kubesim/helpers.mjs';
import { startFakeGitHub } from '../fakes/github/fake.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const UPSTREAM = path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server');
const TOKEN = 'ghp_e2eIncidentToken0123456789abcdefABCD';

// The manifests repository: a multi-document file with comments, the OOM-killed workload in its second document.
const MANIFEST = `# reports: the renderer and its API (owned by team-reports)
apiVersion: v1
kind: Service
metadata:
  name: report-renderer
  namespace: reports
spec:
  selector:
    app: report-renderer
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: report-renderer
  namespace: reports
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: renderer
          image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/reports/renderer:5.0.3
          env:
            - name: JAVA_TOOL_OPTIONS
              value: "-Xms512m -Xmx1g"   # month-end batches need the heap
          resources:
            requests:
              cpu: 250m
              memory: 256Mi
            limits:
              cpu: "1"
              memory: 256Mi   # raise with care: nodes are m5.large
`;
const VALUES = `# reports chart
renderer:
  image:
    repository: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/reports/renderer
    tag: "5.0.3"
  resources:
    limits:
      memory: 256Mi   # see runbook
`;
const github = await startFakeGitHub({
  tokens: { [TOKEN]: { login: 'eks-bot', repos: { 'acme/incidents': 'write', 'acme/app': 'write', 'acme/manifests': 'write',
    'acme/charts': 'write' } } },
  repos: { 'acme/incidents': { files: {} },
    'acme/app': { files: { 'README.md': 'app\n',
      'cmd/api/config.go': 'package main\n\nfunc mustEnv() {\n\tlog.Fatal("invalid configuration", "error", "required environment variable DATABASE_URL is not set")\n}\n' } },
    'acme/manifests': { files: { 'apps/reports/renderer.yaml': MANIFEST, 'README.md': 'manifests\n' } },
    'acme/charts': { files: { 'reports/values.yaml': VALUES } } },
});
const sim = await startKubesim(path.join(SCENARIOS, 'crashloop-missing-env'));
const oom = await startKubesim(path.join(SCENARIOS, 'oomkilled'));
const iso = isolatedDir('incidents');
after(async () => {
  await sim.stop();
  await oom.stop();
  await github.close();
  iso.cleanup();
});

const config = path.join(iso.dir, 'config.yaml');
fs.writeFileSync(config, [
  'github:',
  '  incident_repository: acme/incidents',
  '  cluster_name: e2e-cluster',
  '  reopen_window_hours: 24',
  '  manifest_repositories: [acme/manifests]',
  '  code_repositories: [acme/app]',
  'mcpServers:',
  '  kubernetes:',
  `    command: ${UPSTREAM}`,
  '    connect_timeout_ms: 20000',
  ...githubUpstreamYaml(github),
  ''].join('\n'));
const env = { ...iso.env, GITHUB_TOKEN: TOKEN };

const eks = (args) => run(SERVER, [...args, '--config', config, '--kubeconfig', sim.kubeconfig],
  { env, cwd: iso.dir, timeoutMs: 90000 });
const issues = () => github.state().repos['acme/incidents'].issues;

async function openIncident(args) {
  const r = await eks(['open_incident', ...args, '--format', 'json']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

// A finding as diagnose_cluster gives it, with secrets planted where cluster text goes.
function plantedFinding(id) {
  return {
    id, resource: { kind: 'Deployment', namespace: 'billing', name: 'invoicer' }, reason: 'CrashLoopBackOff',
    severity: 'critical', summary: 'invoicer exits 1 at start: cannot authenticate to the database',
    evidence: [
      { source: 'log', text: 'connecting with postgres://invoicer:S3cretPassw0rd@db:5432/billing' },
      { source: 'log', text: 'using token ghp_AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHHIIII' },
    ],
    root_cause: { category: 'permission_denied', summary: 'the database refuses the credentials', confidence: 0.8 },
    escalation: { required: false },
    suggested_actions: [{ type: 'fix_config', description: 'give invoicer valid database credentials' }],
  };
}

test('a crash-looping pod is filed once; the same finding again is a comment', async () => {
  const diagnosis = await eks(['diagnose', '--format', 'json']);
  const finding = JSON.parse(diagnosis.stdout).findings.find((f) => f.reason === 'CrashLoopBackOff');
  assert.ok(finding, diagnosis.stdout);
  const first = await openIncident(['--finding-id', finding.id]);
  assert.equal(first.action, 'created');
  assert.match(first.fingerprint, /^inc-[0-9a-f]{16}$/);
  assert.equal(first.repository, 'acme/incidents');
  const filed = issues().find((i) => i.number === first.issue_number);
  assert.ok(filed, JSON.stringify(issues()));
  assert.match(filed.title, /CrashLoopBackOff/);
  assert.match(filed.body, new RegExp(`eks-sre-mcp:fingerprint=${first.fingerprint}`));
  assert.match(filed.body, /DATABASE_URL/, 'the root cause from the logs');
  for (const label of ['eks-sre-mcp', `fp:${first.fingerprint}`, 'severity:critical', 'status:investigating'])
    assert.ok(filed.labels.includes(label), `${label} in ${filed.labels}`);

  const again = await openIncident(['--finding-id', finding.id]);
  assert.deepEqual([again.action, again.issue_number, again.fingerprint], ['commented', first.issue_number, first.fingerprint]);
  assert.equal(issues().length, 1);
  assert.equal(issues()[0].comments.length, 1);
});

test('nothing secret reaches GitHub', async () => {
  const out = await openIncident(['--json', JSON.stringify({ finding: plantedFinding('f-00000000000000a1'),
    extra_context: 'reported by on-call; DB_PASSWORD=hunter2-please-rotate' })]);
  const text = JSON.stringify(github.requests().filter((q) => q.method !== 'GET'));
  for (const secret of ['S3cretPassw0rd', 'ghp_AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHHIIII', 'hunter2-please-rotate', TOKEN])
    assert.ok(!text.includes(secret), `${secret} reached GitHub`);
  const filed = issues().find((i) => i.number === out.issue_number);
  assert.match(filed.body, /invoicer/);
});

// The official SDK client as the host of a `serve` process.
const host = () => sdkHost(SERVER, ['serve', '--config', config, '--kubeconfig', sim.kubeconfig],
  { env, cwd: iso.dir, name: 'eks-e2e-incidents' });

test('ten concurrent calls in one server make one issue; a restarted server finds it; resolve and reopen', async () => {
  const finding = plantedFinding('f-00000000000000b2');
  const before = issues().length;
  const one = await host();
  let fingerprint;
  try {
    const results = await Promise.all(Array.from({ length: 10 }, () => one.call('open_incident', { finding })));
    assert.equal(results.filter((r) => r.action === 'created').length, 1, JSON.stringify(results));
    assert.equal(new Set(results.map((r) => r.issue_number)).size, 1);
    fingerprint = results[0].fingerprint;
    assert.equal(issues().length, before + 1);
  } finally {
    await one.close();
  }
  const two = await host();
  try {
    const later = await two.call('open_incident', { finding });
    assert.equal(later.action, 'commented');
    assert.equal(issues().length, before + 1, 'still one issue after a restart');

    const resolved = await two.call('update_incident', { fingerprint, status: 'resolved', note: 'fixed by a config change' });
    assert.equal(resolved.state, 'closed');
    const closed = issues().find((i) => i.number === later.issue_number);
    assert.equal(closed.state, 'closed');
    assert.ok(closed.labels.includes('status:resolved'), closed.labels);

    const back = await two.call('open_incident', { finding });
    assert.equal(back.action, 'reopened');
    assert.equal(back.issue_number, later.issue_number);
    assert.equal(issues().find((i) => i.number === back.issue_number).state, 'open');

    const listed = await two.call('list_incidents', { state: 'all' });
    const mine = listed.incidents.find((i) => i.fingerprint === fingerprint);
    assert.equal(mine?.status, 'investigating', JSON.stringify(listed));
    assert.equal(mine.severity, 'critical');
  } finally {
    await two.close();
  }
});

test('a GitHub write outside the incident repository and a merge are refused before GitHub sees them', async () => {
  const before = github.requests().length;
  const call = (tool, args) => eks(['upstream', 'call', 'github', tool, JSON.stringify(args)]);
  const outside = await call('create_issue', { owner: 'acme', repo: 'app', title: 'exfiltrate' });
  assert.equal(outside.code, 3, outside.stderr);
  assert.match(outside.stderr, /acme\/incidents/);
  const merge = await call('merge_pull_request', { owner: 'acme', repo: 'incidents', pull_number: 1 });
  assert.equal(merge.code, 3, merge.stderr);
  assert.match(merge.stderr, /github_forbidden|left to humans/);
  const seen = github.requests().slice(before).filter((q) => q.method !== 'GET');
  assert.deepEqual(seen, [], 'nothing was written');
});

test('rate limits and 5xx are retried; past the retries a clear error, and the next call files the incident', async () => {
  const finding = plantedFinding('f-00000000000000c3');
  github.fault({ kind: 'secondary_rate_limit', count: 1, retry_after: 1, match: { method: 'POST', path: '/repos/acme/incidents/issues' } });
  github.fault({ kind: 'server_error', count: 1, status: 502, match: { method: 'POST', path: '/repos/acme/incidents/issues' } });
  const retried = await openIncident(['--json', JSON.stringify({ finding })]);
  assert.equal(retried.action, 'created');
  const posts = github.requests().filter((q) => q.method === 'POST' && q.path === '/repos/acme/incidents/issues');
  assert.ok(posts.length >= 3, 'two refusals, then the issue');

  const lost = plantedFinding('f-00000000000000d4');
  // One call tries 4 times: all four answered 503.
  github.fault({ kind: 'server_error', count: 4, status: 503, match: { method: 'GET', path: '/repos/acme/incidents/issues' } });
  const failed = await eks(['open_incident', '--json', JSON.stringify({ finding: lost }), '--format', 'json']);
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr, /acme\/incidents.*(4 tries|temporary)/s);
  const filed = await openIncident(['--json', JSON.stringify({ finding: lost })]);
  assert.equal(filed.action, 'created', 'the incident was not lost');
});

test('a set_resources plan becomes a pull request changing only the memory limit line of the right document', async () => {
  const auto = path.join(iso.dir, 'config-auto.yaml');
  fs.writeFileSync(auto, `mode: auto\n${fs.readFileSync(config, 'utf8')}`);
  const eksAuto = (args) => run(SERVER, [...args, '--config', auto, '--kubeconfig', oom.kubeconfig],
    { env, cwd: iso.dir, timeoutMs: 90000 });
  const proposed = await eksAuto(['propose_remediation', '--format', 'json']);
  const plan = JSON.parse(proposed.stdout).plans.find((p) => p.actions[0].type === 'set_resources');
  assert.ok(plan, proposed.stdout + proposed.stderr);
  const before = github.requests().length;
  const r = await eksAuto(['create_config_pr', '--plan-id', plan.plan_id, '--format', 'json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.repository, 'acme/manifests');
  assert.equal(out.path, 'apps/reports/renderer.yaml');
  assert.equal(out.branch, `eks-sre-mcp/${plan.plan_id}`);
  const repo = github.state().repos['acme/manifests'];
  const edited = repo.branches[out.branch].files['apps/reports/renderer.yaml'];
  const was = MANIFEST.split('\n');
  const now = edited.split('\n');
  assert.equal(now.length, was.length);
  const changed = now.map((l, i) => [i, l]).filter(([i, l]) => l !== was[i]);
  assert.deepEqual(changed.map(([, l]) => l), [`              memory: ${plan.actions[0].params.memory_limit_after}   # raise with care: nodes are m5.large`]);
  assert.equal(repo.branches.main.files['apps/reports/renderer.yaml'], MANIFEST, 'the base branch is untouched');
  const pr = repo.pulls.find((p) => p.number === out.pull_request_number);
  assert.equal(pr.state, 'open');
  assert.equal(pr.merged, false);
  assert.match(pr.body, new RegExp(plan.plan_id));
  // Nothing but the branch, the commit and the pull request was written.
  const writes = github.requests().slice(before).filter((q) => q.method !== 'GET');
  assert.ok(writes.every((q) => q.path.startsWith('/repos/acme/manifests/')), JSON.stringify(writes));
  assert.ok(!writes.some((q) => q.path.includes('/merge')));
});

test('a right-sizing plan becomes a pull request setting the recommended requests and limits', async () => {
  const sized = path.join(iso.dir, 'config-rightsizing.yaml');
  fs.writeFileSync(sized, `mode: auto\n${fs.readFileSync(config, 'utf8')}cost:\n  strategy:\n    points_required: 1\n`);
  const eksSized = (args) => run(SERVER, [...args, '--config', sized, '--kubeconfig', oom.kubeconfig],
    { env, cwd: iso.dir, timeoutMs: 90000 });
  const report = JSON.parse((await eksSized(['rightsizing', '--namespace', 'reports', '--format', 'json'])).stdout || '{}');
  const rec = (report.recommendations || []).find((x) => x.workload.name === 'report-renderer' && x.status === 'ok');
  assert.ok(rec, JSON.stringify(report).slice(0, 2000));
  const proposed = await eksSized(['propose_remediation', '--recommendation-ids', JSON.stringify([rec.id]), '--format', 'json']);
  const plan = JSON.parse(proposed.stdout || '{}').plans?.[0];
  assert.ok(plan, proposed.stdout + proposed.stderr);
  const r = await eksSized(['create_config_pr', '--plan-id', plan.plan_id, '--format', 'json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.path, 'apps/reports/renderer.yaml');
  const edited = github.state().repos['acme/manifests'].branches[out.branch].files['apps/reports/renderer.yaml'];
  const renderer = edited.slice(edited.indexOf('kind: Deployment'));
  const { before, after } = plan.actions[0].params.changes[0];
  // The first cpu and memory lines of the Deployment are its requests.
  for (const [field, line] of [['cpu_request', /cpu: (\S+)/], ['memory_request', /memory: (\S+)/]]) {
    if (after[field] !== before[field]) assert.equal(renderer.match(line)?.[1], after[field], `${field}\n${renderer}`);
  }
  assert.match(renderer, new RegExp(`memory: ${after.memory_limit}   # raise with care`));
  assert.equal(edited.split('\n').length, MANIFEST.split('\n').length, 'values change in place; comments stay');
});

test('analyze_pod_logs points at the code that writes the top error line, as a lead', async () => {
  const r = await eks(['logs', 'payments', 'payments-api', '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.code_locations?.map((c) => `${c.repository}/${c.path}`), ['acme/app/cmd/api/config.go'], r.stdout);
  assert.equal(out.code_locations[0].searched, 'required environment variable DATABASE_URL is not set');
});

test('a plan for a workload deployed from a Helm chart changes the chart\'s values file', async () => {
  const charted = path.join(iso.dir, 'config-chart.yaml');
  fs.writeFileSync(charted, `mode: auto\n${fs.readFileSync(config, 'utf8')
    .replace('  manifest_repositories: [acme/manifests]', '  manifest_repositories: [acme/charts]\n  manifest_paths:\n' +
      '    Deployment/reports/report-renderer: "acme/charts/reports/values.yaml#renderer"')}`);
  const eksChart = (args) => run(SERVER, [...args, '--config', charted, '--kubeconfig', oom.kubeconfig],
    { env, cwd: iso.dir, timeoutMs: 90000 });
  const proposed = await eksChart(['propose_remediation', '--format', 'json']);
  const plan = JSON.parse(proposed.stdout).plans.find((p) => p.actions[0].type === 'set_resources');
  assert.ok(plan, proposed.stdout + proposed.stderr);
  const r = await eksChart(['create_config_pr', '--plan-id', plan.plan_id, '--format', 'json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual([out.repository, out.path], ['acme/charts', 'reports/values.yaml']);
  const edited = github.state().repos['acme/charts'].branches[out.branch].files['reports/values.yaml'];
  assert.equal(edited, VALUES.replace('memory: 256Mi   # see runbook', `memory: ${plan.actions[0].params.memory_limit_after}   # see runbook`));
});
