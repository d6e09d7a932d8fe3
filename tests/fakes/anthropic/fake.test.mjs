// Tests of the Messages API stand-in itself: every rule rejects what the real API rejects with the real error
// shape and accepts what it accepts, scripted conversations and faults behave as documented in README.md,
// and streams follow the real event sequence.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startFakeAnthropic } from './fake.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HEADERS = { 'x-api-key': 'test-key-not-secret', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };
const MODEL = 'claude-sonnet-4-5';
const WEATHER = {
  name: 'get_weather',
  description: 'Weather of a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};
const TIME = { name: 'get_time', input_schema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } };

async function post(url, body, { headers = HEADERS, path: p = '/v1/messages', raw } = {}) {
  const res = await fetch(`${url}${p}`, {
    method: 'POST',
    headers,
    body: raw ?? JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const user = (content) => ({ role: 'user', content });
const assistant = (content) => ({ role: 'assistant', content });
const basic = (extra = {}) => ({ model: MODEL, max_tokens: 256, messages: [user('hello')], ...extra });

// Parses a text/event-stream body into [{event, data}] and checks each data's type names its event.
function parseSse(text) {
  const events = [];
  for (const chunk of text.split('\n\n')) {
    if (!chunk.trim()) continue;
    const lines = chunk.split('\n');
    const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
    const data = JSON.parse(lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'));
    assert.equal(data.type, event, `event ${event} carries data of type ${data.type}`);
    events.push({ event, data });
  }
  return events;
}

// Rebuilds the Message from a stream the way the SDKs do: content blocks from starts and deltas, tool inputs
// from the concatenated partial JSON, stop reason and output tokens from message_delta.
function accumulate(events) {
  const order = events.map((e) => e.event).filter((e) => e !== 'ping');
  assert.equal(order[0], 'message_start');
  assert.equal(order.at(-1), 'message_stop');
  assert.equal(order.at(-2), 'message_delta');
  let message;
  const json = {};
  let open = null;
  for (const { event, data } of events) {
    if (event === 'message_start') {
      message = structuredClone(data.message);
      assert.deepEqual(message.content, []);
      assert.equal(message.stop_reason, null);
    } else if (event === 'content_block_start') {
      assert.equal(open, null, 'a block starts while another is open');
      assert.equal(data.index, message.content.length);
      open = data.index;
      message.content.push(structuredClone(data.content_block));
      json[data.index] = '';
    } else if (event === 'content_block_delta') {
      assert.equal(data.index, open);
      const block = message.content[data.index];
      if (data.delta.type === 'text_delta') block.text += data.delta.text;
      else if (data.delta.type === 'input_json_delta') json[data.index] += data.delta.partial_json;
      else assert.fail(`unknown delta ${data.delta.type}`);
    } else if (event === 'content_block_stop') {
      assert.equal(data.index, open);
      const block = message.content[data.index];
      if (block.type === 'tool_use') block.input = JSON.parse(json[data.index] || '{}');
      open = null;
    } else if (event === 'message_delta') {
      Object.assign(message, data.delta);
      message.usage.output_tokens = data.usage.output_tokens;
    }
  }
  return message;
}

describe('request rules', () => {
  let fake;
  before(async () => {
    fake = await startFakeAnthropic({ script: { conversations: [] , default_text: 'Default answer.' } });
  });
  after(() => fake?.close());

  const cases = [
    ['missing x-api-key', basic(), { headers: { 'anthropic-version': '2023-06-01', 'content-type': 'application/json' } }, 401, 'authentication_error', 'x-api-key header is required'],
    ['missing anthropic-version', basic(), { headers: { 'x-api-key': 'k', 'content-type': 'application/json' } }, 400, 'invalid_request_error', 'anthropic-version: header is required'],
    ['unknown anthropic-version', basic(), { headers: { ...HEADERS, 'anthropic-version': '2024-01-01' } }, 400, 'invalid_request_error', 'anthropic-version: "2024-01-01" is not a valid version'],
    ['non-JSON content type', basic(), { headers: { ...HEADERS, 'content-type': 'text/plain' } }, 400, 'invalid_request_error', /Content-Type must be application\/json/],
    ['body that is not JSON', null, { raw: '{"model": ' }, 400, 'invalid_request_error', /error parsing the body/],
    ['missing model', { max_tokens: 10, messages: [user('x')] }, {}, 400, 'invalid_request_error', 'model: Field required'],
    ['unknown model', basic({ model: 'gpt-4o' }), {}, 404, 'not_found_error', 'model: gpt-4o'],
    ['missing max_tokens', { model: MODEL, messages: [user('x')] }, {}, 400, 'invalid_request_error', 'max_tokens: Field required'],
    ['max_tokens 0', basic({ max_tokens: 0 }), {}, 400, 'invalid_request_error', 'max_tokens: Input should be greater than or equal to 1'],
    ['max_tokens not an integer', basic({ max_tokens: 1.5 }), {}, 400, 'invalid_request_error', 'max_tokens: Input should be a valid integer'],
    ['unknown top-level field', basic({ foo: 1 }), {}, 400, 'invalid_request_error', 'foo: Extra inputs are not permitted'],
    ['beta field without its beta', basic({ context_management: { edits: [] } }), {}, 400, 'invalid_request_error', 'context_management: Extra inputs are not permitted'],
    ['empty messages', basic({ messages: [] }), {}, 400, 'invalid_request_error', 'messages: at least one message is required'],
    ['first message from the assistant', basic({ messages: [assistant('hi'), user('x')] }), {}, 400, 'invalid_request_error', 'messages: first message must use the "user" role'],
    ['two user turns in a row', basic({ messages: [user('a'), user('b')] }), {}, 400, 'invalid_request_error', 'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row'],
    ['unknown role', basic({ messages: [user('a'), { role: 'tool', content: 'x' }] }), {}, 400, 'invalid_request_error', "messages.1.role: Input should be 'user' or 'assistant'"],
    ['system message without its beta', basic({ messages: [user('a'), { role: 'system', content: 'x' }] }), {}, 400, 'invalid_request_error', "messages.1.role: Input should be 'user' or 'assistant'"],
    ['empty text block', basic({ messages: [user([{ type: 'text', text: '' }])] }), {}, 400, 'invalid_request_error', 'messages: text content blocks must be non-empty'],
    ['empty user content', basic({ messages: [user([])] }), {}, 400, 'invalid_request_error', 'messages.0: all messages must have non-empty content except for the optional final assistant message'],
    ['trailing whitespace in a prefill', basic({ messages: [user('a'), assistant('The answer is ')] }), {}, 400, 'invalid_request_error', 'messages: final assistant content cannot end with trailing whitespace'],
    [
      'tool_use without a tool_result',
      basic({ tools: [WEATHER], messages: [user('a'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'x' } }]), user('thanks')] }),
      {}, 400, 'invalid_request_error',
      'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    ],
    [
      'one of two tool_use ids unanswered',
      basic({ tools: [WEATHER], messages: [user('a'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }, { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} }]), user([{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'ok' }])] }),
      {}, 400, 'invalid_request_error', /immediately after: toolu_1\./,
    ],
    [
      'orphan tool_result',
      basic({ messages: [user('a'), assistant('b'), user([{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'x' }])] }),
      {}, 400, 'invalid_request_error',
      'messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    ],
    [
      'text before the tool_result',
      basic({ tools: [WEATHER], messages: [user('a'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }]), user([{ type: 'text', text: 'here' }, { type: 'tool_result', tool_use_id: 'toolu_1', content: 'x' }])] }),
      {}, 400, 'invalid_request_error', /`tool_result` blocks must come first/,
    ],
    ['tool_result in an assistant turn', basic({ messages: [user('a'), assistant([{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'x' }])] }), {}, 400, 'invalid_request_error', /messages\.1\.content\.0\.type: Input tag 'tool_result'/],
    ['tool name with a space', basic({ tools: [{ ...WEATHER, name: 'get weather' }] }), {}, 400, 'invalid_request_error', "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'"],
    ['tool name of 65 characters', basic({ tools: [{ ...WEATHER, name: 'x'.repeat(65) }] }), {}, 400, 'invalid_request_error', /tools\.0\.custom\.name: String should match pattern/],
    ['duplicate tool names', basic({ tools: [WEATHER, WEATHER] }), {}, 400, 'invalid_request_error', 'tools: Tool names must be unique.'],
    ['tool without input_schema', basic({ tools: [{ name: 'x' }] }), {}, 400, 'invalid_request_error', 'tools.0.custom.input_schema: Field required'],
    ['input_schema not of type object', basic({ tools: [{ name: 'x', input_schema: { type: 'string' } }] }), {}, 400, 'invalid_request_error', "tools.0.custom.input_schema.type: Input should be 'object'"],
    ['tool_choice naming a tool not offered', basic({ tools: [WEATHER], tool_choice: { type: 'tool', name: 'nope' } }), {}, 400, 'invalid_request_error', "tool_choice: Tool 'nope' not found in provided tools"],
    ['tool_choice any without tools', basic({ tool_choice: { type: 'any' } }), {}, 400, 'invalid_request_error', /requires tools/],
    ['tool_choice of unknown type', basic({ tools: [WEATHER], tool_choice: { type: 'required' } }), {}, 400, 'invalid_request_error', /tool_choice\.type: Input should be/],
    ['forced tool use with thinking', basic({ max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, tools: [WEATHER], tool_choice: { type: 'any' } }), {}, 400, 'invalid_request_error', 'Thinking may not be enabled when tool_choice forces tool use.'],
    ['thinking budget under 1024', basic({ thinking: { type: 'enabled', budget_tokens: 100 } }), {}, 400, 'invalid_request_error', /budget_tokens: Input should be greater than or equal to 1024/],
    ['thinking budget not under max_tokens', basic({ max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 2000 } }), {}, 400, 'invalid_request_error', /`max_tokens` must be greater than `thinking.budget_tokens`/],
    [
      'five cache_control blocks',
      basic({ system: [1, 2, 3].map((i) => ({ type: 'text', text: `s${i}`, cache_control: { type: 'ephemeral' } })), messages: [user([{ type: 'text', text: 'a', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'b', cache_control: { type: 'ephemeral' } }])] }),
      {}, 400, 'invalid_request_error', 'A maximum of 4 blocks with cache_control may be provided. Found 5.',
    ],
    ['cache_control of unknown type', basic({ system: [{ type: 'text', text: 's', cache_control: { type: 'permanent' } }] }), {}, 400, 'invalid_request_error', "system.0.cache_control.type: Input should be 'ephemeral'"],
    ['system block that is not text', basic({ system: [{ type: 'image', source: {} }] }), {}, 400, 'invalid_request_error', "system.0.type: Input should be 'text'"],
    ['system that is a number', basic({ system: 5 }), {}, 400, 'invalid_request_error', 'system: Input should be a valid string or a list of text blocks'],
    ['metadata with an unknown key', basic({ metadata: { user: 'x' } }), {}, 400, 'invalid_request_error', 'metadata.user: Extra inputs are not permitted'],
    ['temperature above 1', basic({ temperature: 1.5 }), {}, 400, 'invalid_request_error', 'temperature: range: 0..1'],
  ];

  for (const [name, body, opts, status, type, message] of cases) {
    test(`rejects ${name} with ${status} ${type}`, async () => {
      const r = await post(fake.url, body, opts);
      assert.equal(r.status, status, r.text);
      assert.equal(r.json?.type, 'error', r.text);
      assert.equal(r.json.error.type, type, r.text);
      if (message instanceof RegExp) assert.match(r.json.error.message, message);
      else assert.equal(r.json.error.message, message);
      assert.match(r.json.request_id, /^req_/);
      assert.match(r.headers.get('request-id'), /^req_/);
      const seen = fake.state().violations.at(-1);
      assert.equal(seen.message, r.json.error.message, 'the violation is recorded in the state');
    });
  }

  const accepted = [
    ['a string system prompt', basic({ system: 'You are terse.' })],
    ['a system prompt of text blocks with cache_control', basic({ system: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b', cache_control: { type: 'ephemeral', ttl: '1h' } }] })],
    ['four cache_control blocks', basic({ system: [1, 2, 3, 4].map((i) => ({ type: 'text', text: `s${i}`, cache_control: { type: 'ephemeral' } })) })],
    ['metadata, thinking, sampling and stop sequences', basic({ max_tokens: 4096, metadata: { user_id: 'u-1' }, thinking: { type: 'enabled', budget_tokens: 1024 }, stop_sequences: ['END'], top_k: 5 })],
    ['adaptive thinking and output_config', basic({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } })],
    ['a prefilled final assistant turn', basic({ messages: [user('a'), assistant('The answer is')] })],
    ['tool_choice none, auto and a named tool', basic({ tools: [WEATHER], tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true } })],
    ['a versioned server tool', basic({ tools: [WEATHER, { type: 'web_search_20250305', name: 'web_search', max_uses: 2 }] })],
    [
      'a complete tool round trip with text after the results',
      basic({ tools: [WEATHER], messages: [user('a'), assistant([{ type: 'text', text: 'checking' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'x' } }]), user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }], is_error: false }, { type: 'text', text: 'and?' }])] }),
    ],
  ];
  for (const [name, body] of accepted) {
    test(`accepts ${name}`, async () => {
      const r = await post(fake.url, body);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.content[0].text, 'Default answer.');
    });
  }

  test('accepts beta-gated fields and system messages when the anthropic-beta header unlocks them', async () => {
    const headers = { ...HEADERS, 'anthropic-beta': 'context-management-2025-06-27,mid-conversation-system-2026-04-07' };
    const body = basic({ context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] }, messages: [user('a'), { role: 'system', content: 'Be brief.' }] });
    const r = await post(fake.url, body, { headers });
    assert.equal(r.status, 200, r.text);
    // A system message is no turn: it cannot stand between a tool_use and its tool_result.
    const broken = basic({ tools: [WEATHER], messages: [user('a'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }]), { role: 'system', content: 'x' }, user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'y' }])] });
    const r2 = await post(fake.url, broken, { headers });
    assert.equal(r2.status, 400, r2.text);
    assert.match(r2.json.error.message, /without `tool_result` blocks immediately after: toolu_1/);
  });

  test('answers unknown paths and methods with the API error shape', async () => {
    const r = await post(fake.url, basic(), { path: '/v1/complete' });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.type, 'not_found_error');
    const g = await fetch(`${fake.url}/v1/messages`, { headers: HEADERS, signal: AbortSignal.timeout(5000) });
    assert.equal(g.status, 405);
    assert.equal((await g.json()).error.type, 'invalid_request_error');
  });

  test('counts tokens with the same rules', async () => {
    const { max_tokens, ...body } = basic({ system: 'x'.repeat(400) });
    const r = await post(fake.url, body, { path: '/v1/messages/count_tokens' });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.input_tokens > 100, r.text);
    const bad = await post(fake.url, { ...body, messages: [] }, { path: '/v1/messages/count_tokens' });
    assert.equal(bad.status, 400);
  });

  test('records every request with the key hidden and the verdict', async () => {
    const all = fake.requests();
    assert.ok(all.length >= 40, `only ${all.length} requests recorded`);
    for (const entry of all) {
      assert.ok(!JSON.stringify(entry).includes('test-key-not-secret'), 'the API key leaked into the record');
      assert.ok(entry.verdict, JSON.stringify(entry));
    }
    const keyed = all.find((e) => e.headers['x-api-key']);
    assert.equal(keyed.headers['x-api-key'], '<present>');
    const viaHttp = await (await fetch(`${fake.url}/_fake/requests`, { signal: AbortSignal.timeout(5000) })).json();
    assert.equal(viaHttp.length, all.length);
    assert.equal(viaHttp.filter((e) => e.verdict.status === 401).length, 1);
  });
});

describe('scripted conversations', () => {
  const script = {
    conversations: [
      {
        name: 'weather',
        match: { tool_offered: 'get_weather', system_contains: 'weather bot' },
        steps: [
          {
            expect: { last_user_contains: 'Paris', tools_include: ['get_weather', 'get_time'], tools_exclude: 'delete_city' },
            respond: {
              content: [
                { text: 'Checking both.' },
                { tool_use: { name: 'get_weather', input: { city: 'Paris' } } },
                { tool_use: { name: 'get_time', input: { zone: 'Europe/Paris' } } },
              ],
            },
          },
          {
            expect: { tool_result: { contains: 'Paris', is_error: false } },
            respond: { content: [{ text: 'In Paris: {{tool_result /(sunny, \\d+C)/}}.' }] },
          },
        ],
      },
      { name: 'broken', match: { tool_offered: 'bad_input' }, steps: [{ respond: { content: [{ tool_use: { name: 'bad_input', input: { n: 'not a number' } } }] } }] },
      { name: 'refuses', match: { system_contains: 'refusal bot' }, steps: [{ respond: { content: [{ text: 'I cannot help with that.' }], stop_reason: 'refusal' } }] },
    ],
  };
  let fake;
  before(async () => {
    fake = await startFakeAnthropic({ script });
  });
  after(() => fake?.close());

  const system = 'You are a weather bot.';
  const first = () => basic({ system, tools: [WEATHER, TIME], messages: [user('Weather and time in Paris?')] });

  test('a tool loop: parallel tool_use, then text built from the tool results', async () => {
    const r1 = await post(fake.url, first());
    assert.equal(r1.status, 200, r1.text);
    const m1 = r1.json;
    assert.match(m1.id, /^msg_/);
    assert.equal(m1.type, 'message');
    assert.equal(m1.role, 'assistant');
    assert.equal(m1.model, MODEL);
    assert.equal(m1.stop_reason, 'tool_use');
    assert.equal(m1.stop_sequence, null);
    assert.deepEqual(Object.keys(m1.usage).sort(), ['cache_creation_input_tokens', 'cache_read_input_tokens', 'input_tokens', 'output_tokens']);
    const uses = m1.content.filter((b) => b.type === 'tool_use');
    assert.deepEqual(uses.map((u) => u.name), ['get_weather', 'get_time']);
    for (const u of uses) assert.match(u.id, /^toolu_[A-Za-z0-9]+$/);
    assert.notEqual(uses[0].id, uses[1].id);

    // An answer that does not meet the step's expectation is refused and leaves the step in place.
    const wrong = basic({
      system,
      tools: [WEATHER, TIME],
      messages: [user('Weather and time in Paris?'), assistant(m1.content), user(uses.map((u) => ({ type: 'tool_result', tool_use_id: u.id, content: 'unknown', is_error: true })))],
    });
    const r2 = await post(fake.url, wrong);
    assert.equal(r2.status, 400, r2.text);
    assert.equal(r2.json.error.type, 'invalid_request_error');
    assert.match(r2.json.error.message, /conversation 'weather' step 2: expectation failed: the tool_result for get_weather has is_error true, expected false/);
    assert.equal(fake.state().conversations[0].expect_failures.length, 1);
    assert.equal(fake.state().conversations[0].steps_consumed, 1);

    const results = [
      { type: 'tool_result', tool_use_id: uses[0].id, content: 'Paris: sunny, 21C' },
      { type: 'tool_result', tool_use_id: uses[1].id, content: [{ type: 'text', text: 'Paris: 14:05' }] },
    ];
    const r3 = await post(fake.url, { ...wrong, messages: [...wrong.messages.slice(0, 2), user(results)] });
    assert.equal(r3.status, 200, r3.text);
    assert.equal(r3.json.stop_reason, 'end_turn');
    assert.deepEqual(r3.json.content, [{ type: 'text', text: 'In Paris: sunny, 21C.' }]);
    const state = fake.state().conversations[0];
    assert.equal(state.steps_consumed, 2);
    assert.equal(state.steps_left, 0);
  });

  test('a request no conversation matches gets the default text and is recorded', async () => {
    const r = await post(fake.url, basic({ system: 'Generate a title for this chat' }));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.content, [{ type: 'text', text: 'OK.' }]);
    assert.equal(r.json.stop_reason, 'end_turn');
    // The weather conversation is exhausted: another weather request is recorded as such.
    await post(fake.url, first());
    const reasons = fake.state().unmatched.map((u) => u.reason);
    assert.deepEqual(reasons, ['no conversation matches', "conversation 'weather' has no steps left"]);
  });

  test('a scripted tool input that breaks the tool input_schema is a script error, not a reply', async () => {
    const tool = { name: 'bad_input', input_schema: { type: 'object', properties: { n: { type: 'integer' } } } };
    const r = await post(fake.url, basic({ tools: [tool] }));
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.error.message, /script error in conversation 'broken' step 1: scripted input for tool bad_input does not match its input_schema: data\.n should be integer/);
    assert.equal(fake.state().script_errors.length, 1);
    assert.equal(fake.state().conversations[1].steps_consumed, 0);
  });

  test('stop reasons other than end_turn and tool_use are scripted', async () => {
    const r = await post(fake.url, basic({ system: 'You are a refusal bot.' }));
    assert.equal(r.json.stop_reason, 'refusal');
  });

  test('loading a broken script fails with the problem named', async () => {
    await assert.rejects(startFakeAnthropic({ script: { conversations: [{ name: 'x', match: {}, steps: [] }] } }), /not a valid fake Anthropic script: .*match should NOT have fewer than 1 properties/);
    await assert.rejects(
      startFakeAnthropic({ script: { conversations: [{ name: 'x', match: { model: MODEL }, steps: [{ respond: { content: [{ text: 'a' }], stop_reason: 'tool_use' } }] }] } }),
      /stop_reason tool_use needs at least one tool_use block/,
    );
    await assert.rejects(startFakeAnthropic({ script: { conversations: [], bogus: 1 } }), /should NOT have additional properties/);
  });
});

describe('streaming', () => {
  let fake;
  before(async () => {
    fake = await startFakeAnthropic({ script: path.join(HERE, 'scripts', 'tool-loop.yaml') });
  });
  after(() => fake?.close());

  test('answers stream: true with the real event sequence, which rebuilds the same message', async () => {
    const body = basic({ tools: [WEATHER], stream: true, messages: [user('What is the weather in Paris?')] });
    const r = await post(fake.url, body);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/event-stream/);
    const events = parseSse(r.text);
    assert.ok(events.some((e) => e.event === 'ping'));
    const message = accumulate(events);
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.content[0].text, 'Let me look that up.');
    assert.deepEqual(message.content[1].input, { city: 'Paris' });
    assert.ok(events.filter((e) => e.data.delta?.type === 'input_json_delta').length >= 2, 'tool input arrives in pieces');
    // The recorded reply is the message the stream spelled out.
    assert.deepEqual(fake.requests().at(-1).response.content, message.content);

    const next = {
      ...body,
      messages: [...body.messages, assistant(message.content), user([{ type: 'tool_result', tool_use_id: message.content[1].id, content: 'Paris: sunny, 21C. Light wind.' }])],
    };
    const done = accumulate(parseSse((await post(fake.url, next)).text));
    assert.equal(done.stop_reason, 'end_turn');
    assert.equal(done.content[0].text, 'It is sunny, 21C.');
    assert.ok(done.usage.output_tokens > 1);
  });
});

describe('faults', () => {
  const step = (fault, extra = {}) => ({ fault, ...extra });
  const ok = { respond: { content: [{ text: 'recovered' }] } };
  let fake;
  before(async () => {
    fake = await startFakeAnthropic({
      script: {
        conversations: [
          { name: 'limits', match: { system_contains: 'limits' }, steps: [step({ status: 429, retry_after: 7 }), step({ status: 529 }), step({ status: 500 }), ok] },
          { name: 'wire', match: { system_contains: 'wire' }, steps: [step({ reset: true }), step({ malformed_json: true }), { ...ok, delay_ms: 400 }] },
          { name: 'stream', match: { system_contains: 'stream' }, steps: [step({ stream_error: 'overloaded_error' }), ok] },
        ],
      },
    });
  });
  after(() => fake?.close());

  test('429 with retry-after, 529 overloaded_error, 500 api_error, then the reply', async () => {
    const body = basic({ system: 'limits' });
    const r1 = await post(fake.url, body);
    assert.equal(r1.status, 429);
    assert.equal(r1.headers.get('retry-after'), '7');
    assert.equal(r1.json.error.type, 'rate_limit_error');
    const r2 = await post(fake.url, body);
    assert.equal(r2.status, 529);
    assert.deepEqual(r2.json.error, { type: 'overloaded_error', message: 'Overloaded' });
    const r3 = await post(fake.url, body);
    assert.equal(r3.status, 500);
    assert.equal(r3.json.error.type, 'api_error');
    const r4 = await post(fake.url, body);
    assert.equal(r4.status, 200);
    assert.equal(r4.json.content[0].text, 'recovered');
  });

  test('a reset connection, a malformed body, then a reply later than the delay', async () => {
    const body = basic({ system: 'wire' });
    await assert.rejects(post(fake.url, body), /fetch failed/);
    const r2 = await post(fake.url, body);
    assert.equal(r2.status, 200);
    assert.equal(r2.json, undefined, `the body parsed: ${r2.text}`);
    const started = performance.now();
    const r3 = await post(fake.url, body);
    assert.ok(performance.now() - started >= 390, 'the reply came before its delay');
    assert.equal(r3.json.content[0].text, 'recovered');
  });

  test('an error event in the middle of a stream', async () => {
    const r = await post(fake.url, basic({ system: 'stream', stream: true }));
    assert.equal(r.status, 200);
    const events = parseSse(r.text);
    assert.deepEqual(events.map((e) => e.event), ['message_start', 'error']);
    assert.deepEqual(events[1].data.error, { type: 'overloaded_error', message: 'Overloaded' });
  });
});

describe('prompt caching usage', () => {
  test('a second request with the same cached prefix reads it from the cache', async () => {
    const fake = await startFakeAnthropic({ script: { conversations: [], min_cacheable_tokens: 100 } });
    try {
      const long = 'You are a careful SRE assistant. '.repeat(40);
      const body = (q) => basic({ system: [{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }], tools: [WEATHER], messages: [user(q)] });
      const u1 = (await post(fake.url, body('first question'))).json.usage;
      assert.ok(u1.cache_creation_input_tokens > 300, JSON.stringify(u1));
      assert.equal(u1.cache_read_input_tokens, 0);
      const u2 = (await post(fake.url, body('second, different question'))).json.usage;
      assert.equal(u2.cache_read_input_tokens, u1.cache_creation_input_tokens, JSON.stringify(u2));
      assert.equal(u2.cache_creation_input_tokens, 0);
      assert.ok(u2.input_tokens > 0 && u2.input_tokens < 20, JSON.stringify(u2));
      // Another system prompt is another prefix.
      const u3 = (await post(fake.url, basic({ system: [{ type: 'text', text: `${long}!`, cache_control: { type: 'ephemeral' } }], tools: [WEATHER], messages: [user('q')] }))).json.usage;
      assert.equal(u3.cache_read_input_tokens, 0);
      // Below the minimum cacheable length nothing is cached.
      const u4 = (await post(fake.url, basic({ system: [{ type: 'text', text: 'short', cache_control: { type: 'ephemeral' } }] }))).json.usage;
      assert.equal(u4.cache_creation_input_tokens, 0);
    } finally {
      await fake.close();
    }
  });
});

describe('server.mjs', () => {
  test('prints its URL as one JSON line, serves, and exits 0 on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-anthropic-'));
    const log = path.join(dir, 'requests.jsonl');
    const child = spawn(process.execPath, [path.join(HERE, 'server.mjs'), '--script', path.join(HERE, 'scripts', 'tool-loop.yaml'), '--port', '0', '--log', log], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const url = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL within 10 s: ${out}`)), 10000);
        child.stdout.on('data', (c) => {
          out += c;
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve(JSON.parse(out.split('\n')[0]).url);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const r = await post(url, basic());
      assert.equal(r.status, 200);
      const code = await new Promise((resolve) => {
        child.on('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      assert.equal(code, 0);
      assert.equal(out.trim().split('\n').length, 1, `stdout: ${out}`);
      const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map(JSON.parse);
      assert.equal(lines.length, 1);
      assert.equal(lines[0].headers['x-api-key'], '<present>');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refuses a broken script with a message and a non-zero exit', async () => {
    const child = spawn(process.execPath, [path.join(HERE, 'server.mjs'), '--script', path.join(HERE, 'README.md')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('did not exit'));
      }, 10000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.notEqual(code, 0);
    assert.match(err, /README\.md/);
  });
});
