// Persistent connections under concurrency: many TypeScript SDK clients (whose fetch reuses connections) at
// once, each mixing plain JSON answers, 202s for notifications, SSE answers with progress, aborted calls and
// GET streams. A connection answering a request must never be dropped while the client waits on it (seen as
// "other side closed" before the connection kept itself alive while answering). Bounded in count and time;
// the server binds 127.0.0.1:0 and is stopped by its PID.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const SERVER = process.env.EKS_HTTP_TEST_SERVER;
if (!SERVER) throw new Error('EKS_HTTP_TEST_SERVER is not set: run through ctest (ctest --preset ci -R http.keepalive)');
const SLOWDOWN = Number(process.env.EKS_TEST_SLOWDOWN ?? 1);

let child;
let url;
before(async () => {
  child = spawn(SERVER, ['--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 5 s')), 5000 * SLOWDOWN);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('LISTENING ')) {
        clearTimeout(timer);
        resolve(line.slice('LISTENING '.length));
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
});
after(() => {
  if (child.exitCode === null) process.kill(child.pid, 'SIGTERM');
});

async function oneClient(i) {
  const client = new Client({ name: 'keepalive-test', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    await client.listTools();
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await client.callTool({ name: 'slow_count', arguments: { steps: 3, delay_ms: 5 } }, undefined, { onprogress: () => {} });
    if (i % 3 === 0) {
      const controller = new AbortController();
      const call = client.callTool({ name: 'slow_count', arguments: { steps: 100, delay_ms: 5 } }, undefined, {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort('test'), 20);
      await call.catch(() => {});
      await client.callTool({ name: 'echo', arguments: { text: 'after abort' } });
    }
    return null;
  } catch (e) {
    return `${e.message} ${e.cause?.message ?? ''}`;
  } finally {
    await client.close().catch(() => {});
  }
}

test('concurrent SDK clients on reused connections all get their answers', { timeout: 60000 * SLOWDOWN }, async () => {
  const failures = [];
  for (let round = 0; round < 8; round++) {
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => oneClient(i)));
    failures.push(...results.filter(Boolean));
  }
  assert.deepEqual(failures, [], `${failures.length} of 128 clients failed`);
});

test('connections are reused: no Connection: close, one socket for many requests', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = (body, session) =>
    new Promise((resolve, reject) => {
      const request = http.request(url, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(session ? { 'mcp-session-id': session } : {}),
        },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (d) => (text += d));
        response.on('end', () => resolve({ response, text, reused: request.reusedSocket }));
      });
      request.on('error', reject);
      request.end(JSON.stringify(body));
    });
  const init = await post({
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'k', version: '1' } },
  });
  const session = init.response.headers['mcp-session-id'];
  let reused = 0;
  for (let i = 0; i < 20; i++) {
    const note = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session);
    assert.equal(note.response.statusCode, 202);
    assert.notEqual(note.response.headers.connection, 'close');
    const ping = await post({ jsonrpc: '2.0', id: 100 + i, method: 'ping' }, session);
    assert.equal(ping.response.statusCode, 200);
    reused += Number(note.reused) + Number(ping.reused);
  }
  assert.equal(reused, 40, 'every request after the first went over the same connection');
  agent.destroy();
});
