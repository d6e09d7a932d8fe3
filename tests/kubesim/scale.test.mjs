// Scale check (not a benchmark): a generated 10,000-pod / 500-node / 50,000-event snapshot loads in a few
// seconds and a list of all pods is answered within seconds. Prints the figures. Alone it takes about 0.4 s;
// the bound leaves room for a loaded 2-core machine running other tests beside it, and still catches a list
// path that went quadratic.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { REPO, startKubesim, tempDir } from './helpers.mjs';

const dir = tempDir('scale');
let sim;
after(async () => {
  await sim?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

// Sanitizer builds run several times slower: the asan test preset sets EKS_TEST_SLOWDOWN to stretch the bounds.
const SLOWDOWN = Math.max(1, Number(process.env.EKS_TEST_SLOWDOWN) || 1);

test('10,000 pods load in a few seconds and list-all answers within seconds', async () => {
  execFileSync(process.execPath, [path.join(REPO, 'bench', 'gen-cluster'), dir, '--pods', '10000', '--nodes', '500', '--events', '50000'], { stdio: 'ignore', timeout: 60000 });
  sim = await startKubesim(dir, { timeoutMs: 30000 * SLOWDOWN });
  const load = Number(sim.stderr().match(/in ([\d.]+) s/)[1]);
  const timed = async (what, accept) => {
    // Timed: the request until the whole body has arrived (parsing 26 MB of JSON in node is not the server).
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${sim.url}/api/v1/pods`, { headers: { Accept: accept, Authorization: `Bearer ${sim.token}` }, signal: AbortSignal.timeout(10000 * SLOWDOWN) });
    const text = await res.text();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    assert.equal(res.status, 200);
    const r = { text, json: JSON.parse(text) };
    console.log(`kubesim scale: ${what}: ${s.toFixed(3)} s, ${(r.text.length / 1e6).toFixed(1)} MB`);
    return { s, r };
  };
  const full = await timed('list all pods (JSON)', 'application/json');
  assert.equal(full.r.json.items.length, 10000);
  const table = await timed('list all pods (Table)', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json');
  assert.equal(table.r.json.rows.length, 10000);
  console.log(`kubesim scale: snapshot load ${load.toFixed(2)} s (process ready in ${sim.readySeconds.toFixed(2)} s)`);
  assert.ok(load < 10 * SLOWDOWN, `load took ${load} s`);
  assert.ok(full.s < 4.0 * SLOWDOWN, `list all pods took ${full.s} s`);
  assert.ok(table.s < 4.0 * SLOWDOWN, `Table list of all pods took ${table.s} s`);
});
