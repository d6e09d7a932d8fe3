// Lifecycle of the server process itself, over raw stdio: clean shutdown on SIGTERM, SIGINT and end of input
// with calls in flight, and tools/list_changed reaching the client when the tool list changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { binaryFromEnv, isolatedDir, killIfAlive, within } from './helpers.mjs';

const FIXTURE = binaryFromEnv('EKS_SRE_MCP_FIXTURE');

// Starts the fixture server with `shutdownDeadlineMs`, initializes it, and returns helpers to talk to it.
async function start(t, shutdownDeadlineMs) {
  const iso = isolatedDir('shutdown');
  const config = path.join(iso.dir, 'config.yaml');
  fs.writeFileSync(config, `server:\n  shutdown_deadline_ms: ${shutdownDeadlineMs}\n  log_level: warn\n`);
  const child = spawn(FIXTURE, ['--config', config], { cwd: iso.dir, env: iso.env, stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => {
    killIfAlive(child.pid);
    iso.cleanup();
  });
  const messages = [];
  const waiters = [];
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const message = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      messages.push(message);
      for (const w of [...waiters]) if (w.match(message)) w.resolve(message);
    }
  });
  child.stderr.resume();
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const send = (message) => child.stdin.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\n');
  const next = (match, what, ms = 5000) => {
    const seen = messages.find(match);
    if (seen) return Promise.resolve(seen);
    return within(ms, new Promise((resolve) => waiters.push({ match, resolve })), what);
  };
  const response = (id, ms) => next((m) => m.id === id && !('method' in m), `response ${id}`, ms);
  send({ id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'shutdown-test', version: '1' } } });
  await response(0);
  send({ method: 'notifications/initialized' });
  return { child, send, next, response, exited };
}

const slowCall = (id, steps, delayMs) => ({
  id,
  method: 'tools/call',
  params: { name: 'fixture_slow_count', arguments: { steps, delay_ms: delayMs } },
});

test('SIGTERM lets a call in flight finish within the deadline, then exits 0', async (t) => {
  const s = await start(t, 5000);
  s.send(slowCall(1, 8, 100));
  await new Promise((r) => setTimeout(r, 200));
  s.child.kill('SIGTERM');
  const r = await s.response(1, 5000);
  assert.equal(r.result.isError, false);
  assert.equal(r.result.structuredContent.counted, 8);
  assert.deepEqual(await within(5000, s.exited, 'exit after SIGTERM'), { code: 0, signal: null });
});

test('SIGINT past the deadline cancels the call, answers it, and exits 0 promptly', async (t) => {
  const s = await start(t, 300);
  s.send(slowCall(2, 100000, 50));
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  s.child.kill('SIGINT');
  const r = await s.response(2, 5000);
  assert.equal(r.result.isError, true, 'a call cancelled by shutdown is answered as a tool error');
  assert.deepEqual(await within(5000, s.exited, 'exit after SIGINT'), { code: 0, signal: null });
  assert.ok(Date.now() - started < 3000, `shutdown took ${Date.now() - started} ms`);
});

test('end of input waits for the call in flight and delivers its answer', async (t) => {
  const s = await start(t, 5000);
  s.send(slowCall(3, 5, 60));
  s.child.stdin.end();
  const r = await s.response(3, 5000);
  assert.equal(r.result.structuredContent.counted, 5);
  assert.deepEqual(await within(5000, s.exited, 'exit after end of input'), { code: 0, signal: null });
});

test('a change to the tool list reaches the client as notifications/tools/list_changed', async (t) => {
  const s = await start(t, 1000);
  s.send({ id: 4, method: 'tools/call', params: { name: 'fixture_toggle', arguments: {} } });
  assert.equal((await s.response(4)).result.structuredContent.present, true);
  await s.next((m) => m.method === 'notifications/tools/list_changed', 'tools/list_changed');
  s.send({ id: 5, method: 'tools/list' });
  const names = (await s.response(5)).result.tools.map((tool) => tool.name);
  assert.ok(names.includes('fixture_extra'), names.join(', '));
  s.send({ id: 6, method: 'tools/call', params: { name: 'fixture_toggle', arguments: {} } });
  assert.equal((await s.response(6)).result.structuredContent.present, false);
  s.send({ id: 7, method: 'tools/call', params: { name: 'fixture_extra', arguments: {} } });
  assert.equal((await s.response(7)).error.code, -32602);
  s.child.stdin.end();
  assert.equal((await within(5000, s.exited, 'exit')).code, 0);
});
