// The GitHub REST API's rules that do not depend on the fake's state: error bodies, request body checks,
// git object ids, and the search query language (issues and code). fake.mjs applies them per endpoint.
import { createHash } from 'node:crypto';

export const DOCS = 'https://docs.github.com/rest';

// An answer that is not a 2xx: status, the JSON body GitHub sends, and extra headers.
export class ApiError extends Error {
  constructor(status, body, headers = {}) {
    super(body.message);
    this.status = status;
    this.body = { ...body, documentation_url: body.documentation_url ?? DOCS, status: String(status) };
    this.headers = headers;
  }
}

export const notFound = () => new ApiError(404, { message: 'Not Found' });
export const badCredentials = () => new ApiError(401, { message: 'Bad credentials' });
export const requiresAuth = () => new ApiError(401, { message: 'Requires authentication' });
// What a fine-grained personal access token gets for a write it has no permission for.
export const notAccessible = () => new ApiError(403, { message: 'Resource not accessible by personal access token' });
// "Validation Failed" with GitHub's per-field errors ({resource, field, code} or {resource, code: custom, message}).
export const validationFailed = (...errors) => new ApiError(422, { message: 'Validation Failed', errors });
// The JSON-schema layer's refusals, worded as GitHub words them.
export const invalidRequest = (detail) => new ApiError(422, { message: `Invalid request.\n\n${detail}` });

// Checks a JSON body against `spec`: {field: 'string' | 'boolean' | 'integer' | 'string[]' | 'labels' |
// 'object[]' | 'string?' (nullable) ...}; `required` lists fields that must be present. Unknown fields are
// ignored, as GitHub ignores them.
export function checkBody(body, spec, required = []) {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, { message: 'Body should be a JSON object' });
  }
  for (const field of required) {
    if (body[field] === undefined) throw invalidRequest(`"${field}" wasn't supplied.`);
  }
  for (const [field, type] of Object.entries(spec)) {
    const value = body[field];
    if (value === undefined) continue;
    const nullable = type.endsWith('?');
    const t = nullable ? type.slice(0, -1) : type;
    if (value === null && nullable) continue;
    const ok = {
      string: () => typeof value === 'string',
      boolean: () => typeof value === 'boolean',
      integer: () => Number.isInteger(value),
      'string|integer': () => typeof value === 'string' || Number.isInteger(value),
      'string[]': () => Array.isArray(value) && value.every((v) => typeof v === 'string'),
      // Issue labels: names, or objects with a name.
      labels: () => Array.isArray(value) && value.every((v) => typeof v === 'string' || (v && typeof v.name === 'string')),
      'object[]': () => Array.isArray(value) && value.every((v) => v && typeof v === 'object' && !Array.isArray(v)),
    }[t];
    if (!ok()) {
      const kind = { 'string[]': 'array', labels: 'array', 'object[]': 'array', 'string|integer': 'string or integer' }[t] ?? t;
      const article = /^[aeiou]/.test(kind) ? 'an' : 'a';
      throw invalidRequest(`For 'properties/${field}', ${JSON.stringify(value)} is not ${article} ${kind}${nullable ? ' or null' : ''}.`);
    }
  }
}

// Git's object ids, so that blob shas are the ones `git hash-object` prints for the same bytes.
export function gitSha(type, content) {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return createHash('sha1').update(`${type} ${bytes.length}\0`).update(bytes).digest('hex');
}

// Base64 as the contents API sends it: wrapped at 60 characters with a trailing newline.
export const wrapBase64 = (buffer) => `${(buffer.toString('base64').match(/.{1,60}/g) ?? ['']).join('\n')}\n`;

// Strict base64 (whitespace allowed, as GitHub strips newlines), or null.
export function decodeBase64(text) {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return null;
  return Buffer.from(compact, 'base64');
}

// A ref name git would accept for a branch (git check-ref-format, the parts GitHub enforces).
export function validRefName(name) {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.lock') &&
    !name.endsWith('.') &&
    !name.includes('..') &&
    !name.includes('//') &&
    !name.includes('@{') &&
    !/[\x00-\x20~^:?*[\\\x7f]/.test(name)
  );
}

// ---- The search query language ----

export const MAX_QUERY_LENGTH = 256;

// Splits a query into terms: bare words, "quoted phrases", and qualifiers `key:value` / `-key:value` whose
// value may itself be quoted (label:"needs triage").
export function tokenize(q) {
  const out = [];
  const re = /\s*(-?)([A-Za-z_-]+):("([^"]*)"|\S+)|\s*"([^"]*)"?|\s*(\S+)/gy;
  let m;
  let guard = 0;
  while ((m = re.exec(q)) !== null && guard++ < 1000) {
    if (m[0].trim() === '') break;
    if (m[2] !== undefined) {
      out.push({ kind: 'qualifier', negated: m[1] === '-', key: m[2].toLowerCase(), value: m[4] ?? m[3] });
    } else if (m[5] !== undefined) {
      if (m[5].trim()) out.push({ kind: 'phrase', negated: false, text: m[5] });
    } else if (m[6] !== undefined) {
      const word = m[6];
      if (word === 'AND') continue; // implied between terms
      if (word.startsWith('-') && word.length > 1) out.push({ kind: 'word', negated: true, text: word.slice(1) });
      else out.push({ kind: 'word', negated: false, text: word });
    }
  }
  return out;
}

const norm = (text) => (text ?? '').toLowerCase().replace(/\s+/g, ' ');
const count = (haystack, needle) => {
  if (!needle) return 0;
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1 && n < 1000; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
};

// A `key:value` GitHub does not know as a qualifier is searched for as text.
const unknownAsWord = (t, known) => (t.kind === 'qualifier' && !known.has(t.key) ? { kind: 'word', negated: false, text: `${t.key}:${t.value}` } : t);
// What a repo: qualifier naming a repository the caller cannot see gets (the same whether it exists or not).
const cannotSearch = () =>
  validationFailed({
    message:
      'The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them.',
    resource: 'Search',
    field: 'q',
    code: 'invalid',
  });

const ISSUE_QUALIFIERS = new Set(['repo', 'is', 'type', 'state', 'label', 'in', 'author', 'assignee', 'no', 'user', 'org', 'comments']);

// Parses an issue search query. Throws the 422 GitHub answers for a malformed one; `canSee(fullName)` says
// whether the caller may search that repository.
export function parseIssueQuery(q, canSee) {
  if (typeof q !== 'string' || q.trim() === '') throw validationFailed({ resource: 'Search', field: 'q', code: 'missing' });
  if (q.length > MAX_QUERY_LENGTH) {
    throw validationFailed({ message: 'The search is longer than 256 characters.', resource: 'Search', field: 'q', code: 'invalid' });
  }
  const terms = tokenize(q).map((t) => unknownAsWord(t, ISSUE_QUALIFIERS));
  // Since 2025 the endpoint refuses a query that does not say which of the two it searches.
  const kinds = terms.filter((t) => t.kind === 'qualifier' && !t.negated && (t.key === 'is' || t.key === 'type')).map((t) => t.value.toLowerCase());
  if (!kinds.some((k) => ['issue', 'pr', 'pull-request'].includes(k))) {
    throw new ApiError(422, {
      message: "Query must include 'is:issue' or 'is:pull-request'",
      documentation_url: 'https://docs.github.com/rest/search/search#search-issues-and-pull-requests',
    });
  }
  const repos = terms.filter((t) => t.kind === 'qualifier' && t.key === 'repo').map((t) => t.value.toLowerCase());
  if (repos.some((r) => !canSee(r))) throw cannotSearch();
  const inFields = new Set(terms.filter((t) => t.kind === 'qualifier' && t.key === 'in').flatMap((t) => t.value.toLowerCase().split(',')));
  for (const f of inFields) {
    if (!['title', 'body', 'comments'].includes(f)) {
      throw validationFailed({ message: `"in:${f}" is not a valid qualifier value.`, resource: 'Search', field: 'q', code: 'invalid' });
    }
  }
  return { terms, repos, inFields: inFields.size ? inFields : new Set(['title', 'body', 'comments']) };
}

// Whether `item` (an issue or pull request record with title, body, comments' bodies, labels, state, ...)
// matches a parsed query, and its score: text hits, a title hit counting double.
export function matchIssue(query, item) {
  const title = norm(item.title);
  const body = norm(item.body);
  const comments = norm(item.commentBodies.join('\n'));
  let score = 0;
  for (const t of query.terms) {
    let ok;
    if (t.kind === 'word' || t.kind === 'phrase') {
      const needle = norm(t.text);
      const hits =
        (query.inFields.has('title') ? 2 * count(title, needle) : 0) +
        (query.inFields.has('body') ? count(body, needle) : 0) +
        (query.inFields.has('comments') ? count(comments, needle) : 0);
      ok = hits > 0;
      if (ok && !t.negated) score += hits;
    } else {
      const v = t.value.toLowerCase();
      switch (t.key) {
        case 'repo': ok = item.repo === v; break;
        case 'user': case 'org': ok = item.repo.split('/')[0] === v; break;
        case 'is':
        case 'type':
          if (v === 'issue') ok = !item.isPull;
          else if (v === 'pr' || v === 'pull-request') ok = item.isPull;
          else if (v === 'open' || v === 'closed') ok = item.state === v;
          else if (v === 'merged') ok = item.merged === true;
          else if (v === 'unmerged') ok = item.isPull && !item.merged;
          else if (v === 'locked') ok = item.locked;
          else if (v === 'unlocked') ok = !item.locked;
          else throw validationFailed({ message: `"is:${t.value}" is not a valid qualifier value.`, resource: 'Search', field: 'q', code: 'invalid' });
          break;
        case 'state': ok = item.state === v; break;
        case 'label': ok = v.split(',').some((l) => item.labels.some((x) => x.toLowerCase() === l)); break;
        case 'no': ok = v === 'label' ? item.labels.length === 0 : v === 'assignee' ? item.assignees.length === 0 : true; break;
        case 'author': ok = item.author.toLowerCase() === v; break;
        case 'assignee': ok = item.assignees.some((a) => a.toLowerCase() === v); break;
        case 'comments': ok = compareNumber(item.commentCount, v); break;
        case 'in': ok = true; break;
        default: ok = true;
      }
    }
    if (ok === t.negated) return null;
  }
  return { score: Math.max(score, 1) };
}

// `>3`, `<=2`, `5`, `1..4` against n.
function compareNumber(n, spec) {
  const range = /^(\d+)\.\.(\d+)$/.exec(spec);
  if (range) return n >= Number(range[1]) && n <= Number(range[2]);
  const m = /^(>=|<=|>|<)?(\d+)$/.exec(spec);
  if (!m) return false;
  const x = Number(m[2]);
  return { '>=': n >= x, '<=': n <= x, '>': n > x, '<': n < x, undefined: n === x }[m[1]];
}

const CODE_QUALIFIERS = new Set(['repo', 'user', 'org', 'path', 'filename', 'extension', 'language', 'in', 'size']);
// language: by file extension (the languages our repositories hold).
const LANGUAGES = {
  yaml: ['yaml', 'yml'],
  json: ['json'],
  go: ['go'],
  python: ['py'],
  javascript: ['js', 'mjs', 'cjs'],
  typescript: ['ts'],
  'c++': ['cc', 'cpp', 'cxx', 'hpp', 'h'],
  markdown: ['md'],
  shell: ['sh'],
};

// Parses a code search query: at least one search term besides qualifiers and a repo:, user: or org:
// scope, as GitHub requires.
export function parseCodeQuery(q, canSee) {
  if (typeof q !== 'string' || q.trim() === '') throw validationFailed({ resource: 'Search', field: 'q', code: 'missing' });
  if (q.length > MAX_QUERY_LENGTH) {
    throw validationFailed({ message: 'The search is longer than 256 characters.', resource: 'Search', field: 'q', code: 'invalid' });
  }
  const terms = tokenize(q).map((t) => unknownAsWord(t, CODE_QUALIFIERS));
  if (!terms.some((t) => t.kind !== 'qualifier' && !t.negated)) {
    throw validationFailed({ message: 'Must include at least one search term.', resource: 'Search', field: 'q', code: 'invalid' });
  }
  // Code search does not scan all of GitHub: it needs a scope.
  if (!terms.some((t) => t.kind === 'qualifier' && !t.negated && ['repo', 'user', 'org'].includes(t.key))) {
    throw validationFailed({ message: 'Must include at least one user, organization, or repository', resource: 'Search', field: 'q', code: 'invalid' });
  }
  const repos = terms.filter((t) => t.kind === 'qualifier' && t.key === 'repo').map((t) => t.value.toLowerCase());
  if (repos.some((r) => !canSee(r))) throw cannotSearch();
  const inFields = new Set(terms.filter((t) => t.kind === 'qualifier' && t.key === 'in').flatMap((t) => t.value.toLowerCase().split(',')));
  return { terms, repos, inFile: inFields.size === 0 || inFields.has('file'), inPath: inFields.has('path') };
}

// Whether file `path` with `text` in repository `repo` matches a parsed code query; its score and the
// fragments around each text hit (for text-match results).
export function matchCode(query, repo, path, text) {
  const lowerText = text.toLowerCase();
  const lowerPath = path.toLowerCase();
  const name = lowerPath.split('/').pop();
  const ext = name.includes('.') ? name.split('.').pop() : '';
  let score = 0;
  const needles = [];
  for (const t of query.terms) {
    let ok;
    if (t.kind === 'word' || t.kind === 'phrase') {
      // Code search ignores case and treats a phrase as the exact sequence of characters.
      const needle = t.text.toLowerCase();
      const hits = (query.inFile ? count(lowerText, needle) : 0) + (query.inPath ? count(lowerPath, needle) : 0);
      ok = hits > 0;
      if (ok && !t.negated) {
        score += hits;
        needles.push(needle);
      }
    } else {
      const v = t.value.toLowerCase();
      switch (t.key) {
        case 'repo': ok = repo === v; break;
        case 'user': case 'org': ok = repo.split('/')[0] === v; break;
        case 'path': ok = lowerPath.startsWith(v.replace(/^\//, '')) || lowerPath.includes(`/${v.replace(/^\//, '')}`); break;
        case 'filename': ok = name === v; break;
        case 'extension': ok = ext === v.replace(/^\./, ''); break;
        case 'language': ok = (LANGUAGES[v] ?? [v]).includes(ext); break;
        default: ok = true;
      }
    }
    if (ok === t.negated) return null;
  }
  const fragments = [];
  for (const needle of needles) {
    const at = lowerText.indexOf(needle);
    if (at === -1) continue;
    const start = Math.max(0, text.lastIndexOf('\n', at) + 1);
    const endLine = text.indexOf('\n', at + needle.length);
    const fragment = text.slice(start, endLine === -1 ? undefined : endLine);
    fragments.push({ fragment, matches: [{ text: text.slice(at, at + needle.length), indices: [at - start, at - start + needle.length] }] });
  }
  return { score, fragments };
}
