// The tool commands: every tool is a command whose flags come from its input schema (`diagnose`, `logs`,
// `server-status` ...), on snapshots (offline replay) and live through the real kubernetes-mcp-server in front
// of kubesim. stdout is exactly the tool's output; exit status 0 nothing found, 1 findings (diagnose) or a root
// cause (logs), 2 error, 3 refused by the safety policy.
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
    assert.doesNotMatch(r.stderr, /closed its output/, 'stopping the upstream at the end of a run is not news');
  } finally {
    await sim.stop();
  }
});

test('a flag from the input schema reaches the tool: diagnose --depth quick --namespace', async () => {
  const r = await eks(['diagnose', '--snapshot', path.join(SCENARIOS, 'demo'), '--depth', 'quick', '--namespace', 'payments',
    '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.findings.length > 0);
  assert.ok(out.findings.every((f) => f.resource.namespace === undefined || f.resource.namespace === 'payments'),
    JSON.stringify(out.findings.map((f) => f.resource)));
});

test('a value outside the schema\'s enum is a usage error naming the flag and the allowed values', async () => {
  const r = await eks(['diagnose', '--snapshot', path.join(SCENARIOS, 'healthy'), '--depth', 'shallow']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--depth must be one of: quick, deep/);
  assert.equal(r.stdout, '');
});

test('an integer flag is parsed and checked; the tool\'s own validation still applies', async () => {
  const bad = await eks(['diagnose', '--snapshot', path.join(SCENARIOS, 'healthy'), '--max-findings', 'many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--max-findings needs an integer/);
  const low = await eks(['diagnose', '--snapshot', path.join(SCENARIOS, 'healthy'), '--max_findings=0']);
  assert.equal(low.code, 2);
  assert.match(low.stderr, /max_findings/);
});

test('an unknown flag is a usage error listing the tool\'s flags', async () => {
  const r = await eks(['diagnose', '--snapshot', path.join(SCENARIOS, 'healthy'), '--deepness', 'quick']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option --deepness .*--depth/);
});

test('global flags are accepted before and after the command', async () => {
  const before = await eks(['--snapshot', path.join(SCENARIOS, 'oomkilled'), 'diagnose', '--format', 'json']);
  const after = await eks(['diagnose', '--format', 'json', '--snapshot', path.join(SCENARIOS, 'oomkilled')]);
  assert.equal(before.code, 1, before.stderr);
  assert.equal(after.code, 1, after.stderr);
  assert.equal(JSON.parse(before.stdout).findings[0].reason, 'OOMKilled');
  assert.equal(JSON.parse(after.stdout).findings[0].reason, 'OOMKilled');
  const logs = await eks(['--snapshot=' + path.join(SCENARIOS, 'crashloop-missing-env'), 'logs', 'payments', 'payments-api']);
  assert.equal(logs.code, 1, logs.stderr);
  assert.match(logs.stdout, /DATABASE_URL/);
});

test('--json passes raw arguments, flags add to them', async () => {
  const r = await eks(['logs', '--json', '{"namespace":"payments","pod":"payments-api"}', '--depth', 'quick',
    '--snapshot', path.join(SCENARIOS, 'crashloop-missing-env'), '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(JSON.parse(r.stdout).root_cause.category, 'missing_config');
  const bad = await eks(['diagnose', '--json', '[1]', '--snapshot', path.join(SCENARIOS, 'healthy')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--json needs the arguments as a JSON object/);
});

test('every tool is a command under its own name: server-status and server_status exit 0', async () => {
  for (const name of ['server-status', 'server_status']) {
    const r = await eks([name, '--snapshot', path.join(SCENARIOS, 'healthy'), '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).agents.provider, 'none');
  }
  const policy = await eks(['get-policy', '--section', 'mode', '--format', 'json']);
  assert.equal(policy.code, 0, policy.stderr);
  const section = await eks(['get-policy', '--section', 'everything']);
  assert.equal(section.code, 2);
  assert.match(section.stderr, /--section must be one of: mode, protected_namespaces/);
});

test('a tool refused by the safety policy exits 3 with the refusal', async () => {
  const policy = path.join(iso.dir, 'no-status.yaml');
  fs.writeFileSync(policy, [
    'never:',
    '  - name: no_status',
    '    reason: the status tool is off limits here',
    '    upstreams: [self]',
    '    tools: [server_status]',
    '',
  ].join('\n'));
  const r = await eks(['--policy', policy, 'server-status', '--snapshot', path.join(SCENARIOS, 'healthy')]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /Refused by the safety policy \[no_status\]/);
  assert.equal(r.stdout, '');
});

test('the help lists every tool from the tool list with its title, and the exit statuses', async () => {
  const tools = JSON.parse((await eks(['tools'])).stdout);
  const r = await eks(['--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const t of tools) {
    assert.ok(r.stdout.includes(t.name.replaceAll('_', '-')), `${t.name} in the help`);
    assert.ok(r.stdout.includes(t.title), `${t.title} in the help`);
  }
  assert.match(r.stdout, /Exit status of a tool command: 0 nothing found; 1 found something/);
  const diagnose = await eks(['diagnose', '--help']);
  assert.equal(diagnose.code, 0, diagnose.stderr);
  assert.match(diagnose.stdout, /--depth quick\|deep/);
  assert.match(diagnose.stdout, /--severity-min critical\|warning\|info/);
  const logs = await eks(['help', 'logs']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /Usage: eks-sre-mcp logs NAMESPACE POD/);
  assert.match(logs.stdout, /--previous, --no-previous/);
});

test('a usage error and an unknown command exit 2', async () => {
  const missing = await eks(['logs', 'payments', '--snapshot', path.join(SCENARIOS, 'healthy')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /needs NAMESPACE POD/);
  const unknown = await eks(['diagnoze', '--snapshot', path.join(SCENARIOS, 'healthy')]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "diagnoze"/);
});
