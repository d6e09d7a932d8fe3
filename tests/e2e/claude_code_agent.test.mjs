// Claude Code 2.1.197 runs a real agent turn against the Messages API stand-in (tests/fakes/anthropic): after
// one 529 overloaded answer, which Claude Code retries, the scripted model calls eks-sre-mcp's diagnose_cluster
// through Claude Code's MCP client, on the sandbox cluster (kubesim read through the real kubernetes-mcp-server), and answers with the CrashLoopBackOff finding it reads out of the tool
// result. The stand-in enforces the API's request rules on every request Claude Code sends, so the test also
// proves Claude Code's traffic is acceptable to it (and the tool loop is well-formed: tool_use answered by
// tool_result in the next turn).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startFakeAnthropic } from '../fakes/anthropic/fake.mjs';
import { NODE_MODULES, TESTS_DIR, binaryFromEnv, isolatedDir, run } from './helpers.mjs';
import { startKubesim } from '../kubesim/helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const CLAUDE = path.join(NODE_MODULES, '.bin', 'claude');
const SNAPSHOT = path.join(TESTS_DIR, '..', 'examples', 'scenarios', 'demo');
const SCRIPT = path.join(TESTS_DIR, 'fakes', 'anthropic', 'scripts', 'claude-code-diagnose.yaml');
const TIMEOUT_MS = 90000;

describe('Claude Code calls diagnose_cluster through the Messages API stand-in', () => {
  let iso;
  let fake;
  let sim;
  before(async () => {
    iso = isolatedDir('claude-agent');
    sim = await startKubesim(SNAPSHOT);
    fake = await startFakeAnthropic({ script: SCRIPT, log: path.join(iso.dir, 'anthropic-requests.jsonl') });
  });
  after(async () => {
    await fake?.close();
    await sim?.stop();
    iso?.cleanup();
  });

  test('claude -p answers with the finding from the tool result, and every request obeys the API rules', async () => {
    const serverLog = path.join(iso.dir, 'eks-sre-mcp.log');
    const mcpConfig = path.join(iso.dir, 'mcp.json');
    // Our server reads the cluster live. Claude Code hands it its environment, API key included: provider
    // none keeps our own subagents out of this conversation (tests/agents covers them).
    const config = path.join(iso.dir, 'eks-sre-mcp.yaml');
    fs.writeFileSync(config, `mcpServers:\n  kubernetes:\n    command: ${path.join(NODE_MODULES, '.bin', 'kubernetes-mcp-server')}\n` +
      'agents:\n  provider: none\n');
    fs.writeFileSync(mcpConfig, JSON.stringify({
      mcpServers: { eks: { command: SERVER, args: ['serve', '--config', config, '--kubeconfig', sim.kubeconfig, '--log-file', serverLog] } },
    }));
    const env = {
      ...iso.env,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      ANTHROPIC_API_KEY: 'dummy-key-for-the-stand-in',
      ANTHROPIC_BASE_URL: fake.url,
      CI: '1',
    };
    const r = await run(CLAUDE, [
      '-p', 'Diagnose the cluster and tell me the root cause of the crash-looping deployment.',
      '--mcp-config', mcpConfig, '--strict-mcp-config',
      '--allowedTools', 'mcp__eks__diagnose_cluster',
      '--output-format', 'json',
    ], { env, cwd: iso.dir, timeoutMs: TIMEOUT_MS });
    const state = fake.state();
    const context = `claude exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nfake state:\n${JSON.stringify(state, null, 2)}`;

    assert.deepEqual(state.violations, [], `Claude Code sent requests the API refuses:\n${context}`);
    assert.deepEqual(state.script_errors, [], context);
    const conv = state.conversations.find((c) => c.name === 'diagnose');
    assert.deepEqual(conv.expect_failures, [], context);
    assert.equal(conv.steps_left, 0, `the scripted conversation did not run to its end:\n${context}`);
    assert.equal(r.code, 0, context);

    const result = JSON.parse(r.stdout);
    assert.equal(result.is_error, false, context);
    // Every word after "CrashLoopBackOff" comes from the tool result, through the script's regexes.
    assert.match(result.result, /^CrashLoopBackOff in Deployment payments-api: the required environment variable DATABASE_URL is not set$/, context);

    // The tool really ran in our server (not in Claude Code's imagination): the request after the tool_use
    // carries a tool_result for that very id, with the server's findings.
    const diagnose = fake.requests().filter((e) => e.conversation === 'diagnose');
    // Claude Code retried the 529 overloaded_error with the same request.
    assert.equal(diagnose[0].verdict.status, 529, context);
    assert.deepEqual(diagnose[1].body.messages, diagnose[0].body.messages);
    const served = diagnose.filter((e) => e.verdict.ok);
    assert.equal(served.length, 2, context);
    const toolUse = served[0].response.content.find((b) => b.type === 'tool_use');
    const last = served[1].body.messages.at(-1);
    const toolResult = last.content.find((b) => b.type === 'tool_result' && b.tool_use_id === toolUse.id);
    assert.ok(toolResult, `no tool_result for ${toolUse.id} in ${JSON.stringify(last).slice(0, 2000)}`);
    assert.match(JSON.stringify(toolResult.content), /CrashLoopBackOff/);
    assert.notEqual(toolResult.is_error, true);
    // Claude Code marks its system prompt for caching: the second request reads the prefix the first wrote.
    assert.ok(served[0].response.usage.cache_creation_input_tokens > 0, JSON.stringify(served[0].response.usage));
    assert.ok(served[1].response.usage.cache_read_input_tokens > 0, JSON.stringify(served[1].response.usage));
    assert.match(fs.readFileSync(serverLog, 'utf8'), /initialized: client claude-code/, 'our server was not the one Claude Code used');
    // The findings came from the sandbox's API server, which saw reads only.
    const apiRequests = sim.requests();
    assert.ok(apiRequests.some((q) => q.method === 'GET' && /^\/api\/v1\/(namespaces\/[^/]+\/)?pods(\?|$)/.test(q.path)), 'the cluster was not read live');
    assert.ok(!apiRequests.some((q) => q.method !== 'GET' && !q.path.includes('selfsubjectaccessreviews')), 'a diagnosis changes nothing');
    // The key never reaches a record.
    assert.ok(!JSON.stringify(fake.requests()).includes('dummy-key-for-the-stand-in'));
  });
});
