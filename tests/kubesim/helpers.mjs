// Starts kubesim for a test: loopback, port 0, a kubeconfig and request log in a fresh directory; stopped by
// its PID. Every wait is bounded.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const KUBESIM_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(KUBESIM_DIR, '..', '..');
export const SCENARIOS = path.join(REPO, 'examples', 'scenarios');
export const NODE_MODULES = path.join(REPO, 'tests', 'node_modules');

export function kubesimBinary() {
  const file = process.env.KUBESIM;
  if (!file) throw new Error('KUBESIM is not set: run through ctest (ctest --preset ci -L kubesim) or set KUBESIM=build/ci/tests/kubesim/kubesim');
  fs.accessSync(file, fs.constants.X_OK);
  return path.resolve(file);
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kubesim-${prefix}-`));
}

// Resolves once kubesim printed its URL (the kubeconfig is written before that).
export async function startKubesim(snapshot, { args = [], timeoutMs = 20000 } = {}) {
  const dir = tempDir('run');
  const kubeconfig = path.join(dir, 'kubeconfig');
  const requestLog = path.join(dir, 'requests.jsonl');
  const started = Date.now();
  const child = spawn(kubesimBinary(), ['--snapshot', snapshot, '--listen', '127.0.0.1:0', '--write-kubeconfig', kubeconfig, '--request-log', requestLog, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kubesim did not print its URL within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^(http:\/\/127\.0\.0\.1:\d+)\n/m);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`kubesim exited with ${code} before printing its URL; stderr: ${stderr}`)); });
  });
  const readySeconds = (Date.now() - started) / 1000;
  return {
    url, kubeconfig, requestLog, dir, pid: child.pid, readySeconds,
    stderr: () => stderr,
    token: fs.readFileSync(kubeconfig, 'utf8').match(/token: (\S+)/)[1],
    // The complete lines of the request log: a reader polling it may meet the last one half written.
    requests() {
      const text = fs.readFileSync(requestLog, 'utf8');
      return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      process.kill(child.pid, 'SIGTERM');
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 5000))]);
      if (code === 'timeout') { try { process.kill(child.pid, 'SIGKILL'); } catch {} }
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

// A GET/POST... against kubesim with the kubeconfig's token.
export async function api(sim, method, urlPath, { body, contentType, accept } = {}) {
  const headers = { Authorization: `Bearer ${sim.token}` };
  if (contentType) headers['Content-Type'] = contentType;
  if (accept) headers.Accept = accept;
  const res = await fetch(sim.url + urlPath, { method, headers, body, signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json };
}
