// Claude Code (@anthropic-ai/claude-code, pinned in tests/package.json) as the MCP host: `claude mcp add`
// registers the real binary, `claude mcp list` health-checks it (initialize 2025-11-25 + tools/list). The CLI
// always exits 0 from `mcp list`, so the verdict is read from its text. Claude Code runs with a throwaway HOME,
// no telemetry or updater, a dummy key and an API base URL on a loopback port where nothing listens: it can
// reach neither the internet nor the user's real configuration.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { NODE_MODULES, binaryFromEnv, isolatedDir, run } from './helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const CLAUDE = path.join(NODE_MODULES, '.bin', 'claude');
const TIMEOUT_MS = 60000;

describe('Claude Code 2.1.197 hosts eks-sre-mcp', () => {
  let iso;
  let env;
  let serverLog;
  before(() => {
    iso = isolatedDir('claude');
    serverLog = path.join(iso.dir, 'eks-sre-mcp.log');
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
  });
  after(() => iso?.cleanup());

  const claude = (...args) => run(CLAUDE, args, { env, cwd: iso.dir, timeoutMs: TIMEOUT_MS });
  const ok = (r) => assert.equal(r.code, 0, `claude exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);

  test('claude mcp add -s user registers the server in the isolated HOME', async () => {
    ok(await claude('mcp', 'add', '-s', 'user', 'eks-sre', '--', SERVER, 'serve', '--log-file', serverLog));
    // A negative control: a server that exits at once (bad flag) must not be reported as connected, so the
    // check below cannot pass by matching text that every line carries.
    ok(await claude('mcp', 'add', '-s', 'user', 'eks-sre-broken', '--', SERVER, 'serve', '--transport', 'nope'));
    const config = JSON.parse(fs.readFileSync(path.join(iso.dir, '.claude.json'), 'utf8'));
    assert.equal(config.mcpServers?.['eks-sre']?.command, SERVER, JSON.stringify(config.mcpServers));
    assert.deepEqual(config.mcpServers['eks-sre'].args, ['serve', '--log-file', serverLog]);
  });

  test('claude mcp list reports ✔ Connected for eks-sre', async () => {
    const r = await claude('mcp', 'list');
    ok(r);
    const lines = r.stdout.split('\n');
    const ours = lines.find((l) => l.startsWith('eks-sre:'));
    const broken = lines.find((l) => l.startsWith('eks-sre-broken:'));
    assert.ok(ours, `no line for eks-sre in:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.match(ours, /✔ Connected/, `eks-sre is not connected:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.ok(broken, `no line for eks-sre-broken in:\n${r.stdout}`);
    assert.doesNotMatch(broken, /Connected/, 'the negative control connected: the check cannot tell success from failure');
    assert.match(broken, /Failed/);
    // The server saw a real handshake: its log (on a file, since Claude Code swallows stderr) names the version.
    const log = fs.existsSync(serverLog) ? fs.readFileSync(serverLog, 'utf8') : '';
    assert.match(log, /2025-11-25/, `server log:\n${log}`);
  });
});
