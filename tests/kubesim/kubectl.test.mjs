// kubectl (from PATH) against kubesim: reads, logs, and the writes an SRE does by hand.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SCENARIOS, startKubesim, tempDir } from './helpers.mjs';

let sim, home;
function kubectl(...args) {
  return new Promise((resolve, reject) => {
    execFile('kubectl', ['--request-timeout=10s', ...args], { env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: sim.kubeconfig }, timeout: 20000 },
      (err, stdout, stderr) => (err ? reject(new Error(`kubectl ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

before(async () => {
  sim = await startKubesim(path.join(SCENARIOS, 'crashloop-missing-env'));
  home = tempDir('home');
});
after(async () => {
  assert.equal(await sim?.stop(), 0, 'kubesim ends cleanly on SIGTERM');
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('get pods -A shows the crash loop and the healthy pods', async () => {
  const out = await kubectl('get', 'pods', '-A');
  assert.match(out, /payments\s+payments-api-\S+\s+0\/1\s+CrashLoopBackOff\s+9 \(\d+s ago\)/);
  assert.match(out, /kube-system\s+coredns-\S+\s+1\/1\s+Running/);
});

test('logs and logs --previous', async () => {
  const pod = (await kubectl('get', 'pods', '-n', 'payments', '-o', 'name')).split('\n')[0];
  assert.match(await kubectl('logs', '-n', 'payments', pod), /DATABASE_URL is not set/);
  assert.match(await kubectl('logs', '-n', 'payments', pod, '--previous', '--tail=1'), /^\{"level":"fatal".*DATABASE_URL/);
});

test('rollout restart makes a new ReplicaSet and rollout status completes', async () => {
  await kubectl('rollout', 'restart', '-n', 'shop', 'deployment/cart');
  assert.match(await kubectl('rollout', 'status', '-n', 'shop', 'deployment/cart', '--timeout=15s'), /successfully rolled out/);
  const rs = await kubectl('get', 'rs', '-n', 'shop', '-l', 'app=cart', '--no-headers');
  assert.equal(rs.trim().split('\n').length, 2, rs);
  assert.match(rs, /cart-\S+\s+0\s+0\s+0/);
  assert.ok(sim.requests().some((r) => r.method === 'PATCH' && r.contentType.startsWith('application/strategic-merge-patch+json') && /restartedAt/.test(r.body)));
});

test('scale changes the number of pods', async () => {
  await kubectl('scale', '-n', 'shop', 'deployment/storefront', '--replicas=3');
  const pods = await kubectl('get', 'pods', '-n', 'shop', '-l', 'app=storefront', '--no-headers');
  assert.equal(pods.trim().split('\n').length, 3, pods);
});

test('delete pod: the crash-looping replacement fails the same way, as the scenario says', async () => {
  const pod = (await kubectl('get', 'pods', '-n', 'payments', '-o', 'name')).split('\n')[0];
  await kubectl('delete', '-n', 'payments', pod);
  const pods = await kubectl('get', 'pods', '-n', 'payments', '--no-headers');
  assert.doesNotMatch(pods, new RegExp(pod.replace('pod/', '')));
  assert.equal(pods.match(/CrashLoopBackOff/g)?.length, 2, pods);
  // The fix (a new pod template with the variable) makes the new pods run.
  await kubectl('set', 'env', '-n', 'payments', 'deployment/payments-api', 'DATABASE_URL=postgres://payments@db/payments');
  const fixed = await kubectl('get', 'pods', '-n', 'payments', '--no-headers');
  assert.equal(fixed.match(/1\/1\s+Running/g)?.length, 2, fixed);
});

test('top pods reads the metrics API', async () => {
  assert.match(await kubectl('top', 'pods', '-n', 'shop'), /storefront-\S+\s+\d+m\s+\d+Mi/);
});
