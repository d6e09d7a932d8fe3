// The monitor over many cycles with faults, through the real kubernetes-mcp-server and kubesim: API errors and
// slow answers, a killed upstream, failures that come and go, a webhook that is down. Every cycle is recorded (the cycle ids, which the
// state store assigns, run 1..N without a gap), the resident memory grows by at most 10 MB after warm-up and the
// open file descriptors stay as many. And between cycles the process is idle: no busy polling.
// SOAK_CYCLES sets the number of cycles (make test: 80; make soak: 1000).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { binaryFromEnv, childrenOf, evictedStorefrontPod, isolatedDir, scaled, sleep, waitUntil } from './helpers.mjs';
import { SCENARIOS, NODE_MODULES, api, startKubesim } from '../kubesim/helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const UPSTREAM = path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server');
const CYCLES = Math.max(40, Number(process.env.SOAK_CYCLES) || 80);

const sim = await startKubesim(path.join(SCENARIOS, 'healthy'));
const iso = isolatedDir('monitor-soak');
const groups = [];
after(async () => {
  for (const pid of groups) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
  }
  await sim.stop();
  iso.cleanup();
});

function configFile(name) {
  const file = path.join(iso.dir, `${name}.yaml`);
  // The Slack webhook is down (nothing listens on port 1): its retries must never hold a cycle up.
  fs.writeFileSync(file, ['mode: auto', `state_dir: ${path.join(iso.dir, name)}`, 'notifications:',
    '  slack_webhook_url: http://127.0.0.1:1/services/T000/B000/down', 'monitor:',
    '  verify_timeout_seconds: 3', 'mcpServers:', '  kubernetes:', `    command: ${UPSTREAM}`,
    '    connect_timeout_ms: 20000', ''].join('\n'));
  return file;
}

function startMonitor(name, interval) {
  const child = spawn(SERVER, ['monitor', '--interval', interval, '--config', configFile(name), '--kubeconfig',
    sim.kubeconfig], { env: iso.env, cwd: iso.dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  groups.push(child.pid);
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-200000); });
  let ids = [];
  child.stderr.on('data', (d) => {
    for (const m of String(d).matchAll(/cycle (\d+): (\w+) in/g)) ids.push(Number(m[1]));
  });
  return { child, log: () => log, ids: () => ids };
}

const rssKb = (pid) => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
const fds = (pid) => fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
  try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/\d+/g, '#'); } catch { return 'gone'; }
}).sort();
// The descriptors open between cycles: the fewest of a few looks (a cycle holds sockets and pipes while it runs).
async function steadyFds(pid) {
  let best;
  for (let i = 0; i < 8; i++) {
    const now = fds(pid);
    if (!best || now.length < best.length) best = now;
    await sleep(40);
  }
  return best;
}
const cpuTicks = (pid) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);  // utime + stime
};
const fault = (body) => api(sim, 'POST', '/_kubesim/faults', { body: JSON.stringify(body), contentType: 'application/json' });
const evicted = (name) => api(sim, 'POST', '/api/v1/namespaces/shop/pods',
  { contentType: 'application/json', body: evictedStorefrontPod(name) });

test(`${CYCLES} cycles with faults: every cycle recorded, memory and descriptors steady`, async () => {
  const m = startMonitor('soak', '10ms');
  const warmup = Math.round(CYCLES * 0.3);
  let rssWarm = 0, fdsWarm = [], injected = 0, killed = false;
  const deadline = performance.now() + scaled(CYCLES * 1500 + 60000);
  while (m.ids().length < CYCLES) {
    assert.ok(performance.now() < deadline, `only ${m.ids().length} of ${CYCLES} cycles in time\n${m.log().slice(-3000)}`);
    assert.equal(m.child.exitCode, null, m.log().slice(-3000));
    const n = m.ids().length;
    if (n >= warmup && !rssWarm) {
      rssWarm = rssKb(m.child.pid);
      fdsWarm = await steadyFds(m.child.pid);
    }
    // Faults, each some cycles apart: 500s on a namespace's pods, slow answers, a failure to fix, a dead upstream.
    const step = Math.floor(n / 10);
    if (step > injected) {
      injected = step;
      const kind = step % 4;
      if (kind === 0) await fault({ status: 500, count: 15, path_prefix: '/api/v1/namespaces/shop/pods' });
      if (kind === 1) await fault({ delay_ms: 300, count: 5, path_prefix: '/api/v1/namespaces/payments' });
      if (kind === 2) assert.equal((await evicted(`storefront-jg7fdchbmq-s${step}x`)).status, 201);
      if (kind === 3 && !killed && n < warmup) {
        const upstream = childrenOf(m.child.pid)[0];
        if (upstream) { process.kill(upstream, 'SIGKILL'); killed = true; }
      }
    }
    await sleep(25);
  }
  const rssEnd = rssKb(m.child.pid);
  const fdsEnd = await steadyFds(m.child.pid);
  const ids = m.ids();
  console.log(`${ids.length} cycles; RSS ${rssWarm} kB after warm-up, ${rssEnd} kB at the end; ` +
    `fds ${fdsWarm.length} -> ${fdsEnd.length}`);
  assert.deepEqual(ids, ids.map((_, i) => i + 1), 'every cycle recorded, in order');
  assert.ok(rssEnd - rssWarm <= 10 * 1024, `RSS grew ${rssEnd - rssWarm} kB`);
  assert.deepEqual(fdsEnd, fdsWarm, 'open file descriptors');
  assert.match(m.log(), /read_failed|could not be read/, 'the faults were seen');
  process.kill(m.child.pid, 'SIGTERM');
  await waitUntil(() => m.child.exitCode !== null, 30000, 'exit after SIGTERM', 20);
  assert.equal(m.child.exitCode, 0);
});

test('between cycles the monitor is idle: at most 1 % of a core', async () => {
  const m = startMonitor('idle', '1h');
  await waitUntil(() => m.ids().length >= 1, 60000, 'the first cycle', 20);
  await sleep(500);  // let the first cycle's notifier and upstream settle
  const before = cpuTicks(m.child.pid);
  const t0 = performance.now();
  await sleep(5000);
  const ticks = cpuTicks(m.child.pid) - before;
  const seconds = (performance.now() - t0) / 1000;
  const share = ticks / 100 / seconds;  // USER_HZ is 100 on Linux
  console.log(`idle CPU: ${ticks} ticks in ${seconds.toFixed(1)} s (${(share * 100).toFixed(2)} % of a core)`);
  assert.ok(share <= 0.01, `${(share * 100).toFixed(2)} % of a core while waiting`);
  process.kill(m.child.pid, 'SIGTERM');
  await waitUntil(() => m.child.exitCode !== null, 30000, 'exit after SIGTERM', 20);
});
