// Shared plumbing for the real-client end-to-end tests: where the binaries are, an isolated environment for
// every process we start, bounded waits, and a way to stop what we started by its PID.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export const TESTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const NODE_MODULES = path.join(TESTS_DIR, 'node_modules');

// The configuration lines (under mcpServers:) of the real server-github pointed at a GitHub stand-in
// (tests/fakes/github) through its preload.
export function githubUpstreamYaml(github) {
  const server = path.join(NODE_MODULES, '@modelcontextprotocol', 'server-github', 'dist', 'index.js');
  const preload = path.join(TESTS_DIR, 'fakes', 'github', 'preload.mjs');
  return ['  github:', `    command: ${process.execPath}`, `    args: [${server}]`, '    env:',
    `      NODE_OPTIONS: "--import=${preload}"`, `      EKS_FAKE_GITHUB_URL: ${github.url}`];
}

// The binary named by environment variable `name`. ctest sets EKS_SRE_MCP and EKS_SRE_MCP_FIXTURE
// (tests/e2e/CMakeLists.txt); without them a test must fail, loudly, rather than skip or guess a path.
export function binaryFromEnv(name) {
  const file = process.env[name];
  if (!file) {
    throw new Error(
      `${name} is not set: run these tests through ctest (ctest --preset ci -L e2e), or set ${name} to the ` +
        `path of the built binary, e.g. ${name}=build/ci/app/eks-sre-mcp node --test tests/e2e/<file>`,
    );
  }
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch (error) {
    throw new Error(`${name}=${file} is not an executable file: ${error.message}`);
  }
  return path.resolve(file);
}

// A fresh directory to serve as HOME, XDG_* and working directory, so that no configuration file, .env or
// host settings of the machine are picked up, and nothing we run writes outside it.
export function isolatedDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `eks-e2e-${prefix}-`));
  const sub = (name) => {
    const p = path.join(dir, name);
    fs.mkdirSync(p, { recursive: true });
    return p;
  };
  const env = {
    HOME: dir,
    XDG_CONFIG_HOME: sub('.config'),
    XDG_STATE_HOME: sub('.local/state'),
    XDG_DATA_HOME: sub('.local/share'),
    XDG_CACHE_HOME: sub('.cache'),
    TMPDIR: sub('tmp'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
  };
  return {
    dir,
    env,
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Resolves with `promise`, or rejects naming `what` once `ms` have passed.
export function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Last resort after a graceful close: SIGKILL the process `pid` if it is still there.
export function killIfAlive(pid) {
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

// Keeps the last `limit` characters of a stream (a server's stderr log) for failure messages.
export function tail(stream, limit = 16384) {
  let text = '';
  stream?.on('data', (chunk) => {
    text = (text + chunk.toString()).slice(-limit);
  });
  return () => text;
}

// Records every JSON-RPC message a transport sends and receives, in order, with a timestamp: lets a test check
// what really crossed the wire (the negotiated version, a notifications/cancelled, a response that must not come).
export function tapTransport(transport) {
  const log = [];
  let handler;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () =>
      handler &&
      ((message, extra) => {
        log.push({ dir: 'in', at: performance.now(), message });
        handler(message, extra);
      }),
    set: (h) => {
      handler = h;
    },
  });
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    log.push({ dir: 'out', at: performance.now(), message });
    return send(message, options);
  };
  return log;
}

// Runs a command in its own process group with a hard deadline; resolves {code, signal, stdout, stderr, ms}.
// The group (led by the child's PID) is killed on timeout and after exit, so helpers it spawned (an MCP
// server under test) cannot outlive it.
export function run(command, args, { env, cwd, timeoutMs, input } = {}) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs ?? 30000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      killGroup();
      const ms = Math.round(performance.now() - started);
      if (timedOut) {
        reject(new Error(`${path.basename(command)} ${args.join(' ')} timed out after ${timeoutMs} ms\n` +
          `stdout:\n${stdout}\nstderr:\n${stderr}`));
      } else {
        resolve({ code, signal, stdout, stderr, ms });
      }
    });
    // A command that exits before reading its input is not an error of ours.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

// Sanitizer builds run several times slower: the asan test preset sets EKS_TEST_SLOWDOWN, and every time bound
// of these tests is stretched by it (as tests/fixtures/slowdown.hpp does for the C++ tests).
export const SLOWDOWN = Math.max(1, Number(process.env.EKS_TEST_SLOWDOWN) || 1);
export const scaled = (ms) => ms * SLOWDOWN;

// Resolves as soon as `predicate()` holds, polling every `stepMs`; rejects naming `what` when it still does not
// after `ms` (scaled). A wait for an event with a deadline, in place of a fixed sleep.
export async function waitUntil(predicate, ms, what, stepMs = 5) {
  const until = performance.now() + scaled(ms);
  while (!predicate()) {
    if (performance.now() >= until) {
      if (predicate()) return;
      throw new Error(`${what} did not happen within ${scaled(ms)} ms`);
    }
    await sleep(stepMs);
  }
}

// `SERVER serve --transport http --listen 127.0.0.1:0 ARGS`, resolved once it logs the URL it listens on:
// {child, url, port, stderr}. The caller stops it by its PID (killIfAlive(child.pid)).
export async function startHttpServe(server, args, { env, cwd, timeoutMs = 20000 } = {}) {
  const child = spawn(server, ['serve', '--transport', 'http', '--listen', '127.0.0.1:0', ...args],
    { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = tail(child.stderr);
  const url = await within(timeoutMs, new Promise((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (d) => {
      text += d;
      const m = text.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}: ${stderr()}`)));
  }), 'the HTTP server to listen').catch((e) => {
    killIfAlive(child.pid);
    throw e;
  });
  return { child, url, port: new URL(url).port, stderr };
}

// The official TypeScript SDK client as the host of `command args` over stdio: call(name, args) gives the
// structuredContent (an isError result fails the test); with `answer` the client declares elicitation and gives
// that answer to every form, kept in `asked`; close() stops the server by its PID.
export async function sdkHost(command, args, { env, cwd, name = 'eks-e2e-host', answer } = {}) {
  const transport = new StdioClientTransport({ command, args, env, cwd, stderr: 'pipe' });
  const stderr = tail(transport.stderr);
  const client = new Client({ name, version: '1.0.0' }, { capabilities: answer ? { elicitation: {} } : {} });
  const asked = [];
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return answer;
    });
  }
  await within(20000, client.connect(transport), 'initialize');
  const pid = transport.pid;
  return {
    asked,
    stderr,
    async call(tool, toolArgs) {
      const r = await within(90000, client.callTool({ name: tool, arguments: toolArgs }, undefined, { timeout: 90000 }), tool);
      assert.ok(!r.isError, `${tool}: ${JSON.stringify(r.content)}\n${stderr()}`);
      return r.structuredContent;
    },
    async close() {
      await within(8000, client.close(), 'close').catch(() => {});
      killIfAlive(pid);
    },
  };
}

// A loopback webhook receiver (Teams, Slack): keeps what each path received; answers 200 like both services.
export async function webhookReceiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      received.push({ path: req.url, contentType: req.headers['content-type'], body: JSON.parse(body) });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { received, url: (p) => `http://127.0.0.1:${port}${p}`, close: () => new Promise((r) => server.close(r)) };
}

// The PIDs of a process's children (the upstream servers it started); empty once it is gone.
export function childrenOf(pid) {
  const out = [];
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

// The record an eviction leaves of a storefront pod in the `healthy` scenario (Failed, reason Evicted, owned by
// its ReplicaSet), as a POST body: the policy deletes such records without a human.
export function evictedStorefrontPod(name) {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'shop', labels: { app: 'storefront' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'storefront-jg7fdchbmq',
        uid: 'cefcd4dc-4889-425a-b7bd-625ce47feebf', controller: true }] },
    spec: { nodeName: 'ip-10-0-1-23.eu-west-1.compute.internal',
      containers: [{ name: 'web', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/storefront:2.14.1' }] },
    status: { phase: 'Failed', reason: 'Evicted', startTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi.' },
  });
}
