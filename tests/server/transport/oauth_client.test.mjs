// OAuth 2.1 against the TypeScript SDK's own client code: StreamableHTTPClientTransport with the SDK's
// ClientCredentialsProvider gets a 401, follows WWW-Authenticate to our Protected Resource Metadata (RFC 9728),
// discovers the authorization server (RFC 8414), obtains an access token for our resource (RFC 8707) and
// connects with it. The authorization server is a stand-in on 127.0.0.1:0 that enforces its side of the
// protocol (client authentication, grant type, resource indicator) and signs RS256 JWTs with a key made here
// with node:crypto. Every server binds 127.0.0.1:0 and is stopped by its PID; every wait is bounded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { extractResourceMetadataUrl } from '@modelcontextprotocol/sdk/client/auth.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const SERVER = process.env.EKS_HTTP_TEST_SERVER;
if (!SERVER) throw new Error('EKS_HTTP_TEST_SERVER is not set: run through ctest (ctest --preset ci -R http.oauth_client)');
const SLOWDOWN = Number(process.env.EKS_TEST_SLOWDOWN ?? 1);
const CLIENT_ID = 'sre-bot';
const CLIENT_SECRET = 'client-secret-0123456789';

const b64url = (data) => Buffer.from(data).toString('base64url');

// A minimal authorization server: RFC 8414 metadata and a client_credentials token endpoint.
function startAuthorizationServer(privateKey) {
  const state = { issued: [], resource: null, claims: {} };
  const server = http.createServer((req, res) => {
    const json = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/.well-known/oauth-authorization-server') {
      return json(200, {
        issuer: state.issuer,
        authorization_endpoint: `${state.issuer}/authorize`,  // required by RFC 8414; this stand-in offers no code flow
        token_endpoint: `${state.issuer}/token`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (req.method !== 'POST' || req.url !== '/token') return json(404, { error: 'not_found' });
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      let id = form.get('client_id');
      let secret = form.get('client_secret');
      const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
      if (basic) [id, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
      if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return json(401, { error: 'invalid_client' });
      if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
      // RFC 8707: the token is bound to the resource the client names, which must be the MCP server.
      if (form.get('resource') !== state.resource) return json(400, { error: 'invalid_target' });
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ alg: 'RS256', kid: 'as-1', typ: 'at+jwt' }));
      const payload = b64url(JSON.stringify({
        iss: state.issuer, aud: form.get('resource'), sub: CLIENT_ID, client_id: CLIENT_ID, iat: now, exp: now + 300,
        ...state.claims,
      }));
      const token = `${header}.${payload}.${sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
      state.issued.push(token);
      json(200, { access_token: token, token_type: 'Bearer', expires_in: 300 });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      state.issuer = `http://127.0.0.1:${server.address().port}`;
      resolve({ state, close: () => server.close() });
    });
  });
}

describe('OAuth resource server with the TypeScript SDK', () => {
  let dir;
  let as;
  let child;
  let url;
  let stderr = '';
  before(async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eks-oauth-test-'));
    const jwks = path.join(dir, 'jwks.json');
    fs.writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'as-1', alg: 'RS256', use: 'sig' }] }));
    as = await startAuthorizationServer(privateKey);
    child = spawn(SERVER, ['--listen', '127.0.0.1:0', '--oauth-issuer', as.state.issuer, '--oauth-jwks-file', jwks], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, EKS_TEST_DEBUG: '1' },  // every log line, so that the token check below sees them all
    });
    child.stderr.on('data', (d) => (stderr += d));
    url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start within 5 s: ${stderr}`)), 5000 * SLOWDOWN);
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith('LISTENING ')) {
          clearTimeout(timer);
          resolve(line.slice('LISTENING '.length));
        }
      });
      child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    });
    as.state.resource = url;
  });
  after(() => {
    if (child?.exitCode === null) process.kill(child.pid, 'SIGTERM');
    as?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const connect = async () => {
    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    const provider = new ClientCredentialsProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, expectedIssuer: as.state.issuer });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
    return client;
  };

  test('a request without a token is told where the metadata is', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(response.status, 401);
    const metadataUrl = extractResourceMetadataUrl(response);
    assert.equal(metadataUrl?.href, new URL('/.well-known/oauth-protected-resource/mcp', url).href);
    const metadata = await (await fetch(metadataUrl)).json();
    assert.equal(metadata.resource, url);
    assert.deepEqual(metadata.authorization_servers, [as.state.issuer]);
  });

  test('the SDK discovers the authorization server, gets a token for us and connects', async () => {
    const before = as.state.issued.length;
    const client = await connect();
    try {
      const result = await client.callTool({ name: 'echo', arguments: { text: 'authorized' } });
      assert.equal(result.content[0].text, 'echo: authorized');
      assert.equal(as.state.issued.length, before + 1, 'one token, reused for every request');
    } finally {
      await client.close();
    }
  });

  for (const [what, claims] of [
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 600 }],
    ['a token for another resource', { aud: 'https://other.example/mcp' }],
    ['a token from another issuer', { iss: 'https://evil.example' }],
  ]) {
    test(`${what} is refused`, async () => {
      as.state.claims = claims;
      const issued = as.state.issued.length;
      try {
        await assert.rejects(connect(), /Unauthorized|401|invalid_token/i);
        assert.ok(as.state.issued.length > issued, 'the client got a token, and our server refused it');
      } finally {
        as.state.claims = {};
      }
    });
  }

  test('no token reaches the server log', () => {
    assert.ok(as.state.issued.length >= 4, `tokens issued: ${as.state.issued.length}`);
    assert.match(stderr, /invalid bearer token/, 'the refusals are logged (with their reason)');
    for (const token of as.state.issued) {
      assert.ok(!stderr.includes(token.split('.')[2]), 'a token signature appeared in the server log');
    }
  });
});
