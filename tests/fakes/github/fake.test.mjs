// Tests of the GitHub REST API stand-in itself: each rule refuses a wrong request the way GitHub does (status,
// message, headers), search understands the qualifiers we use and sorts as GitHub does, and the real
// server-github, redirected by preload.mjs, drives issues, files, branches and pull requests through it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

import { NODE_MODULES, isolatedDir, killIfAlive, tail, within } from '../../e2e/helpers.mjs';
import { startFakeGitHub } from './fake.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = path.join(HERE, 'preload.mjs');
const SERVER_GITHUB = path.join(NODE_MODULES, '@modelcontextprotocol', 'server-github', 'dist', 'index.js');

const WRITER = 'tok-writer-not-secret';
const READER = 'tok-reader-not-secret';
const MANIFEST = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: api', 'spec:', '  template:', '    spec:', '      containers:', '        - name: api', '          resources:', '            limits:', '              memory: 256Mi', ''].join('\n');

function world(extra = {}) {
  return {
    tokens: {
      [WRITER]: { login: 'alice', repos: { 'acme/incidents': 'write', 'acme/manifests': 'write' } },
      [READER]: { login: 'bob', repos: { 'acme/incidents': 'read', 'acme/manifests': 'read' } },
    },
    repos: {
      'acme/incidents': { files: { 'README.md': '# Incidents\n' } },
      'acme/manifests': { files: { 'deploy/api.yaml': MANIFEST, 'deploy/worker.yml': 'kind: Deployment\nname: worker\n', 'README.md': 'Manifests of the api service.\n' } },
      'acme/secret': { files: { 'x.txt': 'hidden\n' } },
    },
    ...extra,
  };
}

// One REST call as a client would make it; `token` null sends no Authorization header.
function api(fake, { token = WRITER, accept = 'application/vnd.github.v3+json', userAgent = 'fake-test' } = {}) {
  return async (method, p, body, extraHeaders = {}) => {
    const headers = { accept, 'content-type': 'application/json', ...extraHeaders };
    if (token) headers.authorization = `Bearer ${token}`;
    if (userAgent) headers['user-agent'] = userAgent;
    const res = await fetch(`${fake.url}${p}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(10000),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
  };
}
const q = (query, extra = '') => `/search/issues?q=${encodeURIComponent(query)}${extra}`;

describe('authentication and permissions', () => {
  let fake;
  before(async () => {
    fake = await startFakeGitHub(world());
  });
  after(() => fake?.close());

  test('a write without a token is 401 Requires authentication; a bad token is 401 Bad credentials everywhere', async () => {
    let r = await api(fake, { token: null })('POST', '/repos/acme/incidents/issues', { title: 'x' });
    assert.equal(r.status, 401);
    assert.equal(r.json.message, 'Requires authentication');
    for (const [method, p] of [['GET', '/repos/acme/incidents/issues/1'], ['GET', q('is:issue x')], ['POST', '/repos/acme/incidents/issues']]) {
      r = await api(fake, { token: 'ghp_not_a_token' })(method, p, method === 'POST' ? { title: 'x' } : undefined);
      assert.equal(r.status, 401, `${method} ${p}`);
      assert.equal(r.json.message, 'Bad credentials');
    }
    // The `token` scheme is as good as `Bearer`.
    r = await api(fake, { token: null })('GET', '/user', undefined, { authorization: `token ${WRITER}` });
    assert.equal(r.json.login, 'alice');
    assert.equal(fake.requests().filter((e) => e.status === 401).length, 4);
  });

  test('a private repository the token cannot see is 404, for reads and writes alike, and without a token', async () => {
    for (const [method, p, body] of [['GET', '/repos/acme/secret/contents/x.txt'], ['POST', '/repos/acme/secret/issues', { title: 't' }], ['GET', '/repos/acme/nope/issues']]) {
      const r = await api(fake)(method, p, body);
      assert.equal(r.status, 404, `${method} ${p}`);
      assert.equal(r.json.message, 'Not Found');
    }
    assert.equal((await api(fake, { token: null })('GET', '/repos/acme/incidents/issues')).status, 404);
  });

  test('a public repository is readable without a token and by any token, writable only with permission', async () => {
    const open = await startFakeGitHub(world({ repos: { 'acme/docs': { private: false, files: { 'index.md': 'hello\n' } } } }));
    try {
      const anon = api(open, { token: null });
      assert.equal((await anon('GET', '/repos/acme/docs/contents/index.md')).status, 200);
      assert.equal((await anon('GET', '/repos/acme/docs/contents/index.md')).headers.get('x-ratelimit-limit'), '60');
      assert.equal((await anon('GET', '/user')).status, 401);
      assert.equal((await anon('POST', '/repos/acme/docs/issues', { title: 't' })).status, 401);
      const r = await api(open)('POST', '/repos/acme/docs/issues', { title: 't' });
      assert.deepEqual([r.status, r.json.message], [403, 'Resource not accessible by personal access token']);
      assert.equal((await api(open)('GET', '/repos/acme/docs')).json.permissions.push, false);
    } finally {
      await open.close();
    }
  });

  test('a write with read permission is 403 and changes nothing; the same token reads', async () => {
    const read = api(fake, { token: READER });
    const writes = [
      ['POST', '/repos/acme/incidents/issues', { title: 'nope' }],
      ['POST', '/repos/acme/manifests/git/refs', { ref: 'refs/heads/x', sha: 'a'.repeat(40) }],
      ['PUT', '/repos/acme/manifests/contents/new.txt', { message: 'm', content: 'eA==' }],
      ['POST', '/repos/acme/manifests/pulls', { title: 't', head: 'x', base: 'main' }],
    ];
    for (const [method, p, body] of writes) {
      const r = await read(method, p, body);
      assert.equal(r.status, 403, `${method} ${p}`);
      assert.equal(r.json.message, 'Resource not accessible by personal access token');
    }
    assert.equal((await read('GET', '/repos/acme/manifests/contents/deploy/api.yaml')).status, 200);
    assert.deepEqual(fake.state().repos['acme/incidents'].issues, []);
    assert.deepEqual(Object.keys(fake.state().repos['acme/manifests'].branches), ['main']);
  });

  test('a request without a User-Agent is refused before anything else', async () => {
    // fetch always sends one, so this goes through node:http, which sends none unless told.
    const { status, body } = await new Promise((resolve, reject) => {
      const req = http.get(`${fake.url}/repos/acme/incidents`, { headers: { authorization: `Bearer ${WRITER}` }, timeout: 10000 }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
    });
    assert.equal(status, 403);
    assert.match(body.message, /User-Agent header/);
  });
});

describe('issues, comments and labels', () => {
  let fake;
  let gh;
  before(async () => {
    fake = await startFakeGitHub(world({ repos: { ...world().repos, 'acme/incidents': { files: {}, labels: [{ name: 'incident', color: 'b60205' }] } } }));
    gh = api(fake);
  });
  after(() => fake?.close());

  test('validation: a missing title, an empty one, a title of the wrong type, an unknown milestone or assignee, JSON that does not parse', async () => {
    const cases = [
      [{ body: 'no title' }, 422, 'Invalid request.\n\n"title" wasn\'t supplied.', undefined],
      [{ title: '   ' }, 422, 'Validation Failed', [{ resource: 'Issue', code: 'missing_field', field: 'title' }]],
      [{ title: ['a'] }, 422, /^Invalid request\.\n\nFor 'properties\/title'/, undefined],
      [{ title: 't', milestone: 7 }, 422, 'Validation Failed', [{ value: 7, resource: 'Issue', field: 'milestone', code: 'invalid' }]],
      [{ title: 't', assignees: ['mallory'] }, 422, 'Validation Failed', [{ value: 'mallory', resource: 'Issue', field: 'assignees', code: 'invalid' }]],
      ['{"title": ', 400, 'Problems parsing JSON', undefined],
    ];
    for (const [body, status, message, errors] of cases) {
      const r = await gh('POST', '/repos/acme/incidents/issues', body);
      assert.equal(r.status, status, JSON.stringify(body));
      if (message instanceof RegExp) assert.match(r.json.message, message);
      else assert.equal(r.json.message, message);
      if (errors) assert.deepEqual(r.json.errors, errors);
      assert.equal(r.json.status, String(status));
    }
    assert.deepEqual(fake.state().repos['acme/incidents'].issues, []);
  });

  test('an issue with unknown labels creates them; numbers are shared with pull requests; closing and reopening set the reason', async () => {
    const created = await gh('POST', '/repos/acme/incidents/issues', { title: 'api crash-looping', body: 'fp:1', labels: ['incident', 'sev:critical', { name: 'reason:oom' }], assignees: ['bob'] });
    assert.equal(created.status, 201);
    assert.equal(created.json.number, 1);
    assert.equal(created.json.state, 'open');
    assert.deepEqual(created.json.labels.map((l) => [l.name, l.color]), [['incident', 'b60205'], ['sev:critical', 'ededed'], ['reason:oom', 'ededed']]);
    assert.equal(created.json.user.login, 'alice');
    assert.equal(created.json.assignee.login, 'bob');
    assert.deepEqual(fake.state().repos['acme/incidents'].labels, ['incident', 'sev:critical', 'reason:oom']);

    // A pull request takes the next number in the same sequence, and /issues lists it too.
    await gh('POST', '/repos/acme/incidents/git/refs', { ref: 'refs/heads/doc', sha: fake.state().repos['acme/incidents'].branches.main.sha });
    await gh('PUT', '/repos/acme/incidents/contents/doc.md', { message: 'doc', content: Buffer.from('doc\n').toString('base64'), branch: 'doc' });
    const pr = await gh('POST', '/repos/acme/incidents/pulls', { title: 'doc', head: 'doc', base: 'main' });
    assert.equal(pr.json.number, 2);
    const second = await gh('POST', '/repos/acme/incidents/issues', { title: 'second' });
    assert.equal(second.json.number, 3);
    const listed = await gh('GET', '/repos/acme/incidents/issues?state=open');
    assert.deepEqual(listed.json.map((i) => [i.number, Boolean(i.pull_request)]), [[3, false], [2, true], [1, false]]);
    assert.deepEqual((await gh('GET', '/repos/acme/incidents/issues?labels=incident,sev:critical')).json.map((i) => i.number), [1]);
    assert.equal((await gh('GET', '/repos/acme/incidents/issues?state=bogus')).status, 422);

    for (const [body, field] of [[{ state: 'resolved' }, 'state'], [{ state: 'closed', state_reason: 'fixed' }, 'state_reason'], [{ title: '' }, 'title']]) {
      const r = await gh('PATCH', '/repos/acme/incidents/issues/1', body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.json.message, 'Validation Failed');
      assert.equal(r.json.errors[0].field, field);
    }
    const closed = await gh('PATCH', '/repos/acme/incidents/issues/1', { state: 'closed' });
    assert.equal(closed.json.state, 'closed');
    assert.equal(closed.json.state_reason, 'completed');
    assert.ok(closed.json.closed_at);
    const notPlanned = await gh('PATCH', '/repos/acme/incidents/issues/3', { state: 'closed', state_reason: 'not_planned' });
    assert.equal(notPlanned.json.state_reason, 'not_planned');
    const reopened = await gh('PATCH', '/repos/acme/incidents/issues/1', { state: 'open', labels: ['incident'] });
    assert.equal(reopened.json.state_reason, 'reopened');
    assert.equal(reopened.json.closed_at, null);
    assert.deepEqual(reopened.json.labels.map((l) => l.name), ['incident']);
    assert.equal((await gh('PATCH', '/repos/acme/incidents/issues/99', { state: 'closed' })).status, 404);
  });

  test('comments: body required, counted on the issue, listed in order', async () => {
    assert.equal((await gh('POST', '/repos/acme/incidents/issues/1/comments', {})).json.message, 'Invalid request.\n\n"body" wasn\'t supplied.');
    assert.deepEqual((await gh('POST', '/repos/acme/incidents/issues/1/comments', { body: ' ' })).json.errors, [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }]);
    assert.equal((await gh('POST', '/repos/acme/incidents/issues/42/comments', { body: 'x' })).status, 404);
    const c = await gh('POST', '/repos/acme/incidents/issues/1/comments', { body: 'still crashing' });
    assert.equal(c.status, 201);
    assert.match(c.json.html_url, /issues\/1#issuecomment-\d+$/);
    await gh('POST', '/repos/acme/incidents/issues/1/comments', { body: 'mitigated' });
    assert.equal((await gh('GET', '/repos/acme/incidents/issues/1')).json.comments, 2);
    assert.deepEqual((await gh('GET', '/repos/acme/incidents/issues/1/comments')).json.map((x) => x.body), ['still crashing', 'mitigated']);
  });

  test('labels: created explicitly once (422 already_exists), added to and removed from an issue', async () => {
    assert.equal((await gh('POST', '/repos/acme/incidents/labels', { name: 'team:sre', color: '#0e8a16' })).status, 201);
    const dup = await gh('POST', '/repos/acme/incidents/labels', { name: 'TEAM:SRE' });
    assert.deepEqual(dup.json.errors, [{ resource: 'Label', code: 'already_exists', field: 'name' }]);
    assert.equal((await gh('POST', '/repos/acme/incidents/labels', { name: 'x', color: 'red' })).status, 422);
    const added = await gh('POST', '/repos/acme/incidents/issues/1/labels', { labels: ['team:sre', 'new-one'] });
    assert.deepEqual(added.json.map((l) => l.name), ['incident', 'team:sre', 'new-one']);
    assert.equal((await gh('DELETE', '/repos/acme/incidents/issues/1/labels/new-one')).status, 200);
    assert.equal((await gh('DELETE', '/repos/acme/incidents/issues/1/labels/new-one')).status, 404);
  });
});

describe('search', () => {
  let fake;
  let gh;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  before(async () => {
    fake = await startFakeGitHub(world({ now: () => clock, rateLimits: { search: [40, 60], code_search: [3, 60] } }));
    gh = api(fake);
    const make = async (title, body, labels) => {
      clock += 1000;
      return (await gh('POST', '/repos/acme/incidents/issues', { title, body, labels })).json.number;
    };
    await make('OOMKilled api', 'fingerprint <!-- fp:aaa --> memory', ['incident', 'sev:critical']);
    await make('Crash loop worker', 'fingerprint <!-- fp:bbb -->', ['incident', 'sev:warning']);
    await make('Unrelated memory memory question', 'nothing to see', []);
    clock += 1000;
    await gh('PATCH', '/repos/acme/incidents/issues/2', { state: 'closed' });
    await gh('POST', '/repos/acme/incidents/issues/3/comments', { body: 'see fp:aaa too' });
  });
  after(() => fake?.close());
  const numbers = async (query, extra) => {
    const r = await gh('GET', q(query, extra));
    assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.incomplete_results, false);
    assert.equal(r.json.total_count, r.json.items.length);
    return r.json.items.map((i) => i.number);
  };

  test('qualifiers: repo, is:issue, is:open/closed, state, label (AND, negated), in:body, in:title, quoted phrases', async () => {
    assert.deepEqual(await numbers('repo:acme/incidents is:issue'), [3, 2, 1]);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue is:open'), [3, 1]);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue state:closed'), [2]);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue label:incident label:sev:critical'), [1]);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue label:"sev:warning"'), [2]);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue label:incident -label:sev:critical'), [2]);
    // Equal scores: the newer first.
    assert.deepEqual(await numbers('repo:acme/incidents is:issue "fp:aaa"'), [3, 1]);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue "fp:aaa" in:body'), [1]);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue "<!-- fp:bbb -->" in:body'), [2]);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue crash in:title'), [2]);
    assert.deepEqual(await numbers('repo:acme/incidents is:pr'), []);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue no:label'), [3]);
  });

  test('sorting: best match by default (title hits count double, then newest), or by the given field and order', async () => {
    assert.deepEqual(await numbers('repo:acme/incidents is:issue memory'), [3, 1]);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue', '&sort=created&order=asc'), [1, 2, 3]);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue', '&sort=comments'), [3, 2, 1]);
    assert.deepEqual(await numbers('repo:acme/incidents is:issue', '&sort=updated'), [3, 2, 1]);
    const page = await gh('GET', q('repo:acme/incidents is:issue', '&per_page=2&page=1'));
    assert.deepEqual(page.json.items.map((i) => i.number), [3, 2]);
    assert.equal(page.json.total_count, 3);
    assert.match(page.headers.get('link'), /rel="next"/);
  });

  test('with searchLagMs a new issue is found only once the index has caught up', async () => {
    let at = Date.parse('2026-02-01T00:00:00Z');
    const lagging = await startFakeGitHub(world({ now: () => at, searchLagMs: 3000 }));
    try {
      const call = api(lagging);
      await call('POST', '/repos/acme/incidents/issues', { title: 'fresh', body: 'fp:zzz' });
      const find = async () => (await call('GET', q('repo:acme/incidents is:issue fp:zzz'))).json.total_count;
      assert.equal(await find(), 0);
      assert.equal((await call('GET', '/repos/acme/incidents/issues')).json.length, 1, 'the issue itself exists at once');
      at += 3000;
      assert.equal(await find(), 1);
    } finally {
      await lagging.close();
    }
  });

  test('refusals: no is:issue/is:pull-request, an invisible repository, an empty or too long query, an unknown in:', async () => {
    let r = await gh('GET', q('repo:acme/incidents fp:aaa'));
    assert.equal(r.status, 422);
    assert.equal(r.json.message, "Query must include 'is:issue' or 'is:pull-request'");
    r = await gh('GET', q('repo:acme/secret is:issue'));
    assert.equal(r.status, 422);
    assert.match(r.json.errors[0].message, /cannot be searched/);
    assert.equal((await gh('GET', '/search/issues?q=')).status, 422);
    assert.equal((await gh('GET', q(`is:issue ${'x'.repeat(260)}`))).json.errors[0].message, 'The search is longer than 256 characters.');
    assert.equal((await gh('GET', q('is:issue x in:everything'))).status, 422);
  });

  test('code search: default branch only, qualifiers repo/path/extension/filename, text matches, at least one term, a token required', async () => {
    const code = async (query, opts) => {
      const r = await api(fake, opts)('GET', `/search/code?q=${encodeURIComponent(query)}`);
      return r;
    };
    let r = await code('memory repo:acme/manifests');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.items.map((i) => i.path), ['deploy/api.yaml']);
    assert.equal(r.json.items[0].repository.full_name, 'acme/manifests');
    assert.equal(r.headers.get('x-ratelimit-resource'), 'code_search');
    r = await code('Deployment extension:yml org:acme');
    assert.deepEqual(r.json.items.map((i) => i.path), ['deploy/worker.yml']);
    r = await code('"name: api" path:deploy filename:api.yaml repo:acme/manifests', { accept: 'application/vnd.github.text-match+json' });
    assert.equal(r.json.items[0].text_matches[0].fragment, '  name: api');
    assert.equal(r.status, 200);
    // The limit of 3 code searches a minute is spent: the fourth is refused until the window resets.
    r = await code('memory user:acme');
    assert.equal(r.status, 403);
    assert.match(r.json.message, /^API rate limit exceeded for user ID \d+/);
    assert.equal(r.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(r.headers.get('x-ratelimit-resource'), 'code_search');
    clock += 61000;
    assert.equal((await code('repo:acme/manifests')).json.errors[0].message, 'Must include at least one search term.');
    assert.equal((await code('memory')).json.errors[0].message, 'Must include at least one user, organization, or repository');
    assert.match((await code('memory repo:acme/secret')).json.errors[0].message, /^The listed users and repositories cannot be searched/);
    assert.equal((await code('memory repo:acme/manifests', { token: null })).status, 401);
    // A branch's files are not indexed (a new window first: the three searches above spent this one).
    clock += 61000;
    const main = fake.state().repos['acme/manifests'].branches.main.sha;
    await gh('POST', '/repos/acme/manifests/git/refs', { ref: 'refs/heads/side', sha: main });
    await gh('PUT', '/repos/acme/manifests/contents/side.txt', { message: 'm', content: Buffer.from('zebra\n').toString('base64'), branch: 'side' });
    assert.equal((await code('zebra repo:acme/manifests')).json.total_count, 0);
  });
});

describe('contents, git data and pull requests', () => {
  let fake;
  let gh;
  const main = () => fake.state().repos['acme/manifests'].branches.main.sha;
  before(async () => {
    fake = await startFakeGitHub(world());
    gh = api(fake);
  });
  after(() => fake?.close());

  test('contents: a file in base64 with its blob sha, a directory listing, a missing ref or path is 404', async () => {
    const r = await gh('GET', '/repos/acme/manifests/contents/deploy/api.yaml');
    assert.equal(r.json.type, 'file');
    assert.equal(r.json.encoding, 'base64');
    assert.equal(Buffer.from(r.json.content, 'base64').toString(), MANIFEST);
    assert.equal(r.json.sha.length, 40);
    const dir = await gh('GET', '/repos/acme/manifests/contents/deploy');
    assert.deepEqual(dir.json.map((e) => [e.name, e.type]), [['api.yaml', 'file'], ['worker.yml', 'file']]);
    const root = await gh('GET', '/repos/acme/manifests/contents');
    assert.deepEqual(root.json.map((e) => [e.name, e.type]), [['README.md', 'file'], ['deploy', 'dir']]);
    assert.equal((await gh('GET', '/repos/acme/manifests/contents/nope.yaml')).status, 404);
    const noRef = await gh('GET', '/repos/acme/manifests/contents/deploy/api.yaml?ref=nope');
    assert.equal(noRef.status, 404);
    assert.equal(noRef.json.message, 'No commit found for the ref nope');
  });

  test('contents PUT: sha required to replace, a stale sha is 409, content must be base64, the branch must exist', async () => {
    const put = (p, body) => gh('PUT', `/repos/acme/manifests/contents/${p}`, { message: 'edit', ...body });
    const b64 = (t) => Buffer.from(t).toString('base64');
    let r = await put('deploy/api.yaml', { content: b64('x') });
    assert.equal(r.status, 422);
    assert.equal(r.json.message, 'Invalid request.\n\n"sha" wasn\'t supplied.');
    r = await put('deploy/api.yaml', { content: b64('x'), sha: 'f'.repeat(40) });
    assert.equal(r.status, 409);
    assert.equal(r.json.message, `deploy/api.yaml does not match ${'f'.repeat(40)}`);
    assert.equal((await put('a.txt', { content: 'not base64!' })).status, 422);
    assert.equal((await put('a.txt', { content: b64('x'), branch: 'nope' })).status, 404);
    assert.equal((await put('a.txt', { message: undefined, content: b64('x') })).json.message, 'Invalid request.\n\n"message" wasn\'t supplied.');
    const { sha } = (await gh('GET', '/repos/acme/manifests/contents/deploy/api.yaml')).json;
    const before = main();
    r = await put('deploy/api.yaml', { content: b64(MANIFEST.replace('256Mi', '512Mi')), sha });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.commit.parents.map((p) => p.sha), [before]);
    assert.equal(main(), r.json.commit.sha);
    assert.match(fake.state().repos['acme/manifests'].branches.main.files['deploy/api.yaml'], /512Mi/);
    assert.equal((await put('new.txt', { content: b64('new\n') })).status, 201);
    // A sha for a path that does not exist yet is ignored, as GitHub ignores it.
    assert.equal((await put('newer.txt', { content: b64('x'), sha: 'e'.repeat(40) })).status, 201);
    assert.equal((await gh('PUT', '/repos/acme/manifests/contents/x.txt', ['not', 'an', 'object'])).json.message, 'Body should be a JSON object');
  });

  test('refs: one by name (both spellings), an existing branch is 422, a bad name or unknown sha is 422, a non-fast-forward needs force', async () => {
    const one = await gh('GET', '/repos/acme/manifests/git/ref/heads/main');
    assert.equal(one.json.ref, 'refs/heads/main');
    assert.equal(one.json.object.sha, main());
    assert.deepEqual((await gh('GET', '/repos/acme/manifests/git/refs/heads/main')).json, one.json);
    assert.equal((await gh('GET', '/repos/acme/manifests/git/ref/heads/nope')).status, 404);
    const made = await gh('POST', '/repos/acme/manifests/git/refs', { ref: 'refs/heads/fix/mem', sha: main() });
    assert.equal(made.status, 201);
    let r = await gh('POST', '/repos/acme/manifests/git/refs', { ref: 'refs/heads/fix/mem', sha: main() });
    assert.equal(r.status, 422);
    assert.equal(r.json.message, 'Reference already exists');
    assert.equal((await gh('POST', '/repos/acme/manifests/git/refs', { ref: 'refs/heads/bad..name', sha: main() })).status, 422);
    assert.equal((await gh('POST', '/repos/acme/manifests/git/refs', { ref: 'refs/heads/x', sha: 'a'.repeat(40) })).json.message, 'Object does not exist');
    assert.equal((await gh('POST', '/repos/acme/manifests/git/refs', { sha: main() })).json.message, 'Invalid request.\n\n"ref" wasn\'t supplied.');
    // A tree on the branch's commit, a commit of it, then the ref moved: the push_files sequence.
    const tree = await gh('POST', '/repos/acme/manifests/git/trees', { base_tree: main(), tree: [{ path: 'deploy/extra.yaml', mode: '100644', type: 'blob', content: 'a: 1\n' }] });
    assert.equal(tree.status, 201);
    assert.ok(tree.json.tree.some((e) => e.path === 'deploy' && e.type === 'tree' && e.mode === '040000'));
    const commit = await gh('POST', '/repos/acme/manifests/git/commits', { message: 'extra', tree: tree.json.sha, parents: [main()] });
    assert.equal(commit.status, 201);
    const orphan = await gh('POST', '/repos/acme/manifests/git/commits', { message: 'orphan', tree: tree.json.sha, parents: [] });
    r = await gh('PATCH', '/repos/acme/manifests/git/refs/heads/fix/mem', { sha: orphan.json.sha });
    assert.equal(r.status, 422);
    assert.equal(r.json.message, 'Update is not a fast forward');
    r = await gh('PATCH', '/repos/acme/manifests/git/refs/heads/fix/mem', { sha: commit.json.sha, force: true });
    assert.equal(r.json.object.sha, commit.json.sha);
    assert.equal(fake.state().repos['acme/manifests'].branches['fix/mem'].files['deploy/extra.yaml'], 'a: 1\n');
  });

  test('pull requests: validation (title, head, base, no commits, duplicate), get, list, merge once', async () => {
    const cases = [
      [{ head: 'fix/mem', base: 'main' }, { resource: 'PullRequest', code: 'missing_field', field: 'title' }],
      [{ title: 't', head: 'nope', base: 'main' }, { resource: 'PullRequest', field: 'head', code: 'invalid' }],
      [{ title: 't', head: 'fix/mem', base: 'nope' }, { resource: 'PullRequest', field: 'base', code: 'invalid' }],
      [{ title: 't', head: 'other:fix/mem', base: 'main' }, { resource: 'PullRequest', field: 'head', code: 'invalid' }],
    ];
    for (const [body, error] of cases) {
      const r = await gh('POST', '/repos/acme/manifests/pulls', body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.deepEqual(r.json.errors, [error]);
    }
    await gh('POST', '/repos/acme/manifests/git/refs', { ref: 'refs/heads/empty', sha: main() });
    const empty = await gh('POST', '/repos/acme/manifests/pulls', { title: 't', head: 'empty', base: 'main' });
    assert.equal(empty.json.errors[0].message, 'No commits between main and empty');
    const pr = await gh('POST', '/repos/acme/manifests/pulls', { title: 'Raise api memory', body: 'evidence', head: 'acme:fix/mem', base: 'main' });
    assert.equal(pr.status, 201);
    assert.equal(pr.json.head.ref, 'fix/mem');
    assert.equal(pr.json.base.repo.full_name, 'acme/manifests');
    const dup = await gh('POST', '/repos/acme/manifests/pulls', { title: 'again', head: 'fix/mem', base: 'main' });
    assert.equal(dup.json.errors[0].message, 'A pull request already exists for acme:fix/mem.');
    assert.equal((await gh('GET', `/repos/acme/manifests/pulls/${pr.json.number}`)).json.title, 'Raise api memory');
    assert.deepEqual((await gh('GET', '/repos/acme/manifests/pulls?head=acme:fix/mem')).json.map((p) => p.number), [pr.json.number]);
    assert.deepEqual((await gh('GET', '/repos/acme/manifests/pulls?state=closed')).json, []);
    const files = await gh('GET', `/repos/acme/manifests/pulls/${pr.json.number}/files`);
    assert.deepEqual(files.json.map((f) => [f.filename, f.status]), [['deploy/extra.yaml', 'added']]);
    assert.equal((await api(fake, { token: READER })('PUT', `/repos/acme/manifests/pulls/${pr.json.number}/merge`, {})).status, 403);
    assert.equal((await gh('PUT', `/repos/acme/manifests/pulls/${pr.json.number}/merge`, { sha: 'b'.repeat(40) })).status, 409);
    const merged = await gh('PUT', `/repos/acme/manifests/pulls/${pr.json.number}/merge`, { merge_method: 'squash' });
    assert.deepEqual([merged.status, merged.json.merged, merged.json.message], [200, true, 'Pull Request successfully merged']);
    assert.equal(fake.state().repos['acme/manifests'].branches.main.files['deploy/extra.yaml'], 'a: 1\n');
    const again = await gh('PUT', `/repos/acme/manifests/pulls/${pr.json.number}/merge`, {});
    assert.deepEqual([again.status, again.json.message], [405, 'Pull Request is not mergeable']);
    const after = (await gh('GET', `/repos/acme/manifests/pulls/${pr.json.number}`)).json;
    assert.deepEqual([after.state, after.merged, Boolean(after.merged_at)], ['closed', true, true]);
  });
});

describe('rate limits and faults', () => {
  let fake;
  let gh;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  before(async () => {
    fake = await startFakeGitHub(world({ now: () => clock, rateLimits: { core: [5, 3600], search: [2, 60] } }));
    gh = api(fake);
  });
  after(() => fake?.close());

  test('every answer carries x-ratelimit-*; the primary limit, once spent, is 403 with remaining 0 until the reset', async () => {
    const r1 = await gh('GET', '/repos/acme/incidents');
    assert.equal(r1.headers.get('x-ratelimit-limit'), '5');
    assert.equal(r1.headers.get('x-ratelimit-remaining'), '4');
    assert.equal(r1.headers.get('x-ratelimit-used'), '1');
    assert.equal(r1.headers.get('x-ratelimit-resource'), 'core');
    const reset = Number(r1.headers.get('x-ratelimit-reset'));
    assert.equal(reset, clock / 1000 + 3600);
    for (let i = 0; i < 4; i++) assert.equal((await gh('GET', '/repos/acme/incidents/issues')).status, 200);
    const spent = await gh('GET', '/repos/acme/incidents');
    assert.equal(spent.status, 403);
    assert.equal(spent.headers.get('x-ratelimit-remaining'), '0');
    assert.match(spent.json.message, /^API rate limit exceeded/);
    // Search has its own budget, and the reader its own counters.
    assert.equal((await gh('GET', q('is:issue x'))).status, 200);
    assert.equal((await api(fake, { token: READER })('GET', '/repos/acme/incidents')).status, 200);
    clock += 3600 * 1000;
    const fresh = await gh('GET', '/repos/acme/incidents');
    assert.equal(fresh.status, 200);
    assert.equal(fresh.headers.get('x-ratelimit-remaining'), '4');
  });

  test('faults answer the next N matching requests: secondary limit with retry-after, primary limit, 5xx, reset', async () => {
    clock += 3600 * 1000;
    fake.fault({ kind: 'secondary_rate_limit', count: 2, retry_after: 7, match: { method: 'POST', path: '/repos/acme/incidents/issues' } });
    assert.equal((await gh('GET', '/repos/acme/incidents/issues')).status, 200, 'a GET does not match the POST fault');
    for (let i = 0; i < 2; i++) {
      const r = await gh('POST', '/repos/acme/incidents/issues', { title: 'x' });
      assert.equal(r.status, 403);
      assert.equal(r.headers.get('retry-after'), '7');
      assert.match(r.json.message, /secondary rate limit/);
    }
    assert.equal((await gh('POST', '/repos/acme/incidents/issues', { title: 'x' })).status, 201);
    assert.equal(fake.state().repos['acme/incidents'].issues.length, 1, 'a refused request changes nothing');

    fake.fault({ kind: 'primary_rate_limit', status: 429, retry_after: 30 });
    const p = await gh('GET', '/repos/acme/incidents');
    assert.equal(p.status, 429);
    assert.equal(p.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(Number(p.headers.get('x-ratelimit-reset')), clock / 1000 + 30);

    fake.fault({ kind: 'server_error', status: 503 });
    assert.equal((await gh('GET', '/repos/acme/incidents')).status, 503);
    fake.fault({ kind: 'server_error' });
    assert.equal((await gh('GET', '/repos/acme/incidents')).status, 502);
    fake.fault({ kind: 'reset' });
    await assert.rejects(gh('GET', '/repos/acme/incidents'));
    assert.equal((await gh('GET', '/repos/acme/incidents')).status, 200);
    assert.deepEqual(fake.state().faults_left, []);
    const faulted = fake.requests().filter((e) => e.fault);
    assert.deepEqual(faulted.map((e) => [e.fault, e.status]), [
      ['secondary_rate_limit', 403], ['secondary_rate_limit', 403], ['primary_rate_limit', 429], ['server_error', 503], ['server_error', 502], ['reset', null],
    ]);
    assert.throws(() => fake.fault({ kind: 'flaky' }), /fault kind/);
    assert.throws(() => fake.fault({ kind: 'server_error', status: 404 }), /status 404 is not one of 500, 502, 503, 504/);
    assert.throws(() => fake.fault({ kind: 'reset', count: 0 }), /positive integer/);
  });

  test('faults can be armed over HTTP, for a fake run as a process', async () => {
    const res = await fetch(`${fake.url}/_fake/faults`, { method: 'POST', body: JSON.stringify({ kind: 'server_error', status: 500 }), signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 201);
    assert.equal((await gh('GET', '/repos/acme/incidents')).status, 500);
    const log = await (await fetch(`${fake.url}/_fake/requests`, { signal: AbortSignal.timeout(5000) })).json();
    assert.deepEqual(log.at(-1), { ...log.at(-1), method: 'GET', path: '/repos/acme/incidents', status: 500, fault: 'server_error', token: 'alice' });
  });
});

describe('server.mjs, the stand-in as a process', () => {
  test('prints its URL, serves the world of --config, takes faults over HTTP, stops on SIGTERM', async () => {
    const iso = isolatedDir('github-server');
    const config = path.join(iso.dir, 'world.json');
    fs.writeFileSync(config, JSON.stringify(world()));
    const child = spawn(process.execPath, [path.join(HERE, 'server.mjs'), '--config', config, '--log', path.join(iso.dir, 'log.jsonl')], {
      env: iso.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await within(
        10000,
        new Promise((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (c) => {
            out += c;
            if (out.includes('\n')) resolve(out.split('\n')[0]);
          });
          child.on('exit', (code) => reject(new Error(`server.mjs exited with ${code}`)));
        }),
        'the URL line',
      );
      const { url } = JSON.parse(line);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const gh = api({ url });
      assert.equal((await gh('GET', '/repos/acme/manifests/contents/deploy/api.yaml')).status, 200);
      const armed = await fetch(`${url}/_fake/faults`, { method: 'POST', body: JSON.stringify({ kind: 'secondary_rate_limit', match: { path_regex: '^/repos/acme/incidents' } }), signal: AbortSignal.timeout(5000) });
      assert.equal(armed.status, 201);
      assert.equal((await gh('GET', '/repos/acme/manifests')).status, 200, 'the fault matches another path only');
      assert.equal((await gh('GET', '/repos/acme/incidents')).status, 403);
      const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      process.kill(child.pid, 'SIGTERM');
      assert.deepEqual(await within(10000, exited, 'server.mjs to exit'), { code: 0, signal: null });
      const logged = fs.readFileSync(path.join(iso.dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(logged.map((e) => e.status), [200, 200, 403]);
    } finally {
      killIfAlive(child.pid);
      iso.cleanup();
    }
  });

  test('refuses to start without --config, with a bad port or an unknown permission', async () => {
    const run = (args, env = {}) =>
      within(
        10000,
        new Promise((resolve) => {
          const child = spawn(process.execPath, [path.join(HERE, 'server.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, ...env } });
          let err = '';
          child.stderr.on('data', (c) => (err += c));
          child.on('exit', (code) => resolve({ code, err }));
        }),
        'server.mjs to refuse',
      );
    assert.match((await run([])).err, /--config FILE.json is required/);
    assert.equal((await run(['--config', '/dev/null', '--port', '70000'])).code, 2);
    const iso = isolatedDir('github-bad');
    try {
      const bad = path.join(iso.dir, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify({ tokens: { t: { login: 'x', repos: { 'a/b': 'push' } } } }));
      const r = await run(['--config', bad]);
      assert.equal(r.code, 1);
      assert.match(r.err, /permission "push" is not read, write or admin/);
    } finally {
      iso.cleanup();
    }
  });
});

// A short node program under the preload; resolves with its exit code and output. Bounded, killed by PID.
function underPreload(code, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      env: { PATH: process.env.PATH, NODE_OPTIONS: `--import=${PRELOAD}`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const timer = setTimeout(() => {
      killIfAlive(child.pid);
      reject(new Error(`preload program timed out: ${out}`));
    }, 15000);
    child.on('error', reject);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
  });
}

describe('the preload', () => {
  let fake;
  before(async () => {
    fake = await startFakeGitHub(world());
  });
  after(() => fake?.close());

  test('api.github.com goes to the fake with path, query and headers; any other host is refused; loopback passes', async () => {
    const program = `
      const gh = await fetch('https://api.github.com/repos/acme/incidents/issues?state=all&per_page=5', {
        headers: { authorization: 'Bearer ${WRITER}', 'user-agent': 'preload-test' } });
      console.log('github', gh.status, gh.headers.get('x-ratelimit-resource'));
      const viaRequest = await fetch(new Request('https://api.github.com/user', { headers: { authorization: 'token ${WRITER}', 'user-agent': 'x' } }));
      console.log('request', (await viaRequest.json()).login);
      for (const url of ['https://example.com/', 'http://10.0.0.1/', 'https://api.github.com.evil.test/']) {
        try { await fetch(url); console.log('LEAKED', url); } catch (e) { console.log('refused', e.message); }
      }
      try { (await import('node:https')).get('https://example.com/'); console.log('LEAKED https'); } catch (e) { console.log('refused', e.message); }
      console.log('loopback', (await fetch('${fake.url}/repos/acme/incidents', { headers: { 'user-agent': 'x', authorization: 'Bearer ${WRITER}' } })).status);
    `;
    const before = fake.requests().length;
    const r = await underPreload(program, { EKS_FAKE_GITHUB_URL: fake.url });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /^github 200 core$/m);
    assert.match(r.out, /^request alice$/m);
    assert.doesNotMatch(r.out, /LEAKED/);
    assert.equal(r.out.match(/^refused fetch to .* refused: only loopback hosts/gm)?.length, 4, r.out);
    assert.match(r.out, /^loopback 200$/m);
    const seen = fake.requests().slice(before);
    assert.deepEqual(seen[0], { ...seen[0], method: 'GET', path: '/repos/acme/incidents/issues', query: { state: 'all', per_page: '5' }, token: 'alice', status: 200 });
    assert.equal(seen.length, 3);
  });

  test('without EKS_FAKE_GITHUB_URL (or with a non-loopback one) a GitHub call fails instead of going out', async () => {
    const program = `try { await fetch('https://api.github.com/user'); console.log('LEAKED'); } catch (e) { console.log(e.message); }`;
    let r = await underPreload(program, {});
    assert.match(r.out, /EKS_FAKE_GITHUB_URL is not set/);
    r = await underPreload(program, { EKS_FAKE_GITHUB_URL: 'http://192.0.2.1:80' });
    assert.match(r.out, /is not a loopback address/);
  });
});

describe('the real server-github through the preload', () => {
  let fake;
  let client;
  let pid;
  let stderr;
  let iso;
  before(async () => {
    fake = await startFakeGitHub(world());
    iso = isolatedDir('github');
  });
  after(async () => {
    if (client) await within(8000, client.close(), 'close').catch(() => {});
    killIfAlive(pid);
    await fake?.close();
    iso?.cleanup();
  });

  async function connect(token) {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [SERVER_GITHUB],
      env: { ...iso.env, GITHUB_PERSONAL_ACCESS_TOKEN: token, NODE_OPTIONS: `--import=${PRELOAD}`, EKS_FAKE_GITHUB_URL: fake.url },
      cwd: iso.dir,
      stderr: 'pipe',
    });
    const c = new Client({ name: 'eks-fake-github-test', version: '1.0.0' });
    const log = tail(transport.stderr);
    await within(20000, c.connect(transport), 'server-github initialize');
    return { c, pid: transport.pid, log };
  }
  // The tool's JSON answer, or {error, code} for a refusal: an isError result (code 'isError') or a JSON-RPC
  // error (its code).
  async function call(name, args) {
    try {
      const r = await within(20000, client.callTool({ name, arguments: args }, undefined, { timeout: 20000 }), name);
      const text = r.content?.[0]?.text ?? '';
      if (r.isError) return { error: text, code: 'isError' };
      return JSON.parse(text);
    } catch (error) {
      if (/timed out/.test(error.message)) throw new Error(`${error.message}\n${stderr()}`);
      return { error: error.message, code: error.code };
    }
  }

  test('create_issue → search_issues → add_issue_comment → update_issue → get_file_contents → create_branch → create_or_update_file → push_files → create_pull_request → get/list/merge', async () => {
    ({ c: client, pid, log: stderr } = await connect(WRITER));
    const tools = (await within(10000, client.listTools(), 'tools/list')).tools.map((t) => t.name);
    for (const t of ['create_issue', 'search_issues', 'add_issue_comment', 'update_issue', 'get_file_contents', 'create_branch', 'create_or_update_file', 'push_files', 'create_pull_request', 'search_code']) {
      assert.ok(tools.includes(t), `server-github lists ${t}`);
    }
    const R = { owner: 'acme', repo: 'incidents' };
    const issue = await call('create_issue', { ...R, title: 'api: CrashLoopBackOff', body: 'Summary\n<!-- eks-sre-mcp:fingerprint=abc123 -->', labels: ['incident', 'sev:critical'] });
    assert.equal(issue.number, 1, JSON.stringify(issue));
    assert.deepEqual(issue.labels.map((l) => l.name), ['incident', 'sev:critical']);

    const found = await call('search_issues', { q: 'repo:acme/incidents is:issue is:open label:incident "eks-sre-mcp:fingerprint=abc123" in:body' });
    assert.equal(found.total_count, 1, JSON.stringify(found));
    assert.equal(found.items[0].number, 1);
    const refused = await call('search_issues', { q: 'repo:acme/incidents abc123' });
    assert.match(refused.error, /Query must include 'is:issue' or 'is:pull-request'/);

    const comment = await call('add_issue_comment', { ...R, issue_number: 1, body: 'Restarted 3 more times.' });
    assert.equal(comment.body, 'Restarted 3 more times.');
    const got = await call('get_issue', { ...R, issue_number: 1 });
    assert.equal(got.comments, 1);
    const closed = await call('update_issue', { ...R, issue_number: 1, state: 'closed', labels: ['incident', 'resolved'] });
    assert.equal(closed.state, 'closed');
    assert.deepEqual((await call('list_issues', { ...R, state: 'closed' })).map((i) => i.number), [1]);
    assert.deepEqual(fake.state().repos['acme/incidents'].issues[0], {
      ...fake.state().repos['acme/incidents'].issues[0], state: 'closed', state_reason: 'completed', labels: ['incident', 'resolved'], comments: [{ body: 'Restarted 3 more times.', author: 'alice' }],
    });

    const M = { owner: 'acme', repo: 'manifests' };
    const file = await call('get_file_contents', { ...M, path: 'deploy/api.yaml' });
    assert.equal(file.content, MANIFEST, 'server-github decodes the base64 content');
    const dir = await call('get_file_contents', { ...M, path: 'deploy' });
    assert.deepEqual(dir.map((e) => e.name), ['api.yaml', 'worker.yml']);
    const hits = await call('search_code', { q: 'memory repo:acme/manifests' });
    assert.deepEqual(hits.items.map((i) => i.path), ['deploy/api.yaml']);

    const branch = await call('create_branch', { ...M, branch: 'eks-sre-mcp/api-memory', from_branch: 'main' });
    assert.equal(branch.ref, 'refs/heads/eks-sre-mcp/api-memory');
    const again = await call('create_branch', { ...M, branch: 'eks-sre-mcp/api-memory' });
    assert.match(again.error, /Reference already exists/);
    const edited = await call('create_or_update_file', { ...M, path: 'deploy/api.yaml', content: MANIFEST.replace('256Mi', '512Mi'), message: 'api: memory limit 512Mi', branch: 'eks-sre-mcp/api-memory' });
    assert.equal(edited.commit.message, 'api: memory limit 512Mi');
    const pushed = await call('push_files', { ...M, branch: 'eks-sre-mcp/api-memory', message: 'notes', files: [{ path: 'deploy/NOTES.md', content: 'why\n' }] });
    assert.equal(pushed.ref, 'refs/heads/eks-sre-mcp/api-memory');
    const pr = await call('create_pull_request', { ...M, title: 'api: raise the memory limit', body: 'OOMKilled 5 times', head: 'eks-sre-mcp/api-memory', base: 'main' });
    assert.equal(pr.number, 1, JSON.stringify(pr));
    assert.equal(pr.head.ref, 'eks-sre-mcp/api-memory');
    assert.equal((await call('get_pull_request', { ...M, pull_number: 1 })).title, 'api: raise the memory limit');
    assert.deepEqual((await call('list_pull_requests', { ...M, state: 'open' })).map((p) => p.number), [1]);

    const manifests = fake.state().repos['acme/manifests'];
    assert.match(manifests.branches['eks-sre-mcp/api-memory'].files['deploy/api.yaml'], /memory: 512Mi/);
    assert.equal(manifests.branches['eks-sre-mcp/api-memory'].files['deploy/NOTES.md'], 'why\n');
    assert.match(manifests.branches.main.files['deploy/api.yaml'], /memory: 256Mi/, 'main is untouched until a merge');
    assert.deepEqual(manifests.pulls, [{ number: 1, title: 'api: raise the memory limit', body: 'OOMKilled 5 times', state: 'open', head: 'eks-sre-mcp/api-memory', base: 'main', merged: false, author: 'alice' }]);

    // What server-github actually sent: the endpoints, in order, every one authenticated as alice.
    const log = fake.requests();
    assert.ok(log.every((e) => e.token === 'alice'), 'every request carried the token');
    const seq = log.map((e) => `${e.method} ${e.path}${Object.keys(e.query).length ? `?${new URLSearchParams(e.query)}` : ''} ${e.status}`);
    const expected = [
      'POST /repos/acme/incidents/issues 201',
      'GET /search/issues?q=repo%3Aacme%2Fincidents+is%3Aissue+is%3Aopen+label%3Aincident+%22eks-sre-mcp%3Afingerprint%3Dabc123%22+in%3Abody 200',
      'GET /search/issues?q=repo%3Aacme%2Fincidents+abc123 422',
      'POST /repos/acme/incidents/issues/1/comments 201',
      'GET /repos/acme/incidents/issues/1 200',
      'PATCH /repos/acme/incidents/issues/1 200',
      'GET /repos/acme/incidents/issues?state=closed 200',
      'GET /repos/acme/manifests/contents/deploy/api.yaml 200',
      'GET /repos/acme/manifests/contents/deploy 200',
      'GET /search/code?q=memory+repo%3Aacme%2Fmanifests 200',
      'GET /repos/acme/manifests/git/refs/heads/main 200',
      'POST /repos/acme/manifests/git/refs 201',
      // create_branch without from_branch looks up "main" (then "master"), not the repository's default branch.
      'GET /repos/acme/manifests/git/refs/heads/main 200',
      'POST /repos/acme/manifests/git/refs 422',
      // create_or_update_file without a sha reads the file first to learn it.
      'GET /repos/acme/manifests/contents/deploy/api.yaml?ref=eks-sre-mcp%2Fapi-memory 200',
      'PUT /repos/acme/manifests/contents/deploy/api.yaml 200',
      'GET /repos/acme/manifests/git/refs/heads/eks-sre-mcp/api-memory 200',
      'POST /repos/acme/manifests/git/trees 201',
      'POST /repos/acme/manifests/git/commits 201',
      'PATCH /repos/acme/manifests/git/refs/heads/eks-sre-mcp/api-memory 200',
      'POST /repos/acme/manifests/pulls 201',
      'GET /repos/acme/manifests/pulls/1 200',
      'GET /repos/acme/manifests/pulls?state=open 200',
    ];
    assert.deepEqual(seq, expected);
    const put = log.find((e) => e.method === 'PUT');
    assert.equal(put.body.branch, 'eks-sre-mcp/api-memory');
    assert.equal(put.body.sha.length, 40, 'the sha it learnt');
    assert.equal(Buffer.from(put.body.content, 'base64').toString(), MANIFEST.replace('256Mi', '512Mi'));

    const merged = await call('merge_pull_request', { ...M, pull_number: 1, merge_method: 'squash' });
    assert.equal(merged.merged, true);
    // Its zod schema parses the files of the (merged) pull request; list_commits passes GitHub's answer on.
    const changed = await call('get_pull_request_files', { ...M, pull_number: 1 });
    assert.deepEqual(changed.map((f) => [f.filename, f.status]), [['deploy/NOTES.md', 'added'], ['deploy/api.yaml', 'modified']]);
    const commits = await call('list_commits', { ...M, sha: 'main' });
    assert.equal(commits[0].commit.message, 'api: raise the memory limit (#1)', 'a squash is titled after the pull request');
    assert.equal(commits.at(-1).commit.message, 'Initial commit');
    assert.match(fake.state().repos['acme/manifests'].branches.main.files['deploy/api.yaml'], /memory: 512Mi/);
  });

  test('refusals reach the caller as JSON-RPC errors carrying only GitHub\'s message: read-only token, invisible repository, rate limits, 5xx', async () => {
    await within(8000, client.close(), 'close').catch(() => {});
    killIfAlive(pid);
    ({ c: client, pid, log: stderr } = await connect(READER));
    const before = fake.requests().length;
    const denied = await call('create_issue', { owner: 'acme', repo: 'incidents', title: 'nope' });
    assert.match(denied.error, /Resource not accessible by personal access token/);
    const hidden = await call('get_issue', { owner: 'acme', repo: 'secret', issue_number: 1 });
    assert.match(hidden.error, /Not Found/);
    // server-github turns every non-2xx into a thrown error: the client gets -32603 and GitHub's message, with
    // the status folded into a prefix (every 403 reads "Permission Denied") and retry-after lost.
    assert.equal(denied.code, -32603);
    assert.equal(hidden.code, -32603);
    fake.fault({ kind: 'secondary_rate_limit', retry_after: 47 });
    const limited = await call('get_issue', { owner: 'acme', repo: 'incidents', issue_number: 1 });
    assert.match(limited.error, /Permission Denied: You have exceeded a secondary rate limit/);
    assert.doesNotMatch(limited.error, /47/);
    fake.fault({ kind: 'primary_rate_limit', status: 429 });
    assert.match((await call('get_issue', { owner: 'acme', repo: 'incidents', issue_number: 1 })).error, /Rate Limit Exceeded: API rate limit exceeded/);
    fake.fault({ kind: 'server_error', status: 502 });
    const failed = await call('get_issue', { owner: 'acme', repo: 'incidents', issue_number: 1 });
    assert.deepEqual([failed.code, /GitHub API Error: Server Error/.test(failed.error)], [-32603, true]);
    assert.equal((await call('get_issue', { owner: 'acme', repo: 'incidents', issue_number: 1 })).number, 1);
    assert.deepEqual(fake.requests().slice(before).map((e) => e.status), [403, 404, 403, 429, 502, 200], 'server-github retries nothing');
    assert.equal(fake.state().repos['acme/incidents'].issues.length, 1);
  });
});
