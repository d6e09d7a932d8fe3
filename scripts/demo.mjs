#!/usr/bin/env node
// `make demo`: start eks-sre-mcp over stdio with the official MCP TypeScript SDK client, print its tool catalogue
// and the result of server_status, then shut it down. Usage: node scripts/demo.mjs <path-to-eks-sre-mcp>
//
// The SDK is the one pinned for the tests (tests/package.json), resolved from tests/node_modules so the demo
// needs no install of its own.
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node scripts/demo.mjs <path-to-eks-sre-mcp>');
  process.exit(2);
}

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

// The server's own log goes to its stderr; keep it out of the demo's output unless something goes wrong.
const transport = new StdioClientTransport({
  command: path.resolve(binary),
  args: ['serve'],
  env: process.env,
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
  if (status.structuredContent !== undefined) {
    console.log(`\n  ${dim('structuredContent:')}`);
    console.log(JSON.stringify(status.structuredContent, null, 2).replace(/^/gm, '  '));
  }
  if (status.isError) throw new Error('server_status reported an error');
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
process.exit(exitCode);
