// Desktop and host packaging: the MCPB bundle (validated and packed by the official @anthropic-ai/mcpb CLI, then
// unpacked and run as Claude Desktop would run it), the host configurations in examples/, and the Debian package
// (CPack on this build: contents and metadata with dpkg-deb, the packaged binary's --version and config check,
// the man page, the systemd unit's hardening).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

import { NODE_MODULES, binaryFromEnv, isolatedDir, run } from '../e2e/helpers.mjs';
import { REPO } from '../kubesim/helpers.mjs';

const SERVER = binaryFromEnv('EKS_SRE_MCP');
const BUILD = process.env.EKS_BUILD_DIR;
if (!BUILD) throw new Error('EKS_BUILD_DIR is not set: run through ctest (ctest --preset ci -R deploy)');
const MCPB = path.join(NODE_MODULES, '.bin', 'mcpb');
const VERSION = fs.readFileSync(path.join(REPO, 'CMakeLists.txt'), 'utf8').match(/project\(eks-sre-mcp VERSION (\S+)/)[1];

let iso, kubeconfig;
before(() => {
  iso = isolatedDir('packaging');
  kubeconfig = path.join(iso.dir, 'kubeconfig');
  fs.writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n' +
    'users:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n');
});
after(() => iso?.cleanup());

// Starts `command args` over stdio with the official SDK client and returns the names of its tools.
async function toolNames(command, args, env) {
  const client = new Client({ name: 'packaging-test', version: '1.0.0' });
  const transport = new StdioClientTransport({ command, args, env: { ...iso.env, ...env }, cwd: iso.dir, stderr: 'pipe' });
  await client.connect(transport);
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

test('the MCPB manifest: a binary server, the kubeconfig as a file, the keys sensitive', () => {
  // (The official CLI validates it against its schema when packing, below.)
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'deploy/packaging/mcpb/manifest.json'), 'utf8'));
  assert.equal(manifest.server.type, 'binary');
  assert.equal(manifest.server.mcp_config.command, `\${__dirname}/${manifest.server.entry_point}`);
  assert.equal(manifest.version, VERSION);
  assert.equal(manifest.user_config.kubeconfig.type, 'file');
  assert.ok(manifest.server.mcp_config.args.includes('${user_config.kubeconfig}'));
  for (const [key, variable] of [['anthropic_api_key', 'ANTHROPIC_API_KEY'], ['github_token', 'GITHUB_TOKEN']]) {
    assert.equal(manifest.user_config[key].sensitive, true, key);
    assert.equal(manifest.server.mcp_config.env[variable], `\${user_config.${key}}`);
  }
});

test('the bundle packs, unpacks and runs as Claude Desktop runs it', async () => {
  const bundle = path.join(iso.dir, 'eks-sre-mcp.mcpb');
  const packed = await run(path.join(REPO, 'deploy/packaging/mcpb/pack.sh'), [SERVER, bundle], { env: iso.env, cwd: iso.dir, timeoutMs: 90000 });
  assert.equal(packed.code, 0, packed.stderr + packed.stdout);
  assert.match(packed.stdout, /Manifest schema validation passes/);
  const size = fs.statSync(bundle).size;
  assert.ok(size < 40e6, `${size} bytes: the binary is stripped`);
  const unpacked = path.join(iso.dir, 'unpacked');
  execFileSync(MCPB, ['unpack', bundle, unpacked], { stdio: 'pipe', env: iso.env });
  const manifest = JSON.parse(fs.readFileSync(path.join(unpacked, 'manifest.json'), 'utf8'));
  const substitute = (s) => s.replaceAll('${__dirname}', unpacked).replaceAll('${user_config.kubeconfig}', kubeconfig)
    .replaceAll('${user_config.anthropic_api_key}', '').replaceAll('${user_config.github_token}', '');
  const { command, args, env } = manifest.server.mcp_config;
  fs.chmodSync(substitute(command), 0o755);  // some unzip paths drop the mode; the host sets it
  const tools = await toolNames(substitute(command), args.map(substitute),
    Object.fromEntries(Object.entries(env).map(([k, v]) => [k, substitute(v)])));
  assert.ok(tools.includes('diagnose_cluster') && tools.includes('analyze_pod_logs'), tools.join(' '));
  console.log(`bundle ${(size / 1e6).toFixed(1)} MB`);
});

test('the host configurations in examples/ start the server', async () => {
  const code = JSON.parse(fs.readFileSync(path.join(REPO, 'examples/.mcp.json'), 'utf8')).mcpServers['eks-sre'];
  const desktop = JSON.parse(fs.readFileSync(path.join(REPO, 'examples/claude_desktop_config.json'), 'utf8')).mcpServers['eks-sre'];
  assert.equal(code.command, 'eks-sre-mcp');
  assert.equal(desktop.command, '/usr/bin/eks-sre-mcp', 'where the Debian package installs it');
  for (const server of [code, desktop]) {
    const args = server.args.map((a) => (a.endsWith('/.kube/config') ? kubeconfig : a));
    const tools = await toolNames(SERVER, args, { KUBECONFIG: kubeconfig, ...(server.env ?? {}) });
    assert.ok(tools.includes('diagnose_cluster'), tools.join(' '));
  }
});

test('the Debian package: contents, metadata, the packaged binary, man page and unit', async () => {
  const out = path.join(iso.dir, 'deb');
  const started = Date.now();
  const cpack = await run('cpack', ['-G', 'DEB', '--config', path.join(BUILD, 'CPackConfig.cmake'), '-B', out], { env: { ...iso.env, PATH: process.env.PATH }, cwd: iso.dir, timeoutMs: 120000 });
  assert.equal(cpack.code, 0, cpack.stderr + cpack.stdout);
  const deb = path.join(out, `eks-sre-mcp_${VERSION}_amd64.deb`);
  assert.ok(fs.existsSync(deb), fs.readdirSync(out).join(' '));
  const field = (name) => execFileSync('dpkg-deb', ['-f', deb, name], { encoding: 'utf8' }).trim();
  assert.equal(field('Package'), 'eks-sre-mcp');
  assert.equal(field('Version'), VERSION);
  assert.equal(field('Section'), 'admin');
  for (const lib of ['libfyaml0', 'libspdlog1.10', 'libsqlite3-0', 'libssl3', 'libyaml-cpp0.7']) assert.match(field('Depends'), new RegExp(`\\b${lib.replace('.', '\\.')}\\b`), lib);
  assert.match(field('Recommends'), /nodejs/);
  const contents = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' });
  for (const f of ['./usr/bin/eks-sre-mcp', './usr/share/man/man1/eks-sre-mcp.1.gz', './usr/lib/systemd/system/eks-sre-mcp.service',
    './etc/eks-sre-mcp/config.yaml', './etc/eks-sre-mcp/policy.yaml', './usr/share/doc/eks-sre-mcp/examples/.mcp.json',
    './usr/share/doc/eks-sre-mcp/examples/claude_desktop_config.json', './usr/share/doc/eks-sre-mcp/examples/policy.yaml']) {
    assert.ok(contents.includes(` ${f}\n`), `${f} in the package`);
  }
  const control = path.join(iso.dir, 'control');
  execFileSync('dpkg-deb', ['-e', deb, control]);
  assert.deepEqual(fs.readFileSync(path.join(control, 'conffiles'), 'utf8').trim().split('\n'), ['/etc/eks-sre-mcp/config.yaml', '/etc/eks-sre-mcp/policy.yaml']);

  const root = path.join(iso.dir, 'root');
  execFileSync('dpkg-deb', ['-x', deb, root]);
  const packaged = path.join(root, 'usr/bin/eks-sre-mcp');
  assert.ok(fs.statSync(packaged).size < fs.statSync(SERVER).size / 3, 'stripped');
  const version = await run(packaged, ['--version'], { env: iso.env, cwd: iso.dir, timeoutMs: 20000 });
  assert.equal(version.stdout, `eks-sre-mcp ${VERSION}\n`);
  const check = await run(packaged, ['config', 'check', path.join(root, 'etc/eks-sre-mcp/config.yaml'), '--policy', path.join(root, 'etc/eks-sre-mcp/policy.yaml')], { env: iso.env, cwd: iso.dir, timeoutMs: 20000 });
  assert.equal(check.code, 0, check.stderr);
  assert.equal(JSON.parse(check.stdout).state_dir, '/var/lib/eks-sre-mcp');

  const man = zlib.gunzipSync(fs.readFileSync(path.join(root, 'usr/share/man/man1/eks-sre-mcp.1.gz'))).toString();
  assert.match(man, /^\.TH EKS-SRE-MCP 1 /);
  assert.match(man, /eks-sre-mcp serve \[--transport stdio\|http\]/, 'the --help text');
  assert.match(man, /diagnose/, 'the tool commands');
  for (const line of man.split('\n')) assert.ok(!/^[.'](?!TH|SH|PP|nf|fi|TP|I |B |BR )/.test(line), `no stray roff request: ${line}`);

  const unit = fs.readFileSync(path.join(root, 'usr/lib/systemd/system/eks-sre-mcp.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/bin\/eks-sre-mcp monitor --config \/etc\/eks-sre-mcp\/config\.yaml /m);
  for (const option of ['DynamicUser=yes', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes',
    'CapabilityBoundingSet=', 'SystemCallFilter=@system-service', 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX', 'StateDirectory=eks-sre-mcp']) {
    assert.ok(unit.split('\n').includes(option), option);
  }
  const security = await run('systemd-analyze', ['security', '--offline=yes', path.join(root, 'usr/lib/systemd/system/eks-sre-mcp.service')], { env: { ...iso.env, SYSTEMD_COLORS: '0' }, timeoutMs: 30000 });
  const exposure = Number(security.stdout.match(/Overall exposure level for eks-sre-mcp\.service: ([\d.]+)/)?.[1]);
  assert.ok(exposure <= 2, `exposure ${exposure} (systemd-analyze security: 0 best, 10 worst)\n${security.stderr}`);
  console.log(`deb ${(fs.statSync(deb).size / 1e6).toFixed(1)} MB in ${Date.now() - started} ms; unit exposure ${exposure}`);
});
