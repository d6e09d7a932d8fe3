// The hostile-input corpus (corpus.jsonl) against the real eks-sre-mcp binary over stdio.
//
// One server process per lifecycle state (fresh, initialized 2025-11-25, initialized 2025-03-26). Each case
// writes its bytes, then a sentinel `ping`. The server reads lines in order and answers everything but
// tools/call on the reader thread, so whatever arrives before the sentinel's answer (plus any tool-call
// answers the case expects) belongs to the case. Afterwards: the server still answers ping within 1 s,
// every byte it wrote to stdout was a JSON-RPC message, and it exits 0 within 5 s of stdin closing.
//
// Run through ctest (tests/hostile/CMakeLists.txt sets EKS_SRE_MCP), or:
//   EKS_SRE_MCP=build/ci/app/eks-sre-mcp node --test tests/hostile/hostile.test.mjs
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Sanitizer builds run several times slower: the asan test preset sets EKS_TEST_SLOWDOWN to stretch the bounds.
const SLOWDOWN = Math.max(1, Number(process.env.EKS_TEST_SLOWDOWN) || 1);
const CASE_TIMEOUT_MS = 2000 * SLOWDOWN;   // per case: the answer (or the sentinel, for "no response") must arrive by then
const PING_AFTER_MS = 1000 * SLOWDOWN;     // after the corpus, ping must still be answered this fast
const EXIT_TIMEOUT_MS = 5000 * SLOWDOWN;   // stdin closed: the process must be gone by then
const GONE_TIMEOUT_MS = 1000 * SLOWDOWN;   // after EPIPE or SIGKILL: the exit event must have come by then
const QUIET_MS = 50 * SLOWDOWN;            // after the last answer: nothing unasked-for may arrive in this window
const SETUP_TIMEOUT_MS = 60000 * SLOWDOWN; // one lifecycle state, all its cases included
const STDERR_KEEP = 16 * 1024;  // tail of the server's log kept for failure messages

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.env.EKS_SRE_MCP && resolve(process.env.EKS_SRE_MCP);  // the server runs in a temp cwd
if (!binary) {
  throw new Error('EKS_SRE_MCP is not set: run this through ctest (tests/hostile/CMakeLists.txt sets it to the ' +
                  'built binary), or export EKS_SRE_MCP=build/ci/app/eks-sre-mcp');
}
accessSync(binary, constants.X_OK);  // throws naming the path when the binary is missing

const SETUPS = {
  'fresh': null,
  'initialized-2025-11-25': '2025-11-25',
  'initialized-2025-03-26': '2025-03-26',
};

// ---------------------------------------------------------------------------------------------- the corpus

const corpus = readFileSync(join(here, 'corpus.jsonl'), 'utf8')
  .split('\n')
  .map((line, index) => ({ line, number: index + 1 }))
  .filter(({ line }) => line.trim() !== '')
  .map(({ line, number }) => {
    try {
      return JSON.parse(line);
    } catch (e) {
      throw new Error(`corpus.jsonl line ${number}: ${e.message}`);
    }
  });

(function checkCorpus() {
  const names = new Set();
  for (const c of corpus) {
    assert.ok(c.name && c.category && c.send !== undefined && c.expect, `malformed case ${JSON.stringify(c).slice(0, 200)}`);
    assert.ok(!names.has(c.name), `duplicate case name ${c.name}`);
    assert.ok(c.setup in SETUPS, `case ${c.name}: unknown setup ${c.setup}`);
    names.add(c.name);
  }
  for (const setup of Object.keys(SETUPS)) {
    const cases = corpus.filter((c) => c.setup === setup);
    const changing = cases.findIndex((c) => c.changesState);
    assert.ok(changing === -1 || changing === cases.length - 1,
              `setup ${setup}: a case that changes the lifecycle state must be the last of its setup`);
  }
})();

// Builds the bytes a case sends (without the final newline) and, for generated ids, the id to expect.
function bytesOf(send) {
  if (typeof send === 'string') return { bytes: Buffer.from(send, 'utf8') };
  if ('json' in send) return { bytes: Buffer.from(JSON.stringify(send.json), 'utf8') };
  if ('concat' in send) {
    return {
      bytes: Buffer.concat(send.concat.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8')
        : 'hex' in part ? Buffer.from(part.hex, 'hex') : Buffer.from(part.base64, 'base64')))),
    };
  }
  if ('hex' in send) return { bytes: Buffer.from(send.hex, 'hex') };
  if ('base64' in send) return { bytes: Buffer.from(send.base64, 'base64') };
  const generator = GENERATORS[send.generator];
  assert.ok(generator, `unknown generator ${send.generator}`);
  return generator(send);
}

const GENERATORS = {
  'nested-arrays': ({ depth, unclosed }) =>
    ({ bytes: Buffer.from('['.repeat(depth) + (unclosed ? '' : ']'.repeat(depth))) }),
  'nested-objects': ({ depth }) => ({ bytes: Buffer.from('{"a":'.repeat(depth) + '1' + '}'.repeat(depth)) }),
  // A ping whose whole document is `depth` levels deep: the message, params, then arrays.
  'nested-params': ({ id, depth }) => {
    const arrays = depth - 2;
    return {
      bytes: Buffer.from(`{"jsonrpc":"2.0","id":${id},"method":"ping","params":{"x":` + '['.repeat(arrays) +
                         ']'.repeat(arrays) + '}}'),
    };
  },
  'brackets-in-string': ({ id, count }) =>
    ({ bytes: Buffer.from(`{"jsonrpc":"2.0","id":${id},"method":"ping","params":{"x":"${'[{'.repeat(count)}"}}`) }),
  // A line of exactly `bytes` bytes: either filler, or a ping whose string parameter pads it out.
  'big-line': ({ bytes, shape, id }) => {
    if (shape === 'garbage') return { bytes: Buffer.alloc(bytes, 'a') };
    const head = `{"jsonrpc":"2.0","id":${id},"method":"ping","params":{"pad":"`;
    const tail = '"}}';
    const line = Buffer.alloc(bytes, 'x');
    line.write(head, 0);
    line.write(tail, bytes - tail.length);
    return { bytes: line };
  },
  'long-string-id': ({ bytes }) => {
    const id = 'i'.repeat(bytes);
    return { bytes: Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' })), id };
  },
  'long-method': ({ id, bytes }) =>
    ({ bytes: Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, method: 'm'.repeat(bytes) })) }),
  // Several lines in one write, so the server sees them back to back.
  'repeat': ({ line, count }) => ({ bytes: Buffer.from(Array(count).fill(JSON.stringify(line)).join('\n')) }),
  'lines': ({ lines }) => ({ bytes: Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')) }),
  'repeat-batch': ({ element, count }) => ({ bytes: Buffer.from(JSON.stringify(Array(count).fill(element))) }),
  'ping-batch': ({ count, firstId }) => ({
    bytes: Buffer.from(JSON.stringify(Array.from({ length: count }, (_, i) => ({ jsonrpc: '2.0', id: firstId + i, method: 'ping' })))),
  }),
};

// ------------------------------------------------------------------------------------------------ ids

// Integers of 16+ digits would be rounded by JSON.parse; they are turned into marker strings first so ids
// like 9223372036854775807 compare digit for digit. Only number tokens after `:`, `[` or `,` are touched.
const BIG = '\u{10FFFF}int:';
function parseLine(text) {
  return JSON.parse(text.replace(/(?<=[:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, `"${BIG}$1"`));
}

// A canonical text form of an id: integers as their digits, strings JSON-quoted, null as "null".
function idKey(id) {
  if (id === null || id === undefined) return 'null';
  if (typeof id === 'number') return String(id);
  if (typeof id === 'string' && id.startsWith(BIG)) return id.slice(BIG.length);
  return JSON.stringify(id);
}

function expectedIdKey(expect, generated) {
  if ('idText' in expect) return expect.idText;
  if (expect.idGenerated) return JSON.stringify(generated);
  return idKey(expect.id);
}

function describeMessage(m) {
  const text = JSON.stringify(m);
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
}

// ------------------------------------------------------------------------------------------ expectations

// Does `actual` contain `expected`? Objects: every expected key (with {"$type": t} and {"$absent": true}
// as wildcards); arrays: every expected element matches some actual element; scalars: equal.
function contains(actual, expected, path = '') {
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    if ('$type' in expected) {
      const type = Array.isArray(actual) ? 'array' : actual === null ? 'null' : typeof actual;
      return type === expected.$type ? null : `${path}: expected a ${expected.$type}, got ${JSON.stringify(actual)}`;
    }
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    for (const [key, value] of Object.entries(expected)) {
      if (value && typeof value === 'object' && value.$absent) {
        if (key in actual) return `${path}.${key}: expected absent, got ${JSON.stringify(actual[key])}`;
        continue;
      }
      if (!(key in actual)) return `${path}.${key}: missing`;
      const problem = contains(actual[key], value, `${path}.${key}`);
      if (problem) return problem;
    }
    return null;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${JSON.stringify(actual)}`;
    for (const element of expected) {
      if (!actual.some((a) => contains(a, element) === null)) return `${path}: no element matches ${JSON.stringify(element)}`;
    }
    return null;
  }
  return actual === expected ? null : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

// Checks one response object against a single expectation ({error, id} / {result, id}, optional match).
function checkOne(message, expect, generated) {
  if (!message || typeof message !== 'object' || Array.isArray(message)) return `expected one response object, got ${describeMessage(message)}`;
  const wantId = expectedIdKey(expect, generated);
  if (idKey(message.id) !== wantId) return `expected id ${wantId}, got ${describeMessage(message)}`;
  if ('error' in expect) {
    if (!message.error) return `expected error ${expect.error}, got ${describeMessage(message)}`;
    if (message.error.code !== expect.error) return `expected error ${expect.error}, got ${describeMessage(message)}`;
    if (typeof message.error.message !== 'string') return `error without a message string: ${describeMessage(message)}`;
  } else if (expect.result) {
    if (!('result' in message) || message.error) return `expected a result, got ${describeMessage(message)}`;
  }
  if (expect.match) {
    const problem = contains(message, expect.match);
    if (problem) return `${problem} in ${describeMessage(message)}`;
  }
  return null;
}

// Outcome label of a response for "repeat" expectations: "result" or the error code.
const outcome = (m) => (m && m.error ? m.error.code : 'result');

function checkRepeat(messages, spec, where) {
  const problems = [];
  if (messages.length !== spec.count) problems.push(`expected ${spec.count} ${where}, got ${messages.length}`);
  const seen = new Set();
  for (const m of messages) {
    if (idKey(m?.id) !== JSON.stringify(spec.id)) problems.push(`unexpected ${describeMessage(m)}`);
    const o = outcome(m);
    if (!spec.allowed.includes(o)) problems.push(`outcome ${o} not allowed: ${describeMessage(m)}`);
    seen.add(o);
  }
  for (const r of spec.required) if (!seen.has(r)) problems.push(`no ${r} among the ${where}`);
  return problems.length ? problems.join('; ') : null;
}

// How many stdout messages (top-level lines) a case must produce before it is judged.
function messagesExpected(expect) {
  if (expect.none) return 0;
  if (expect.anyOf) return Math.min(...expect.anyOf.map(messagesExpected));
  if (expect.responses) return expect.responses.length;
  if (expect.repeat) return expect.repeat.count;
  return 1;
}

// Judges the messages a case produced; returns null or a description of what is wrong.
function judge(messages, expect, generated) {
  if (expect.anyOf) {
    const problems = expect.anyOf.map((option) => judge(messages, option, generated));
    return problems.includes(null) ? null : `none of the allowed outcomes: ${problems.join(' | ')}`;
  }
  if (expect.none) return messages.length === 0 ? null : `expected no response, got ${messages.map(describeMessage).join(', ')}`;
  if (expect.repeat) return checkRepeat(messages, expect.repeat, 'responses');
  if (expect.responses) {
    if (messages.length !== expect.responses.length) {
      return `expected ${expect.responses.length} responses, got ${messages.map(describeMessage).join(', ') || 'none'}`;
    }
    return matchById(messages, expect.responses, generated);
  }
  if (messages.length !== 1) return `expected exactly one response, got ${messages.map(describeMessage).join(', ') || 'none'}`;
  const [message] = messages;
  if (expect.batch || expect.batchCount || expect.batchRepeat) {
    if (!Array.isArray(message)) return `expected a batch response (an array), got ${describeMessage(message)}`;
    if (expect.batchRepeat) return checkRepeat(message, expect.batchRepeat, 'batch elements');
    if (expect.batchCount) {
      if (message.length !== expect.batchCount) return `expected ${expect.batchCount} batch elements, got ${message.length}`;
      const ids = new Set(message.map((m) => idKey(m.id)));
      const bad = message.find((m) => !('result' in m));
      if (bad) return `batch element is not a result: ${describeMessage(bad)}`;
      return ids.size === message.length ? null : 'batch answers repeat an id';
    }
    if (message.length !== expect.batch.length) return `expected ${expect.batch.length} batch elements, got ${describeMessage(message)}`;
    return matchById(message, expect.batch, generated);
  }
  return checkOne(message, expect, generated);
}

// Pairs responses with expectations by id; id-null responses pair with id-null expectations in order.
function matchById(messages, expectations, generated) {
  const remaining = [...messages];
  for (const expect of expectations) {
    const key = expectedIdKey(expect, generated);
    const index = remaining.findIndex((m) => idKey(m?.id) === key);
    if (index === -1) return `no response with id ${key} among ${messages.map(describeMessage).join(', ')}`;
    const [message] = remaining.splice(index, 1);
    const problem = checkOne(message, expect, generated);
    if (problem) return problem;
  }
  return null;
}

// ---------------------------------------------------------------------------------------- the server

class Server {
  constructor(name) {
    this.home = mkdtempSync(join(tmpdir(), `eks-hostile-${name}-`));
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.home,
      XDG_CONFIG_HOME: join(this.home, 'config'),
      XDG_STATE_HOME: join(this.home, 'state'),
      XDG_DATA_HOME: join(this.home, 'data'),
      XDG_CACHE_HOME: join(this.home, 'cache'),
      XDG_RUNTIME_DIR: join(this.home, 'run'),
    };
    this.child = spawn(binary, ['serve'], { cwd: this.home, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.messages = [];        // parsed stdout messages, in arrival order
    this.hygiene = [];         // everything on stdout that was not a well-formed JSON-RPC message
    this.stderr = '';
    this.exit = null;          // {code, signal} once the process is gone
    this.waiters = new Set();
    this.allowBatches = false;
    let pending = Buffer.alloc(0);
    this.child.stdout.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (let newline; (newline = pending.indexOf(0x0a)) !== -1;) {
        this.onLine(pending.subarray(0, newline));
        pending = pending.subarray(newline + 1);
      }
      this.wake();
    });
    this.child.stdout.on('end', () => {
      if (pending.length) this.hygiene.push(`${pending.length} bytes after the last newline: ${pending.subarray(0, 80)}`);
    });
    this.child.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    this.child.stdin.on('error', () => {});  // EPIPE after a crash is reported through `exit`
    this.exited = new Promise((done) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        this.wake();
        done(this.exit);
      });
      this.child.on('error', (error) => {  // could not start at all
        this.stderr += `spawn failed: ${error.message}\n`;
        this.exit = { code: null, signal: null, error: error.message };
        this.wake();
        done(this.exit);
      });
    });
    LIVE.add(this.child);
    this.child.on('exit', () => LIVE.delete(this.child));
  }

  onLine(raw) {
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      this.hygiene.push(`a line that is not UTF-8: ${raw.subarray(0, 80).toString('hex')}`);
      return;
    }
    let message;
    try {
      message = parseLine(text);
    } catch (e) {
      this.hygiene.push(`a line that is not JSON (${e.message}): ${text.slice(0, 200)}`);
      return;
    }
    const elements = Array.isArray(message) ? message : [message];
    if (Array.isArray(message) && (!this.allowBatches || message.length === 0)) {
      this.hygiene.push(`an array on a connection without batches: ${text.slice(0, 200)}`);
    }
    for (const m of elements) {
      const wellFormed = m && typeof m === 'object' && !Array.isArray(m) && m.jsonrpc === '2.0' &&
        (('id' in m && (('result' in m) !== ('error' in m))) || (typeof m.method === 'string' && !('result' in m)));
      if (!wellFormed) this.hygiene.push(`not a JSON-RPC 2.0 message: ${text.slice(0, 200)}`);
      if (m && typeof m.method === 'string' && 'id' in m) this.hygiene.push(`a request to the client over stdio: ${text.slice(0, 200)}`);
    }
    this.messages.push(message);
  }

  wake() {
    for (const w of this.waiters) w();
  }

  // Resolves once predicate() holds, rejects on timeout or when the process is gone.
  waitFor(predicate, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate()) return finish(null);
        if (this.exit) return finish(new Error(`server exited (code ${this.exit.code}, signal ${this.exit.signal}) while waiting for ${what}`));
      };
      const timer = setTimeout(() => finish(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
      const finish = (error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (error) reject(error); else resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  write(bytes, timeoutMs) {
    return new Promise((resolve, reject) => {
      if (this.exit) return reject(new Error(`server already exited (code ${this.exit.code}, signal ${this.exit.signal})`));
      const timer = setTimeout(() => reject(new Error(`stdin write of ${bytes.length} bytes not accepted within ${timeoutMs} ms`)), timeoutMs);
      this.child.stdin.write(bytes, (error) => {
        clearTimeout(timer);
        if (error) reject(new Error(`writing to the server failed: ${error.message}`)); else resolve();
      });
    });
  }

  // Sends a request line and waits for the response carrying its id.
  async request(message, timeoutMs) {
    const key = idKey(message.id);
    const from = this.messages.length;
    await this.write(Buffer.from(JSON.stringify(message) + '\n'), timeoutMs);
    let found;
    await this.waitFor(() => (found = this.messages.slice(from).find((m) => !Array.isArray(m) && idKey(m.id) === key)),
                       timeoutMs, `answer to ${message.method} (id ${key})`);
    this.messages.splice(this.messages.indexOf(found), 1);
    return found;
  }

  kill() {
    if (!this.exit && this.child.pid) {
      try { process.kill(this.child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }

  logTail() {
    return this.stderr.split('\n').slice(-15).join('\n');
  }
}

// A timer that does not keep the runner alive on its own.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());

const LIVE = new Set();
process.on('exit', () => {
  for (const child of LIVE) {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});

// ------------------------------------------------------------------------------------------ the tests

for (const [setup, version] of Object.entries(SETUPS)) {
  const cases = corpus.filter((c) => c.setup === setup);
  describe(`hostile input, ${setup} (${cases.length} cases)`, { timeout: SETUP_TIMEOUT_MS }, () => {
    let server;
    let sentinel = 0;
    const deaths = [];  // every time the process died: the case it died in and how

    // Starts a server and brings it into this setup's lifecycle state.
    const start = async () => {
      server = new Server(setup);
      if (!version) return;
      server.allowBatches = version === '2025-03-26';
      const answer = await server.request({
        jsonrpc: '2.0', id: 'setup-initialize', method: 'initialize',
        params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'hostile-corpus', version: '1' } },
      }, CASE_TIMEOUT_MS);
      assert.equal(answer.result?.protocolVersion, version, `initialize answered ${describeMessage(answer)}`);
      await server.write(Buffer.from('{"jsonrpc":"2.0","method":"notifications/initialized"}\n'), CASE_TIMEOUT_MS);
    };
    // A dead server is recorded and replaced, so one crash does not hide what the rest of the corpus finds.
    const replaceIfDead = async (caseName) => {
      if (!server.exit && (server.child.stdin.destroyed || server.child.stdin.errored)) {
        // A write failed (EPIPE): the exit event follows, but only once the event loop gets a turn.
        await Promise.race([server.exited, sleep(GONE_TIMEOUT_MS)]);
        if (!server.exit) {
          server.kill();
          await Promise.race([server.exited, sleep(GONE_TIMEOUT_MS)]);
          server.exit ??= { code: null, signal: 'SIGKILL', note: 'stdin closed but the process lived on' };
        }
      }
      if (!server.exit) return null;
      const death = `${caseName}: exit code ${server.exit.code}, signal ${server.exit.signal}; log tail:\n${server.logTail()}`;
      deaths.push(death);
      rmSync(server.home, { recursive: true, force: true });
      await start();
      return death;
    };

    before(start);

    after(async () => {
      server.kill();
      await Promise.race([server.exited, sleep(GONE_TIMEOUT_MS)]);
      rmSync(server.home, { recursive: true, force: true });
    });

    for (const c of cases) {
      it(`${c.category}: ${c.name}`, { timeout: CASE_TIMEOUT_MS * 3 }, async () => {
        await replaceIfDead(`${c.name} (died after its answer)`);
        const { bytes, id: generated } = bytesOf(c.send);
        const sentinelId = `sentinel-${++sentinel}`;
        const from = server.messages.length;
        const deadline = Date.now() + CASE_TIMEOUT_MS;
        const own = () => server.messages.slice(from).filter((m) => Array.isArray(m) || m.id !== sentinelId);
        const sentinelAnswered = () => server.messages.slice(from).some((m) => !Array.isArray(m) && m.id === sentinelId);
        try {
          await server.write(Buffer.concat([bytes, Buffer.from('\n')]), CASE_TIMEOUT_MS);
          await server.write(Buffer.from(`{"jsonrpc":"2.0","id":"${sentinelId}","method":"ping"}\n`), Math.max(1, deadline - Date.now()));
          // Tool calls answer from the worker pool, possibly after the sentinel: wait for them too.
          const want = messagesExpected(c.expect);
          await server.waitFor(() => sentinelAnswered() && own().length >= want, Math.max(1, deadline - Date.now()),
                               `answer to case ${c.name} (${want} expected) and to its sentinel ping`);
        } catch (error) {
          const got = own().map(describeMessage).join('\n  ') || 'nothing';
          const log = server.logTail();
          const death = await replaceIfDead(c.name);
          if (death) assert.fail(`the server died (restarted for the next case) — ${death}\nreceived before it died:\n  ${got}`);
          assert.fail(`${error.message}\nreceived:\n  ${got}\nserver log tail:\n${log}`);
        }
        const messages = own();
        server.messages.splice(from);  // consumed: later cases see only their own answers
        const problem = judge(messages, c.expect, generated);
        assert.equal(problem, null, `${c.name}: ${problem}${c.why ? `\n(why: ${c.why})` : ''}`);
      });
    }

    it('never died during the corpus', async () => {
      await replaceIfDead('(the last case)');
      assert.deepEqual(deaths, []);
    });

    it('still answers ping within 1 s after the corpus', async () => {
      assert.equal(server.exit, null, `the server exited (${JSON.stringify(server.exit)}); log tail:\n${server.logTail()}`);
      const started = Date.now();
      const answer = await server.request({ jsonrpc: '2.0', id: 'final-ping', method: 'ping' }, PING_AFTER_MS);
      assert.deepEqual(answer.result, {});
      assert.ok(Date.now() - started <= PING_AFTER_MS);
      // Nothing is to arrive: this quiet window is the check itself, not a wait for an event.
      await new Promise((r) => setTimeout(r, QUIET_MS));
      assert.deepEqual(server.messages.map(describeMessage), [], 'messages nobody asked for');
    });

    it('wrote nothing but JSON-RPC messages to stdout', () => {
      assert.deepEqual(server.hygiene, []);
    });

    it('exits 0 within 5 s of stdin closing', async () => {
      assert.equal(server.exit, null, `the server had already exited (${JSON.stringify(server.exit)})`);
      server.child.stdin.end();
      const result = await Promise.race([server.exited, sleep(EXIT_TIMEOUT_MS).then(() => null)]);
      if (!result) {
        server.kill();
        assert.fail(`still running ${EXIT_TIMEOUT_MS} ms after stdin closed; killed pid ${server.child.pid}`);
      }
      assert.deepEqual(result, { code: 0, signal: null }, `log tail:\n${server.logTail()}`);
      assert.deepEqual(server.hygiene, [], 'stdout after stdin closed');
    });
  });
}
