// The official TypeScript SDK client (@modelcontextprotocol/sdk, pinned in tests/package.json) against the real
// eks-sre-mcp binary over stdio: the handshake era through Client, the older versions and the stateless
// 2026-07-28 core through raw JSON-RPC lines on the SDK's own StdioClientTransport (SDK 1.32 cannot negotiate
// anything but 2025-11-25, nor speak 2026-07-28), and progress and cancellation against the fixture server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, LoggingMessageNotificationSchema, McpError } from '@modelcontextprotocol/sdk/types.js';

import { binaryFromEnv, isolatedDir, killIfAlive, scaled, sleep, tail, tapTransport, waitUntil, within } from './helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const FIXTURE = binaryFromEnv('EKS_SRE_MCP_FIXTURE');
const STATELESS = '2026-07-28';
const CLIENT_INFO = { name: 'eks-e2e-sdk', version: '1.0.0' };

// A server process on a fresh HOME/XDG/cwd, driven by the SDK's stdio transport.
function serverTransport(binary, args, iso) {
  return new StdioClientTransport({ command: binary, args, env: iso.env, cwd: iso.dir, stderr: 'pipe' });
}

// The SDK Client connected to `binary`, with every wire message recorded.
async function connectClient(binary, args, prefix) {
  const iso = isolatedDir(prefix);
  const transport = serverTransport(binary, args, iso);
  const stderr = tail(transport.stderr);
  const wire = tapTransport(transport);
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  try {
    await within(10000, client.connect(transport), `${prefix}: initialize`);
  } catch (error) {
    const pid = transport.pid;
    await within(5000, transport.close(), `${prefix}: close`).catch(() => {});
    killIfAlive(pid);
    iso.cleanup();
    throw new Error(`${error.message}\nserver log:\n${stderr()}`);
  }
  const pid = transport.pid;
  return {
    client,
    transport,
    wire,
    stderr,
    async close() {
      await within(8000, client.close(), `${prefix}: close`).catch(() => {});
      killIfAlive(pid);
      iso.cleanup();
    },
  };
}

// JSON-RPC over the SDK's StdioClientTransport without the Client: any method, any params, any version.
class RawSession {
  constructor(binary, args, prefix) {
    this.prefix = prefix;
    this.iso = isolatedDir(prefix);
    this.transport = serverTransport(binary, args, this.iso);
    this.stderr = tail(this.transport.stderr);
    this.pending = new Map();
    this.notifications = [];
    this.unexpected = [];
    this.nextId = 1;
  }

  async start() {
    this.transport.onmessage = (message) => {
      if (message.id !== undefined && ('result' in message || 'error' in message)) {
        const resolve = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (resolve) resolve(message);
        else this.unexpected.push(message);
      } else {
        this.notifications.push(message);
      }
    };
    try {
      await within(5000, this.transport.start(), `${this.prefix}: spawn`);
    } catch (error) {
      this.iso.cleanup();
      throw error;
    }
    this.pid = this.transport.pid;
    return this;
  }

  // Sends a request; resolves with the whole response message (result or error).
  request(method, params, timeoutMs = 5000) {
    const id = this.nextId++;
    const answered = new Promise((resolve) => this.pending.set(id, resolve));
    const message = { jsonrpc: '2.0', id, method };
    if (params !== undefined) message.params = params;
    this.transport.send(message);
    return within(timeoutMs, answered, `${this.prefix}: response to ${method} (id ${id})`);
  }

  notify(method, params) {
    return this.transport.send({ jsonrpc: '2.0', method, ...(params !== undefined && { params }) });
  }

  async close() {
    await within(8000, this.transport.close(), `${this.prefix}: close`).catch(() => {});
    killIfAlive(this.pid);
    this.iso.cleanup();
  }
}

// The result of a response, failing with the error (and the server's log) when there is none.
function resultOf(response, session) {
  assert.ok(response.result, `expected a result, got ${JSON.stringify(response)}\nserver log:\n${session?.stderr() ?? ''}`);
  return response.result;
}

// params._meta for a 2026-07-28 request.
function modernMeta(overrides = {}) {
  return {
    'io.modelcontextprotocol/protocolVersion': STATELESS,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
    ...overrides,
  };
}

describe('SDK Client against eks-sre-mcp serve (2025-11-25)', () => {
  let s;
  let tools;
  before(async () => {
    s = await connectClient(SERVER, ['serve'], 'sdk');
    tools = (await within(5000, s.client.listTools(), 'tools/list')).tools;
  });
  after(async () => s?.close());

  test('initialize negotiates 2025-11-25 and describes the server', () => {
    const request = s.wire.find((w) => w.dir === 'out' && w.message.method === 'initialize');
    assert.equal(request?.message.params.protocolVersion, '2025-11-25');
    const init = s.wire.find((w) => w.dir === 'in' && w.message.id === request.message.id && w.message.result);
    assert.ok(init, 'no initialize response on the wire');
    assert.equal(init.message.result.protocolVersion, '2025-11-25');
    const info = s.client.getServerVersion();
    assert.equal(info.name, 'eks-sre-mcp');
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.equal(typeof info.title, 'string');
    const caps = s.client.getServerCapabilities();
    for (const key of ['tools', 'resources', 'prompts', 'logging', 'completions']) {
      assert.equal(typeof caps[key], 'object', `capability ${key} missing from ${JSON.stringify(caps)}`);
    }
    const instructions = s.client.getInstructions();
    assert.equal(typeof instructions, 'string');
    assert.match(instructions, /server_status/);
  });

  test('tools/list gives titles, annotations and output schemas', () => {
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('server_status') && names.includes('get_config'), `tools: ${names}`);
    assert.equal(new Set(names).size, names.length, 'duplicate tool names');
    for (const tool of tools) {
      assert.equal(typeof tool.title, 'string', `${tool.name} has no title`);
      assert.ok(tool.description.length > 20, `${tool.name} has no real description`);
      assert.equal(tool.inputSchema.type, 'object', `${tool.name} inputSchema`);
      assert.equal(typeof tool.annotations?.readOnlyHint, 'boolean', `${tool.name} readOnlyHint`);
    }
    const status = tools.find((t) => t.name === 'server_status');
    assert.equal(status.title, 'Server: status');
    const { title: _title, ...hints } = status.annotations;
    assert.deepEqual(hints, { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });
    assert.equal(status.outputSchema?.type, 'object');
    assert.ok(status.outputSchema.required.includes('protocol'));
    assert.equal(tools.find((t) => t.name === 'get_config').outputSchema?.type, 'object');
  });

  test('tools/call server_status: structuredContent passes the SDK output-schema check', async () => {
    // Client.callTool validates structuredContent against the outputSchema cached by listTools and throws
    // when it does not match, so reaching the asserts means the server honoured its own contract.
    const result = await within(5000, s.client.callTool({ name: 'server_status', arguments: {} }), 'server_status');
    assert.equal(result.isError, false);
    const sc = result.structuredContent;
    assert.equal(sc.server.name, 'eks-sre-mcp');
    assert.deepEqual(sc.protocol, { era: 'handshake', version: '2025-11-25', client: CLIENT_INFO });
    assert.equal(sc.mode, 'read_only', 'an unconfigured server must default to read_only');
    // With no configuration, the default Kubernetes upstream is listed but not started until a tool needs it.
    assert.deepEqual(
      sc.upstreams.map((u) => [u.name, u.role, u.transport, u.state]),
      [['kubernetes', 'kubernetes', 'stdio', 'configured']],
    );
    assert.equal(sc.tools, tools.length, 'tools count disagrees with tools/list');
    assert.ok(sc.uptime_seconds >= 0 && sc.uptime_seconds < 600);
    assert.match(sc.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(result.content[0].type, 'text');
    assert.match(result.content[0].text, /eks-sre-mcp/);
    assert.match(result.content[0].text, /2025-11-25/);
  });

  test('tools/call get_config reads only defaults in an isolated HOME', async () => {
    const result = await within(5000, s.client.callTool({ name: 'get_config', arguments: {} }), 'get_config');
    assert.equal(result.isError, false);
    const { config, sources } = result.structuredContent;
    assert.equal(config.mode, 'read_only');
    assert.ok(Array.isArray(sources) && sources.length > 0);
    for (const source of sources) assert.doesNotMatch(source, /\.ya?ml$|\.env$/, `picked up ${source}`);
    const one = await within(5000, s.client.callTool({ name: 'get_config', arguments: { section: 'mode' } }), 'get_config mode');
    assert.deepEqual(Object.keys(one.structuredContent.config), ['mode']);
  });

  test('tools/call get_config with a bad section is a tool error naming the allowed values', async () => {
    const result = await within(5000, s.client.callTool({ name: 'get_config', arguments: { section: 'nope' } }), 'get_config');
    assert.equal(result.isError, true);
    const text = result.content.map((c) => c.text).join('\n');
    assert.match(text, /section/);
    assert.match(text, /"nope"/);
    const allowed = tools.find((t) => t.name === 'get_config').inputSchema.properties.section.enum;
    assert.ok(allowed.length > 3);
    for (const value of allowed) assert.ok(text.includes(`"${value}"`), `the error does not name "${value}": ${text}`);
  });

  test('tools/call of an unknown tool is JSON-RPC error -32602', async () => {
    await assert.rejects(
      within(5000, s.client.callTool({ name: 'no_such_tool', arguments: {} }), 'unknown tool'),
      (error) => {
        assert.ok(error instanceof McpError, `not an McpError: ${error}`);
        assert.equal(error.code, ErrorCode.InvalidParams);
        assert.match(error.message, /no_such_tool/);
        return true;
      },
    );
  });

  test('resources/list and resources/read of the configuration', async () => {
    const { resources } = await within(5000, s.client.listResources(), 'resources/list');
    const config = resources.find((r) => r.uri === 'eks-sre-mcp://config');
    assert.ok(config, `resources: ${JSON.stringify(resources)}`);
    assert.equal(config.mimeType, 'application/json');
    const read = await within(5000, s.client.readResource({ uri: config.uri }), 'resources/read');
    assert.equal(read.contents.length, 1);
    assert.equal(read.contents[0].uri, config.uri);
    assert.equal(JSON.parse(read.contents[0].text).mode, 'read_only');
  });

  test('resource template: list, read a schema, complete its name', async () => {
    const { resourceTemplates } = await within(5000, s.client.listResourceTemplates(), 'templates/list');
    const template = resourceTemplates.find((t) => t.uriTemplate === 'eks-sre-mcp://schemas/{name}');
    assert.ok(template, `templates: ${JSON.stringify(resourceTemplates)}`);

    const uri = 'eks-sre-mcp://schemas/server_status.output';
    const read = await within(5000, s.client.readResource({ uri }), 'read schema');
    assert.equal(read.contents[0].uri, uri);
    assert.equal(read.contents[0].mimeType, 'application/schema+json');
    // The schema served as a resource is the very outputSchema of the tool.
    assert.deepEqual(JSON.parse(read.contents[0].text), tools.find((t) => t.name === 'server_status').outputSchema);

    await assert.rejects(
      within(5000, s.client.readResource({ uri: 'eks-sre-mcp://schemas/no_such_schema' }), 'read missing schema'),
      (error) => error instanceof McpError && error.code === -32002, // "Resource not found" in the handshake era
    );

    const done = await within(
      5000,
      s.client.complete({ ref: { type: 'ref/resource', uri: template.uriTemplate }, argument: { name: 'name', value: 'server_status.' } }),
      'completion/complete',
    );
    assert.deepEqual([...done.completion.values].sort(), ['server_status.input', 'server_status.output']);
  });

  test('prompts/list and prompts/get triage', async () => {
    const { prompts } = await within(5000, s.client.listPrompts(), 'prompts/list');
    const triage = prompts.find((p) => p.name === 'triage');
    assert.ok(triage, `prompts: ${JSON.stringify(prompts)}`);
    assert.ok(triage.arguments.some((a) => a.name === 'namespace' && !a.required));
    const got = await within(5000, s.client.getPrompt({ name: 'triage', arguments: { namespace: 'payments' } }), 'prompts/get');
    assert.equal(got.messages.length, 1);
    assert.equal(got.messages[0].role, 'user');
    assert.equal(got.messages[0].content.type, 'text');
    assert.match(got.messages[0].content.text, /namespace payments/);
    assert.match(got.messages[0].content.text, /server_status/);
  });

  test('ping', async () => {
    assert.deepEqual(await within(2000, s.client.ping(), 'ping'), {});
  });
});

describe('older handshake versions over the raw SDK transport', () => {
  const cases = [
    { version: '2024-11-05', structured: false, annotations: false },
    { version: '2025-03-26', structured: false, annotations: true },
    { version: '2025-06-18', structured: true, annotations: true },
  ];
  for (const { version, structured, annotations } of cases) {
    test(`${version}: negotiated, tools/list and tools/call shaped for it`, async () => {
      const s = await new RawSession(SERVER, ['serve'], `raw-${version}`).start();
      try {
        const init = resultOf(
          await s.request('initialize', { protocolVersion: version, capabilities: {}, clientInfo: CLIENT_INFO }),
          s,
        );
        assert.equal(init.protocolVersion, version);
        assert.equal(init.serverInfo.name, 'eks-sre-mcp');
        await s.notify('notifications/initialized');

        const { tools } = resultOf(await s.request('tools/list', {}), s);
        const status = tools.find((t) => t.name === 'server_status');
        assert.ok(status);
        assert.equal('outputSchema' in status, structured, `outputSchema in ${version}`);
        assert.equal('annotations' in status, annotations, `annotations in ${version}`);
        assert.equal(status.resultType, undefined);

        const call = resultOf(await s.request('tools/call', { name: 'server_status', arguments: {} }), s);
        assert.equal(call.isError, false);
        assert.equal('structuredContent' in call, structured, `structuredContent in ${version}`);
        assert.equal(call.resultType, undefined, 'resultType belongs to 2026-07-28 only');
        // Without structuredContent the same JSON travels as a text block, so older clients lose nothing.
        const data = structured ? call.structuredContent : JSON.parse(call.content.at(-1).text);
        assert.equal(data.protocol.version, version);
        assert.equal(data.protocol.era, 'handshake');
      } finally {
        await s.close();
      }
    });
  }

  test('an unknown version is answered with the newest one, not an error', async () => {
    const s = await new RawSession(SERVER, ['serve'], 'raw-future').start();
    try {
      const init = resultOf(await s.request('initialize', { protocolVersion: '2099-01-01', capabilities: {} }), s);
      assert.equal(init.protocolVersion, '2025-11-25');
    } finally {
      await s.close();
    }
  });
});

describe('stateless 2026-07-28 core over the raw SDK transport', () => {
  let s;
  before(async () => {
    s = await new RawSession(SERVER, ['serve'], 'stateless').start();
  });
  after(async () => s?.close());

  test('server/discover without initialize', async () => {
    const r = resultOf(await s.request('server/discover', { _meta: modernMeta() }), s);
    assert.equal(r.resultType, 'complete');
    assert.ok(r.supportedVersions.includes(STATELESS), `supportedVersions: ${r.supportedVersions}`);
    assert.ok(r.supportedVersions.includes('2025-11-25'));
    assert.equal(typeof r.capabilities.tools, 'object');
    assert.ok(Number.isInteger(r.ttlMs) && r.ttlMs >= 0, `ttlMs: ${r.ttlMs}`);
    assert.ok(['public', 'private'].includes(r.cacheScope), `cacheScope: ${r.cacheScope}`);
    assert.equal(r._meta?.['io.modelcontextprotocol/serverInfo']?.name, 'eks-sre-mcp');
  });

  test('tools/list carries resultType, ttlMs and cacheScope', async () => {
    const r = resultOf(await s.request('tools/list', { _meta: modernMeta() }), s);
    assert.equal(r.resultType, 'complete');
    assert.ok(Number.isInteger(r.ttlMs) && r.ttlMs >= 0);
    assert.ok(['public', 'private'].includes(r.cacheScope));
    const names = r.tools.map((t) => t.name);
    assert.ok(names.includes('server_status') && names.includes('get_config'), `tools: ${names}`);
    assert.equal(r.tools.find((t) => t.name === 'server_status').outputSchema?.type, 'object');
  });

  test('tools/call server_status answers in the stateless era', async () => {
    const r = resultOf(await s.request('tools/call', { name: 'server_status', arguments: {}, _meta: modernMeta() }), s);
    assert.equal(r.resultType, 'complete');
    assert.equal(r.isError, false);
    assert.equal(r.ttlMs, undefined, 'a tool result is not cacheable');
    assert.deepEqual(r.structuredContent.protocol, { era: 'stateless', version: STATELESS, client: CLIENT_INFO });
  });

  test('an unsupported _meta version is -32022 with supported and requested', async () => {
    const r = await s.request('tools/list', { _meta: modernMeta({ 'io.modelcontextprotocol/protocolVersion': '1999-01-01' }) });
    assert.equal(r.error?.code, -32022, JSON.stringify(r));
    assert.equal(r.error.data.requested, '1999-01-01');
    assert.ok(r.error.data.supported.includes(STATELESS));
  });

  test('missing clientCapabilities is -32602', async () => {
    const meta = modernMeta();
    delete meta['io.modelcontextprotocol/clientCapabilities'];
    const r = await s.request('tools/list', { _meta: meta });
    assert.equal(r.error?.code, -32602, JSON.stringify(r));
    assert.match(r.error.message, /clientCapabilities/);
  });

  test('ping was removed in 2026-07-28: -32601', async () => {
    const r = await s.request('ping', { _meta: modernMeta() });
    assert.equal(r.error?.code, -32601, JSON.stringify(r));
  });

  test('a missing resource is -32602 (2026-07-28 retired -32002)', async () => {
    const r = await s.request('resources/read', { uri: 'eks-sre-mcp://schemas/no_such_schema', _meta: modernMeta() });
    assert.equal(r.error?.code, -32602, JSON.stringify(r));
  });

  test('a request with neither _meta version nor initialize is refused', async () => {
    const r = await s.request('tools/list', {});
    assert.ok(r.error, `expected an error, got ${JSON.stringify(r)}`);
  });

  test('the stateless session answered every request and nothing else', () => {
    assert.deepEqual(s.unexpected, []);
  });
});

describe('fixture server: progress, logging and cancellation through the SDK', () => {
  let s;
  const logs = [];
  before(async () => {
    s = await connectClient(FIXTURE, [], 'fixture');
    s.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
    await within(5000, s.client.listTools(), 'tools/list');
  });
  after(async () => s?.close());

  test('progress notifications increase to the total; a warning log arrives', async () => {
    const progress = [];
    const result = await within(
      10000,
      s.client.callTool({ name: 'fixture_slow_count', arguments: { steps: 5, delay_ms: 20 } }, undefined, {
        onprogress: (p) => progress.push(p),
      }),
      'fixture_slow_count 5 steps',
    );
    assert.equal(result.isError, false);
    assert.deepEqual(result.structuredContent, { counted: 5 });
    // On the wire: one notification per step, increasing, each before the response, all with the request's token.
    const request = s.wire.findLast((w) => w.dir === 'out' && w.message.params?.arguments?.steps === 5);
    const token = request.message.params._meta?.progressToken;
    assert.notEqual(token, undefined, 'the SDK did not send a progressToken');
    const responseIndex = s.wire.findIndex((w) => w.dir === 'in' && w.message.id === request.message.id);
    const onWire = s.wire
      .map((w, i) => ({ ...w, i }))
      .filter((w) => w.dir === 'in' && w.message.method === 'notifications/progress' && w.message.params.progressToken === token);
    assert.deepEqual(onWire.map((w) => w.message.params.progress), [1, 2, 3, 4, 5]);
    assert.ok(onWire.every((w) => w.i < responseIndex && w.message.params.total === 5), 'progress after the response');
    assert.match(onWire.at(-1).message.params.message ?? '', /5 of 5/);
    // Through onprogress: increasing. SDK 1.32 dispatches notifications a microtask late but responses at once,
    // so a last notification that shares a stdout chunk with the response finds its handler gone and is dropped.
    const seen = progress.map((p) => p.progress);
    assert.ok(seen.length >= 4, `onprogress saw ${seen}`);
    assert.ok(seen.every((v, i) => v === i + 1 && progress[i].total === 5), `onprogress saw ${seen}`);
    // The server sends the log before the response, so it is already here.
    assert.ok(
      logs.some((l) => l.level === 'warning' && /slow_count finished 5 steps/.test(String(l.data))),
      `logs: ${JSON.stringify(logs)}`,
    );
  });

  test('a tool failure is isError with the reason', async () => {
    const result = await within(5000, s.client.callTool({ name: 'fixture_fail', arguments: { reason: 'disk on fire' } }), 'fixture_fail');
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /disk on fire/);
  });

  test('abort sends notifications/cancelled; the server stops, stays silent for it and stays responsive', async () => {
    const controller = new AbortController();
    const progress = [];
    const started = performance.now();
    const call = s.client.callTool({ name: 'fixture_slow_count', arguments: { steps: 1000, delay_ms: 10 } }, undefined, {
      signal: controller.signal,
      onprogress: (p) => progress.push(p),
    });
    const outcome = call.then(
      () => 'resolved',
      () => 'rejected',
    );
    await waitUntil(() => progress.length > 0, 5000, 'progress from the slow call (it is running)');
    controller.abort('test cancels');
    const abortedAt = performance.now();
    assert.equal(await within(scaled(1000), outcome, 'the aborted call to settle'), 'rejected');
    assert.ok(progress.length > 0, 'the call should have reported progress before the abort');

    const request = s.wire.find((w) => w.dir === 'out' && w.message.method === 'tools/call' && w.message.params?.arguments?.steps === 1000);
    const cancel = s.wire.find((w) => w.dir === 'out' && w.message.method === 'notifications/cancelled');
    assert.ok(request && cancel, 'the SDK did not send notifications/cancelled');
    assert.equal(cancel.message.params.requestId, request.message.id);

    // Still responsive right away.
    const pingStart = performance.now();
    await within(scaled(1000), s.client.ping(), 'ping after cancel');
    assert.ok(performance.now() - pingStart < scaled(500), `ping took ${performance.now() - pingStart} ms`);
    const fast = await within(scaled(2000), s.client.callTool({ name: 'fixture_slow_count', arguments: { steps: 1, delay_ms: 0 } }), 'fast call');
    assert.deepEqual(fast.structuredContent, { counted: 1 });

    // "Not send a response for the cancelled request", and no more progress for it once it is cancelled. Nothing is
    // to arrive: this quiet window is the check itself, not a wait for an event.
    await sleep(scaled(300));
    const id = request.message.id;
    const token = request.message.params._meta?.progressToken;
    const answer = s.wire.find((w) => w.dir === 'in' && w.message.id === id);
    assert.equal(answer, undefined, `the server answered the cancelled request: ${JSON.stringify(answer?.message)}`);
    const late = s.wire.filter(
      (w) => w.dir === 'in' && w.message.method === 'notifications/progress' && w.message.params.progressToken === token &&
        w.at > abortedAt + scaled(200),
    );
    assert.deepEqual(late.map((w) => w.message.params.progress), [], 'progress kept coming after the cancel');
    assert.ok(abortedAt - started < scaled(2000));
  });

  test('a call in flight does not block ping', async () => {
    let finished = false;
    let progressed = 0;
    const slow = s.client
      .callTool({ name: 'fixture_slow_count', arguments: { steps: 20, delay_ms: 100 } }, undefined, { onprogress: () => progressed++ })
      .finally(() => (finished = true));
    await waitUntil(() => progressed > 0, 5000, 'progress from the slow call (it is running)');
    // Several pings, each answered while the 2 s call still runs; the fastest must be quick. If ping waited for
    // the call, the first would take ~2 s and the later ones would come after the call finished.
    const times = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await within(scaled(3000), s.client.ping(), 'ping during a slow call');
      times.push(performance.now() - t0);
      assert.equal(finished, false, `ping ${i + 1} was only answered after the slow call finished (${times})`);
    }
    assert.ok(Math.min(...times) < scaled(200), `ping latency during a slow call: ${times.map((t) => t.toFixed(1))} ms`);
    const result = await within(scaled(8000), slow, 'the 2 s call');
    assert.deepEqual(result.structuredContent, { counted: 20 });
  });
});

describe('fixture server over the stateless core: progress, log gating, cancellation', () => {
  let s;
  before(async () => {
    s = await new RawSession(FIXTURE, [], 'fixture-stateless').start();
  });
  after(async () => s?.close());

  const progressFor = (token) =>
    s.notifications.filter((n) => n.method === 'notifications/progress' && n.params.progressToken === token);
  const logsMatching = (re) => s.notifications.filter((n) => n.method === 'notifications/message' && re.test(String(n.params.data)));

  test('progress for the request\'s token; no log without _meta logLevel', async () => {
    const r = resultOf(
      await s.request('tools/call', {
        name: 'fixture_slow_count',
        arguments: { steps: 3, delay_ms: 10 },
        _meta: { ...modernMeta(), progressToken: 'st-1' },
      }),
      s,
    );
    assert.equal(r.resultType, 'complete');
    assert.deepEqual(r.structuredContent, { counted: 3 });
    assert.deepEqual(progressFor('st-1').map((n) => n.params.progress), [1, 2, 3]);
    // "servers MUST NOT emit notifications/message for requests that did not include" a log level.
    assert.deepEqual(logsMatching(/finished 3 steps/), []);
  });

  test('a log at or above the request\'s _meta logLevel is sent', async () => {
    const meta = modernMeta({ 'io.modelcontextprotocol/logLevel': 'info' });
    resultOf(await s.request('tools/call', { name: 'fixture_slow_count', arguments: { steps: 2, delay_ms: 0 }, _meta: meta }), s);
    const logs = logsMatching(/finished 2 steps/);
    assert.equal(logs.length, 1, JSON.stringify(s.notifications));
    assert.equal(logs[0].params.level, 'warning');
    const quiet = modernMeta({ 'io.modelcontextprotocol/logLevel': 'error' });
    resultOf(await s.request('tools/call', { name: 'fixture_slow_count', arguments: { steps: 4, delay_ms: 0 }, _meta: quiet }), s);
    assert.deepEqual(logsMatching(/finished 4 steps/), [], 'a warning was sent to a client that asked for error');
  });

  test('notifications/cancelled stops the call and no response follows', async () => {
    const id = s.nextId;
    const pending = s.request(
      'tools/call',
      { name: 'fixture_slow_count', arguments: { steps: 500, delay_ms: 10 }, _meta: { ...modernMeta(), progressToken: 'st-c' } },
      scaled(800), // long enough, after the cancel at the first progress, for a response that should not come to have come
    );
    const settled = pending.then(
      (response) => ({ response }),
      (error) => ({ error }),
    );
    await waitUntil(() => progressFor('st-c').length > 0, 1000, 'progress from the slow call (it is running)');
    await s.notify('notifications/cancelled', { requestId: id, reason: 'e2e' });
    const cancelledAt = performance.now();
    const discover = resultOf(await s.request('server/discover', { _meta: modernMeta() }, scaled(1000)), s);
    assert.equal(discover.resultType, 'complete');
    const outcome = await settled;
    assert.ok(outcome.error, `the cancelled request was answered: ${JSON.stringify(outcome.response)}`);
    const count = progressFor('st-c').length;
    assert.ok(count > 0 && count < 500, `progress count ${count}`);
    // No more progress is to arrive: this quiet window is the check itself, not a wait for an event.
    await sleep(scaled(100));
    assert.equal(progressFor('st-c').length, count, 'progress continued after the cancel');
    assert.ok(performance.now() - cancelledAt < scaled(5000));
  });
});
