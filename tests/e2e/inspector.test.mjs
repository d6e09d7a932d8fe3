// The MCP Inspector CLI (@modelcontextprotocol/inspector, pinned in tests/package.json) against the real
// binary, invoked the way its README and our users do — `mcp-inspector --cli <server command> --method …` — but
// through the installed bin rather than npx, so nothing is fetched. The inspector prints the result as JSON.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { NODE_MODULES, binaryFromEnv, isolatedDir, run } from './helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
// The package's "bin" (mcp-inspector); with --cli it runs the CLI client (cli/build/index.js) in a child node.
const INSPECTOR = path.join(NODE_MODULES, '@modelcontextprotocol/inspector/cli/build/cli.js');
const TIMEOUT_MS = 30000;

describe('MCP Inspector CLI against eks-sre-mcp serve', () => {
  let iso;
  before(() => {
    iso = isolatedDir('inspector');
  });
  after(() => iso?.cleanup());

  // Runs the inspector; it passes its whole environment to the server, so that environment is the isolated one.
  const inspect = (...methodArgs) =>
    run(process.execPath, [INSPECTOR, '--cli', SERVER, 'serve', ...methodArgs], {
      env: iso.env,
      cwd: iso.dir,
      timeoutMs: TIMEOUT_MS,
    });

  const parse = (r) => {
    assert.equal(r.code, 0, `inspector exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    try {
      return JSON.parse(r.stdout);
    } catch (error) {
      assert.fail(`inspector output is not JSON (${error.message}):\n${r.stdout}\nstderr:\n${r.stderr}`);
    }
  };

  test('--method tools/list', async () => {
    const { tools } = parse(await inspect('--method', 'tools/list'));
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('server_status') && names.includes('get_config'), `tools: ${names}`);
    const status = tools.find((t) => t.name === 'server_status');
    assert.equal(status.title, 'Server: status');
    assert.equal(status.annotations.readOnlyHint, true);
    assert.equal(status.outputSchema.type, 'object');
  });

  test('--method tools/call --tool-name server_status', async () => {
    const result = parse(await inspect('--method', 'tools/call', '--tool-name', 'server_status'));
    assert.equal(result.isError, false);
    const sc = result.structuredContent;
    assert.equal(sc.server.name, 'eks-sre-mcp');
    assert.equal(sc.protocol.era, 'handshake');
    assert.equal(sc.protocol.version, '2025-11-25');
    assert.equal(sc.protocol.client.name, 'inspector-cli');
    assert.equal(sc.mode, 'read_only');
    assert.equal(result.content[0].type, 'text');
    assert.match(result.content[0].text, /eks-sre-mcp .*read_only/s);
  });

  test('--method tools/call with a bad argument shows the tool error', async () => {
    const result = parse(await inspect('--method', 'tools/call', '--tool-name', 'get_config', '--tool-arg', 'section=nope'));
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /must be one of .*"mode"/);
  });

  test('an unknown tool makes the inspector fail with -32602', async () => {
    const r = await inspect('--method', 'tools/call', '--tool-name', 'no_such_tool');
    assert.notEqual(r.code, 0, `inspector succeeded:\n${r.stdout}`);
    assert.match(r.stdout + r.stderr, /-32602/);
  });
});
