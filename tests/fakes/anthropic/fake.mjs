// A loopback stand-in for the Anthropic Messages API. Every request passes the real API's rules (rules.mjs)
// and is answered from a script of conversations (script.mjs, README.md). It binds 127.0.0.1 only.
//
//   const fake = await startFakeAnthropic({ script });   // parsed object or YAML file path
//   fake.url; fake.requests(); fake.state(); await fake.close();
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import { checkCountTokensBody, checkHeaders, checkMessagesBody, cacheSegments } from './rules.mjs';
import { checkExpect, checkToolInput, loadScript, matches, renderText } from './script.mjs';

const MAX_BODY_BYTES = 32 * 1024 * 1024; // "The maximum request size is 32 MB for standard API endpoints."
const FAULT_ERRORS = {
  429: ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'],
  500: ['api_error', 'Internal server error'],
  529: ['overloaded_error', 'Overloaded'],
};

const tokens = (text) => Math.ceil(text.length / 4);
const newId = (prefix) => `${prefix}_01${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;

// Headers as recorded: secrets never leave the fake (x-api-key, authorization are replaced by "<present>").
function recordedHeaders(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) out[k] = k === 'x-api-key' || k === 'authorization' ? '<present>' : v;
  return out;
}

export async function startFakeAnthropic({ script, log, port = 0 } = {}) {
  const cfg = loadScript(script);
  const requests = [];
  const violations = [];
  const unmatched = [];
  const scriptErrors = [];
  const cachePrefixes = new Set();
  const conversations = cfg.conversations.map((c) => ({
    def: c,
    next: 0,
    violations: [],
    expectFailures: [],
    lastToolUses: [],
  }));
  const sockets = new Set();
  const logStream = log ? fs.createWriteStream(log, { flags: 'a' }) : null;

  function record(entry) {
    requests.push(entry);
    logStream?.write(`${JSON.stringify(entry)}\n`);
  }

  // Usage, deterministic: a token is 4 characters of JSON. A prefix ending at a cache_control breakpoint is
  // "written" the first time it is seen and "read" afterwards, when it is at least min_cacheable_tokens long.
  function usageFor(body, outputText) {
    const segments = cacheSegments(body);
    const strip = ({ cache_control, ...rest }) => rest;
    const total = tokens(JSON.stringify(segments.map(strip)));
    let read = 0;
    let created = 0;
    let prefix = '';
    let prefixTokens = 0;
    const hash = createHash('sha256');
    for (const s of segments) {
      prefix = JSON.stringify(strip(s));
      hash.update(prefix);
      prefixTokens += tokens(prefix);
      if (!s.cache_control || prefixTokens < cfg.minCacheableTokens) continue;
      const key = `${body.model}:${hash.copy().digest('hex')}`;
      if (cachePrefixes.has(key)) {
        read = prefixTokens;
        created = 0;
      } else {
        cachePrefixes.add(key);
        created = prefixTokens - read;
      }
    }
    return {
      input_tokens: Math.max(total - read - created, 0),
      cache_creation_input_tokens: created,
      cache_read_input_tokens: read,
      output_tokens: Math.max(tokens(outputText), 1),
    };
  }

  function sendError(res, status, type, message, extraHeaders = {}) {
    const requestId = newId('req');
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, 'x-should-retry': String(status === 429 || status >= 500), ...extraHeaders });
    res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId }));
  }

  function sendMessage(res, message, stream, streamError) {
    const requestId = newId('req');
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
      res.end(JSON.stringify(message));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': requestId });
    const event = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    const { content, stop_reason, stop_sequence, usage } = message;
    event('message_start', { message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
    if (streamError) {
      event('error', { error: { type: streamError, message: streamError === 'overloaded_error' ? 'Overloaded' : 'Internal server error' } });
      res.end();
      return;
    }
    event('ping', {});
    for (const [index, block] of content.entries()) {
      if (block.type === 'text') {
        event('content_block_start', { index, content_block: { type: 'text', text: '' } });
        for (const piece of chunks(block.text, 24)) event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      } else {
        event('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
        for (const piece of chunks(JSON.stringify(block.input), 16)) event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      }
      event('content_block_stop', { index });
    }
    event('message_delta', { delta: { stop_reason, stop_sequence }, usage: { output_tokens: usage.output_tokens } });
    event('message_stop', {});
    res.end();
  }

  // The scripted (or default) reply to an acceptable request, or the failure to answer with.
  function reply(body) {
    const conv = conversations.find((c) => c.next < c.def.steps.length && matches(c.def, body));
    if (!conv) {
      const exhausted = conversations.find((c) => matches(c.def, body));
      unmatched.push({
        model: body.model,
        reason: exhausted ? `conversation '${exhausted.def.name}' has no steps left` : 'no conversation matches',
        system: JSON.stringify(body.system ?? '').slice(0, 200),
        tools: (body.tools ?? []).map((t) => t.name),
      });
      return { conversation: null, content: [{ type: 'text', text: cfg.defaultText }], stop_reason: 'end_turn' };
    }
    const stepNo = conv.next + 1;
    const step = conv.def.steps[conv.next];
    const where = `conversation '${conv.def.name}' step ${stepNo}`;
    const failed = checkExpect(step.expect, body, conv.lastToolUses);
    if (failed) {
      conv.expectFailures.push({ step: stepNo, message: failed });
      return { conversation: conv.def.name, step: stepNo, error: [400, 'invalid_request_error', `fake: ${where}: expectation failed: ${failed}`] };
    }
    let content;
    if (step.respond) {
      try {
        content = step.respond.content.map((b) => {
          if (b.text !== undefined) return { type: 'text', text: renderText(b.text, body) };
          const tool = (body.tools ?? []).find((t) => t.name === b.tool_use.name);
          if (!tool) throw new Error(`tool_use of ${b.tool_use.name}, which the request does not offer`);
          if (tool.input_schema) {
            const bad = checkToolInput(tool, b.tool_use.input);
            if (bad) throw new Error(bad);
          }
          return { type: 'tool_use', id: newId('toolu'), name: b.tool_use.name, input: b.tool_use.input };
        });
      } catch (error) {
        scriptErrors.push({ conversation: conv.def.name, step: stepNo, message: error.message });
        return { conversation: conv.def.name, step: stepNo, error: [400, 'invalid_request_error', `fake: script error in ${where}: ${error.message}`] };
      }
    }
    conv.next++;
    if (step.fault) return { conversation: conv.def.name, step: stepNo, fault: step.fault, delay: step.delay_ms };
    conv.lastToolUses = content.filter((b) => b.type === 'tool_use');
    const stop = step.respond.stop_reason ?? (conv.lastToolUses.length > 0 ? 'tool_use' : 'end_turn');
    return { conversation: conv.def.name, step: stepNo, content, stop_reason: stop, delay: step.delay_ms };
  }

  async function handle(req, res, raw) {
    const url = new URL(req.url, 'http://127.0.0.1');
    const entry = { seq: requests.length + 1, at: new Date().toISOString(), method: req.method, path: url.pathname + url.search, headers: recordedHeaders(req.headers) };
    let body;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
      entry.body = body;
    } catch {
      entry.body = raw.toString('utf8').slice(0, 4096);
    }
    const reject = (status, type, message, headers) => {
      entry.verdict = { status, error: { type, message } };
      record(entry);
      sendError(res, status, type, message, headers);
    };

    if (req.method === 'GET' && url.pathname === '/_fake/requests') return json(res, requests);
    if (req.method === 'GET' && url.pathname === '/_fake/state') return json(res, state());

    const isMessages = url.pathname === '/v1/messages';
    const isCount = url.pathname === '/v1/messages/count_tokens';
    if (!isMessages && !isCount) return reject(404, 'not_found_error', `Not found: ${req.method} ${url.pathname}`);
    if (req.method !== 'POST') return reject(405, 'invalid_request_error', `Method ${req.method} not allowed for ${url.pathname}`);

    const violation = (v) => {
      violations.push({ seq: entry.seq, status: v.status, type: v.type, message: v.message });
      const conv = body && typeof body === 'object' ? conversations.find((c) => { try { return matches(c.def, body); } catch { return false; } }) : null;
      conv?.violations.push({ seq: entry.seq, message: v.message });
      reject(v.status, v.type, v.message);
    };
    const headerProblem = checkHeaders(req.headers);
    if (headerProblem) return violation(headerProblem);
    if (body === undefined && raw.length > 0) return violation({ status: 400, type: 'invalid_request_error', message: 'There was an error parsing the body of your request: it is not valid JSON' });
    const options = { models: cfg.models, mergeConsecutive: cfg.mergeConsecutive };
    const bodyProblem = isCount ? checkCountTokensBody(body, req.headers, options) : checkMessagesBody(body, req.headers, options);
    if (bodyProblem) return violation(bodyProblem);

    if (isCount) {
      entry.verdict = { status: 200, ok: true };
      record(entry);
      return json(res, { input_tokens: usageFor({ ...body }, '').input_tokens });
    }

    const r = reply(body);
    entry.conversation = r.conversation;
    entry.step = r.step;
    if (r.error) return reject(...r.error);
    if (r.delay) await new Promise((resolve) => setTimeout(resolve, r.delay));
    if (r.fault) {
      const f = r.fault;
      entry.verdict = { status: f.status ?? 200, fault: f };
      record(entry);
      if (f.reset) return req.socket.destroy();
      if (f.malformed_json) {
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': newId('req') });
        return res.end('{"id":"msg_01broken","type":"message","content":[{"type":"text","te');
      }
      if (f.stream_error) {
        if (!body.stream) return sendError(res, f.stream_error === 'overloaded_error' ? 529 : 500, ...FAULT_ERRORS[f.stream_error === 'overloaded_error' ? 529 : 500]);
        return sendMessage(res, messageOf(body, [], 'end_turn'), true, f.stream_error);
      }
      const [type, message] = FAULT_ERRORS[f.status];
      const headers = f.retry_after !== undefined ? { 'retry-after': String(f.retry_after) } : {};
      return sendError(res, f.status, type, f.message ?? message, headers);
    }
    const message = messageOf(body, r.content, r.stop_reason);
    entry.verdict = { status: 200, ok: true };
    entry.response = message;
    record(entry);
    sendMessage(res, message, body.stream === true);
  }

  function messageOf(body, content, stopReason) {
    return {
      id: newId('msg'),
      type: 'message',
      role: 'assistant',
      model: body.model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: usageFor(body, JSON.stringify(content)),
    };
  }

  function state() {
    return {
      conversations: conversations.map((c) => ({
        name: c.def.name,
        steps_consumed: c.next,
        steps_left: c.def.steps.length - c.next,
        violations: c.violations,
        expect_failures: c.expectFailures,
      })),
      violations,
      unmatched,
      script_errors: scriptErrors,
    };
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        sendError(res, 413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.');
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return;
      handle(req, res, Buffer.concat(chunks)).catch((error) => {
        if (!res.headersSent) sendError(res, 500, 'api_error', `fake: internal error: ${error.message}`);
        else res.destroy();
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests: () => structuredClone(requests),
    state: () => structuredClone(state()),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
      await new Promise((resolve) => (logStream ? logStream.end(resolve) : resolve()));
    },
  };
}

function json(res, value) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function chunks(text, size) {
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}
