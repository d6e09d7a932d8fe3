// A loopback stand-in for the GitHub REST API: issues, comments, labels, search, contents, git data
// (refs, trees, commits), pull requests. In-memory state; every request is checked as GitHub checks it
// (token, repository permission, body, validation) and answered in GitHub's shapes. It binds 127.0.0.1 only.
//
//   const fake = await startFakeGitHub({ tokens, repos });
//   fake.url; fake.requests(); fake.state(); fake.fault({...}); await fake.close();
import fs from 'node:fs';
import http from 'node:http';

import {
  ApiError,
  badCredentials,
  checkBody,
  decodeBase64,
  gitSha,
  invalidRequest,
  matchCode,
  matchIssue,
  notAccessible,
  notFound,
  parseCodeQuery,
  parseIssueQuery,
  requiresAuth,
  validRefName,
  validationFailed,
  wrapBase64,
} from './rules.mjs';

const MAX_BODY_BYTES = 25 * 1024 * 1024;
const API = 'https://api.github.com';
const WEB = 'https://github.com';
// Code search skips files larger than this ("Only files smaller than 384 KB are searchable").
const CODE_SEARCH_MAX_BYTES = 384 * 1024;
const RANK = { read: 1, write: 2, admin: 3 };
// Primary limits per identity and resource: [requests, window in seconds].
const DEFAULT_LIMITS = { core: [5000, 3600], search: [30, 60], code_search: [10, 60], anonymous_core: [60, 3600] };
const DEFAULT_LABEL_COLOR = 'ededed';
const STATE_REASONS = ['completed', 'not_planned', 'reopened', 'duplicate'];

// tokens: {TOKEN: {login, repos: {"owner/repo": "read" | "write" | "admin"}}}
// repos:  {"owner/repo": {files: {path: text}, default_branch?: "main", private?: true, labels?: [name | {name, color, description}]}}
// faults: a list of fault() arguments armed at start.
// rateLimits: {core?, search?, code_search?: [limit, windowSeconds]}; now: () => ms (injectable clock).
// searchLagMs: how long a new issue or pull request stays out of search results (GitHub indexes them
// asynchronously, so a search right after a create may not find it).
export async function startFakeGitHub(options = {}) {
  const { tokens = {}, repos = {}, faults = [], rateLimits = {}, now = Date.now, searchLagMs = 0, port = 0, log } = options;
  const limits = { ...DEFAULT_LIMITS, ...rateLimits };
  const requests = [];
  const armed = [];
  const counters = new Map(); // `${identity}:${resource}` -> {used, resetAt (seconds)}
  const users = new Map(); // login -> user record
  const repoMap = new Map(); // lowercased full name -> repo
  const sockets = new Set();
  const logStream = log ? fs.createWriteStream(log, { flags: 'a' }) : null;
  let nextId = 1000;
  const newId = () => nextId++;
  const iso = () => new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const nodeId = (kind, id) => Buffer.from(`0:${kind}${id}`).toString('base64').replace(/=+$/, '');

  function user(login) {
    if (!users.has(login)) {
      const id = newId();
      users.set(login, {
        login,
        id,
        node_id: nodeId('User', id),
        avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
        url: `${API}/users/${login}`,
        html_url: `${WEB}/${login}`,
        type: 'User',
        site_admin: false,
      });
    }
    return users.get(login);
  }

  const tokenMap = new Map();
  for (const [token, t] of Object.entries(tokens)) {
    const perms = new Map(Object.entries(t.repos ?? {}).map(([r, p]) => [r.toLowerCase(), p]));
    for (const p of perms.values()) if (!RANK[p]) throw new Error(`token of ${t.login}: permission "${p}" is not read, write or admin`);
    tokenMap.set(token, { login: t.login, perms, user: user(t.login) });
  }

  // ---- git objects (per repository) ----
  function putBlob(repo, content) {
    const bytes = Buffer.from(content);
    const sha = gitSha('blob', bytes);
    repo.objects.set(sha, { type: 'blob', bytes });
    return sha;
  }
  // A tree is kept flat, {path: blobSha}; its id hashes the sorted entries (deterministic, git-like).
  function putTree(repo, files) {
    const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
    const sha = gitSha('tree', JSON.stringify(sorted));
    repo.objects.set(sha, { type: 'tree', files: sorted });
    return sha;
  }
  function putCommit(repo, { tree, parents, message, author }) {
    const who = { name: author?.name ?? 'fake', email: author?.email ?? 'fake@users.noreply.github.invalid', date: iso() };
    const sha = gitSha('commit', JSON.stringify({ tree, parents, message, who, n: newId() }));
    repo.objects.set(sha, { type: 'commit', sha, tree, parents, message, author: who, committer: who });
    return sha;
  }
  const obj = (repo, sha, type) => {
    const o = repo.objects.get(sha);
    return o && (!type || o.type === type) ? o : null;
  };
  const filesAt = (repo, commitSha) => obj(repo, obj(repo, commitSha, 'commit').tree, 'tree').files;
  // Whether `ancestor` is reachable from `sha` (bounded walk: fake histories are short).
  function isAncestor(repo, ancestor, sha) {
    const seen = new Set();
    const stack = [sha];
    while (stack.length && seen.size < 10000) {
      const s = stack.pop();
      if (s === ancestor) return true;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...(obj(repo, s, 'commit')?.parents ?? []));
    }
    return false;
  }
  function mergeBase(repo, a, b) {
    const seen = new Set();
    const queue = [b];
    while (queue.length && seen.size < 10000) {
      const s = queue.shift();
      if (seen.has(s)) continue;
      seen.add(s);
      if (isAncestor(repo, s, a)) return s;
      queue.push(...(obj(repo, s, 'commit')?.parents ?? []));
    }
    return null;
  }

  function makeRepo(fullName, spec) {
    const [ownerLogin, name] = fullName.split('/');
    if (!ownerLogin || !name) throw new Error(`repository "${fullName}": expected owner/repo`);
    const id = newId();
    const repo = {
      id,
      owner: ownerLogin,
      name,
      fullName,
      key: fullName.toLowerCase(),
      private: spec.private ?? true,
      defaultBranch: spec.default_branch ?? 'main',
      createdAt: iso(),
      objects: new Map(),
      branches: new Map(),
      labels: new Map(),
      issues: new Map(), // number -> issue or pull request
      nextNumber: 1,
    };
    const files = {};
    for (const [path, text] of Object.entries(spec.files ?? {})) files[path.replace(/^\/+/, '')] = putBlob(repo, text);
    const root = putCommit(repo, { tree: putTree(repo, files), parents: [], message: 'Initial commit' });
    repo.branches.set(repo.defaultBranch, root);
    for (const b of spec.branches ?? []) repo.branches.set(b, root);
    for (const l of spec.labels ?? []) addLabel(repo, typeof l === 'string' ? { name: l } : l);
    repoMap.set(repo.key, repo);
    return repo;
  }

  function addLabel(repo, { name, color = DEFAULT_LABEL_COLOR, description = null }) {
    const id = newId();
    const url = `${API}/repos/${repo.fullName}/labels/${encodeURIComponent(name)}`;
    const label = { id, node_id: nodeId('Label', id), url, name, color, default: false, description };
    repo.labels.set(name.toLowerCase(), label);
    return label;
  }

  for (const [fullName, spec] of Object.entries(repos)) makeRepo(fullName, spec);

  // ---- response shapes ----
  const simpleUser = (login) => user(login);
  function repoJson(repo) {
    const owner = user(repo.owner);
    const at = repo.createdAt;
    return {
      id: repo.id,
      node_id: nodeId('Repository', repo.id),
      name: repo.name,
      full_name: repo.fullName,
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      owner: { login: owner.login, id: owner.id, node_id: owner.node_id, avatar_url: owner.avatar_url, url: owner.url,
        html_url: owner.html_url, type: owner.type },
      html_url: `${WEB}/${repo.fullName}`,
      description: null,
      fork: false,
      url: `${API}/repos/${repo.fullName}`,
      created_at: at,
      updated_at: at,
      pushed_at: at,
      git_url: `git://github.com/${repo.fullName}.git`,
      ssh_url: `git@github.com:${repo.fullName}.git`,
      clone_url: `${WEB}/${repo.fullName}.git`,
      default_branch: repo.defaultBranch,
    };
  }
  function issueJson(repo, issue) {
    const base = `${API}/repos/${repo.fullName}/issues/${issue.number}`;
    const out = {
      url: base,
      repository_url: `${API}/repos/${repo.fullName}`,
      labels_url: `${base}/labels{/name}`,
      comments_url: `${base}/comments`,
      events_url: `${base}/events`,
      html_url: `${WEB}/${repo.fullName}/${issue.pull ? 'pull' : 'issues'}/${issue.number}`,
      id: issue.id,
      node_id: nodeId(issue.pull ? 'PullRequest' : 'Issue', issue.id),
      number: issue.number,
      title: issue.title,
      user: simpleUser(issue.author),
      labels: issue.labels.map((l) => repo.labels.get(l.toLowerCase())).filter(Boolean),
      state: issue.state,
      state_reason: issue.stateReason,
      locked: false,
      assignee: issue.assignees[0] ? simpleUser(issue.assignees[0]) : null,
      assignees: issue.assignees.map(simpleUser),
      milestone: null,
      comments: issue.comments.length,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: 'OWNER',
      body: issue.body,
    };
    if (issue.pull) {
      out.pull_request = {
        url: `${API}/repos/${repo.fullName}/pulls/${issue.number}`,
        html_url: out.html_url,
        diff_url: `${out.html_url}.diff`,
        patch_url: `${out.html_url}.patch`,
        merged_at: issue.pull.mergedAt,
      };
    }
    return out;
  }
  function commentJson(repo, issue, c) {
    return {
      id: c.id,
      node_id: nodeId('IssueComment', c.id),
      url: `${API}/repos/${repo.fullName}/issues/comments/${c.id}`,
      html_url: `${WEB}/${repo.fullName}/issues/${issue.number}#issuecomment-${c.id}`,
      issue_url: `${API}/repos/${repo.fullName}/issues/${issue.number}`,
      body: c.body,
      user: simpleUser(c.author),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: 'OWNER',
    };
  }
  function pullJson(repo, pr) {
    const p = pr.pull;
    const html = `${WEB}/${repo.fullName}/pull/${pr.number}`;
    const ref = (branch, sha) => ({ label: `${repo.owner}:${branch}`, ref: branch, sha, user: simpleUser(repo.owner), repo: repoJson(repo) });
    return {
      url: `${API}/repos/${repo.fullName}/pulls/${pr.number}`,
      id: pr.id,
      node_id: nodeId('PullRequest', pr.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${API}/repos/${repo.fullName}/issues/${pr.number}`,
      number: pr.number,
      state: pr.state,
      locked: false,
      title: pr.title,
      user: simpleUser(pr.author),
      body: pr.body,
      created_at: pr.createdAt,
      updated_at: pr.updatedAt,
      closed_at: pr.closedAt,
      merged_at: p.mergedAt,
      merge_commit_sha: p.mergeCommitSha,
      assignee: pr.assignees[0] ? simpleUser(pr.assignees[0]) : null,
      assignees: pr.assignees.map(simpleUser),
      requested_reviewers: [],
      labels: pr.labels.map((l) => repo.labels.get(l.toLowerCase())).filter(Boolean),
      draft: p.draft,
      merged: Boolean(p.mergedAt),
      mergeable: pr.state === 'open' ? p.mergeable : null,
      maintainer_can_modify: p.maintainerCanModify,
      head: ref(p.head, p.mergedAt ? p.headSha : (repo.branches.get(p.head) ?? p.headSha)),
      base: ref(p.base, repo.branches.get(p.base) ?? p.baseSha),
      comments: pr.comments.length,
    };
  }
  function refJson(repo, name, sha) {
    return {
      ref: `refs/heads/${name}`,
      node_id: nodeId('Ref', `${repo.id}:${name}`),
      url: `${API}/repos/${repo.fullName}/git/refs/heads/${name}`,
      object: { sha, type: 'commit', url: `${API}/repos/${repo.fullName}/git/commits/${sha}` },
    };
  }
  function commitJson(repo, c) {
    return {
      sha: c.sha,
      node_id: nodeId('Commit', c.sha.slice(0, 12)),
      url: `${API}/repos/${repo.fullName}/git/commits/${c.sha}`,
      html_url: `${WEB}/${repo.fullName}/commit/${c.sha}`,
      author: c.author,
      committer: c.committer,
      message: c.message,
      tree: { sha: c.tree, url: `${API}/repos/${repo.fullName}/git/trees/${c.tree}` },
      parents: c.parents.map((s) => ({ sha: s, url: `${API}/repos/${repo.fullName}/git/commits/${s}`, html_url: `${WEB}/${repo.fullName}/commit/${s}` })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
    };
  }
  // The top level of a flat tree as git shows it: files as blobs, directories as subtrees.
  function treeJson(repo, sha) {
    const files = obj(repo, sha, 'tree').files;
    const top = new Map();
    for (const [path, blob] of Object.entries(files)) {
      const [first, ...rest] = path.split('/');
      if (rest.length === 0) {
        const url = `${API}/repos/${repo.fullName}/git/blobs/${blob}`;
        top.set(first, { path: first, mode: '100644', type: 'blob', sha: blob, size: obj(repo, blob).bytes.length, url });
      } else if (!top.has(first)) {
        top.set(first, { dir: true });
      }
    }
    const tree = [...top.entries()].map(([name, e]) => {
      if (!e.dir) return e;
      const sub = Object.fromEntries(Object.entries(files).filter(([p]) => p.startsWith(`${name}/`)).map(([p, b]) => [p.slice(name.length + 1), b]));
      const subSha = putTree(repo, sub);
      return { path: name, mode: '040000', type: 'tree', sha: subSha, url: `${API}/repos/${repo.fullName}/git/trees/${subSha}` };
    });
    return { sha, url: `${API}/repos/${repo.fullName}/git/trees/${sha}`, tree, truncated: false };
  }
  function contentJson(repo, path, blobSha, ref, withContent) {
    const bytes = obj(repo, blobSha).bytes;
    const self = `${API}/repos/${repo.fullName}/contents/${path}?ref=${ref}`;
    const git = `${API}/repos/${repo.fullName}/git/blobs/${blobSha}`;
    const html = `${WEB}/${repo.fullName}/blob/${ref}/${path}`;
    return {
      type: 'file',
      ...(withContent ? { encoding: 'base64' } : {}),
      size: bytes.length,
      name: path.split('/').pop(),
      path,
      ...(withContent ? { content: wrapBase64(bytes) } : {}),
      sha: blobSha,
      url: self,
      git_url: git,
      html_url: html,
      download_url: `https://raw.githubusercontent.com/${repo.fullName}/${ref}/${path}`,
      _links: { self, git, html },
    };
  }

  // ---- identity, permission, rate limits ----
  function identify(req) {
    const auth = req.headers.authorization;
    if (!auth) return { anonymous: true, key: `ip:${req.socket.remoteAddress}` };
    const m = /^(?:bearer|token)\s+(\S+)$/i.exec(auth.trim());
    const t = m && tokenMap.get(m[1]);
    if (!t) throw badCredentials();
    return { anonymous: false, key: `user:${t.login}`, login: t.login, token: t };
  }
  // The repository if the caller can see it, else the 404 GitHub gives for both "absent" and "hidden".
  function repoFor(who, owner, name, need = 'read') {
    // A write needs a token before anything else is looked at.
    if (need !== 'read' && who.anonymous) throw requiresAuth();
    const repo = repoMap.get(`${owner}/${name}`.toLowerCase());
    const perm = repo && permission(who, repo);
    if (!repo || !perm) throw notFound();
    if (RANK[perm] < RANK[need]) throw notAccessible();
    return repo;
  }
  function permission(who, repo) {
    if (who.anonymous) return repo.private ? null : 'read';
    return who.token.perms.get(repo.key) ?? (repo.private ? null : 'read');
  }
  const canSee = (who) => (fullName) => {
    const repo = repoMap.get(fullName.toLowerCase());
    return Boolean(repo && permission(who, repo));
  };
  function rateHeaders(who, resource, consume) {
    const [limit, window] = who.anonymous && resource === 'core' ? limits.anonymous_core : limits[resource];
    const key = `${who.key}:${resource}`;
    const nowS = Math.floor(now() / 1000);
    let c = counters.get(key);
    if (!c || c.resetAt <= nowS) {
      c = { used: 0, resetAt: nowS + window };
      counters.set(key, c);
    }
    const exhausted = consume && c.used >= limit;
    if (consume && !exhausted) c.used++;
    return {
      exhausted,
      headers: {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(limit - c.used, 0)),
        'x-ratelimit-used': String(c.used),
        'x-ratelimit-reset': String(c.resetAt),
        'x-ratelimit-resource': resource,
      },
    };
  }

  // ---- faults ----
  // kind: 'server_error' (status 500|502|503|504, default 502), 'secondary_rate_limit' (403|429, with
  // retry-after), 'primary_rate_limit' (403|429 with x-ratelimit-remaining 0), 'reset' (connection destroyed).
  // count: how many matching requests it answers; match: {method?, path?: a prefix or RegExp, path_regex?}.
  const FAULT_STATUSES = { server_error: [500, 502, 503, 504], secondary_rate_limit: [403, 429], primary_rate_limit: [403, 429], reset: [] };
  function fault(f) {
    if (!FAULT_STATUSES[f?.kind]) throw new Error(`fault kind must be one of ${Object.keys(FAULT_STATUSES).join(', ')}`);
    const count = f.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new Error(`fault count ${JSON.stringify(f.count)}: expected a positive integer`);
    if (f.status !== undefined && !FAULT_STATUSES[f.kind].includes(f.status)) {
      throw new Error(`fault ${f.kind}: status ${f.status} is not one of ${FAULT_STATUSES[f.kind].join(', ') || '(none)'}`);
    }
    const { method, path, path_regex: pathRegex } = f.match ?? {};
    const retryAfter = f.retry_after ?? f.retryAfter ?? 60;
    armed.push({ kind: f.kind, left: count, status: f.status, retryAfter, match: { method, path: pathRegex ? new RegExp(pathRegex) : path } });
  }
  for (const f of faults) fault(f);
  function takeFault(method, path) {
    const f = armed.find((a) => {
      if (a.left <= 0) return false;
      if (a.match.method && a.match.method.toUpperCase() !== method) return false;
      const p = a.match.path;
      if (p instanceof RegExp ? !p.test(path) : p && !path.startsWith(p)) return false;
      return true;
    });
    if (f) f.left--;
    return f;
  }

  // ---- the endpoints ----
  const routes = [];
  const route = (method, pattern, resource, handler) => routes.push({ method, re: new RegExp(`^${pattern}$`), resource, handler });
  const R = '/repos/([^/]+)/([^/]+)';

  const pageOf = (items, query) => {
    const perPage = Math.min(Math.max(Number(query.get('per_page') ?? 30) || 30, 1), 100);
    const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
    return { items: items.slice((page - 1) * perPage, page * perPage), page, perPage, last: Math.max(Math.ceil(items.length / perPage), 1) };
  };
  function linkHeader(path, query, page, last) {
    if (last <= 1) return {};
    const at = (n) => {
      const q = new URLSearchParams(query);
      q.set('page', String(n));
      return `<${API}${path}?${q}>`;
    };
    const links = [];
    if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
    if (page > 1) links.push(`${at(1)}; rel="first"`, `${at(page - 1)}; rel="prev"`);
    return { link: links.join(', ') };
  }
  const issueOf = (repo, n) => {
    const issue = repo.issues.get(Number(n));
    if (!issue) throw notFound();
    return issue;
  };
  const labelNames = (labels) => labels.map((l) => (typeof l === 'string' ? l : l.name));
  // GitHub creates labels it has not seen when an issue is created or labelled with them.
  function ensureLabels(repo, names) {
    const out = [];
    for (const name of names) {
      if (!name.trim()) throw validationFailed({ resource: 'Label', code: 'invalid', field: 'name', value: name });
      const label = repo.labels.get(name.toLowerCase()) ?? addLabel(repo, { name });
      if (!out.includes(label.name)) out.push(label.name);
    }
    return out;
  }
  function checkAssignees(repo, logins) {
    for (const login of logins) {
      const l = login.toLowerCase();
      const ok = l === repo.owner.toLowerCase() || [...tokenMap.values()].some((t) => t.login.toLowerCase() === l && t.perms.has(repo.key));
      if (!ok) throw validationFailed({ value: login, resource: 'Issue', field: 'assignees', code: 'invalid' });
    }
    return logins;
  }

  route('GET', '/user', 'core', (who) => {
    if (who.anonymous) throw requiresAuth();
    return { body: user(who.login) };
  });
  route('GET', `${R}`, 'core', (who, [o, r]) => ({ body: { ...repoJson(repoFor(who, o, r)), permissions: perms(who, repoFor(who, o, r)) } }));
  const perms = (who, repo) => {
    const p = RANK[permission(who, repo)];
    return { admin: p >= 3, maintain: p >= 3, push: p >= 2, triage: p >= 2, pull: p >= 1 };
  };
  route('GET', `${R}/branches/(.+)`, 'core', (who, [o, r, b]) => {
    const repo = repoFor(who, o, r);
    const sha = repo.branches.get(b);
    if (!sha) throw new ApiError(404, { message: 'Branch not found' });
    return { body: { name: b, commit: { sha, url: `${API}/repos/${repo.fullName}/commits/${sha}` }, protected: false } };
  });

  // Issues (pull requests are issues too: one number sequence per repository).
  route('POST', `${R}/issues`, 'core', (who, [o, r], body) => {
    const repo = repoFor(who, o, r, 'write');
    const spec = { title: 'string|integer', body: 'string?', assignees: 'string[]', assignee: 'string?', labels: 'labels', milestone: 'string|integer' };
    checkBody(body, spec, ['title']);
    const title = String(body.title);
    if (!title.trim()) throw validationFailed({ resource: 'Issue', code: 'missing_field', field: 'title' });
    // No milestones exist here: any number names a missing one.
    if (body.milestone != null) throw validationFailed({ value: body.milestone, resource: 'Issue', field: 'milestone', code: 'invalid' });
    const assignees = checkAssignees(repo, [...(body.assignees ?? []), ...(body.assignee ? [body.assignee] : [])]);
    const issue = newIssue(repo, who, { title, body: body.body ?? null, labels: ensureLabels(repo, labelNames(body.labels ?? [])), assignees });
    return { status: 201, body: issueJson(repo, issue), headers: { location: `${API}/repos/${repo.fullName}/issues/${issue.number}` } };
  });
  function newIssue(repo, who, fields) {
    const at = iso();
    const issue = {
      indexedAt: now() + searchLagMs,
      id: newId(),
      number: repo.nextNumber++,
      author: who.login,
      state: 'open',
      stateReason: null,
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      comments: [],
      pull: null,
      ...fields,
    };
    repo.issues.set(issue.number, issue);
    return issue;
  }
  route('GET', `${R}/issues`, 'core', (who, [o, r], _b, query, path) => {
    const repo = repoFor(who, o, r);
    const state = query.get('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) throw validationFailed({ resource: 'Issue', field: 'state', code: 'invalid' });
    const sort = query.get('sort') ?? 'created';
    if (!['created', 'updated', 'comments'].includes(sort)) throw validationFailed({ resource: 'Issue', field: 'sort', code: 'invalid' });
    const direction = query.get('direction') ?? 'desc';
    const labels = (query.get('labels') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const since = query.get('since');
    const labelled = (i) => labels.every((l) => i.labels.some((x) => x.toLowerCase() === l));
    let items = [...repo.issues.values()].filter((i) => (state === 'all' || i.state === state) && labelled(i) && (!since || i.updatedAt >= since));
    items = sortIssues(items, sort, direction);
    const pg = pageOf(items, query);
    return { body: pg.items.map((i) => issueJson(repo, i)), headers: linkHeader(path, query, pg.page, pg.last) };
  });
  function sortIssues(items, sort, direction) {
    const key = { created: (i) => i.createdAt, updated: (i) => i.updatedAt, comments: (i) => i.comments.length }[sort];
    const sign = direction === 'asc' ? 1 : -1;
    // Same timestamp (same second): the later number is the newer one.
    return items.sort((a, b) => sign * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.number - b.number));
  }
  route('GET', `${R}/issues/(\\d+)`, 'core', (who, [o, r, n]) => {
    const repo = repoFor(who, o, r);
    return { body: issueJson(repo, issueOf(repo, n)) };
  });
  route('PATCH', `${R}/issues/(\\d+)`, 'core', (who, [o, r, n], body) => {
    const repo = repoFor(who, o, r, 'write');
    const issue = issueOf(repo, n);
    checkBody(body, {
      title: 'string|integer',
      body: 'string?',
      state: 'string',
      state_reason: 'string?',
      labels: 'labels',
      assignees: 'string[]',
      assignee: 'string?',
      milestone: 'string|integer?',
    });
    const invalid = (field) => validationFailed({ resource: 'Issue', code: 'invalid', field });
    if (body.state !== undefined && !['open', 'closed'].includes(body.state)) throw invalid('state');
    if (body.state_reason != null && !STATE_REASONS.includes(body.state_reason)) throw invalid('state_reason');
    if (body.title !== undefined && !String(body.title).trim()) throw validationFailed({ resource: 'Issue', code: 'missing_field', field: 'title' });
    if (body.milestone != null) throw validationFailed({ value: body.milestone, resource: 'Issue', field: 'milestone', code: 'invalid' });
    const assigning = body.assignees !== undefined || body.assignee !== undefined;
    const assignees = assigning ? checkAssignees(repo, [...(body.assignees ?? []), ...(body.assignee ? [body.assignee] : [])]) : null;
    if (body.title !== undefined) issue.title = String(body.title);
    if (body.body !== undefined) issue.body = body.body;
    if (body.labels !== undefined) issue.labels = ensureLabels(repo, labelNames(body.labels));
    if (assignees) issue.assignees = assignees;
    if (body.state === 'closed' && issue.state !== 'closed') {
      if (issue.pull?.mergedAt) throw validationFailed({ resource: 'Issue', code: 'invalid', field: 'state' });
      issue.state = 'closed';
      issue.closedAt = iso();
      issue.stateReason = issue.pull ? null : body.state_reason ?? 'completed';
    } else if (body.state === 'open' && issue.state !== 'open') {
      if (issue.pull?.mergedAt) throw validationFailed({ resource: 'Issue', code: 'invalid', field: 'state' });
      issue.state = 'open';
      issue.closedAt = null;
      issue.stateReason = issue.pull ? null : 'reopened';
    } else if (body.state_reason !== undefined && issue.state === 'closed' && !issue.pull) {
      issue.stateReason = body.state_reason ?? 'completed';
    }
    issue.updatedAt = iso();
    return { body: issueJson(repo, issue) };
  });
  route('GET', `${R}/issues/(\\d+)/comments`, 'core', (who, [o, r, n], _b, query, path) => {
    const repo = repoFor(who, o, r);
    const issue = issueOf(repo, n);
    const pg = pageOf(issue.comments, query);
    return { body: pg.items.map((c) => commentJson(repo, issue, c)), headers: linkHeader(path, query, pg.page, pg.last) };
  });
  route('POST', `${R}/issues/(\\d+)/comments`, 'core', (who, [o, r, n], body) => {
    const repo = repoFor(who, o, r, 'write');
    const issue = issueOf(repo, n);
    checkBody(body, { body: 'string' }, ['body']);
    if (!body.body.trim()) throw validationFailed({ resource: 'IssueComment', code: 'missing_field', field: 'body' });
    const at = iso();
    const c = { id: newId(), body: body.body, author: who.login, createdAt: at, updatedAt: at };
    issue.comments.push(c);
    issue.updatedAt = at;
    return { status: 201, body: commentJson(repo, issue, c), headers: { location: `${API}/repos/${repo.fullName}/issues/comments/${c.id}` } };
  });
  route('POST', `${R}/issues/(\\d+)/labels`, 'core', (who, [o, r, n], body) => {
    const repo = repoFor(who, o, r, 'write');
    const issue = issueOf(repo, n);
    const list = Array.isArray(body) ? body : body?.labels;
    checkBody({ labels: list }, { labels: 'labels' }, ['labels']);
    for (const name of ensureLabels(repo, labelNames(list))) {
      if (!issue.labels.some((l) => l.toLowerCase() === name.toLowerCase())) issue.labels.push(name);
    }
    issue.updatedAt = iso();
    return { body: issue.labels.map((l) => repo.labels.get(l.toLowerCase())) };
  });
  route('DELETE', `${R}/issues/(\\d+)/labels/([^/]+)`, 'core', (who, [o, r, n, name]) => {
    const repo = repoFor(who, o, r, 'write');
    const issue = issueOf(repo, n);
    const target = decodeURIComponent(name).toLowerCase();
    const before = issue.labels.length;
    issue.labels = issue.labels.filter((l) => l.toLowerCase() !== target);
    if (issue.labels.length === before) throw new ApiError(404, { message: 'Label does not exist' });
    issue.updatedAt = iso();
    return { body: issue.labels.map((l) => repo.labels.get(l.toLowerCase())) };
  });
  route('GET', `${R}/labels`, 'core', (who, [o, r], _b, query, path) => {
    const repo = repoFor(who, o, r);
    const pg = pageOf([...repo.labels.values()], query);
    return { body: pg.items, headers: linkHeader(path, query, pg.page, pg.last) };
  });
  route('GET', `${R}/labels/([^/]+)`, 'core', (who, [o, r, name]) => {
    const label = repoFor(who, o, r).labels.get(decodeURIComponent(name).toLowerCase());
    if (!label) throw notFound();
    return { body: label };
  });
  route('POST', `${R}/labels`, 'core', (who, [o, r], body) => {
    const repo = repoFor(who, o, r, 'write');
    checkBody(body, { name: 'string', color: 'string', description: 'string?' }, ['name']);
    if (body.color !== undefined && !/^#?[0-9a-fA-F]{6}$/.test(body.color)) throw validationFailed({ resource: 'Label', code: 'invalid', field: 'color' });
    if (repo.labels.has(body.name.toLowerCase())) throw validationFailed({ resource: 'Label', code: 'already_exists', field: 'name' });
    const color = (body.color ?? DEFAULT_LABEL_COLOR).replace(/^#/, '');
    return { status: 201, body: addLabel(repo, { name: body.name, color, description: body.description ?? null }) };
  });

  // Contents.
  function resolveRef(repo, ref) {
    const name = ref ?? repo.defaultBranch;
    const sha = repo.branches.get(name.replace(/^refs\/heads\//, '')) ?? (obj(repo, name, 'commit') ? name : null);
    if (!sha) throw new ApiError(404, { message: `No commit found for the ref ${name}` });
    return { name, sha };
  }
  route('GET', `${R}/contents(?:/(.*))?`, 'core', (who, [o, r, rawPath], _b, query) => {
    const repo = repoFor(who, o, r);
    const path = decodeURIComponent(rawPath ?? '').replace(/^\/+|\/+$/g, '');
    const ref = resolveRef(repo, query.get('ref') ?? undefined);
    const files = filesAt(repo, ref.sha);
    if (path && files[path]) return { body: contentJson(repo, path, files[path], ref.name, true) };
    // A directory: its entries, files and subdirectories, sorted by name.
    const prefix = path ? `${path}/` : '';
    const entries = new Map();
    for (const [p, blob] of Object.entries(files)) {
      if (!p.startsWith(prefix)) continue;
      const [first, ...rest] = p.slice(prefix.length).split('/');
      if (rest.length === 0) entries.set(first, contentJson(repo, p, blob, ref.name, false));
      else if (!entries.has(first)) {
        const dir = `${prefix}${first}`;
        const self = `${API}/repos/${repo.fullName}/contents/${dir}?ref=${ref.name}`;
        const html = `${WEB}/${repo.fullName}/tree/${ref.name}/${dir}`;
        const sha = gitSha('tree', dir + ref.sha);
        entries.set(first, { type: 'dir', size: 0, name: first, path: dir, sha, url: self, git_url: null, html_url: html, download_url: null,
          _links: { self, git: null, html } });
      }
    }
    if (entries.size === 0) throw notFound();
    return { body: [...entries.keys()].sort().map((k) => entries.get(k)) };
  });
  route('PUT', `${R}/contents/(.+)`, 'core', (who, [o, r, rawPath], body) => {
    const repo = repoFor(who, o, r, 'write');
    const path = decodeURIComponent(rawPath).replace(/^\/+|\/+$/g, '');
    const spec = { message: 'string', content: 'string', sha: 'string', branch: 'string', committer: 'object', author: 'object' };
    checkBody(body, spec, ['message', 'content']);
    const bytes = decodeBase64(body.content);
    if (!bytes) throw invalidRequest('content is not valid Base64');
    const branch = body.branch ?? repo.defaultBranch;
    const head = repo.branches.get(branch);
    if (!head) throw new ApiError(404, { message: `Branch ${branch} not found` });
    const files = { ...filesAt(repo, head) };
    const existing = files[path];
    if (existing && body.sha === undefined) throw invalidRequest('"sha" wasn\'t supplied.');
    // The file changed since the caller read it. For a path that does not exist yet, GitHub ignores `sha`.
    if (existing && body.sha !== undefined && body.sha !== existing) throw new ApiError(409, { message: `${path} does not match ${body.sha}` });
    if (Object.keys(files).some((p) => p.startsWith(`${path}/`))) throw invalidRequest(`${path} is a directory`);
    files[path] = putBlob(repo, bytes);
    const commit = putCommit(repo, { tree: putTree(repo, files), parents: [head], message: body.message, author: body.author ?? body.committer });
    repo.branches.set(branch, commit);
    return {
      status: existing ? 200 : 201,
      body: { content: contentJson(repo, path, files[path], branch, false), commit: commitJson(repo, obj(repo, commit)) },
    };
  });

  // Git data: refs, trees, commits.
  function getRef(who, o, r, ref, exactOnly) {
    const repo = repoFor(who, o, r);
    const name = ref.replace(/^refs\//, '');
    if (!name.startsWith('heads/')) throw notFound();
    const branch = name.slice('heads/'.length);
    if (repo.branches.has(branch)) return { body: refJson(repo, branch, repo.branches.get(branch)) };
    // The plural form lists refs that start with the given name when there is no exact match.
    const matching = exactOnly ? [] : [...repo.branches.keys()].filter((b) => b.startsWith(branch)).sort();
    if (matching.length) return { body: matching.map((b) => refJson(repo, b, repo.branches.get(b))) };
    throw notFound();
  }
  route('GET', `${R}/git/ref/(.+)`, 'core', (who, [o, r, ref]) => getRef(who, o, r, ref, true));
  route('GET', `${R}/git/refs/(.+)`, 'core', (who, [o, r, ref]) => getRef(who, o, r, ref, false));
  route('GET', `${R}/git/matching-refs/(.+)`, 'core', (who, [o, r, ref]) => {
    const repo = repoFor(who, o, r);
    const prefix = ref.replace(/^refs\//, '');
    if (!prefix.startsWith('heads/')) return { body: [] };
    const b = prefix.slice('heads/'.length);
    return { body: [...repo.branches.keys()].filter((x) => x.startsWith(b)).sort().map((x) => refJson(repo, x, repo.branches.get(x))) };
  });
  route('POST', `${R}/git/refs`, 'core', (who, [o, r], body) => {
    const repo = repoFor(who, o, r, 'write');
    checkBody(body, { ref: 'string', sha: 'string' }, ['ref', 'sha']);
    const m = /^refs\/heads\/(.+)$/.exec(body.ref);
    if (!m || !validRefName(m[1])) throw new ApiError(422, { message: `${body.ref} is not a valid ref name.` });
    if (repo.branches.has(m[1])) throw new ApiError(422, { message: 'Reference already exists' });
    if (!obj(repo, body.sha, 'commit')) throw new ApiError(422, { message: 'Object does not exist' });
    repo.branches.set(m[1], body.sha);
    return { status: 201, body: refJson(repo, m[1], body.sha), headers: { location: `${API}/repos/${repo.fullName}/git/refs/heads/${m[1]}` } };
  });
  route('PATCH', `${R}/git/refs/(.+)`, 'core', (who, [o, r, ref], body) => {
    const repo = repoFor(who, o, r, 'write');
    checkBody(body, { sha: 'string', force: 'boolean' }, ['sha']);
    const branch = ref.replace(/^(refs\/)?heads\//, '');
    const current = repo.branches.get(branch);
    if (!current) throw new ApiError(422, { message: 'Reference does not exist' });
    if (!obj(repo, body.sha, 'commit')) throw new ApiError(422, { message: 'Object does not exist' });
    if (!body.force && !isAncestor(repo, current, body.sha)) throw new ApiError(422, { message: 'Update is not a fast forward' });
    repo.branches.set(branch, body.sha);
    return { body: refJson(repo, branch, body.sha) };
  });
  route('DELETE', `${R}/git/refs/(.+)`, 'core', (who, [o, r, ref]) => {
    const repo = repoFor(who, o, r, 'write');
    const branch = ref.replace(/^(refs\/)?heads\//, '');
    if (!repo.branches.has(branch)) throw new ApiError(422, { message: 'Reference does not exist' });
    if (branch === repo.defaultBranch) throw new ApiError(422, { message: 'Cannot delete the default branch' });
    repo.branches.delete(branch);
    return { status: 204 };
  });
  route('POST', `${R}/git/trees`, 'core', (who, [o, r], body) => {
    const repo = repoFor(who, o, r, 'write');
    checkBody(body, { tree: 'object[]', base_tree: 'string' }, ['tree']);
    let files = {};
    if (body.base_tree !== undefined) {
      // GitHub peels a commit id given as base_tree to that commit's tree.
      const base = obj(repo, body.base_tree);
      const treeSha = base?.type === 'commit' ? base.tree : base?.type === 'tree' ? body.base_tree : null;
      if (!treeSha) throw new ApiError(422, { message: 'Invalid tree info' });
      files = { ...obj(repo, treeSha).files };
    }
    for (const [i, e] of body.tree.entries()) {
      const modeOk = ['100644', '100755', '040000', '160000', '120000'].includes(e.mode);
      if (typeof e.path !== 'string' || !e.path || !modeOk || !['blob', 'tree', 'commit'].includes(e.type)) {
        throw invalidRequest(`For 'items', ${JSON.stringify(e)} is not a valid tree entry (tree.${i}: path, mode and type are required).`);
      }
      if (e.content !== undefined && e.sha !== undefined) throw new ApiError(422, { message: 'Must supply either tree.sha or tree.content, not both' });
      if (e.type !== 'blob') throw new ApiError(422, { message: `tree.${i}: only blob entries are supported by this stand-in` });
      if (e.sha === null) delete files[e.path];
      else if (e.content !== undefined) files[e.path] = putBlob(repo, String(e.content));
      else if (obj(repo, e.sha, 'blob')) files[e.path] = e.sha;
      else throw new ApiError(422, { message: `tree.sha ${e.sha} is not a valid blob` });
    }
    return { status: 201, body: treeJson(repo, putTree(repo, files)) };
  });
  route('GET', `${R}/git/trees/([0-9a-f]{40})`, 'core', (who, [o, r, sha]) => {
    const repo = repoFor(who, o, r);
    if (!obj(repo, sha, 'tree')) throw notFound();
    return { body: treeJson(repo, sha) };
  });
  route('POST', `${R}/git/commits`, 'core', (who, [o, r], body) => {
    const repo = repoFor(who, o, r, 'write');
    checkBody(body, { message: 'string', tree: 'string', parents: 'string[]', author: 'object' }, ['message', 'tree']);
    if (!obj(repo, body.tree, 'tree')) throw new ApiError(422, { message: 'Tree SHA does not exist' });
    for (const p of body.parents ?? []) {
      if (!obj(repo, p, 'commit')) throw new ApiError(422, { message: 'Parent SHA does not exist or is not a commit object' });
    }
    const sha = putCommit(repo, { tree: body.tree, parents: body.parents ?? [], message: body.message, author: body.author });
    return { status: 201, body: commitJson(repo, obj(repo, sha)) };
  });
  route('GET', `${R}/git/commits/([0-9a-f]{40})`, 'core', (who, [o, r, sha]) => {
    const repo = repoFor(who, o, r);
    const c = obj(repo, sha, 'commit');
    if (!c) throw notFound();
    return { body: commitJson(repo, c) };
  });
  route('GET', `${R}/commits`, 'core', (who, [o, r], _b, query, path) => {
    const repo = repoFor(who, o, r);
    const start = resolveRef(repo, query.get('sha') ?? undefined).sha;
    const list = [];
    for (let s = start; s && list.length < 10000; s = obj(repo, s, 'commit').parents[0]) list.push(obj(repo, s, 'commit'));
    const pg = pageOf(list, query);
    return {
      body: pg.items.map((c) => {
        const g = commitJson(repo, c);
        const url = `${API}/repos/${repo.fullName}/commits/${c.sha}`;
        return {
          sha: c.sha,
          node_id: g.node_id,
          commit: { author: c.author, committer: c.committer, message: c.message, tree: g.tree, url: g.url, comment_count: 0 },
          url,
          html_url: g.html_url,
          comments_url: `${url}/comments`,
          parents: g.parents,
        };
      }),
      headers: linkHeader(path, query, pg.page, pg.last),
    };
  });

  // Pull requests.
  route('POST', `${R}/pulls`, 'core', (who, [o, r], body) => {
    const repo = repoFor(who, o, r, 'write');
    const spec = { title: 'string', body: 'string?', head: 'string', base: 'string', draft: 'boolean', maintainer_can_modify: 'boolean', issue: 'integer' };
    checkBody(body, spec, ['head', 'base']);
    if (body.title === undefined || !body.title.trim()) throw validationFailed({ resource: 'PullRequest', code: 'missing_field', field: 'title' });
    // head may name the owner: "owner:branch" (forks are not modelled: the owner must be this repository's).
    const hm = /^(?:([^:]+):)?(.+)$/.exec(body.head);
    const headOwnerOk = !hm[1] || hm[1].toLowerCase() === repo.owner.toLowerCase();
    const head = hm[2];
    if (!headOwnerOk || !repo.branches.has(head)) throw validationFailed({ resource: 'PullRequest', field: 'head', code: 'invalid' });
    if (!repo.branches.has(body.base)) throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' });
    const headSha = repo.branches.get(head);
    const baseSha = repo.branches.get(body.base);
    if (headSha === baseSha || isAncestor(repo, headSha, baseSha)) {
      throw validationFailed({ resource: 'PullRequest', code: 'custom', message: `No commits between ${body.base} and ${head}` });
    }
    if ([...repo.issues.values()].some((i) => i.pull && i.state === 'open' && i.pull.head === head && i.pull.base === body.base)) {
      throw validationFailed({ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner}:${head}.` });
    }
    const pr = newIssue(repo, who, {
      title: body.title,
      body: body.body ?? null,
      labels: [],
      assignees: [],
      pull: {
        head,
        base: body.base,
        headSha,
        baseSha,
        draft: body.draft ?? false,
        maintainerCanModify: body.maintainer_can_modify ?? true,
        mergedAt: null,
        mergeCommitSha: null,
        mergeable: true,
      },
    });
    return { status: 201, body: pullJson(repo, pr), headers: { location: `${API}/repos/${repo.fullName}/pulls/${pr.number}` } };
  });
  const pullOf = (repo, n) => {
    const pr = repo.issues.get(Number(n));
    if (!pr?.pull) throw notFound();
    return pr;
  };
  route('GET', `${R}/pulls`, 'core', (who, [o, r], _b, query, path) => {
    const repo = repoFor(who, o, r);
    const state = query.get('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) throw validationFailed({ resource: 'PullRequest', field: 'state', code: 'invalid' });
    const head = query.get('head');
    const base = query.get('base');
    const sort = query.get('sort') ?? 'created';
    if (!['created', 'updated', 'popularity', 'long-running'].includes(sort)) {
      throw validationFailed({ resource: 'PullRequest', field: 'sort', code: 'invalid' });
    }
    const direction = query.get('direction') ?? (sort === 'long-running' ? 'asc' : 'desc');
    let items = [...repo.issues.values()].filter((i) => i.pull && (state === 'all' || i.state === state) && (!base || i.pull.base === base));
    if (head) {
      const [ho, hb] = head.includes(':') ? head.split(/:(.*)/s) : [head, undefined];
      items = items.filter((i) => ho.toLowerCase() === repo.owner.toLowerCase() && (hb === undefined || i.pull.head === hb));
    }
    items = sortIssues(items, sort === 'updated' ? 'updated' : 'created', direction);
    const pg = pageOf(items, query);
    return { body: pg.items.map((i) => pullJson(repo, i)), headers: linkHeader(path, query, pg.page, pg.last) };
  });
  route('GET', `${R}/pulls/(\\d+)`, 'core', (who, [o, r, n]) => {
    const repo = repoFor(who, o, r);
    return { body: pullJson(repo, pullOf(repo, n)) };
  });
  route('GET', `${R}/pulls/(\\d+)/files`, 'core', (who, [o, r, n]) => {
    const repo = repoFor(who, o, r);
    const pr = pullOf(repo, n);
    const headSha = pr.pull.mergedAt ? pr.pull.headSha : repo.branches.get(pr.pull.head) ?? pr.pull.headSha;
    // A merged pull request keeps showing what it changed: against the merge base it was merged from.
    const base = pr.pull.mergedAt ? pr.pull.mergeBase : mergeBase(repo, repo.branches.get(pr.pull.base) ?? pr.pull.baseSha, headSha);
    const before = filesAt(repo, base);
    const after = filesAt(repo, headSha);
    const out = [];
    for (const p of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      if (before[p] === after[p]) continue;
      const status = !before[p] ? 'added' : !after[p] ? 'removed' : 'modified';
      const a = before[p] ? obj(repo, before[p]).bytes.toString().split('\n').length : 0;
      const b = after[p] ? obj(repo, after[p]).bytes.toString().split('\n').length : 0;
      // Line counts, not a diff: every old line deleted, every new line added.
      out.push({
        sha: after[p] ?? before[p],
        filename: p,
        status,
        additions: b,
        deletions: a,
        changes: a + b,
        blob_url: `${WEB}/${repo.fullName}/blob/${headSha}/${p}`,
        raw_url: `${WEB}/${repo.fullName}/raw/${headSha}/${p}`,
        contents_url: `${API}/repos/${repo.fullName}/contents/${p}?ref=${headSha}`,
      });
    }
    return { body: out };
  });
  route('PUT', `${R}/pulls/(\\d+)/merge`, 'core', (who, [o, r, n], body) => {
    const repo = repoFor(who, o, r, 'write');
    const pr = pullOf(repo, n);
    checkBody(body ?? {}, { commit_title: 'string', commit_message: 'string', sha: 'string', merge_method: 'string' });
    const b = body ?? {};
    if (b.merge_method !== undefined && !['merge', 'squash', 'rebase'].includes(b.merge_method)) {
      throw validationFailed({ resource: 'PullRequest', field: 'merge_method', code: 'invalid' });
    }
    if (pr.state !== 'open' || pr.pull.draft) throw new ApiError(405, { message: 'Pull Request is not mergeable' });
    const headSha = repo.branches.get(pr.pull.head);
    if (b.sha !== undefined && b.sha !== headSha) throw new ApiError(409, { message: 'Head branch was modified. Review and try the merge again.' });
    const baseSha = repo.branches.get(pr.pull.base);
    const ancestor = mergeBase(repo, baseSha, headSha);
    const [was, ours, theirs] = [filesAt(repo, ancestor), filesAt(repo, baseSha), filesAt(repo, headSha)];
    const merged = { ...ours };
    for (const p of new Set([...Object.keys(was), ...Object.keys(theirs)])) {
      if (was[p] === theirs[p]) continue;
      if (ours[p] !== was[p] && ours[p] !== theirs[p]) throw new ApiError(405, { message: 'Pull Request is not mergeable' });
      if (theirs[p] === undefined) delete merged[p];
      else merged[p] = theirs[p];
    }
    // GitHub's default titles: a merge commit names the branch, a squash the pull request; a rebase replays
    // the head's commits (here as one commit carrying the head's message).
    const method = b.merge_method ?? 'merge';
    const defaultTitle = {
      merge: `Merge pull request #${pr.number} from ${repo.owner}/${pr.pull.head}`,
      squash: `${pr.title} (#${pr.number})`,
      rebase: obj(repo, headSha, 'commit').message,
    }[method];
    const title = b.commit_title ?? defaultTitle;
    const message = [title, b.commit_message].filter(Boolean).join('\n\n');
    const parents = method === 'merge' ? [baseSha, headSha] : [baseSha];
    const sha = putCommit(repo, { tree: putTree(repo, merged), parents, message });
    repo.branches.set(pr.pull.base, sha);
    const at = iso();
    Object.assign(pr.pull, { mergedAt: at, mergeCommitSha: sha, headSha, mergeBase: ancestor });
    Object.assign(pr, { state: 'closed', closedAt: at, updatedAt: at });
    return { body: { sha, merged: true, message: 'Pull Request successfully merged' } };
  });

  // Search: results are the caller's visible repositories only; sorted as GitHub sorts (best match unless
  // `sort` is given: then by that field, `order` desc by default).
  route('GET', '/search/issues', 'search', (who, _m, _b, query, path) => {
    const q = parseIssueQuery(query.get('q') ?? '', canSee(who));
    const sort = query.get('sort');
    const order = query.get('order') ?? 'desc';
    const hits = [];
    for (const repo of repoMap.values()) {
      if (!permission(who, repo)) continue;
      for (const i of repo.issues.values()) {
        if (now() < i.indexedAt) continue;
        const m = matchIssue(q, {
          repo: repo.key,
          title: i.title,
          body: i.body,
          commentBodies: i.comments.map((c) => c.body),
          labels: i.labels,
          state: i.state,
          isPull: Boolean(i.pull),
          merged: Boolean(i.pull?.mergedAt),
          locked: false,
          author: i.author,
          assignees: i.assignees,
          commentCount: i.comments.length,
        });
        if (m) hits.push({ repo, i, score: m.score });
      }
    }
    const newest = (a, b) => (a.i.createdAt < b.i.createdAt ? 1 : a.i.createdAt > b.i.createdAt ? -1 : b.i.id - a.i.id);
    // Reactions are not modelled: every reactions-* sort keeps the best-match order.
    const field = {
      created: (h) => h.i.createdAt,
      updated: (h) => h.i.updatedAt,
      comments: (h) => h.i.comments.length,
      interactions: (h) => h.i.comments.length,
    }[sort];
    if (field) {
      const sign = order === 'asc' ? 1 : -1;
      hits.sort((a, b) => sign * (field(a) < field(b) ? -1 : field(a) > field(b) ? 1 : a.i.id - b.i.id));
    } else {
      hits.sort((a, b) => b.score - a.score || newest(a, b));
    }
    const pg = pageOf(hits.slice(0, 1000), query);
    return {
      body: { total_count: hits.length, incomplete_results: false, items: pg.items.map((h) => ({ ...issueJson(h.repo, h.i), score: h.score })) },
      headers: linkHeader(path, query, pg.page, pg.last),
    };
  });
  route('GET', '/search/code', 'code_search', (who, _m, _b, query, path, req) => {
    if (who.anonymous) throw requiresAuth();
    const q = parseCodeQuery(query.get('q') ?? '', canSee(who));
    const textMatch = /text-match/.test(req.headers.accept ?? '');
    const hits = [];
    for (const repo of repoMap.values()) {
      if (!permission(who, repo)) continue;
      // Only the default branch is indexed.
      const head = repo.branches.get(repo.defaultBranch);
      for (const [p, blob] of Object.entries(filesAt(repo, head))) {
        const bytes = obj(repo, blob).bytes;
        if (bytes.length > CODE_SEARCH_MAX_BYTES) continue;
        const m = matchCode(q, repo.key, p, bytes.toString('utf8'));
        if (m) hits.push({ repo, p, blob, head, m });
      }
    }
    hits.sort((a, b) => b.m.score - a.m.score || (a.repo.key + a.p < b.repo.key + b.p ? -1 : 1));
    const pg = pageOf(hits.slice(0, 1000), query);
    const items = pg.items.map((h) => ({
      name: h.p.split('/').pop(),
      path: h.p,
      sha: h.blob,
      url: `${API}/repos/${h.repo.fullName}/contents/${h.p}?ref=${h.head}`,
      git_url: `${API}/repos/${h.repo.fullName}/git/blobs/${h.blob}`,
      html_url: `${WEB}/${h.repo.fullName}/blob/${h.head}/${h.p}`,
      repository: repoJson(h.repo),
      score: h.m.score,
      ...(textMatch
        ? {
            text_matches: h.m.fragments.map((f) => ({
              object_url: `${API}/repositories/${h.repo.id}/contents/${h.p}`,
              object_type: 'FileContent',
              property: 'content',
              ...f,
            })),
          }
        : {}),
    }));
    return { body: { total_count: hits.length, incomplete_results: false, items }, headers: linkHeader(path, query, pg.page, pg.last) };
  });

  // ---- the HTTP layer ----
  function record(entry) {
    requests.push(entry);
    logStream?.write(`${JSON.stringify(entry)}\n`);
  }
  function send(res, status, body, headers = {}) {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': `FAKE:${requests.length}`,
      ...headers,
    });
    res.end(text);
  }

  function handle(req, res, raw) {
    const url = new URL(req.url, 'http://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const query = url.searchParams;
    if (path.startsWith('/_fake/')) return control(req, res, path, raw);

    const entry = { seq: requests.length + 1, at: iso(), method: req.method, path, query: Object.fromEntries(query), status: 0 };
    let body;
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'));
        entry.body = body;
      } catch {
        entry.body = raw.toString('utf8').slice(0, 4096);
        body = Symbol.for('unparsable');
      }
    }
    const finish = (status, out, headers) => {
      entry.status = status;
      if (status >= 400) entry.error = out?.message;
      record(entry);
      send(res, status, out, headers);
    };

    // GitHub turns away requests without a User-Agent before anything else.
    if (!req.headers['user-agent']) {
      return finish(403, {
        message:
          'Request forbidden by administrative rules. Please make sure your request has a User-Agent header ' +
          '(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). ' +
          'Check https://developer.github.com for other possible causes.',
      });
    }
    let who;
    try {
      who = identify(req);
    } catch (e) {
      entry.token = 'invalid';
      return finish(e.status, e.body, e.headers);
    }
    entry.token = who.login ?? null;

    const f = takeFault(req.method, path);
    const routeOf = routes.filter((r) => r.re.test(path));
    const match = routeOf.find((r) => r.method === req.method);
    const resource = match?.resource ?? 'core';
    if (f) {
      entry.fault = f.kind;
      if (f.kind === 'reset') {
        entry.status = null;
        record(entry);
        return req.socket.destroy();
      }
      if (f.kind === 'server_error') {
        const status = f.status ?? 502;
        const message = { 500: 'Internal Server Error', 502: 'Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[status];
        return finish(status, { message });
      }
      const rate = rateHeaders(who, resource, false).headers;
      if (f.kind === 'secondary_rate_limit') {
        const status = f.status ?? 403;
        const body = {
          message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: String(status),
        };
        return finish(status, body, { ...rate, 'retry-after': String(f.retryAfter) });
      }
      const reset = Math.floor(now() / 1000) + f.retryAfter;
      const spent = { 'x-ratelimit-remaining': '0', 'x-ratelimit-used': rate['x-ratelimit-limit'], 'x-ratelimit-reset': String(reset) };
      return finish(f.status ?? 403, exhaustedBody(who, f.status ?? 403), { ...rate, ...spent });
    }

    const rate = rateHeaders(who, resource, true);
    if (rate.exhausted) return finish(403, exhaustedBody(who, 403), rate.headers);
    // An unknown path, or a known one with another method: GitHub answers both with 404.
    if (!match) return finish(404, notFound().body, rate.headers);
    if (body === Symbol.for('unparsable')) return finish(400, new ApiError(400, { message: 'Problems parsing JSON' }).body, rate.headers);
    try {
      const groups = match.re.exec(path).slice(1);
      const out = match.handler(who, groups, body, query, path, req);
      finish(out.status ?? 200, out.body, { ...rate.headers, ...(out.headers ?? {}) });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      finish(e.status, e.body, { ...rate.headers, ...e.headers });
    }
  }
  function exhaustedBody(who, status) {
    const subject = who.anonymous ? `${who.key.slice(3)}` : `user ID ${user(who.login).id}`;
    return {
      message: `API rate limit exceeded for ${subject}. If you reach out to GitHub Support for help, please include the request ID FAKE:${requests.length}.`,
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      status: String(status),
    };
  }

  // Introspection and knobs over HTTP, for a fake run as a process (server.mjs).
  function control(req, res, path, raw) {
    if (req.method === 'GET' && path === '/_fake/requests') return send(res, 200, requests);
    if (req.method === 'GET' && path === '/_fake/state') return send(res, 200, state());
    if (req.method === 'POST' && path === '/_fake/faults') {
      try {
        fault(JSON.parse(raw.toString('utf8') || '{}'));
        return send(res, 201, { armed: armed.filter((a) => a.left > 0).length });
      } catch (e) {
        return send(res, 400, { message: e.message });
      }
    }
    return send(res, 404, { message: 'Not Found' });
  }

  // A plain picture of the state, for assertions: per repository its branches (with their files as text),
  // labels, issues and pull requests.
  function state() {
    const out = { repos: {} };
    for (const repo of repoMap.values()) {
      const branches = {};
      for (const [name, sha] of repo.branches) {
        branches[name] = { sha, files: Object.fromEntries(Object.entries(filesAt(repo, sha)).map(([p, b]) => [p, obj(repo, b).bytes.toString('utf8')])) };
      }
      out.repos[repo.fullName] = {
        default_branch: repo.defaultBranch,
        branches,
        labels: [...repo.labels.values()].map((l) => l.name),
        issues: [...repo.issues.values()].filter((i) => !i.pull).map((i) => ({
          number: i.number,
          title: i.title,
          body: i.body,
          state: i.state,
          state_reason: i.stateReason,
          labels: [...i.labels],
          assignees: [...i.assignees],
          author: i.author,
          comments: i.comments.map((c) => ({ body: c.body, author: c.author })),
        })),
        pulls: [...repo.issues.values()].filter((i) => i.pull).map((i) => ({
          number: i.number,
          title: i.title,
          body: i.body,
          state: i.state,
          head: i.pull.head,
          base: i.pull.base,
          merged: Boolean(i.pull.mergedAt),
          author: i.author,
        })),
      };
    }
    out.faults_left = armed.filter((a) => a.left > 0).map((a) => ({ kind: a.kind, left: a.left }));
    return out;
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        send(res, 413, { message: 'Payload too large' });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return;
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (error) {
        if (!res.headersSent) send(res, 500, { message: `fake: internal error: ${error.message}` });
        else res.destroy();
      }
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
    fault,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
      await new Promise((resolve) => (logStream ? logStream.end(resolve) : resolve()));
    },
  };
}
