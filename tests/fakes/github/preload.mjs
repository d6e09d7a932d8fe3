// Points a Node program's GitHub API calls at the loopback stand-in, and keeps everything else it does on
// the machine. Load it before the program runs:
//
//   NODE_OPTIONS=--import=/abs/path/tests/fakes/github/preload.mjs EKS_FAKE_GITHUB_URL=http://127.0.0.1:PORT node app.js
//
// server-github calls the global fetch with the fixed base https://api.github.com; this wraps that fetch so
// such a request goes to EKS_FAKE_GITHUB_URL with the same path, query, method, headers and body. A request
// to any other host that is not loopback is refused (the promise rejects), as is a plain http/https request
// to one, so a test can never reach the real service or the internet.
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';

const GITHUB_API_HOST = 'api.github.com';

function isLoopback(hostname) {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

const target = process.env.EKS_FAKE_GITHUB_URL;
let fakeBase = null;
try {
  fakeBase = target ? new URL(target) : null;
} catch {
  fakeBase = null;
}
// A missing or non-loopback target is a broken test setup: say so on the first request rather than guess.
const setupProblem = !fakeBase
  ? `EKS_FAKE_GITHUB_URL is ${target ? `not a URL: ${target}` : 'not set'} (expected http://127.0.0.1:PORT of the GitHub stand-in)`
  : !isLoopback(fakeBase.hostname)
    ? `EKS_FAKE_GITHUB_URL=${target} is not a loopback address`
    : null;

const refused = (where) => new TypeError(`fetch to ${where} refused: only loopback hosts are reachable under the GitHub stand-in preload`);

const realFetch = globalThis.fetch;
globalThis.fetch = async function fetchThroughStandIn(input, init) {
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input?.url;
  const url = new URL(href);
  if (url.hostname.toLowerCase() === GITHUB_API_HOST) {
    if (setupProblem) throw new TypeError(setupProblem);
    const redirected = new URL(url.pathname + url.search, fakeBase);
    // A Request carries its own method, headers and body: rebuild it on the new URL with all of them.
    if (input instanceof Request) return realFetch(new Request(redirected, input), init);
    return realFetch(redirected, init);
  }
  if (!isLoopback(url.hostname)) throw refused(url.host);
  return realFetch(input, init);
};

// Node's own clients (the fallback some programs use when fetch is missing) get the same fence.
for (const mod of [http, https]) {
  for (const name of ['request', 'get']) {
    const original = mod[name];
    mod[name] = function guarded(...args) {
      const first = args[0];
      const host = typeof first === 'string' || first instanceof URL ? new URL(first).hostname : first?.hostname ?? first?.host ?? 'localhost';
      if (!isLoopback(String(host).split(':')[0])) throw refused(host);
      return original.apply(this, args);
    };
  }
}
// Named ESM imports of node:http/https (import { request } from ...) see the guarded functions too.
syncBuiltinESMExports();
