// The gateway over Streamable HTTP: the real kubernetes-mcp-server serving HTTP on loopback (its --port mode)
// in front of kubesim, reached through `eks-sre-mcp upstream` with the safety validator in between.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { binaryFromEnv, isolatedDir, killIfAlive, run, sleep } from './helpers.mjs';
import { SCENARIOS, NODE_MODULES, startKubesim } from '../kubesim/helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');

// A port that was free a moment ago (the upstream only takes a fixed --port).
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${ms} ms`);
}

const sim = await startKubesim(path.join(SCENARIOS, 'crashloop-missing-env'));
const iso = isolatedDir('http-upstream');
const port = await freePort();
const upstream = spawn(path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server'),
  ['--port', String(port), '--bind-address', '127.0.0.1', '--kubeconfig', sim.kubeconfig, '--read-only'],
  { env: iso.env, cwd: iso.dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
let upstreamLog = '';
upstream.stderr.on('data', (d) => { upstreamLog += d; });
after(async () => {
  try { process.kill(-upstream.pid, 'SIGKILL'); } catch {}
  killIfAlive(upstream.pid);
  await sim.stop();
  iso.cleanup();
});
await waitForPort(port, 20000);

const config = path.join(iso.dir, 'config.yaml');
fs.writeFileSync(config, `mcpServers:\n  kubernetes:\n    url: http://127.0.0.1:${port}/mcp\n`);
const eks = (args) => run(SERVER, [...args, '--config', config], { env: iso.env, cwd: iso.dir, timeoutMs: 60000 });

test('upstream list shows the HTTP upstream connected with its tools', async () => {
  const r = await eks(['upstream', 'list']);
  assert.equal(r.code, 0, r.stderr + upstreamLog);
  const [k8s] = JSON.parse(r.stdout);
  assert.equal(k8s.transport, 'http');
  assert.equal(k8s.state, 'connected');
  assert.ok(k8s.tools.includes('pods_list'), k8s.tools.join(', '));
});

test('an allowed read travels over HTTP to the cluster', async () => {
  const r = await eks(['upstream', 'call', 'kubernetes', 'pods_list_in_namespace', '{"namespace":"payments"}']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /payments-api-hxw2kj9g88-gl8g7/);
});

test('a denied call never reaches the HTTP upstream', async () => {
  const before = sim.requests().length;
  const r = await eks(['upstream', 'call', 'kubernetes', 'resources_list', '{"apiVersion":"v1","kind":"Secret"}']);
  assert.equal(r.code, 3, r.stderr);
  assert.ok(!sim.requests().slice(before).some((q) => q.path.includes('secrets')));
});
