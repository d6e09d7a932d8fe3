// The Messages API's request rules (POST /v1/messages, anthropic-version 2023-06-01), checked on every request.
// check*() return null when the request is acceptable, else the error the real API answers:
// { status, type, message }. Messages follow the real API's wording where it is known (they are quoted in public
// bug reports), e.g. "messages.3: `tool_use` ids were found without `tool_result` blocks immediately after: ...".

export const API_VERSIONS = ['2023-06-01', '2023-01-01'];
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;
const MAX_CACHE_BREAKPOINTS = 4;

// Top-level request fields the API accepts. Fields that only exist behind an `anthropic-beta` value are listed
// with the beta that unlocks them: without it the API answers "Extra inputs are not permitted" for them.
const FIELDS = new Set([
  'model', 'messages', 'max_tokens', 'system', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_k',
  'top_p', 'tools', 'tool_choice', 'thinking', 'service_tier', 'container', 'output_config', 'inference_geo',
]);
const BETA_FIELDS = {
  context_management: 'context-management-',
  mcp_servers: 'mcp-client-',
  output_format: 'structured-outputs-',
  speed: 'fast-mode-',
};
const MESSAGE_FIELDS = new Set(['role', 'content']);
// With this beta, a message of role "system" may appear between turns; it is an instruction, not a turn.
const SYSTEM_MESSAGES_BETA = 'mid-conversation-system-';
const USER_BLOCKS = new Set(['text', 'image', 'document', 'tool_result', 'search_result', 'container_upload']);
const ASSISTANT_BLOCKS = new Set([
  'text', 'tool_use', 'thinking', 'redacted_thinking', 'server_tool_use', 'web_search_tool_result',
  'web_fetch_tool_result', 'code_execution_tool_result', 'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result', 'mcp_tool_use', 'mcp_tool_result', 'container_upload',
  'tool_search_tool_result',
]);
const CUSTOM_TOOL_FIELDS = new Set([
  'type', 'name', 'description', 'input_schema', 'cache_control', 'strict', 'defer_loading', 'input_examples',
  'allowed_callers', 'eager_input_streaming',
]);
// A server tool or a versioned client tool (bash_20250124, web_search_20250305, ...).
const VERSIONED_TOOL_TYPE = /^[a-z_]+_\d{8}$/;

const invalid = (message) => ({ status: 400, type: 'invalid_request_error', message });
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v) => Number.isInteger(v);

// Headers first, as the API does before it reads the body. `headers` are node's lower-cased request headers.
export function checkHeaders(headers) {
  const key = headers['x-api-key'];
  const bearer = /^Bearer \S+/.test(headers.authorization ?? '');
  if ((key === undefined || key === '') && !bearer) {
    return { status: 401, type: 'authentication_error', message: 'x-api-key header is required' };
  }
  const version = headers['anthropic-version'];
  if (version === undefined) return invalid('anthropic-version: header is required');
  if (!API_VERSIONS.includes(version)) return invalid(`anthropic-version: "${version}" is not a valid version`);
  const type = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    return invalid(`Content-Type must be application/json, got "${headers['content-type'] ?? ''}"`);
  }
  return null;
}

export function betasOf(headers) {
  return (headers['anthropic-beta'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

// The body of POST /v1/messages. `options.models` (array or RegExp) decides which model names exist.
export function checkMessagesBody(body, headers, options = {}) {
  return checkBody(body, headers, { ...options, countTokens: false });
}

// The body of POST /v1/messages/count_tokens: the same rules without max_tokens and stream.
export function checkCountTokensBody(body, headers, options = {}) {
  return checkBody(body, headers, { ...options, countTokens: true });
}

function checkBody(body, headers, options) {
  if (!isObject(body)) return invalid('The request body must be a JSON object');
  const betas = betasOf(headers);
  for (const field of Object.keys(body)) {
    if (FIELDS.has(field)) continue;
    const beta = BETA_FIELDS[field];
    if (beta && betas.some((b) => b.startsWith(beta))) continue;
    if (options.countTokens && field === 'max_tokens') return invalid('max_tokens: Extra inputs are not permitted');
    return invalid(`${field}: Extra inputs are not permitted`);
  }
  return (
    checkModel(body, options) ??
    (options.countTokens ? null : checkMaxTokens(body)) ??
    checkSampling(body) ??
    checkSystem(body.system) ??
    checkMessages(body.messages, { ...options, systemMessages: betas.some((b) => b.startsWith(SYSTEM_MESSAGES_BETA)) }) ??
    checkTools(body.tools) ??
    checkToolChoice(body) ??
    checkThinking(body) ??
    checkCacheControl(body) ??
    checkMetadata(body.metadata)
  );
}

function checkModel(body, options) {
  if (body.model === undefined) return invalid('model: Field required');
  if (typeof body.model !== 'string' || body.model === '') return invalid('model: Input should be a valid string');
  const models = options.models ?? /^claude-[a-z0-9][a-z0-9.-]*$/;
  const known = models instanceof RegExp ? models.test(body.model) : models.includes(body.model);
  if (!known) return { status: 404, type: 'not_found_error', message: `model: ${body.model}` };
  return null;
}

function checkMaxTokens(body) {
  if (body.max_tokens === undefined) return invalid('max_tokens: Field required');
  if (!isInt(body.max_tokens)) return invalid('max_tokens: Input should be a valid integer');
  if (body.max_tokens < 1) return invalid('max_tokens: Input should be greater than or equal to 1');
  return null;
}

function checkSampling(body) {
  for (const [name, lo, hi] of [['temperature', 0, 1], ['top_p', 0, 1]]) {
    const v = body[name];
    if (v === undefined) continue;
    if (typeof v !== 'number') return invalid(`${name}: Input should be a valid number`);
    if (v < lo || v > hi) return invalid(`${name}: range: ${lo}..${hi}`);
  }
  if (body.top_k !== undefined && (!isInt(body.top_k) || body.top_k < 0)) {
    return invalid('top_k: Input should be a valid integer greater than or equal to 0');
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') return invalid('stream: Input should be a valid boolean');
  if (body.stop_sequences !== undefined) {
    if (!Array.isArray(body.stop_sequences) || body.stop_sequences.some((s) => typeof s !== 'string')) {
      return invalid('stop_sequences: Input should be a valid list of strings');
    }
    if (body.stop_sequences.some((s) => s.trim() === '')) {
      return invalid('stop_sequences: each stop sequence must contain non-whitespace');
    }
  }
  return null;
}

function checkCacheControlValue(where, cc) {
  if (cc === undefined || cc === null) return null;
  if (!isObject(cc) || cc.type !== 'ephemeral') return invalid(`${where}.cache_control.type: Input should be 'ephemeral'`);
  for (const k of Object.keys(cc)) {
    if (k !== 'type' && k !== 'ttl') return invalid(`${where}.cache_control.ephemeral.${k}: Extra inputs are not permitted`);
  }
  if (cc.ttl !== undefined && cc.ttl !== '5m' && cc.ttl !== '1h') {
    return invalid(`${where}.cache_control.ephemeral.ttl: Input should be '5m' or '1h'`);
  }
  return null;
}

function checkSystem(system, where = 'system') {
  if (system === undefined || typeof system === 'string') return null;
  if (!Array.isArray(system)) return invalid(`${where}: Input should be a valid string or a list of text blocks`);
  for (const [i, block] of system.entries()) {
    if (!isObject(block) || block.type !== 'text') return invalid(`${where}.${i}.type: Input should be 'text'`);
    if (typeof block.text !== 'string') return invalid(`${where}.${i}.text: Field required`);
    if (block.text === '') return invalid(`${where}: text content blocks must be non-empty`);
    const bad = checkCacheControlValue(`${where}.${i}`, block.cache_control);
    if (bad) return bad;
    for (const k of Object.keys(block)) {
      if (!['type', 'text', 'cache_control', 'citations'].includes(k)) return invalid(`${where}.${i}.${k}: Extra inputs are not permitted`);
    }
  }
  return null;
}

// Content as a list of blocks (a string is one text block).
export function blocksOf(content) {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

function checkBlock(where, role, block, isFinalAssistant) {
  if (!isObject(block) || typeof block.type !== 'string') return invalid(`${where}.type: Field required`);
  const allowed = role === 'user' ? USER_BLOCKS : ASSISTANT_BLOCKS;
  if (!allowed.has(block.type)) {
    return invalid(`${where}.type: Input tag '${block.type}' found using 'type' does not match any of the expected tags for ${role} messages`);
  }
  const bad = checkCacheControlValue(where, block.cache_control);
  if (bad) return bad;
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string') return invalid(`${where}.text: Field required`);
      if (block.text === '' && !isFinalAssistant) return invalid('messages: text content blocks must be non-empty');
      if (block.text.trim() === '' && !isFinalAssistant) return invalid('messages: text content blocks must contain non-whitespace text');
      break;
    case 'tool_use':
      if (typeof block.id !== 'string' || !TOOL_USE_ID.test(block.id)) return invalid(`${where}.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      if (typeof block.name !== 'string' || block.name === '') return invalid(`${where}.name: Field required`);
      if (!isObject(block.input)) return invalid(`${where}.input: Input should be a valid dictionary`);
      break;
    case 'tool_result': {
      if (typeof block.tool_use_id !== 'string' || !TOOL_USE_ID.test(block.tool_use_id)) {
        return invalid(`${where}.tool_use_id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      }
      if (block.is_error !== undefined && typeof block.is_error !== 'boolean') return invalid(`${where}.is_error: Input should be a valid boolean`);
      const c = block.content;
      if (c !== undefined && typeof c !== 'string') {
        if (!Array.isArray(c)) return invalid(`${where}.content: Input should be a valid string or list`);
        for (const [k, inner] of c.entries()) {
          if (!isObject(inner) || !['text', 'image', 'document', 'search_result'].includes(inner.type)) {
            return invalid(`${where}.content.${k}.type: Input should be 'text', 'image', 'document' or 'search_result'`);
          }
          if (inner.type === 'text' && (typeof inner.text !== 'string' || inner.text === '')) {
            return invalid('messages: text content blocks must be non-empty');
          }
        }
      }
      break;
    }
    case 'thinking':
      if (typeof block.thinking !== 'string') return invalid(`${where}.thinking: Field required`);
      if (typeof block.signature !== 'string') return invalid(`${where}.signature: Field required`);
      break;
    default:
      break;
  }
  return null;
}

// Roles, content, and the tool_use → tool_result pairing: "Each `tool_use` block must have a corresponding
// `tool_result` block in the next message", and each tool_result answers a tool_use of the previous message.
// options.mergeConsecutive: accept consecutive turns of one role as one turn (what the API does today) instead of
// requiring strict alternation (the rule the API enforced before and that clients are written to).
function checkMessages(messages, options) {
  if (messages === undefined) return invalid('messages: Field required');
  if (!Array.isArray(messages)) return invalid('messages: Input should be a valid list');
  if (messages.length === 0) return invalid('messages: at least one message is required');
  for (const [i, m] of messages.entries()) {
    if (!isObject(m)) return invalid(`messages.${i}: Input should be a valid dictionary`);
    for (const k of Object.keys(m)) if (!MESSAGE_FIELDS.has(k)) return invalid(`messages.${i}.${k}: Extra inputs are not permitted`);
    if (m.role === 'system' && options.systemMessages) {
      const bad = checkSystem(m.content, `messages.${i}.content`);
      if (bad) return bad;
      if (i === 0) return invalid('messages: first message must use the "user" role');
      continue;
    }
    if (m.role !== 'user' && m.role !== 'assistant') return invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (m.content === undefined) return invalid(`messages.${i}.content: Field required`);
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) return invalid(`messages.${i}.content: Input should be a valid string or list`);
    const isFinalAssistant = i === messages.length - 1 && m.role === 'assistant';
    const blocks = blocksOf(m.content);
    if (blocks.length === 0 || (typeof m.content === 'string' && m.content === '')) {
      if (!isFinalAssistant) return invalid(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
    }
    for (const [k, block] of blocks.entries()) {
      const bad = checkBlock(typeof m.content === 'string' ? `messages.${i}.content` : `messages.${i}.content.${k}`, m.role, block, isFinalAssistant);
      if (bad) return bad;
    }
    if (isFinalAssistant && blocks.length > 0) {
      const last = blocks[blocks.length - 1];
      if (last.type === 'text' && last.text !== last.text.trimEnd()) {
        return invalid('messages: final assistant content cannot end with trailing whitespace');
      }
    }
  }
  // Turns: runs of one role, each remembering the index of its first message (for error paths). A system
  // message (beta above) belongs to no turn, but it does separate an assistant turn from the user turn after it.
  const conversational = [...messages.entries()].filter(([, m]) => m.role !== 'system');
  if (!options.mergeConsecutive) {
    if (conversational[0]?.[1].role !== 'user') return invalid('messages: first message must use the "user" role');
    for (let j = 1; j < conversational.length; j++) {
      const role = conversational[j][1].role;
      if (role === conversational[j - 1][1].role) {
        return invalid(`messages: roles must alternate between "user" and "assistant", but found multiple "${role}" roles in a row`);
      }
    }
  }
  const turns = [];
  for (const [i, m] of messages.entries()) {
    if (m.role === 'system') {
      turns.push({ role: 'system', index: i, blocks: [] });
      continue;
    }
    const blocks = blocksOf(m.content).map((block, k) => ({ block, path: typeof m.content === 'string' ? `messages.${i}.content` : `messages.${i}.content.${k}`, index: i }));
    const prev = turns[turns.length - 1];
    if (prev && prev.role === m.role) prev.blocks.push(...blocks);
    else turns.push({ role: m.role, index: i, blocks });
  }
  const seenIds = new Set();
  for (const [t, turn] of turns.entries()) {
    if (turn.role === 'assistant') {
      const ids = [];
      for (const { block, path } of turn.blocks) {
        if (block.type !== 'tool_use') continue;
        if (seenIds.has(block.id)) return invalid(`${path}: \`tool_use\` ids must be unique`);
        seenIds.add(block.id);
        ids.push(block.id);
      }
      if (ids.length === 0) continue;
      const next = turns[t + 1];
      const answered = new Set(
        (next?.blocks ?? []).filter(({ block }) => block.type === 'tool_result').map(({ block }) => block.tool_use_id),
      );
      const missing = ids.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        return invalid(
          `messages.${turn.index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ` +
            `${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
      }
    } else {
      const prev = turns[t - 1];
      const offered = new Set((prev?.blocks ?? []).filter(({ block }) => block.type === 'tool_use').map(({ block }) => block.id));
      const answered = new Set();
      let otherSeen = false;
      for (const { block, path, index } of turn.blocks) {
        if (block.type !== 'tool_result') {
          otherSeen = true;
          continue;
        }
        if (!offered.has(block.tool_use_id)) {
          return invalid(
            `${path}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. ` +
              'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
          );
        }
        if (answered.has(block.tool_use_id)) return invalid(`${path}: each \`tool_use\` id may be answered by one \`tool_result\` only: ${block.tool_use_id}`);
        answered.add(block.tool_use_id);
        // "tool_result blocks must come FIRST in the content array; any text must come AFTER all tool results."
        if (otherSeen) {
          return invalid(`messages.${index}: \`tool_result\` blocks must come first in the user message, before any other content`);
        }
      }
    }
  }
  return null;
}

function checkTools(tools) {
  if (tools === undefined) return null;
  if (!Array.isArray(tools)) return invalid('tools: Input should be a valid list');
  const names = new Set();
  for (const [i, tool] of tools.entries()) {
    if (!isObject(tool)) return invalid(`tools.${i}: Input should be a valid dictionary`);
    const custom = tool.type === undefined || tool.type === null || tool.type === 'custom';
    if (!custom && !(typeof tool.type === 'string' && VERSIONED_TOOL_TYPE.test(tool.type))) {
      return invalid(`tools.${i}.type: Input tag '${tool.type}' found using 'type' does not match any of the expected tags`);
    }
    const where = custom ? `tools.${i}.custom` : `tools.${i}.${tool.type}`;
    if (typeof tool.name !== 'string') return invalid(`${where}.name: Field required`);
    if (!TOOL_NAME.test(tool.name)) return invalid(`${where}.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
    if (names.has(tool.name)) return invalid('tools: Tool names must be unique.');
    names.add(tool.name);
    const bad = checkCacheControlValue(where, tool.cache_control);
    if (bad) return bad;
    if (!custom) continue;
    for (const k of Object.keys(tool)) if (!CUSTOM_TOOL_FIELDS.has(k)) return invalid(`${where}.${k}: Extra inputs are not permitted`);
    if (tool.description !== undefined && typeof tool.description !== 'string') return invalid(`${where}.description: Input should be a valid string`);
    if (tool.input_schema === undefined) return invalid(`${where}.input_schema: Field required`);
    if (!isObject(tool.input_schema)) return invalid(`${where}.input_schema: Input should be a valid dictionary`);
    if (tool.input_schema.type !== 'object') return invalid(`${where}.input_schema.type: Input should be 'object'`);
  }
  return null;
}

function checkToolChoice(body) {
  const choice = body.tool_choice;
  if (choice === undefined) return null;
  if (!isObject(choice)) return invalid('tool_choice: Input should be a valid dictionary');
  const types = ['auto', 'any', 'tool', 'none'];
  if (!types.includes(choice.type)) return invalid(`tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'`);
  const allowed = choice.type === 'tool' ? ['type', 'name', 'disable_parallel_tool_use'] : choice.type === 'none' ? ['type'] : ['type', 'disable_parallel_tool_use'];
  for (const k of Object.keys(choice)) if (!allowed.includes(k)) return invalid(`tool_choice.${choice.type}.${k}: Extra inputs are not permitted`);
  if (choice.disable_parallel_tool_use !== undefined && typeof choice.disable_parallel_tool_use !== 'boolean') {
    return invalid(`tool_choice.${choice.type}.disable_parallel_tool_use: Input should be a valid boolean`);
  }
  const names = (body.tools ?? []).map((t) => t?.name);
  if ((choice.type === 'any' || choice.type === 'tool') && names.length === 0) {
    return invalid(`tool_choice: tool_choice.type '${choice.type}' requires tools to be provided`);
  }
  if (choice.type === 'tool') {
    if (typeof choice.name !== 'string') return invalid('tool_choice.tool.name: Field required');
    if (!names.includes(choice.name)) return invalid(`tool_choice: Tool '${choice.name}' not found in provided tools`);
  }
  if ((choice.type === 'any' || choice.type === 'tool') && body.thinking?.type === 'enabled') {
    return invalid('Thinking may not be enabled when tool_choice forces tool use.');
  }
  return null;
}

function checkThinking(body) {
  const t = body.thinking;
  if (t === undefined) return null;
  if (!isObject(t)) return invalid('thinking: Input should be a valid dictionary');
  if (t.type === 'disabled' || t.type === 'adaptive') return null;
  if (t.type !== 'enabled') return invalid(`thinking.type: Input should be 'enabled', 'disabled' or 'adaptive'`);
  if (!isInt(t.budget_tokens)) return invalid('thinking.enabled.budget_tokens: Field required');
  if (t.budget_tokens < 1024) return invalid('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
  if (body.max_tokens !== undefined && t.budget_tokens >= body.max_tokens) {
    return invalid('`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size');
  }
  if (body.temperature !== undefined && body.temperature !== 1) {
    return invalid('`temperature` may only be set to 1 when thinking is enabled or in interleaved thinking mode.');
  }
  return null;
}

// Every block that may carry cache_control, in the API's cache order: tools, then system, then messages.
export function cacheSegments(body) {
  const segments = [];
  for (const tool of body.tools ?? []) segments.push(tool);
  if (Array.isArray(body.system)) segments.push(...body.system);
  else if (typeof body.system === 'string') segments.push({ type: 'text', text: body.system });
  for (const m of body.messages ?? []) {
    if (typeof m?.content === 'string') segments.push({ role: m.role, type: 'text', text: m.content });
    else for (const b of m?.content ?? []) segments.push({ role: m.role, ...b });
  }
  return segments;
}

function checkCacheControl(body) {
  const found = cacheSegments(body).filter((s) => s && s.cache_control).length;
  if (found > MAX_CACHE_BREAKPOINTS) {
    return invalid(`A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${found}.`);
  }
  return null;
}

function checkMetadata(metadata) {
  if (metadata === undefined) return null;
  if (!isObject(metadata)) return invalid('metadata: Input should be a valid dictionary');
  for (const k of Object.keys(metadata)) if (k !== 'user_id') return invalid(`metadata.${k}: Extra inputs are not permitted`);
  if (metadata.user_id !== undefined && metadata.user_id !== null) {
    if (typeof metadata.user_id !== 'string') return invalid('metadata.user_id: Input should be a valid string');
    if (metadata.user_id.length > 256) return invalid('metadata.user_id: String should have at most 256 characters');
  }
  return null;
}
