// deploy/Dockerfile, checked without a container engine: every file it copies exists, every package it installs
// is one scripts/install-deps installs (or a library those bring that the binary links), the build is the
// release preset's, the upstream servers are the versions tests/package.json pins, and it runs as non-root.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { REPO } from '../kubesim/helpers.mjs';

if (!process.env.EKS_SRE_MCP) throw new Error('EKS_SRE_MCP is not set: run through ctest (ctest --preset ci -R deploy)');
const binary = path.resolve(process.env.EKS_SRE_MCP);

// Instructions with their continuation lines joined, per stage.
const text = fs.readFileSync(path.join(REPO, 'deploy/Dockerfile'), 'utf8');
const instructions = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const stages = [];
for (const line of instructions) {
  const [op, ...rest] = line.split(/\s+/);
  if (op === 'FROM') stages.push({ from: rest[0], as: rest[2], lines: [] });
  else stages.at(-1).lines.push({ op, args: rest.join(' ') });
}
const stage = (name) => stages.find((s) => s.as === name);
const final = stages.at(-1);

function aptPackages(s) {
  return s.lines.filter((l) => l.op === 'RUN').flatMap((l) => {
    const m = l.args.match(/apt-get install ((?:-\S+\s+)*)([^&]+)/);
    return m ? m[2].trim().split(/\s+/) : [];
  });
}

function installDepsPackages() {
  const script = fs.readFileSync(path.join(REPO, 'scripts/install-deps'), 'utf8');
  const list = script.match(/^packages=\(([^)]*)\)/m)[1].split(/\s+/).filter(Boolean);
  // Added when the command is missing: packages+=(nodejs) ...
  return [...list, ...[...script.matchAll(/packages\+=\(([a-z0-9.+-]+)\)/g)].map((m) => m[1])];
}

test('every stage is Debian 12; the image runs as non-root with eks-sre-mcp as its entry point', () => {
  assert.deepEqual(stages.map((s) => s.from), ['debian:12', 'debian:12', 'debian:12-slim']);
  const user = final.lines.filter((l) => l.op === 'USER').at(-1).args;
  assert.match(user, /^[1-9]\d*:[1-9]\d*$/, 'a numeric non-root user (runAsNonRoot can check it)');
  const deployment = fs.readFileSync(path.join(REPO, 'deploy/base/deployment.yaml'), 'utf8');
  assert.match(deployment, new RegExp(`runAsUser: ${user.split(':')[0]}\\b`), 'the Deployment runs as the same uid');
  assert.deepEqual(JSON.parse(final.lines.find((l) => l.op === 'ENTRYPOINT').args), ['eks-sre-mcp']);
});

test('every file copied from the repository exists', () => {
  let copies = 0;
  for (const s of stages) {
    for (const l of s.lines.filter((x) => x.op === 'COPY' && !x.args.startsWith('--from'))) {
      const parts = l.args.split(/\s+/);
      for (const source of parts.slice(0, -1)) {
        copies += 1;
        assert.ok(fs.existsSync(path.join(REPO, source)), `${source} exists`);
      }
    }
  }
  assert.ok(copies >= 8, `${copies} sources`);
  // The build copies every top-level folder the CMake project adds.
  const cmake = fs.readFileSync(path.join(REPO, 'CMakeLists.txt'), 'utf8');
  const copied = stage('build').lines.filter((l) => l.op === 'COPY').map((l) => l.args);
  for (const [, dir] of cmake.matchAll(/^add_subdirectory\((\w+)\)$/gm)) assert.ok(copied.some((c) => c.startsWith(`${dir}/`)), `${dir}/ is copied`);
  for (const [, file] of cmake.matchAll(/^\s*include\(([\w/.]+)\)$/gm)) assert.ok(copied.some((c) => file.startsWith(c.split(/\s+/)[0])), `${file} is copied`);
});

test('the build stage installs what install-deps installs and builds with the release preset', () => {
  const ours = installDepsPackages();
  const build = aptPackages(stage('build'));
  assert.ok(build.length >= 10);
  for (const p of build) assert.ok(ours.includes(p), `${p} is installed by scripts/install-deps`);
  for (const p of ['g++', 'cmake', 'ninja-build', 'libboost1.81-dev', 'libfyaml-dev']) assert.ok(build.includes(p), p);
  const runs = stage('build').lines.filter((l) => l.op === 'RUN').map((l) => l.args).join('\n');
  assert.match(runs, /cmake --preset release && cmake --build --preset release/);
  const presets = JSON.parse(fs.readFileSync(path.join(REPO, 'CMakePresets.json'), 'utf8'));
  const release = presets.configurePresets.find((p) => p.name === 'release');
  assert.equal(release.cacheVariables.EKS_BUILD_TESTS, 'OFF', 'the image needs no test dependencies');
  const from = final.lines.find((l) => l.op === 'COPY' && l.args.startsWith('--from=build')).args.split(/\s+/)[1];
  assert.equal(from, '/src/build/release/app/eks-sre-mcp', 'binaryDir ${sourceDir}/build/${presetName}');
  assert.equal(stage('build').lines.find((l) => l.op === 'WORKDIR').args, '/src');
});

test('the runtime packages are the libraries the binary links, Node.js and the CA bundle', () => {
  const runtime = aptPackages(final);
  // The Debian packages of the shared libraries the binary links (ldd, then dpkg -S).
  const libs = execFileSync('ldd', [binary], { encoding: 'utf8' }).split('\n').map((l) => l.match(/=> (\S+)/)?.[1]).filter(Boolean);
  // dpkg knows a file by the path its package installed it at: merged /usr makes /lib and /usr/lib the same.
  // One dpkg -S for every candidate path (it is slow per call); it exits 1 for those it does not know.
  const candidates = [...new Set(libs.flatMap((lib) => {
    const real = fs.realpathSync(lib);
    return [lib, real, real.replace(/^\/lib\//, '/usr/lib/'), real.replace(/^\/usr\/lib\//, '/lib/')];
  }))];
  let found;
  try {
    found = execFileSync('dpkg', ['-S', ...candidates], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    found = error.stdout;
  }
  const owners = new Set(found.split('\n').filter(Boolean).map((l) => l.split(':')[0]));
  assert.ok(owners.has('libc6') && owners.has('libsqlite3-0'), [...owners].join(' '));
  for (const p of owners) if (!['libc6', 'libgcc-s1'].includes(p)) assert.ok(runtime.includes(p), `${p} (a linked library) is installed`);
  // Each is installed by install-deps: named there, or a dependency of one it names.
  const installed = new Map(execFileSync('dpkg-query', ['-W', '-f=${Package}\t${Depends}\n'], { encoding: 'utf8' }).split('\n')
    .filter(Boolean).map((l) => { const [p, d] = l.split('\t'); return [p, (d ?? '').split(/,\s*/).map((x) => x.split(/[\s|]/)[0].replace(/:any$/, '')).filter(Boolean)]; }));
  const reached = new Set(installDepsPackages());
  for (let round = 0, frontier = [...reached]; round < 4 && frontier.length; round += 1) {
    frontier = frontier.flatMap((p) => installed.get(p) ?? []).filter((p) => !reached.has(p));
    frontier.forEach((p) => reached.add(p));
  }
  for (const p of runtime) assert.ok(reached.has(p), `${p} is installed by scripts/install-deps`);
  for (const p of ['nodejs', 'ca-certificates']) assert.ok(runtime.includes(p), p);
});

test('the upstream servers are the pinned versions, where the in-cluster configuration runs them', () => {
  const pins = JSON.parse(fs.readFileSync(path.join(REPO, 'tests/package.json'), 'utf8')).dependencies;
  const install = stage('upstreams').lines.filter((l) => l.op === 'RUN').map((l) => l.args).join(' ');
  const named = [...install.matchAll(/(@?[a-z0-9-]+(?:\/[a-z0-9-]+)?)@(\d[\w.-]*)/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(named.map(([n]) => n).sort(), ['@modelcontextprotocol/server-github', 'kubernetes-mcp-server']);
  for (const [name, version] of named) assert.equal(version, pins[name], `${name} as tests/package.json pins it`);
  const config = fs.readFileSync(path.join(REPO, 'deploy/base/config.yaml'), 'utf8');
  const dir = stage('upstreams').lines.find((l) => l.op === 'WORKDIR').args;
  for (const bin of ['kubernetes-mcp-server', 'mcp-server-github']) assert.ok(config.includes(`${dir}/node_modules/.bin/${bin}`), bin);
  assert.ok(final.lines.some((l) => l.op === 'COPY' && l.args === `--from=upstreams ${dir}/node_modules ${dir}/node_modules`));
});
