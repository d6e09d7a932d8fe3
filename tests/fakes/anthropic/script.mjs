// Scripted conversations: loading and checking a script (README.md documents the format), choosing the
// conversation a request belongs to, evaluating a step's expectations, and building the scripted reply.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'));
const YAML = require('yaml');
const Ajv = require('ajv');

const ajv = new Ajv({ allErrors: true, unknownFormats: 'ignore', schemaId: 'auto' });

const STOP_REASONS = ['end_turn', 'tool_use', 'max_tokens', 'stop_sequence', 'refusal', 'pause_turn'];
const stringOrList = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

// The script format itself, so that a typo in a script is an error at load time instead of a silent no-op.
const SCRIPT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['conversations'],
  properties: {
    models: stringOrList,
    default_text: { type: 'string', minLength: 1 },
    merge_consecutive_turns: { type: 'boolean' },
    min_cacheable_tokens: { type: 'integer', minimum: 0 },
    conversations: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'match', 'steps'],
        properties: {
          name: { type: 'string', minLength: 1 },
          match: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              system_contains: stringOrList,
              tool_offered: stringOrList,
              model: { type: 'string' },
              first_user_contains: stringOrList,
            },
          },
          steps: { type: 'array', minItems: 1, items: { $ref: '#/definitions/step' } },
        },
      },
    },
  },
  definitions: {
    step: {
      type: 'object',
      additionalProperties: false,
      properties: {
        expect: {
          type: 'object',
          additionalProperties: false,
          properties: {
            tools_include: stringOrList,
            tools_exclude: stringOrList,
            last_user_contains: stringOrList,
            stream: { type: 'boolean' },
            tool_result: {
              type: 'object',
              additionalProperties: false,
              properties: {
                contains: stringOrList,
                not_contains: stringOrList,
                is_error: { type: 'boolean' },
              },
            },
          },
        },
        delay_ms: { type: 'integer', minimum: 0, maximum: 600000 },
        respond: {
          type: 'object',
          additionalProperties: false,
          required: ['content'],
          properties: {
            content: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                minProperties: 1,
                maxProperties: 1,
                properties: {
                  text: { type: 'string', minLength: 1 },
                  tool_use: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['name', 'input'],
                    properties: { name: { type: 'string' }, input: { type: 'object' } },
                  },
                },
              },
            },
            stop_reason: { enum: STOP_REASONS },
          },
        },
        fault: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { enum: [429, 500, 529] },
            retry_after: { type: 'integer', minimum: 0 },
            message: { type: 'string' },
            reset: { const: true },
            malformed_json: { const: true },
            stream_error: { enum: ['overloaded_error', 'api_error'] },
          },
          minProperties: 1,
        },
      },
      oneOf: [{ required: ['respond'] }, { required: ['fault'] }],
    },
  },
};
const validateScript = ajv.compile(SCRIPT_SCHEMA);

const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

// A script from a parsed object or a YAML file path; throws an Error naming every problem.
export function loadScript(script) {
  let parsed = script;
  let where = 'script';
  if (typeof script === 'string') {
    where = script;
    try {
      parsed = YAML.parse(fs.readFileSync(script, 'utf8'));
    } catch (error) {
      throw new Error(`${where}: cannot read the script: ${error.message}`);
    }
  }
  if (!validateScript(parsed)) {
    const problems = validateScript.errors.map((e) => `${e.dataPath || '(top)'} ${e.message}`).join('; ');
    throw new Error(`${where}: not a valid fake Anthropic script: ${problems}`);
  }
  const names = new Set();
  for (const c of parsed.conversations) {
    if (names.has(c.name)) throw new Error(`${where}: conversation name '${c.name}' is used twice`);
    names.add(c.name);
    for (const [i, step] of c.steps.entries()) {
      const tools = (step.respond?.content ?? []).filter((b) => b.tool_use);
      const stop = step.respond?.stop_reason;
      if (stop === 'tool_use' && tools.length === 0) {
        throw new Error(`${where}: ${c.name} step ${i + 1}: stop_reason tool_use needs at least one tool_use block`);
      }
      if (tools.length > 0 && stop !== undefined && stop !== 'tool_use' && stop !== 'max_tokens') {
        throw new Error(`${where}: ${c.name} step ${i + 1}: tool_use blocks end a turn with stop_reason tool_use, not ${stop}`);
      }
    }
  }
  const models = parsed.models === undefined ? undefined : list(parsed.models);
  return {
    models,
    defaultText: parsed.default_text ?? 'OK.',
    mergeConsecutive: parsed.merge_consecutive_turns ?? false,
    minCacheableTokens: parsed.min_cacheable_tokens ?? 1024,
    conversations: parsed.conversations,
  };
}

export const textOf = (content) =>
  typeof content === 'string'
    ? content
    : (content ?? []).map((b) => (b.type === 'text' ? b.text : b.type === 'tool_result' ? textOf(b.content) : '')).join('\n');

const systemText = (system) => (typeof system === 'string' ? system : (system ?? []).map((b) => b.text).join('\n'));
const toolNames = (body) => (body.tools ?? []).map((t) => t.name);

// Does `body` belong to conversation `c`? Every given criterion must hold.
export function matches(c, body) {
  const m = c.match;
  const system = systemText(body.system);
  if (!list(m.system_contains).every((s) => system.includes(s))) return false;
  if (!list(m.tool_offered).every((n) => toolNames(body).includes(n))) return false;
  if (m.model !== undefined && m.model !== body.model) return false;
  const firstUser = body.messages?.find((x) => x.role === 'user');
  if (!list(m.first_user_contains).every((s) => textOf(firstUser?.content).includes(s))) return false;
  return true;
}

// The last turn, skipping system-role messages (a beta lets them stand between turns). Null if not a user's.
function lastUserTurn(body) {
  const last = (body.messages ?? []).filter((m) => m.role !== 'system').at(-1);
  return last?.role === 'user' ? last : null;
}

// The tool_result blocks of the last user turn, each with the text of its content.
export function lastToolResults(body) {
  const last = lastUserTurn(body);
  if (!last || typeof last.content === 'string') return [];
  return last.content.filter((b) => b.type === 'tool_result').map((b) => ({ ...b, text: textOf(b.content) }));
}

// Returns null when the step's expectations hold, else a sentence naming the first that failed.
// `previousToolUses` are the tool_use blocks this conversation's previous step produced.
export function checkExpect(expect, body, previousToolUses) {
  if (!expect) return null;
  const names = toolNames(body);
  for (const n of list(expect.tools_include)) if (!names.includes(n)) return `tool '${n}' is not offered (offered: ${names.join(', ') || 'none'})`;
  for (const n of list(expect.tools_exclude)) if (names.includes(n)) return `tool '${n}' is offered but must not be`;
  if (expect.stream !== undefined && Boolean(body.stream) !== expect.stream) return `stream is ${Boolean(body.stream)}, expected ${expect.stream}`;
  const last = lastUserTurn(body);
  for (const s of list(expect.last_user_contains)) {
    if (!last || !textOf(last.content).includes(s)) return `the last user turn does not contain "${s}"`;
  }
  if (expect.tool_result) {
    if (previousToolUses.length === 0) return 'tool_result expected but the previous step produced no tool_use';
    const results = lastToolResults(body);
    for (const use of previousToolUses) {
      const r = results.find((x) => x.tool_use_id === use.id);
      if (!r) return `the last user turn has no tool_result for ${use.name} (${use.id})`;
      const isError = r.is_error === true;
      if (expect.tool_result.is_error !== undefined && isError !== expect.tool_result.is_error) {
        return `the tool_result for ${use.name} has is_error ${isError}, expected ${expect.tool_result.is_error}: ${r.text.slice(0, 300)}`;
      }
      for (const s of list(expect.tool_result.contains)) {
        if (!r.text.includes(s)) return `the tool_result for ${use.name} does not contain "${s}": ${r.text.slice(0, 300)}`;
      }
      for (const s of list(expect.tool_result.not_contains)) {
        if (r.text.includes(s)) return `the tool_result for ${use.name} contains "${s}"`;
      }
    }
  }
  return null;
}

// Fills {{tool_result}} (the text of the last user turn's tool results) and {{tool_result /regex/}} (its first
// match, or the first capture group) into a scripted text. A regex that does not match is a script error.
export function renderText(text, body) {
  const results = lastToolResults(body).map((r) => r.text).join('\n');
  return text.replace(/\{\{\s*tool_result(?:\s+\/(.+?)\/([a-z]*))?\s*\}\}/g, (_, source, flags) => {
    if (source === undefined) return results;
    const m = new RegExp(source, flags).exec(results);
    if (!m) throw new Error(`{{tool_result /${source}/}} matched nothing in: ${results.slice(0, 300)}`);
    return m[1] ?? m[0];
  });
}

// JSON Schema checks of scripted tool_use inputs against the schema the request offers for that tool.
// `$schema` is dropped: tools come with 2020-12 schemas, whose common keywords draft-07 checks the same way.
const compiled = new Map();
export function checkToolInput(tool, input) {
  const key = JSON.stringify(tool.input_schema);
  let validate = compiled.get(key);
  if (!validate) {
    const { $schema, ...schema } = tool.input_schema;
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      return `the input_schema of tool ${tool.name} does not compile: ${error.message}`;
    }
    compiled.set(key, validate);
  }
  if (validate(input)) return null;
  return `scripted input for tool ${tool.name} does not match its input_schema: ${ajv.errorsText(validate.errors)}`;
}
