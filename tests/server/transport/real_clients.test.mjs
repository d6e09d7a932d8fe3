// Real MCP hosts over HTTP against the shipped binary (`eks-sre-mcp serve --transport http`): the MCP Inspector
// CLI with --transport http, and Claude Code's `claude mcp add --transport http` then `claude mcp list`, which
// health-checks the server (initialize, tools/list) and must say ✔ Connected. Everything runs with a throwaway
// HOME; the server binds 127.0.0.1:0 and is stopped by its PID; every wait is bounded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { NODE_MODULES, binaryFromEnv, isolatedDir, killIfAlive, run, within } from '../../e2e/helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const INSPECTOR = path.join(NODE_MODULES, '@modelcontextprotocol/inspector/cli/build/cli.js');
const CLAUDE = path.join(NODE_MODULES, '.bin', 'claude');
const SLOWDOWN = Number(process.env.EKS_TEST_SLOWDOWN ?? 1);
const TIMEOUT_MS = 60000 * SLOWDOWN;
const TOKEN = 'real-clients-test-token-0123456789';

// Starts `eks-sre-mcp serve --transport http` on a free loopback port; resolves with its /mcp URL.
async function startServer(env, extraEnv = {}) {
  const child = spawn(SERVER, ['serve', '--transport', 'http', '--listen', '127.0.0.1:0'], {
    env: { ...env, ...extraEnv },
    cwd: env.HOME,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = await within(
    10000 * SLOWDOWN,
    new Promise((resolve, reject) => {
      child.stderr.on('data', (d) => {
        log += d;
        const m = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
    }),
    'the server to listen',
  );
  return {
    url,
    log: () => log,
    async stop() {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await within(5000 * SLOWDOWN, exited, 'the server to exit').finally(() => killIfAlive(child.pid));
    },
  };
}

describe('real hosts over Streamable HTTP', () => {
  let iso;
  let open;
  let guarded;
  let env;
  before(async () => {
    iso = isolatedDir('http-hosts');
    env = {
      ...iso.env,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      ANTHROPIC_API_KEY: 'dummy',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      CI: '1',
    };
    open = await startServer(iso.env);
    guarded = await startServer(iso.env, { EKS_SRE_MCP_TOKEN: TOKEN });
  });
  after(async () => {
    await open?.stop();
    await guarded?.stop();
    iso?.cleanup();
  });

  test('the Inspector CLI lists and calls tools with --transport http', async () => {
    const inspector = (...args) => run(process.execPath, [INSPECTOR, '--cli', open.url, '--transport', 'http', ...args], {
      env: iso.env,
      cwd: iso.dir,
      timeoutMs: TIMEOUT_MS,
    });
    const list = await inspector('--method', 'tools/list');
    assert.equal(list.code, 0, `inspector exited ${list.code}\n${list.stdout}\n${list.stderr}`);
    const names = JSON.parse(list.stdout).tools.map((t) => t.name);
    assert.ok(names.includes('server_status'), names.join(', '));
    const call = await inspector('--method', 'tools/call', '--tool-name', 'server_status');
    assert.equal(call.code, 0, `inspector exited ${call.code}\n${call.stdout}\n${call.stderr}`);
    const result = JSON.parse(call.stdout);
    assert.notEqual(result.isError, true, call.stdout);
    assert.equal(result.structuredContent?.protocol?.client?.name, 'inspector-cli', call.stdout);
  });

  test('Claude Code connects with claude mcp add --transport http', async () => {
    const claude = (...args) => run(CLAUDE, args, { env, cwd: iso.dir, timeoutMs: TIMEOUT_MS });
    const ok = (r) => assert.equal(r.code, 0, `claude exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    ok(await claude('mcp', 'add', '-s', 'user', '--transport', 'http', 'eks-http', open.url));
    ok(await claude('mcp', 'add', '-s', 'user', '--transport', 'http', 'eks-token', guarded.url,
                    '--header', `Authorization: Bearer ${TOKEN}`));
    // Negative controls: the guarded server without its token, and a port where nothing listens.
    ok(await claude('mcp', 'add', '-s', 'user', '--transport', 'http', 'eks-no-token', guarded.url));
    ok(await claude('mcp', 'add', '-s', 'user', '--transport', 'http', 'eks-nowhere', 'http://127.0.0.1:9/mcp'));
    const r = await claude('mcp', 'list');
    ok(r);
    const line = (name) => r.stdout.split('\n').find((l) => l.startsWith(`${name}:`)) ?? `(no line for ${name})`;
    assert.match(line('eks-http'), /✔ Connected/, r.stdout);
    assert.match(line('eks-token'), /✔ Connected/, r.stdout);
    assert.doesNotMatch(line('eks-no-token'), /✔ Connected/, r.stdout);
    assert.doesNotMatch(line('eks-nowhere'), /✔ Connected/, r.stdout);
    assert.doesNotMatch(guarded.log(), new RegExp(TOKEN), 'the token reached the server log');
  });
});
