// Builds consistent snapshot objects (uids, ownerReferences, pod-template-hash, events with the messages the
// kubelet, scheduler and controllers emit, EKS node labels) and writes them in the snapshot format kubesim
// loads. Used by generate.mjs (the committed example scenarios) and bench/gen-cluster (large clusters).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

// Deterministic randomness: the same seed gives the same snapshot, so regenerating changes nothing.
export class Rng {
  constructor(seed) {
    this.state = crypto.createHash('sha256').update(String(seed)).digest();
    this.counter = 0;
  }
  bytes(n) {
    const out = [];
    while (out.length < n) {
      const h = crypto.createHash('sha256').update(this.state).update(String(this.counter++)).digest();
      out.push(...h);
    }
    return Buffer.from(out.slice(0, n));
  }
  hex(n) { return this.bytes(Math.ceil(n / 2)).toString('hex').slice(0, n); }
  suffix(n = 5) { return [...this.bytes(n)].map((b) => SAFE[b % SAFE.length]).join(''); }
  uid() {
    const h = this.hex(32).split('');
    h[12] = '4';
    h[16] = '89ab'[parseInt(h[16], 16) % 4];
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
  int(lo, hi) { return lo + (this.bytes(4).readUInt32BE(0) % (hi - lo + 1)); }
}

export const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const isoNano = (ms, n = 0) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_, f) => `.${f}${String(n).padStart(6, '0')}Z`);

export class ClusterBuilder {
  constructor({ seed, now, region = 'eu-west-1', version = 'v1.32.3-eks-4a1b2c3' }) {
    this.rng = new Rng(seed);
    this.now = Date.parse(now);
    this.region = region;
    this.version = version;
    this.objects = [];
    this.events = [];
    this.logs = []; // {ns, pod, container, previous, text}
    this.podMetrics = [];
    this.nodeMetrics = [];
    this.nodes = [];
    this.ipCounter = 10;
    this.namespaces = new Set();
  }

  ago(seconds) { return iso(this.now - seconds * 1000); }
  meta(ns, name, ageSeconds, extra = {}) {
    const m = { name, uid: this.rng.uid(), resourceVersion: String(this.rng.int(100000, 9999999)), creationTimestamp: this.ago(ageSeconds) };
    if (ns) m.namespace = ns;
    return { ...m, ...extra };
  }
  add(obj) { this.objects.push(obj); if (obj.metadata.namespace) this.namespaces.add(obj.metadata.namespace); return obj; }
  ref(obj) {
    return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, uid: obj.metadata.uid, controller: true, blockOwnerDeletion: true };
  }
  podIP() { const n = this.ipCounter++; return `10.0.${128 + Math.floor(n / 250) % 120}.${(n % 250) + 2}`; }

  namespace(name, ageSeconds = 86400 * 90) {
    this.namespaces.add(name);
    return this.add({ apiVersion: 'v1', kind: 'Namespace', metadata: this.meta(null, name, ageSeconds, { labels: { 'kubernetes.io/metadata.name': name } }), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  }

  // An EKS managed node group node.
  node({ name, nodegroup = 'general', instanceType = 'm5.large', zone = 'a', ready = true, ageSeconds = 86400 * 12,
    cpu = '2', memory = '7910348Ki', allocCpu = '1930m', allocMemory = '7220172Ki', pods = '29', conditions = {}, taints } = {}) {
    const ip = name.replace(/^ip-/, '').split('.')[0].replace(/-/g, '.');
    const zoneName = `${this.region}${zone}`;
    const hb = this.ago(ready ? 20 : 900);
    const cond = (type, status, reason, message) => ({ type, status, lastHeartbeatTime: hb, lastTransitionTime: this.ago(ready ? ageSeconds - 60 : 900), reason, message });
    const node = {
      apiVersion: 'v1', kind: 'Node',
      metadata: this.meta(null, name, ageSeconds, {
        labels: {
          'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/instance-type': instanceType, 'beta.kubernetes.io/os': 'linux',
          'eks.amazonaws.com/capacityType': 'ON_DEMAND', 'eks.amazonaws.com/nodegroup': nodegroup,
          'eks.amazonaws.com/nodegroup-image': 'ami-0a1b2c3d4e5f60718', 'eks.amazonaws.com/sourceLaunchTemplateVersion': '1',
          'failure-domain.beta.kubernetes.io/region': this.region, 'failure-domain.beta.kubernetes.io/zone': zoneName,
          'k8s.io/cloud-provider-aws': 'a94f5c3b1e2d7f6a8b9c0d1e2f3a4b5c', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux', 'node.kubernetes.io/instance-type': instanceType, 'topology.k8s.aws/zone-id': `euw1-az${zone.charCodeAt(0) - 96}`,
          'topology.kubernetes.io/region': this.region, 'topology.kubernetes.io/zone': zoneName,
        },
        annotations: { 'alpha.kubernetes.io/provided-node-ip': ip, 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      }),
      spec: { providerID: `aws:///${zoneName}/i-0${this.rng.hex(16)}` },
      status: {
        addresses: [{ type: 'InternalIP', address: ip }, { type: 'InternalDNS', address: name }, { type: 'Hostname', address: name }],
        allocatable: { cpu: allocCpu, 'ephemeral-storage': '95491958418', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: allocMemory, pods },
        capacity: { cpu, 'ephemeral-storage': '104845292Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory, pods },
        conditions: [
          conditions.MemoryPressure ?? cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
          conditions.DiskPressure ?? cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
          conditions.PIDPressure ?? cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
          ready ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
            : { type: 'Ready', status: 'Unknown', lastHeartbeatTime: this.ago(900), lastTransitionTime: this.ago(840), reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          architecture: 'amd64', bootID: this.rng.uid(), containerRuntimeVersion: 'containerd://1.7.25', kernelVersion: '6.1.128-136.201.amzn2023.x86_64',
          kubeProxyVersion: this.version, kubeletVersion: this.version, machineID: this.rng.hex(32), operatingSystem: 'linux',
          osImage: 'Amazon Linux 2023.6.20250303', systemUUID: `ec2${this.rng.hex(5)}-${this.rng.hex(4)}-${this.rng.hex(4)}-${this.rng.hex(4)}-${this.rng.hex(12)}`,
        },
      },
    };
    if (!ready) {
      for (const c of node.status.conditions) if (c.type !== 'Ready') Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: this.ago(900), lastTransitionTime: this.ago(840) });
      node.spec.taints = [
        { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: this.ago(840) },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: this.ago(835) },
      ];
    }
    if (taints) node.spec.taints = taints;
    this.nodes.push(node);
    this.add(node);
    if (ready) {
      const cores = parseInt(cpu, 10);
      this.nodeMetrics.push({ metadata: { name, creationTimestamp: iso(this.now), labels: node.metadata.labels }, timestamp: this.ago(12), window: '20.029s',
        usage: { cpu: `${this.rng.int(120, 380 * cores)}m`, memory: `${this.rng.int(1400000, 3400000)}Ki` } });
    }
    return node;
  }

  nodeIP(nodeName) { return this.nodes.find((n) => n.metadata.name === nodeName)?.status.addresses[0].address ?? ''; }

  // A container spec from a short description.
  container(c) {
    const out = { name: c.name, image: c.image, imagePullPolicy: c.imagePullPolicy ?? 'IfNotPresent' };
    if (c.command) out.command = c.command;
    if (c.args) out.args = c.args;
    if (c.ports) out.ports = c.ports.map((p) => ({ containerPort: p, name: p === 8080 || p === 80 ? 'http' : `p${p}`, protocol: 'TCP' }));
    if (c.env) out.env = c.env;
    if (c.envFrom) out.envFrom = c.envFrom;
    out.resources = c.resources ?? { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };
    if (c.readinessProbe) out.readinessProbe = c.readinessProbe;
    if (c.livenessProbe) out.livenessProbe = c.livenessProbe;
    if (c.volumeMounts) out.volumeMounts = c.volumeMounts;
    out.terminationMessagePath = '/dev/termination-log';
    out.terminationMessagePolicy = 'File';
    return out;
  }

  podTemplate(labels, containers, extra = {}) {
    return {
      metadata: { labels: { ...labels } , ...(extra.annotations ? { annotations: extra.annotations } : {}) },
      spec: {
        containers: containers.map((c) => this.container(c)),
        dnsPolicy: 'ClusterFirst', restartPolicy: extra.restartPolicy ?? 'Always', schedulerName: 'default-scheduler', securityContext: {},
        ...(extra.serviceAccountName ? { serviceAccountName: extra.serviceAccountName, serviceAccount: extra.serviceAccountName } : {}),
        terminationGracePeriodSeconds: 30,
        ...(extra.volumes ? { volumes: extra.volumes } : {}),
        ...(extra.nodeSelector ? { nodeSelector: extra.nodeSelector } : {}),
        ...(extra.tolerations ? { tolerations: extra.tolerations } : {}),
        ...(extra.priorityClassName ? { priorityClassName: extra.priorityClassName } : {}),
      },
    };
  }

  // Pod status for a state: running, notReady (readiness failing), crashLoop, oomKilled, imagePull,
  // configError, pendingUnschedulable, evicted, failed (Job), succeeded, unknown (on a lost node).
  podStatus(spec, state, { node, ageSeconds, restarts = 0, lastExit = {}, message, reason } = {}) {
    const start = this.ago(ageSeconds - 2);
    const cond = (type, status, extra = {}) => ({ type, status, lastProbeTime: null, lastTransitionTime: extra.at ?? start, ...extra.fields });
    const image = (c) => c.image.includes('/') ? c.image : `docker.io/library/${c.image}`;
    const imageID = (c) => `${image(c).split(':')[0]}@sha256:${this.rng.hex(64)}`;
    const cid = () => `containerd://${this.rng.hex(64)}`;
    const hostIP = this.nodeIP(node);
    const ip = hostIP ? this.podIP() : '';
    const base = { hostIP, hostIPs: hostIP ? [{ ip: hostIP }] : undefined, podIP: ip || undefined, podIPs: ip ? [{ ip }] : undefined, startTime: start, qosClass: 'Burstable' };
    const allTrue = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((t) => cond(t, 'True'));
    const lastFinished = this.ago(lastExit.agoSeconds ?? 45);
    const terminated = (exitCode, why) => ({ terminated: { containerID: cid(), exitCode, reason: why, startedAt: this.ago((lastExit.agoSeconds ?? 45) + (lastExit.ranSeconds ?? 3)), finishedAt: lastFinished } });
    const cs = (c, fields) => ({ name: c.name, image: image(c), imageID: imageID(c), containerID: cid(), ready: false, started: false, restartCount: 0, lastState: {}, ...fields });
    const notReadyConds = (why) => ['PodReadyToStartContainers', 'Initialized'].map((t) => cond(t, 'True')).concat([
      cond('Ready', 'False', { fields: { reason: 'ContainersNotReady', message: `containers with unready status: [${why}]` } }),
      cond('ContainersReady', 'False', { fields: { reason: 'ContainersNotReady', message: `containers with unready status: [${why}]` } }),
      cond('PodScheduled', 'True')]);
    const first = spec.containers[0];
    const others = spec.containers.slice(1).map((c) => cs(c, { ready: true, started: true, state: { running: { startedAt: start } } }));
    switch (state) {
      case 'running':
      case 'notReady':
        return { phase: 'Running', ...base, conditions: state === 'running' ? allTrue : notReadyConds(first.name),
          containerStatuses: spec.containers.map((c, i) => cs(c, { ready: state === 'running' || i > 0, started: true, restartCount: i === 0 ? restarts : 0,
            state: { running: { startedAt: start } }, ...(restarts && i === 0 ? { lastState: terminated(lastExit.code ?? 1, lastExit.reason ?? 'Error') } : {}) })) };
      case 'crashLoop':
      case 'oomKilled':
        return { phase: 'Running', ...base, conditions: notReadyConds(first.name), containerStatuses: [cs(first, {
          restartCount: restarts, state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${first.name} pod=${message}` } },
          lastState: state === 'oomKilled' ? terminated(137, 'OOMKilled') : terminated(lastExit.code ?? 1, 'Error') }), ...others] };
      case 'imagePull':
        return { phase: 'Pending', ...base, conditions: notReadyConds(first.name), containerStatuses: [cs(first, { imageID: '', containerID: undefined, image: first.image,
          state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${first.image}"` } } }), ...others] };
      case 'configError':
        return { phase: 'Pending', ...base, conditions: notReadyConds(first.name), containerStatuses: [cs(first, { imageID: '', containerID: undefined,
          state: { waiting: { reason: 'CreateContainerConfigError', message } } }), ...others] };
      case 'pendingUnschedulable':
        return { phase: 'Pending', conditions: [cond('PodScheduled', 'False', { fields: { reason: 'Unschedulable', message } })], qosClass: 'Burstable' };
      case 'evicted':
        return { phase: 'Failed', reason: 'Evicted', message, ...base, podIP: undefined, podIPs: undefined,
          conditions: [cond('DisruptionTarget', 'True', { fields: { reason: 'TerminationByKubelet', message: `The node was low on resource: ${/low on resource: ([\w-]+)/.exec(message ?? '')?.[1] ?? 'memory'}. ` } }),
            ...notReadyConds(first.name).slice(1)],
          containerStatuses: spec.containers.map((c) => cs(c, { state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: start, finishedAt: this.ago(600) } } })) };
      case 'failed':
        return { phase: 'Failed', ...base, conditions: notReadyConds(first.name).map((c) => c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, reason: 'PodFailed', message: undefined } : c),
          containerStatuses: [cs(first, { state: { terminated: { containerID: cid(), exitCode: lastExit.code ?? 1, reason: 'Error', startedAt: start, finishedAt: this.ago(ageSeconds - 8) } } })] };
      case 'unknown':
        return { phase: 'Running', ...base, conditions: allTrue.map((c) => c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: this.ago(840) } : c),
          containerStatuses: spec.containers.map((c) => cs(c, { ready: false, started: true, state: { running: { startedAt: start } } })) };
      default:
        throw new Error(`unknown pod state ${state}`);
    }
  }

  pod({ ns, name, template, owner, node, state = 'running', ageSeconds = 86400, restarts, lastExit, message, labels = {} }) {
    const spec = JSON.parse(JSON.stringify(template.spec));
    if (node && state !== 'pendingUnschedulable') spec.nodeName = node;
    spec.serviceAccountName ??= 'default';
    spec.serviceAccount ??= spec.serviceAccountName;
    spec.tolerations = [...(spec.tolerations ?? []),
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }];
    spec.enableServiceLinks = true;
    spec.preemptionPolicy = 'PreemptLowerPriority';
    spec.priority = 0;
    const md = this.meta(ns, name, ageSeconds, { labels: { ...template.metadata.labels, ...labels } });
    if (template.metadata.annotations) md.annotations = template.metadata.annotations;
    if (owner) {
      md.ownerReferences = [this.ref(owner)];
      if (owner.kind !== 'StatefulSet') md.generateName = `${owner.metadata.name}-`;
    }
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: md, spec, status: this.podStatus(spec, state, { node, ageSeconds, restarts, lastExit, message: message ?? `${name}_${ns}(${md.uid})` }) };
    pod.status = JSON.parse(JSON.stringify(pod.status)); // drop undefined
    this.add(pod);
    if (['running', 'notReady'].includes(state) || (state === 'crashLoop' && false)) {
      this.podMetrics.push({ metadata: { name, namespace: ns, creationTimestamp: iso(this.now), labels: md.labels }, timestamp: this.ago(15), window: '16.153s',
        containers: spec.containers.map((c) => ({ name: c.name, usage: { cpu: `${this.rng.int(1, 60)}m`, memory: `${this.rng.int(12000, 180000)}Ki` } })) });
    }
    if (node && !['pendingUnschedulable'].includes(state)) {
      this.event(pod, { type: 'Normal', reason: 'Scheduled', message: `Successfully assigned ${ns}/${name} to ${node}`, component: 'default-scheduler', ageSeconds: ageSeconds, reporting: 'default-scheduler' });
    }
    return pod;
  }

  // A Deployment with its ReplicaSet and pods; `pods` lists the state of each pod (default: all running).
  deployment({ ns, name, replicas = 2, labels, containers, ageSeconds = 86400 * 20, podAgeSeconds, pods, nodes, extra = {}, revision = 1 }) {
    labels ??= { app: name };
    const template = this.podTemplate(labels, containers, extra);
    const dep = this.add({
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: this.meta(ns, name, ageSeconds, { labels: { ...labels }, generation: revision, annotations: { 'deployment.kubernetes.io/revision': String(revision) } }),
      spec: { replicas, selector: { matchLabels: { ...labels } }, template,
        progressDeadlineSeconds: 600, revisionHistoryLimit: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } },
      status: {},
    });
    const hash = this.rng.suffix(10).slice(0, 10);
    const rsTemplate = JSON.parse(JSON.stringify(template));
    rsTemplate.metadata.labels['pod-template-hash'] = hash;
    const rs = this.add({
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: this.meta(ns, `${name}-${hash}`, podAgeSeconds ?? ageSeconds, { labels: { ...rsTemplate.metadata.labels }, generation: 1,
        annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas / 4)), 'deployment.kubernetes.io/revision': String(revision) },
        ownerReferences: [this.ref(dep)] }),
      spec: { replicas, selector: { matchLabels: { ...labels, 'pod-template-hash': hash } }, template: rsTemplate },
      status: {},
    });
    const states = pods ?? Array(replicas).fill('running');
    const created = states.map((s, i) => {
      const st = typeof s === 'string' ? { state: s } : s;
      const node = st.node ?? (nodes ?? this.readyNodes())[i % (nodes ?? this.readyNodes()).length];
      return this.pod({ ns, name: `${name}-${hash}-${this.rng.suffix()}`, template: rsTemplate, owner: rs, node, ageSeconds: podAgeSeconds ?? ageSeconds, ...st });
    });
    const ready = created.filter((p) => p.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    rs.status = { availableReplicas: ready, fullyLabeledReplicas: created.length, observedGeneration: 1, readyReplicas: ready, replicas: created.length };
    if (!ready) { delete rs.status.availableReplicas; delete rs.status.readyReplicas; }
    const t = this.ago(Math.min(ageSeconds, podAgeSeconds ?? ageSeconds));
    dep.status = { observedGeneration: revision, replicas: created.length, updatedReplicas: created.length, readyReplicas: ready, availableReplicas: ready,
      ...(created.length - ready ? { unavailableReplicas: created.length - ready } : {}),
      conditions: [
        ready >= replicas
          ? { type: 'Available', status: 'True', lastUpdateTime: t, lastTransitionTime: t, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
          : { type: 'Available', status: 'False', lastUpdateTime: t, lastTransitionTime: t, reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
        { type: 'Progressing', status: 'True', lastUpdateTime: t, lastTransitionTime: this.ago(ageSeconds), reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs.metadata.name}" has successfully progressed.` },
      ] };
    if (!ready) delete dep.status.readyReplicas, delete dep.status.availableReplicas;
    this.event(dep, { type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set ${rs.metadata.name} from 0 to ${replicas}`, component: 'deployment-controller', ageSeconds: podAgeSeconds ?? ageSeconds });
    return { dep, rs, pods: created };
  }

  daemonset({ ns, name, labels, containers, ageSeconds = 86400 * 60, extra = {} }) {
    labels ??= { 'k8s-app': name };
    const template = this.podTemplate(labels, containers, { priorityClassName: 'system-node-critical', ...extra });
    const ds = this.add({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: this.meta(ns, name, ageSeconds, { labels: { ...labels }, generation: 1, annotations: { 'deprecated.daemonset.template.generation': '1' } }),
      spec: { selector: { matchLabels: { ...labels } }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '10%' } }, revisionHistoryLimit: 10 }, status: {} });
    const hash = this.rng.suffix(10).slice(0, 10);
    const pods = this.nodes.map((n) => {
      const ready = n.status.conditions.find((c) => c.type === 'Ready').status === 'True';
      return this.pod({ ns, name: `${name}-${this.rng.suffix()}`, template, owner: ds, node: n.metadata.name, state: ready ? 'running' : 'unknown',
        ageSeconds: Math.min(ageSeconds, (this.now - Date.parse(n.metadata.creationTimestamp)) / 1000), labels: { 'controller-revision-hash': hash, 'pod-template-generation': '1' } });
    });
    const n = this.nodes.length;
    const ready = pods.filter((p) => p.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    ds.status = { currentNumberScheduled: n, desiredNumberScheduled: n, numberAvailable: ready, numberMisscheduled: 0, numberReady: ready, observedGeneration: 1, updatedNumberScheduled: n, ...(n - ready ? { numberUnavailable: n - ready } : {}) };
    return { ds, pods };
  }

  service({ ns, name, selector, ports = [{ port: 80, targetPort: 8080 }], type = 'ClusterIP', ageSeconds = 86400 * 20, endpointsFrom = [] }) {
    const svc = this.add({ apiVersion: 'v1', kind: 'Service', metadata: this.meta(ns, name, ageSeconds, { labels: { app: name } }),
      spec: { clusterIP: `172.20.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`, clusterIPs: [], internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
        ports: ports.map((p) => ({ name: p.name ?? 'http', port: p.port, protocol: 'TCP', targetPort: p.targetPort ?? p.port })), selector, sessionAffinity: 'None', type },
      status: { loadBalancer: {} } });
    svc.spec.clusterIPs = [svc.spec.clusterIP];
    const ready = endpointsFrom.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    const notReady = endpointsFrom.filter((p) => p.status.podIP && !ready.includes(p));
    const addr = (p) => ({ ip: p.status.podIP, nodeName: p.spec.nodeName, targetRef: { kind: 'Pod', name: p.metadata.name, namespace: ns, uid: p.metadata.uid } });
    const subsets = ready.length || notReady.length ? [{ ...(ready.length ? { addresses: ready.map(addr) } : {}), ...(notReady.length ? { notReadyAddresses: notReady.map(addr) } : {}),
      ports: ports.map((p) => ({ name: p.name ?? 'http', port: p.targetPort ?? p.port, protocol: 'TCP' })) }] : undefined;
    this.add({ apiVersion: 'v1', kind: 'Endpoints', metadata: this.meta(ns, name, ageSeconds, { labels: { app: name }, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': this.ago(ageSeconds) } }), ...(subsets ? { subsets } : {}) });
    return svc;
  }

  event(obj, { type = 'Normal', reason, message, component, host, ageSeconds = 60, firstAgeSeconds, count = 1, fieldPath, reporting }) {
    const ns = obj.metadata.namespace ?? 'default';
    const e = {
      apiVersion: 'v1', kind: 'Event',
      metadata: this.meta(ns, `${obj.metadata.name}.${this.rng.hex(16)}`, ageSeconds),
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, ...(fieldPath ? { fieldPath } : {}) },
      reason, message, source: { component, ...(host ? { host } : {}) },
      firstTimestamp: this.ago(firstAgeSeconds ?? ageSeconds), lastTimestamp: this.ago(ageSeconds), count, type, eventTime: null,
      reportingComponent: reporting ?? component, reportingInstance: host ?? '',
    };
    if (!obj.metadata.namespace) { delete e.involvedObject.namespace; }
    this.events.push(e);
    return e;
  }

  // The kubelet's events for a container that started (pulled, created, started).
  started(pod, { ageSeconds, count = 1, firstAgeSeconds } = {}) {
    const host = pod.spec.nodeName;
    for (const c of pod.spec.containers) {
      const fp = `spec.containers{${c.name}}`;
      this.event(pod, { reason: 'Pulled', message: `Container image "${c.image}" already present on machine`, component: 'kubelet', host, ageSeconds, firstAgeSeconds, count, fieldPath: fp });
      this.event(pod, { reason: 'Created', message: `Created container ${c.name}`, component: 'kubelet', host, ageSeconds, firstAgeSeconds, count, fieldPath: fp });
      this.event(pod, { reason: 'Started', message: `Started container ${c.name}`, component: 'kubelet', host, ageSeconds, firstAgeSeconds, count, fieldPath: fp });
    }
  }

  log(pod, container, lines, { previous = false } = {}) {
    this.logs.push({ ns: pod.metadata.namespace, pod: pod.metadata.name, container, previous, text: lines.map((l) => l.endsWith('\n') ? l : `${l}\n`).join('') });
  }

  // Log lines as the kubelet stores them: "<RFC 3339 nano> <line>", ending `endAgo` seconds before now.
  timed(lines, { endAgo = 30, step = 2 } = {}) {
    return lines.map((l, i) => `${isoNano(this.now - (endAgo + (lines.length - 1 - i) * step) * 1000, 123456 + i)} ${l}`);
  }

  readyNodes() { return this.nodes.filter((n) => n.status.conditions.find((c) => c.type === 'Ready').status === 'True').map((n) => n.metadata.name); }

  // The kube-system components of every EKS cluster, and a StorageClass. `cni: 'calico'` replaces the VPC CNI
  // (aws-node) with Calico networking (calico-node in calico-system, which reports the nodes' NetworkUnavailable
  // condition).
  eksSystem({ cni = 'vpc-cni' } = {}) {
    this.namespace('default', 86400 * 120); this.namespace('kube-system', 86400 * 120); this.namespace('kube-public', 86400 * 120); this.namespace('kube-node-lease', 86400 * 120);
    const sysTol = [{ operator: 'Exists' }];
    if (cni === 'calico') {
      for (const n of this.nodes) {
        n.status.conditions.unshift({ type: 'NetworkUnavailable', status: 'False', lastHeartbeatTime: this.ago(86400 * 11), lastTransitionTime: this.ago(86400 * 11), reason: 'CalicoIsUp', message: 'Calico is running on this node' });
      }
      this.namespace('calico-system', 86400 * 120);
      this.daemonset({ ns: 'calico-system', name: 'calico-node', labels: { 'k8s-app': 'calico-node' }, containers: [
        { name: 'calico-node', image: 'quay.io/calico/node:v3.29.2', resources: { requests: { cpu: '250m' } },
          readinessProbe: { exec: { command: ['/bin/calico-node', '-bird-ready', '-felix-ready'] }, periodSeconds: 10, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 3 } }],
        extra: { tolerations: sysTol, serviceAccountName: 'calico-node' } });
      this.add({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: this.meta('calico-system', 'calico-node', 86400 * 100) });
    } else this.daemonset({ ns: 'kube-system', name: 'aws-node', containers: [
      { name: 'aws-node', image: '602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni:v1.19.2-eksbuild.1', ports: [61678], resources: { requests: { cpu: '25m' } } },
      { name: 'aws-eks-nodeagent', image: '602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon/aws-network-policy-agent:v1.1.6-eksbuild.1', resources: { requests: { cpu: '25m' } } }],
      extra: { tolerations: sysTol, serviceAccountName: 'aws-node' } });
    this.daemonset({ ns: 'kube-system', name: 'kube-proxy', containers: [
      { name: 'kube-proxy', image: '602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/kube-proxy:v1.32.0-minimal-eksbuild.2', command: ['kube-proxy', '--v=2', '--config=/var/lib/kube-proxy-config/config', '--hostname-override=$(NODE_NAME)'], resources: { requests: { cpu: '100m' } } }],
      extra: { tolerations: sysTol, serviceAccountName: 'kube-proxy' } });
    const dns = this.deployment({ ns: 'kube-system', name: 'coredns', replicas: 2, labels: { 'k8s-app': 'kube-dns', 'eks.amazonaws.com/component': 'coredns' }, ageSeconds: 86400 * 120, podAgeSeconds: 86400 * 12,
      containers: [{ name: 'coredns', image: '602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/coredns:v1.11.4-eksbuild.2', args: ['-conf', '/etc/coredns/Corefile'], ports: [53, 9153],
        resources: { requests: { cpu: '100m', memory: '70Mi' }, limits: { memory: '170Mi' } },
        readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } }],
      extra: { serviceAccountName: 'coredns', priorityClassName: 'system-cluster-critical' } });
    this.service({ ns: 'kube-system', name: 'kube-dns', selector: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', port: 53, targetPort: 53 }, { name: 'dns-tcp', port: 53, targetPort: 53 }, { name: 'metrics', port: 9153, targetPort: 9153 }], endpointsFrom: dns.pods, ageSeconds: 86400 * 120 });
    for (const p of dns.pods) this.log(p, 'coredns', this.timed(['.:53', '[INFO] plugin/reload: Running configuration SHA512 = 8a7d59126e7f114ab49c6d2613be93d8ef7d408af8ee61a710210843dc409f03133727e38f64469d9bb180f396c84ebf48a42bde3b3769730865ca9df5eb281c', 'CoreDNS-1.11.4', 'linux/amd64, go1.23.6, a8e2ba3'], { endAgo: 86400 * 12 - 10 }));
    const ms = this.deployment({ ns: 'kube-system', name: 'metrics-server', replicas: 1, labels: { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server' }, ageSeconds: 86400 * 100, podAgeSeconds: 86400 * 12,
      containers: [{ name: 'metrics-server', image: 'registry.k8s.io/metrics-server/metrics-server:v0.7.2', args: ['--secure-port=10250', '--cert-dir=/tmp', '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname', '--kubelet-use-node-status-port', '--metric-resolution=15s'], ports: [10250], resources: { requests: { cpu: '100m', memory: '200Mi' } } }],
      extra: { serviceAccountName: 'metrics-server', priorityClassName: 'system-cluster-critical' } });
    this.service({ ns: 'kube-system', name: 'metrics-server', selector: { 'app.kubernetes.io/name': 'metrics-server' }, ports: [{ name: 'https', port: 443, targetPort: 10250 }], endpointsFrom: ms.pods, ageSeconds: 86400 * 100 });
    this.add({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: this.meta(null, 'gp2', 86400 * 120, { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }),
      provisioner: 'kubernetes.io/aws-ebs', parameters: { fsType: 'ext4', type: 'gp2' }, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: false });
    this.add({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: this.meta(null, 'gp3', 86400 * 60),
      provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3', encrypted: 'true' }, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true });
    this.add({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: this.meta(null, 'alb', 86400 * 90, { labels: { 'app.kubernetes.io/name': 'aws-load-balancer-controller' } }), spec: { controller: 'ingress.k8s.aws/alb' } });
    for (const sa of [...(cni === 'calico' ? [] : ['aws-node']), 'kube-proxy', 'coredns', 'metrics-server']) this.add({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: this.meta('kube-system', sa, 86400 * 100) });
  }

  // Writes the snapshot directory: cluster/*.yaml (one file per namespace, plus cluster-scoped and events),
  // logs/, metrics/, scenario.yaml. `format` 'yaml' for committed examples, 'json' for large generated ones.
  write(dir, { scenario, format = 'yaml' } = {}) {
    // expected.json is written by hand (the right diagnosis, for the tests): kept across regeneration.
    for (const sub of ['cluster', 'logs', 'metrics', 'scenario.yaml']) fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, 'cluster'), { recursive: true });
    const groups = new Map();
    const fileOf = (o) => (o.metadata.namespace ? `ns-${o.metadata.namespace}` : 'cluster-scoped');
    for (const o of this.objects) {
      const f = fileOf(o);
      if (!groups.has(f)) groups.set(f, []);
      groups.get(f).push(o);
    }
    if (this.events.length) groups.set('events', this.events);
    for (const [name, objs] of groups) {
      const list = { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: objs };
      fs.writeFileSync(path.join(dir, 'cluster', `${name}.${format}`), format === 'json' ? JSON.stringify(list) : toYaml(list));
    }
    for (const l of this.logs) {
      const d = path.join(dir, 'logs', l.ns, l.pod);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, `${l.container}${l.previous ? '.previous' : ''}.log`), l.text);
    }
    if (this.podMetrics.length || this.nodeMetrics.length) {
      fs.mkdirSync(path.join(dir, 'metrics'), { recursive: true });
      const write = (file, kind, items) => {
        const list = { apiVersion: 'metrics.k8s.io/v1beta1', kind, metadata: {}, items };
        fs.writeFileSync(path.join(dir, 'metrics', `${file}.${format}`), format === 'json' ? JSON.stringify(list) : toYaml(list));
      };
      write('pods', 'PodMetricsList', this.podMetrics);
      write('nodes', 'NodeMetricsList', this.nodeMetrics);
    }
    if (scenario) fs.writeFileSync(path.join(dir, 'scenario.yaml'), toYaml({ now: iso(this.now), ...scenario }));
  }
}

// A small YAML emitter (block style, as kubectl prints), enough for Kubernetes objects.
export function toYaml(value, indent = 0) {
  const pad = ' '.repeat(indent);
  const scalar = (v) => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean' || typeof v === 'number') return String(v);
    const s = String(v);
    if (s === '' || /^[\s]|[\s]$|^[-?:,\[\]{}#&*!|>'"%@`]|: | #|^(true|false|null|yes|no|on|off|~|y|n)$|^[-+]?(\d|\.\d)|^0x/i.test(s) || s.includes('\n') || s.includes('\t'))
      return JSON.stringify(s);
    return s;
  };
  if (Array.isArray(value)) {
    if (!value.length) return '[]\n';
    return value.map((item) => {
      if (item && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length) {
        const body = toYaml(item, indent + 2);
        return `${pad}- ${body.slice(indent + 2)}`;
      }
      if (Array.isArray(item) && item.length) return `${pad}-\n${toYaml(item, indent + 2)}`;
      return `${pad}- ${item && typeof item === 'object' ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}\n`;
    }).join('');
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (!keys.length) return '{}\n';
    return keys.map((k) => {
      const v = value[k];
      if (v && typeof v === 'object' && (Array.isArray(v) ? v.length : Object.keys(v).length)) {
        return Array.isArray(v) ? `${pad}${scalar(k)}:\n${toYaml(v, indent)}` : `${pad}${scalar(k)}:\n${toYaml(v, indent + 2)}`;
      }
      return `${pad}${scalar(k)}: ${v && typeof v === 'object' ? (Array.isArray(v) ? '[]' : '{}') : scalar(v)}\n`;
    }).join('');
  }
  return `${pad}${scalar(value)}\n`;
}
