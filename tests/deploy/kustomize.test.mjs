// deploy/: every overlay renders with `kubectl kustomize`, applies to kubesim with server-side apply, meets the
// Restricted Pod Security Standard, and its RBAC grants exactly what the policy can allow: every Kubernetes
// request our code and subagents make (diagnosis, logs, metrics, the leader Lease, and in the remediation
// overlay the remediation actions), and none of what the policy never allows.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import YAML from 'yaml';

import { REPO, SCENARIOS, startKubesim, tempDir } from '../kubesim/helpers.mjs';
import { allowed, expand, grantsOf } from './rbac.mjs';

const OVERLAYS = ['read-only', 'remediation', 'monitor-only'];
const NS = 'eks-sre-mcp';
const SA = 'eks-sre-mcp';
if (!process.env.EKS_SRE_MCP) throw new Error('EKS_SRE_MCP is not set: run through ctest (ctest --preset ci -R deploy)');
const binary = path.resolve(process.env.EKS_SRE_MCP);

// The three renders at once (each kubectl start costs a second or more on a busy machine).
const renders = await Promise.all(OVERLAYS.map((overlay) => new Promise((resolve, reject) => {
  execFile('kubectl', ['kustomize', path.join(REPO, 'deploy/overlays', overlay)], { encoding: 'utf8', timeout: 30000 },
    (error, stdout, stderr) => (error ? reject(new Error(`kubectl kustomize ${overlay}: ${stderr}`)) : resolve(stdout)));
})));
const rendered = Object.fromEntries(OVERLAYS.map((overlay, i) =>
  [overlay, { text: renders[i], objects: YAML.parseAllDocuments(renders[i]).map((d) => d.toJS()) }]));
const one = (overlay, kind, name) => {
  const found = rendered[overlay].objects.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
  assert.equal(found.length, 1, `${overlay}: one ${kind} ${name ?? ''}`);
  return found[0];
};
const configMap = (overlay) => rendered[overlay].objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('eks-sre-mcp-config'));

// The effective policy of an overlay, as the binary reads it (`policy check` prints it), once per overlay.
const policies = {};
function effectivePolicy(overlay, dir) {
  policies[overlay] ??= readPolicy(overlay, dir);
  return policies[overlay];
}
function readPolicy(overlay, dir) {
  const cm = configMap(overlay);
  const config = path.join(dir, `${overlay}.config.yaml`), policy = path.join(dir, `${overlay}.policy.yaml`);
  fs.writeFileSync(config, cm.data['config.yaml']);
  fs.writeFileSync(policy, cm.data['policy.yaml']);
  const env = { PATH: process.env.PATH, HOME: dir };
  execFileSync(binary, ['config', 'check', config, '--policy', policy], { env, cwd: dir, stdio: 'pipe', timeout: 20000 });
  const out = execFileSync(binary, ['policy', 'check', '--config', config, '--policy', policy], { env, cwd: dir, encoding: 'utf8', stdio: 'pipe', timeout: 20000 });
  return JSON.parse(out);
}

// The kinds diagnose_cluster lists (tools/cluster/upstream_source.cpp), as API resources.
function diagnosisResources() {
  const source = fs.readFileSync(path.join(REPO, 'tools/cluster/upstream_source.cpp'), 'utf8');
  const table = source.slice(source.indexOf('constexpr KindSpec kKinds[]'));
  const kinds = [...table.slice(0, table.indexOf('};')).matchAll(/\{"([^"]+)", "([A-Za-z]+)", (true|false)/g)];
  assert.ok(kinds.length >= 20, 'the kind table was found');
  return kinds.map(([, apiVersion, kind, namespaced]) => {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    const special = { Endpoints: 'endpoints', PodMetrics: 'pods', NodeMetrics: 'nodes' };
    const lower = kind.toLowerCase();
    const resource = special[kind] ?? (lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : lower.endsWith('s') ? `${lower}es` : `${lower}s`);
    return { kind, group, resource, namespaced: namespaced === 'true' };
  });
}

// What each kubernetes-mcp-server tool sends to the API server (safety/classifier.cpp's contracts), for the
// tools the policy can allow; the tools it never allows, and those we grant nothing for, with the reason.
const R = (group, resource, verb, extra = {}) => ({ group, resource, verb, ...extra });
const ANY_NS = 'payments';  // stands for any namespace: cluster-wide grants hold in every one
function toolRequests(diagnosis, policy) {
  const reads = diagnosis.flatMap((k) => [R(k.group, k.resource, 'list'), R(k.group, k.resource, 'get', { name: 'x', namespace: k.namespaced ? ANY_NS : undefined })]);
  const scaleKinds = policy.auto_approve.scale.enabled ? policy.auto_approve.scale.kinds : [];
  return {
    read: {
      pods_list: [R('', 'pods', 'list')],
      pods_list_in_namespace: [R('', 'pods', 'list', { namespace: ANY_NS })],
      pods_get: [R('', 'pods', 'get', { name: 'x', namespace: ANY_NS })],
      pods_log: [R('', 'pods/log', 'get', { name: 'x', namespace: ANY_NS })],
      pods_top: [R('metrics.k8s.io', 'pods', 'list'), R('metrics.k8s.io', 'pods', 'get', { name: 'x', namespace: ANY_NS })],
      nodes_top: [R('metrics.k8s.io', 'nodes', 'list'), R('metrics.k8s.io', 'nodes', 'get', { name: 'x' })],
      events_list: [R('', 'events', 'list'), R('', 'events', 'list', { namespace: ANY_NS })],
      namespaces_list: [R('', 'namespaces', 'list')],
      resources_list: reads.filter((r) => r.verb === 'list'),
      resources_get: reads.filter((r) => r.verb === 'get'),
      // The monitor's leader election: read and server-side apply (PATCH) of its own Lease.
      leader_lease: [R('coordination.k8s.io', 'leases', 'get', { name: 'eks-sre-mcp', namespace: NS }),
        R('coordination.k8s.io', 'leases', 'patch', { name: 'eks-sre-mcp', namespace: NS })],
    },
    // tools/remediation/planner.cpp's actions, sent only in auto mode (restart and Failed pods, workload
    // applies, scaling the kinds auto_approve.scale names).
    remediation: {
      resources_delete: policy.auto_approve.restart_pod || policy.auto_approve.delete_failed_pods ? [R('', 'pods', 'delete', { name: 'x', namespace: ANY_NS })] : [],
      pods_delete: [R('', 'pods', 'delete', { name: 'x', namespace: ANY_NS })],
      resources_create_or_update: ['deployments', 'statefulsets', 'daemonsets'].map((r) => R('apps', r, 'patch', { name: 'x', namespace: ANY_NS })),
      resources_scale: scaleKinds.flatMap((kind) => ['get', 'update'].map((verb) =>
        R('apps', `${kind.toLowerCase()}s/scale`, verb, { name: 'x', namespace: ANY_NS }))),
    },
    // Tools the policy allows but the roles grant nothing for: a GET on nodes/proxy reaches the kubelet's
    // whole API; Helm keeps its releases in Secrets; OpenShift projects do not exist on EKS.
    ungranted: {
      nodes_log: [R('', 'nodes/proxy', 'get', { name: 'x' })],
      nodes_stats_summary: [R('', 'nodes/proxy', 'get', { name: 'x' })],
      helm_list: [R('', 'secrets', 'list')],
      projects_list: [R('project.openshift.io', 'projects', 'list')],
      configuration_contexts_list: [],  // reads the kubeconfig only
    },
    // The policy's never-rules, in every mode.
    never: {
      pods_exec: [R('', 'pods/exec', 'create', { name: 'x', namespace: ANY_NS }), R('', 'pods/exec', 'get', { name: 'x', namespace: ANY_NS })],
      pods_run: [R('', 'pods', 'create', { namespace: ANY_NS })],
      configuration_view: [],  // the kubeconfig, refused by the validator; no cluster request
      helm_install: [R('', 'secrets', 'create', { namespace: ANY_NS })],
      helm_uninstall: [R('', 'secrets', 'delete', { name: 'x', namespace: ANY_NS })],
    },
  };
}

// Requests no overlay may allow: the never-rules' resources and verbs, and the ways around them.
const FORBIDDEN = [
  ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'].flatMap((verb) =>
    [R('', 'secrets', verb, { namespace: ANY_NS, name: verb === 'list' || verb === 'watch' || verb === 'create' || verb === 'deletecollection' ? '' : 'x' }), R('', 'secrets', verb, { namespace: NS })]),
  ...['pods/exec', 'pods/attach', 'pods/portforward'].flatMap((r) => ['create', 'get'].map((verb) => R('', r, verb, { name: 'x', namespace: ANY_NS }))),
  R('', 'nodes/proxy', 'get', { name: 'x' }), R('', 'nodes/proxy', 'create', { name: 'x' }),
  R('', 'namespaces', 'delete', { name: 'x' }), R('', 'persistentvolumes', 'delete', { name: 'x' }),
  R('', 'persistentvolumeclaims', 'delete', { name: 'x', namespace: ANY_NS }), R('', 'nodes', 'delete', { name: 'x' }),
  R('apiextensions.k8s.io', 'customresourcedefinitions', 'delete', { name: 'x' }),
  R('', 'pods', 'create', { namespace: ANY_NS }), R('', 'pods', 'deletecollection', { namespace: ANY_NS }),
  R('', 'serviceaccounts/token', 'create', { name: 'x', namespace: ANY_NS }),
  R('', 'serviceaccounts', 'impersonate', { name: 'x', namespace: ANY_NS }),
  R('rbac.authorization.k8s.io', 'clusterroles', 'escalate', { name: 'x' }), R('rbac.authorization.k8s.io', 'clusterroles', 'bind', { name: 'x' }),
  R('rbac.authorization.k8s.io', 'rolebindings', 'create', { namespace: NS }),
  R('coordination.k8s.io', 'leases', 'patch', { name: 'other', namespace: NS }),
  R('coordination.k8s.io', 'leases', 'patch', { name: 'eks-sre-mcp', namespace: 'kube-system' }),
];

let dir;
before(() => { dir = tempDir('deploy'); });
after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

test('deploy/ itself is the read-only overlay', async () => {
  const text = await new Promise((resolve, reject) => execFile('kubectl', ['kustomize', path.join(REPO, 'deploy')], { encoding: 'utf8', timeout: 30000 },
    (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout))));
  assert.equal(text, rendered['read-only'].text);
});

test('every overlay renders; the objects each one has', () => {
  const kinds = (overlay) => rendered[overlay].objects.map((o) => o.kind).sort().join(',');
  const base = ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'Lease', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'ServiceAccount'];
  assert.equal(kinds('monitor-only'), base.join(','));
  assert.equal(kinds('read-only'), [...base, 'Service'].sort().join(','));
  assert.equal(kinds('remediation'), [...base, 'ClusterRole', 'ClusterRoleBinding', 'Service'].sort().join(','));
  for (const overlay of OVERLAYS) {
    for (const o of rendered[overlay].objects) {
      assert.notEqual(o.kind, 'Secret', 'nothing secret is in the repository');
      if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind)) assert.equal(o.metadata.namespace, NS, `${o.kind} ${o.metadata.name}`);
    }
  }
});

test('the Deployment: two replicas, leader election, probes, resources, the Secret by reference', () => {
  for (const overlay of OVERLAYS) {
    const d = one(overlay, 'Deployment');
    assert.equal(d.spec.replicas, 2);
    const c = d.spec.template.spec.containers[0];
    assert.deepEqual(c.args.slice(0, 3), ['serve', '--transport', 'http']);
    for (const flag of ['--monitor', '--leader-elect']) assert.ok(c.args.includes(flag), flag);
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    for (const k of ['requests', 'limits']) for (const r of ['cpu', 'memory']) assert.ok(c.resources[k][r], `${k}.${r}`);
    const fromSecret = Object.fromEntries(c.env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom.secretKeyRef]));
    for (const v of ['EKS_SRE_MCP_TOKEN', 'ANTHROPIC_API_KEY', 'GITHUB_TOKEN', 'TEAMS_WEBHOOK_URL', 'SLACK_WEBHOOK_URL']) assert.equal(fromSecret[v]?.name, 'eks-sre-mcp', v);
    assert.ok(c.env.every((e) => e.valueFrom || !/KEY|TOKEN|WEBHOOK/.test(e.name)), 'no secret value inline');
    assert.equal(one(overlay, 'PodDisruptionBudget').spec.minAvailable, 1);
    const mounted = c.volumeMounts.find((m) => m.mountPath === '/etc/eks-sre-mcp');
    const volume = d.spec.template.spec.volumes.find((v) => v.name === mounted.name);
    assert.equal(volume.configMap.name, configMap(overlay).metadata.name, 'the generated ConfigMap, by its hashed name');
  }
});

test('the pod meets the Restricted Pod Security Standard', () => {
  for (const overlay of OVERLAYS) {
    const spec = one(overlay, 'Deployment').spec.template.spec;
    for (const host of ['hostNetwork', 'hostPID', 'hostIPC', 'hostUsers']) assert.ok(spec[host] === undefined || (host === 'hostUsers' ? spec[host] === false : spec[host] === false), host);
    const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
    for (const v of spec.volumes) assert.ok(Object.keys(v).filter((k) => k !== 'name').every((k) => allowedVolumes.includes(k)), `volume ${v.name}`);
    const pod = spec.securityContext ?? {};
    assert.equal(pod.seccompProfile?.type, 'RuntimeDefault');
    assert.ok(!pod.sysctls, 'no sysctls');
    const containers = [...spec.containers, ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])];
    for (const c of containers) {
      const s = c.securityContext ?? {};
      assert.equal(s.allowPrivilegeEscalation, false, `${c.name}: allowPrivilegeEscalation`);
      assert.notEqual(s.privileged, true);
      assert.ok(s.capabilities?.drop?.includes('ALL'), 'drops ALL capabilities');
      assert.ok((s.capabilities?.add ?? []).every((cap) => cap === 'NET_BIND_SERVICE'), 'adds none but NET_BIND_SERVICE');
      assert.ok((s.runAsNonRoot ?? pod.runAsNonRoot) === true, 'runAsNonRoot');
      assert.notEqual(s.runAsUser ?? pod.runAsUser, 0, 'not uid 0');
      assert.ok(['RuntimeDefault', 'Localhost'].includes((s.seccompProfile ?? pod.seccompProfile)?.type), 'seccomp');
      assert.equal(s.readOnlyRootFilesystem, true, 'read-only root filesystem');
      assert.ok(!s.procMount || s.procMount === 'Default');
      assert.ok((c.ports ?? []).every((p) => !p.hostPort), 'no host ports');
    }
    assert.equal(one(overlay, 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
  }
});

test('the NetworkPolicy: in only to the MCP port (none without the Service); out to DNS and HTTPS', () => {
  const ro = one('read-only', 'NetworkPolicy').spec;
  assert.deepEqual(ro.policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(ro.ingress, [{ ports: [{ port: 8808, protocol: 'TCP' }] }]);
  assert.equal(one('read-only', 'Service').spec.ports[0].port, 8808);
  assert.equal(one('read-only', 'Service').spec.sessionAffinity, 'ClientIP', 'a client stays with its pod\'s sessions and plans');
  const ports = ro.egress.flatMap((rule) => rule.ports.map((p) => `${p.protocol}/${p.port}`)).sort();
  assert.deepEqual(ports, ['TCP/443', 'TCP/53', 'TCP/6443', 'UDP/53']);
  const mo = one('monitor-only', 'NetworkPolicy').spec;
  assert.ok(mo.policyTypes.includes('Ingress') && !mo.ingress, 'monitor-only: no ingress');
});

test('the ConfigMap: read_only by default, auto with an approver token in remediation; the binary accepts both', () => {
  const base = configMap('read-only').data['config.yaml'];
  const remediation = configMap('remediation').data['config.yaml'];
  const body = (text) => text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  const approver = 'remediation:\n  approver_token_file: /var/run/secrets/eks-sre-mcp/approver-token\n';
  assert.equal(body(remediation), body(base).replace('mode: read_only\n', 'mode: auto\n').replace('monitor:\n', `${approver}monitor:\n`));
  // The approver token file is the Secret's approver-token, mounted where the configuration names it.
  const pod = one('remediation', 'Deployment').spec.template.spec;
  const volume = pod.volumes.find((v) => v.secret?.items?.[0]?.key === 'approver-token');
  assert.equal(volume?.secret.secretName, 'eks-sre-mcp');
  assert.equal(pod.containers[0].volumeMounts.find((m) => m.name === volume.name).mountPath, '/var/run/secrets/eks-sre-mcp');
  assert.ok(!one('read-only', 'Deployment').spec.template.spec.volumes.some((v) => v.secret), 'read-only mounts no Secret');
  assert.equal(configMap('remediation').data['policy.yaml'], configMap('read-only').data['policy.yaml']);
  assert.equal(effectivePolicy('read-only', dir).mode, 'read_only');
  assert.equal(effectivePolicy('remediation', dir).mode, 'auto');
});

test('RBAC: every request the policy can allow is permitted, and nothing else', () => {
  const diagnosis = diagnosisResources();
  const classifier = fs.readFileSync(path.join(REPO, 'safety/classifier.cpp'), 'utf8');
  const section = classifier.slice(classifier.indexOf('kubernetes_tools()'), classifier.indexOf('github_tools()'));
  const upstreamTools = [...section.matchAll(/^ {6}\{"([a-z_]+)",/gm)].map((m) => m[1]).sort();
  const planner = fs.readFileSync(path.join(REPO, 'tools/remediation/planner.cpp'), 'utf8');
  const plannerTools = [...new Set([...planner.matchAll(/Call\{"([a-z_]+)"/g)].map((m) => m[1]))].sort();
  for (const overlay of OVERLAYS) {
    const policy = effectivePolicy(overlay, dir);
    const table = toolRequests(diagnosis, policy);
    const covered = [...Object.keys(table.read), ...Object.keys(table.remediation), ...Object.keys(table.ungranted), ...Object.keys(table.never)];
    for (const tool of upstreamTools) assert.ok(covered.includes(tool), `${tool}: decide what it may send`);
    for (const tool of plannerTools) assert.ok(tool in table.remediation, `${tool}: a remediation call`);
    const grants = grantsOf(rendered[overlay].objects, SA, NS);
    const acting = policy.mode === 'auto';
    const permitted = [...Object.values(table.read).flat(), ...(acting ? Object.values(table.remediation).flat() : [])];
    for (const r of permitted) assert.ok(allowed(grants, r), `${overlay}: ${JSON.stringify(r)} is allowed`);
    const refused = [...FORBIDDEN, ...Object.values(table.never).flat(), ...Object.values(table.ungranted).flat(),
      ...(acting ? [] : Object.values(table.remediation).flat())];
    for (const r of refused) assert.ok(!allowed(grants, r), `${overlay}: ${JSON.stringify(r)} is refused`);
    // Nothing else: every grant is one of the permitted requests' (group, resource, verb, name).
    for (const g of expand(grants)) {
      assert.ok(permitted.some((r) => r.group === g.group && r.resource === g.resource && r.verb === g.verb &&
        (g.name === '' || g.name === r.name) && (g.scope === '*' || g.scope === r.namespace)), `${overlay}: ${JSON.stringify(g)} is needed`);
    }
  }
});

test('every overlay applies to kubesim with server-side apply', async () => {
  const sim = await startKubesim(path.join(SCENARIOS, 'healthy'));
  try {
    const env = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: sim.kubeconfig };
    for (const overlay of OVERLAYS) {
      const file = path.join(dir, `${overlay}.yaml`);
      fs.writeFileSync(file, rendered[overlay].text);
      const out = execFileSync('kubectl', ['--request-timeout=10s', 'apply', '--server-side', '--field-manager=eks-sre-mcp-deploy',
        // kubesim serves no OpenAPI document for kubectl's client-side schema check.
        '--validate=false', '-f', file], { env, encoding: 'utf8', stdio: 'pipe', timeout: 30000 });
      assert.equal(out.trim().split('\n').length, rendered[overlay].objects.length, out);
      const got = JSON.parse(execFileSync('kubectl', ['--request-timeout=10s', 'get', '-f', file, '-o', 'json'], { env, encoding: 'utf8', stdio: 'pipe', timeout: 30000 }));
      assert.equal(got.items.length, rendered[overlay].objects.length);
      const d = got.items.find((o) => o.kind === 'Deployment');
      assert.equal(d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem, true);
    }
    const applies = sim.requests().filter((r) => r.method === 'PATCH' && r.contentType.startsWith('application/apply-patch'));
    assert.ok(applies.length >= rendered['read-only'].objects.length, 'server-side apply (PATCH application/apply-patch+yaml)');
    assert.ok(applies.every((r) => r.status < 300), JSON.stringify(applies.filter((r) => r.status >= 300)));
  } finally {
    assert.equal(await sim.stop(), 0);
  }
});
