#!/usr/bin/env node
// `make demo`: diagnose the sandbox cluster. Starts kubesim on examples/scenarios/demo (several failures at
// once), then eks-sre-mcp over stdio with the official MCP TypeScript SDK client; eks-sre-mcp reads the cluster
// through the real kubernetes-mcp-server (pinned in tests/package.json) and the safety validator. Prints the tool
// catalogue, server_status, the diagnose_cluster report and the log analysis of the top crashing pod.
// Usage: node scripts/demo.mjs <path-to-eks-sre-mcp> <path-to-kubesim>
//
// The SDK and the upstream server are the ones pinned for the tests, resolved from tests/node_modules.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

const [binary, kubesim] = process.argv.slice(2);
if (!binary || !kubesim) {
  console.error('usage: node scripts/demo.mjs <path-to-eks-sre-mcp> <path-to-kubesim>');
  process.exit(2);
}
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const scenario = path.join(repo, 'examples', 'scenarios', 'demo');
const upstreamServer = path.join(repo, 'tests', 'node_modules', '.bin', 'kubernetes-mcp-server');

const requireFromTests = createRequire(new URL('../tests/package.json', import.meta.url));
let Client;
let StdioClientTransport;
try {
  ({ Client } = requireFromTests('@modelcontextprotocol/sdk/client/index.js'));
  ({ StdioClientTransport } = requireFromTests('@modelcontextprotocol/sdk/client/stdio.js'));
} catch (error) {
  console.error(`demo: the MCP SDK is not installed under tests/node_modules (${error.code ?? error.message}).`);
  console.error('Run `make deps` (scripts/install-deps) first.');
  process.exit(1);
}

const width = Math.max(60, Math.min(process.stdout.columns || 100, 110));
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);

// Wraps `text` to the terminal width, every line indented by `indent` spaces.
function wrap(text, indent) {
  const pad = ' '.repeat(indent);
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && pad.length + line.length + 1 + word.length > width) {
      lines.push(pad + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(pad + line);
  return lines.join('\n');
}

// The first sentence: up to the first period (or ! ?) followed by a space and a capital, or the end.
function firstSentence(text = '') {
  const match = /^(.+?[.!?])(?=\s+[A-Z`"(]|\s*$)/s.exec(text.trim());
  return (match ? match[1] : text).replace(/\s+/g, ' ').trim();
}

function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// A home of its own: configuration, audit log and kubeconfig live there and go away afterwards.
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'eks-sre-mcp-demo-'));
const kubeconfig = path.join(home, 'kubeconfig');

// kubesim on loopback, port 0: it prints its URL once the snapshot is loaded and the kubeconfig written.
const sim = spawn(path.resolve(kubesim), ['--snapshot', scenario, '--listen', '127.0.0.1:0', '--write-kubeconfig', kubeconfig],
  { stdio: ['ignore', 'pipe', 'pipe'] });
const simUrl = await new Promise((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error('kubesim did not start within 20 s')), 20000);
  sim.stdout.on('data', (d) => {
    out += d;
    const m = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
  sim.on('exit', (code) => { clearTimeout(timer); reject(new Error(`kubesim exited (${code})`)); });
});
sim.stderr.resume();
fs.writeFileSync(path.join(home, 'config.yaml'),
  `mcpServers:\n  kubernetes:\n    command: ${upstreamServer}\n`);

// The server's own log goes to its stderr; keep it out of the demo's output unless something goes wrong.
const transport = new StdioClientTransport({
  command: path.resolve(binary),
  args: ['serve', '--config', path.join(home, 'config.yaml'), '--kubeconfig', kubeconfig],
  env: { PATH: process.env.PATH, HOME: home, XDG_STATE_HOME: path.join(home, 'state') },
  cwd: home,
  stderr: 'pipe',
});
let serverLog = '';
transport.stderr?.on('data', (chunk) => {
  serverLog = (serverLog + chunk).slice(-8000);
});
const client = new Client({ name: 'eks-sre-mcp-demo', version: '1.0.0' });

async function main() {
  await within(15000, client.connect(transport), 'initialize');
  const info = client.getServerVersion();
  console.log(`${bold(`${info.name} ${info.version}`)}${info.title ? ` — ${info.title}` : ''}`);
  if (info.description) console.log(wrap(info.description, 0));
  console.log(dim(`connected over stdio with the MCP TypeScript SDK; server pid ${transport.pid}`));
  console.log(dim(`sandbox cluster: kubesim at ${simUrl}, scenario examples/scenarios/demo`));

  const tools = [];
  let cursor;
  do {
    const page = await within(15000, client.listTools(cursor ? { cursor } : {}), 'tools/list');
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);

  console.log(`\n${bold(`Tools (${tools.length})`)}`);
  const nameWidth = Math.max(...tools.map((t) => t.name.length));
  const titleWidth = Math.max(...tools.map((t) => (t.title ?? t.annotations?.title ?? '').length));
  for (const tool of tools) {
    const title = tool.title ?? tool.annotations?.title ?? '';
    const access = tool.annotations?.readOnlyHint ? 'read-only' : 'can change things';
    console.log(`  ${bold(tool.name.padEnd(nameWidth))}  ${title.padEnd(titleWidth)}  ${dim(`[${access}]`)}`);
    console.log(wrap(firstSentence(tool.description), 4));
  }

  console.log(`\n${bold('server_status')}`);
  const status = await within(30000, client.callTool({ name: 'server_status', arguments: {} }), 'tools/call server_status');
  for (const block of status.content ?? []) {
    if (block.type === 'text') console.log(block.text.replace(/\s+$/, '').replace(/^/gm, '  '));
  }
  if (status.isError) throw new Error('server_status reported an error');

  console.log(`\n${bold('diagnose_cluster')}`);
  const started = Date.now();
  let phase = '';
  const diagnosis = await within(60000, client.callTool({ name: 'diagnose_cluster', arguments: {} }, undefined, {
    // One line per phase (fetch, analyze, correlate, ...), not per notification.
    onprogress: (p) => {
      const current = (p.message ?? '').split(':')[0];
      if (current !== phase) console.log(dim(`  … ${p.message ?? current}`));
      phase = current;
    },
  }), 'tools/call diagnose_cluster');
  if (diagnosis.isError) throw new Error(`diagnose_cluster failed: ${diagnosis.content?.[0]?.text}`);
  for (const block of diagnosis.content ?? []) {
    if (block.type === 'text') console.log(block.text.replace(/\s+$/, '').replace(/^/gm, '  '));
  }
  const findings = diagnosis.structuredContent?.findings ?? [];
  console.log(dim(`  ${findings.length} findings in ${Date.now() - started} ms, read live through kubernetes-mcp-server`));

  const crash = findings.find((f) => f.reason === 'CrashLoopBackOff');
  if (crash) {
    const pod = crash.pods?.[0] ?? crash.resource.name;
    console.log(`\n${bold(`analyze_pod_logs ${crash.resource.namespace}/${pod}`)}`);
    const logs = await within(60000, client.callTool({ name: 'analyze_pod_logs',
      arguments: { namespace: crash.resource.namespace, pod } }), 'tools/call analyze_pod_logs');
    for (const block of logs.content ?? []) {
      if (block.type === 'text') console.log(block.text.replace(/\s+$/, '').replace(/^/gm, '  '));
    }
    if (logs.isError) throw new Error('analyze_pod_logs reported an error');
  }
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  console.error(`\ndemo failed: ${error.message}`);
  if (serverLog.trim()) console.error(`server log (last lines):\n${serverLog.trimEnd()}`);
} finally {
  // Closing ends the server's stdin; the transport waits for it to exit, then signals it if need be.
  await within(10000, client.close(), 'shutdown').then(
    () => exitCode === 0 && console.log(dim('\nserver stopped; done.')),
    (error) => {
      exitCode = 1;
      console.error(`demo: ${error.message}`);
    },
  );
}
try { process.kill(sim.pid, 'SIGTERM'); } catch {}
fs.rmSync(home, { recursive: true, force: true });
process.exit(exitCode);
