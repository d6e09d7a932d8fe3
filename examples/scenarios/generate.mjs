#!/usr/bin/env node
// Regenerates the example scenarios in this directory (node examples/scenarios/generate.mjs). The committed
// YAML is the source of truth; this script is how it was written, kept so that a change to the common
// background (nodes, kube-system, healthy apps) can be applied to every scenario at once. Deterministic.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterBuilder } from './builder.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NOW = '2025-03-11T14:05:00Z';
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

// Three m5.large nodes in three zones, the EKS system components, and two healthy app namespaces.
function base(seed, { nodes = 3, notReadyNode = false, cni } = {}) {
  const b = new ClusterBuilder({ seed, now: NOW });
  const specs = [['ip-10-0-1-23.eu-west-1.compute.internal', 'a'], ['ip-10-0-2-87.eu-west-1.compute.internal', 'b'],
    ['ip-10-0-3-142.eu-west-1.compute.internal', 'c'], ['ip-10-0-1-201.eu-west-1.compute.internal', 'a']];
  specs.slice(0, nodes).forEach(([name, zone], i) => b.node({ name, zone, nodegroup: 'general-20250227', ready: !(notReadyNode && i === nodes - 1) }));
  b.eksSystem({ cni });
  b.namespace('shop', 86400 * 60);
  const web = b.deployment({ ns: 'shop', name: 'storefront', replicas: 2, podAgeSeconds: 86400 * 3,
    containers: [{ name: 'web', image: `${ECR}/shop/storefront:2.14.1`, ports: [8080],
      readinessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } }] });
  b.service({ ns: 'shop', name: 'storefront', selector: { app: 'storefront' }, endpointsFrom: web.pods });
  for (const p of web.pods) b.log(p, 'web', b.timed(['{"level":"info","msg":"listening","addr":":8080"}', '{"level":"info","msg":"GET /healthz","status":200,"duration_ms":1}', '{"level":"info","msg":"GET /products","status":200,"duration_ms":23}']));
  const cart = b.deployment({ ns: 'shop', name: 'cart', replicas: 2, podAgeSeconds: 86400 * 5,
    containers: [{ name: 'cart', image: `${ECR}/shop/cart:1.8.0`, ports: [8080], env: [{ name: 'REDIS_ADDR', value: 'redis.shop.svc.cluster.local:6379' }] }] });
  b.service({ ns: 'shop', name: 'cart', selector: { app: 'cart' }, endpointsFrom: cart.pods });
  for (const p of cart.pods) b.log(p, 'cart', b.timed(['2025/03/11 11:02:10 connected to redis at redis.shop.svc.cluster.local:6379', '2025/03/11 11:02:10 cart service listening on :8080']));
  b.namespace('monitoring', 86400 * 60);
  const prom = b.deployment({ ns: 'monitoring', name: 'prometheus-node-exporter-proxy', replicas: 1, labels: { 'app.kubernetes.io/name': 'node-exporter-proxy' },
    containers: [{ name: 'proxy', image: 'quay.io/prometheus/node-exporter:v1.8.2', ports: [9100] }] });
  b.log(prom.pods[0], 'proxy', b.timed(['ts=2025-03-08T09:00:01.123Z caller=node_exporter.go:193 level=info msg="Listening on" address=[::]:9100']));
  return b;
}

function probe(path, port = 8080) {
  return { httpGet: { path, port, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
}

const BACKOFF = (b, pod, c = pod.spec.containers[0].name) =>
  b.event(pod, { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${c} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
    component: 'kubelet', host: pod.spec.nodeName, ageSeconds: 20, firstAgeSeconds: 1500, count: 112, fieldPath: `spec.containers{${c}}` });

const scenarios = {
  'crashloop-missing-env'() {
    const b = base('crashloop-missing-env');
    b.namespace('payments', 86400 * 40);
    const api = b.deployment({ ns: 'payments', name: 'payments-api', replicas: 2, podAgeSeconds: 1560, revision: 7,
      containers: [{ name: 'api', image: `${ECR}/payments/api:3.2.0`, ports: [8080], env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'PORT', value: '8080' }], readinessProbe: probe('/ready') }],
      pods: [{ state: 'crashLoop', restarts: 9, lastExit: { code: 1, agoSeconds: 35, ranSeconds: 1 } }, { state: 'crashLoop', restarts: 9, lastExit: { code: 1, agoSeconds: 50, ranSeconds: 1 } }] });
    b.service({ ns: 'payments', name: 'payments-api', selector: { app: 'payments-api' }, endpointsFrom: api.pods });
    for (const p of api.pods) {
      b.started(p, { ageSeconds: 40, firstAgeSeconds: 1555, count: 10 });
      BACKOFF(b, p);
      const lines = ['{"level":"info","ts":"2025-03-11T14:04:24Z","msg":"starting payments-api","version":"3.2.0","commit":"9f1c2ab"}',
        '{"level":"info","ts":"2025-03-11T14:04:24Z","msg":"loading configuration from environment"}',
        '{"level":"fatal","ts":"2025-03-11T14:04:24Z","msg":"invalid configuration","error":"required environment variable DATABASE_URL is not set"}'];
      b.log(p, 'api', b.timed(lines, { endAgo: 36, step: 0 }));
      b.log(p, 'api', b.timed(lines, { endAgo: 340, step: 0 }), { previous: true });
    }
    return { b, scenario: { description: 'payments-api (namespace payments) was rolled out at revision 7 without the DATABASE_URL environment variable: both pods exit with status 1 at start and are in CrashLoopBackOff. Restarting does not help; adding DATABASE_URL to the Deployment (a new pod template) does.',
      remediation: [{ workload: 'Deployment/payments/payments-api', recreatedPods: 'failSameWay', fixedBy: 'templateChange', runningLogs: { api: '{"level":"info","msg":"starting payments-api","version":"3.2.0"}\n{"level":"info","msg":"connected to database"}\n{"level":"info","msg":"listening on :8080"}\n' } }] } };
  },

  'oomkilled'() {
    const b = base('oomkilled');
    b.namespace('reports', 86400 * 40);
    const d = b.deployment({ ns: 'reports', name: 'report-renderer', replicas: 1, podAgeSeconds: 7200,
      containers: [{ name: 'renderer', image: `${ECR}/reports/renderer:5.0.3`, ports: [8080], resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '256Mi' } },
        env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xms512m -Xmx1g' }] }],
      pods: [{ state: 'oomKilled', restarts: 14, lastExit: { agoSeconds: 70, ranSeconds: 95 } }] });
    const p = d.pods[0];
    b.started(p, { ageSeconds: 75, firstAgeSeconds: 7190, count: 15 });
    BACKOFF(b, p);
    b.event(b.nodes.find((n) => n.metadata.name === p.spec.nodeName), { type: 'Warning', reason: 'OOMKilling', message: `Memory cgroup out of memory: Killed process 48213 (java) total-vm:3311276kB, anon-rss:261220kB, file-rss:18432kB, shmem-rss:0kB, UID:1000 pgtables:1020kB oom_score_adj:984`, component: 'kernel-monitor', host: p.spec.nodeName, ageSeconds: 70, firstAgeSeconds: 7100, count: 14 });
    const lines = ['Picked up JAVA_TOOL_OPTIONS: -Xms512m -Xmx1g', '14:03:30.112 [main] INFO  c.e.reports.RendererApplication - Starting RendererApplication v5.0.3 using Java 21.0.5',
      '14:03:41.870 [main] INFO  o.s.b.w.embedded.tomcat.TomcatWebServer - Tomcat started on port 8080 (http)', '14:03:52.004 [worker-1] INFO  c.e.reports.batch.MonthlyJob - rendering 18231 invoices for 2025-02',
      '14:04:58.551 [worker-1] WARN  c.e.reports.batch.MonthlyJob - heap usage 243MB of 256MB container limit'];
    b.log(p, 'renderer', b.timed(lines.slice(0, 3), { endAgo: 30 }));
    b.log(p, 'renderer', b.timed(lines, { endAgo: 72, step: 20 }), { previous: true });
    b.podMetrics.push({ metadata: { name: p.metadata.name, namespace: 'reports', creationTimestamp: b.ago(0), labels: p.metadata.labels }, timestamp: b.ago(15), window: '15s', containers: [{ name: 'renderer', usage: { cpu: '912m', memory: '248Mi' } }] });
    return { b, scenario: { description: 'report-renderer (namespace reports) is OOMKilled (exit 137) every few minutes: the JVM is started with -Xmx1g inside a 256Mi memory limit. Raising the limit or lowering -Xmx (a template change) fixes it; a restart does not.',
      remediation: [{ workload: 'Deployment/reports/report-renderer', recreatedPods: 'failSameWay', fixedBy: 'templateChange' }] } };
  },

  'image-pull-backoff'() {
    const b = base('image-pull-backoff');
    b.namespace('search', 86400 * 40);
    const image = `${ECR}/search/indexer:4.1.0-rc1`;
    const d = b.deployment({ ns: 'search', name: 'search-indexer', replicas: 1, podAgeSeconds: 900, revision: 12,
      containers: [{ name: 'indexer', image, ports: [8080] }], pods: [{ state: 'imagePull' }] });
    const p = d.pods[0];
    const fp = 'spec.containers{indexer}';
    const host = p.spec.nodeName;
    b.event(p, { reason: 'Pulling', message: `Pulling image "${image}"`, component: 'kubelet', host, ageSeconds: 240, firstAgeSeconds: 895, count: 6, fieldPath: fp });
    b.event(p, { type: 'Warning', reason: 'Failed', message: `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`, component: 'kubelet', host, ageSeconds: 239, firstAgeSeconds: 894, count: 6, fieldPath: fp });
    b.event(p, { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', component: 'kubelet', host, ageSeconds: 239, firstAgeSeconds: 894, count: 6, fieldPath: fp });
    b.event(p, { reason: 'BackOff', message: `Back-off pulling image "${image}"`, component: 'kubelet', host, ageSeconds: 12, firstAgeSeconds: 893, count: 58, fieldPath: fp });
    b.event(p, { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', component: 'kubelet', host, ageSeconds: 12, firstAgeSeconds: 893, count: 58, fieldPath: fp });
    return { b, scenario: { description: 'search-indexer (namespace search) references the image tag 4.1.0-rc1, which does not exist in ECR: the pod is in ImagePullBackOff. Pointing the Deployment at an existing tag fixes it.',
      remediation: [{ workload: 'Deployment/search/search-indexer', recreatedPods: 'failSameWay', fixedBy: 'templateChange' }] } };
  },

  'pending-insufficient-cpu'() {
    const b = base('pending-insufficient-cpu');
    b.namespace('analytics', 86400 * 40);
    const d = b.deployment({ ns: 'analytics', name: 'spark-driver', replicas: 2, podAgeSeconds: 1800,
      containers: [{ name: 'driver', image: `${ECR}/analytics/spark-driver:3.5.4`, resources: { requests: { cpu: '4', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } } }],
      pods: [{ state: 'pendingUnschedulable', message: '0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.' },
        { state: 'pendingUnschedulable', message: '0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.' }] });
    for (const p of d.pods)
      b.event(p, { type: 'Warning', reason: 'FailedScheduling', message: '0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.', component: 'default-scheduler', ageSeconds: 95, firstAgeSeconds: 1800, count: 31 });
    return { b, scenario: { description: 'spark-driver (namespace analytics) requests 4 CPU and 8Gi per pod; the nodes are m5.large (2 vCPU, 1930m allocatable): both pods stay Pending with FailedScheduling "Insufficient cpu". Lowering the requests (a template change) or adding a larger node group fixes it.',
      remediation: [{ workload: 'Deployment/analytics/spark-driver', recreatedPods: 'failSameWay', fixedBy: 'templateChange' }] } };
  },

  'pending-unbound-pvc'() {
    const b = base('pending-unbound-pvc');
    b.namespace('data', 86400 * 40);
    const pvc = b.add({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: b.meta('data', 'data-postgres-0', 1200, { labels: { app: 'postgres' }, finalizers: ['kubernetes.io/pvc-protection'] }),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'gp3-encrypted', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
    const template = b.podTemplate({ app: 'postgres' }, [{ name: 'postgres', image: 'postgres:16.4', ports: [5432], resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
      volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }] }]);
    const sts = b.add({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: b.meta('data', 'postgres', 1200, { labels: { app: 'postgres' }, generation: 1 }),
      spec: { replicas: 1, selector: { matchLabels: { app: 'postgres' } }, serviceName: 'postgres', template, podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'gp3-encrypted', volumeMode: 'Filesystem' } }] },
      status: { availableReplicas: 0, collisionCount: 0, currentReplicas: 1, currentRevision: 'postgres-5c8f7d9b6d', observedGeneration: 1, replicas: 1, updateRevision: 'postgres-5c8f7d9b6d', updatedReplicas: 1 } });
    const podTemplate = JSON.parse(JSON.stringify(template));
    podTemplate.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data-postgres-0' } }];
    const msg = '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
    const p = b.pod({ ns: 'data', name: 'postgres-0', template: podTemplate, owner: sts, state: 'pendingUnschedulable', ageSeconds: 1200, message: msg,
      labels: { 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': 'postgres-5c8f7d9b6d', 'statefulset.kubernetes.io/pod-name': 'postgres-0' } });
    b.event(p, { type: 'Warning', reason: 'FailedScheduling', message: msg, component: 'default-scheduler', ageSeconds: 300, firstAgeSeconds: 1200, count: 5 });
    b.event(pvc, { type: 'Warning', reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "gp3-encrypted" not found', component: 'persistentvolume-controller', ageSeconds: 15, firstAgeSeconds: 1200, count: 82 });
    b.event(sts, { reason: 'SuccessfulCreate', message: 'create Claim data-postgres-0 Pod postgres-0 in StatefulSet postgres success', component: 'statefulset-controller', ageSeconds: 1200 });
    b.event(sts, { reason: 'SuccessfulCreate', message: 'create Pod postgres-0 in StatefulSet postgres successful', component: 'statefulset-controller', ageSeconds: 1200 });
    b.service({ ns: 'data', name: 'postgres', selector: { app: 'postgres' }, ports: [{ name: 'postgres', port: 5432 }] });
    return { b, scenario: { description: 'postgres-0 (StatefulSet postgres, namespace data) is Pending: its PersistentVolumeClaim data-postgres-0 asks for StorageClass gp3-encrypted, which does not exist (the cluster has gp2 and gp3), so the claim is never provisioned.',
      remediation: [{ workload: 'StatefulSet/data/postgres', recreatedPods: 'failSameWay' }] } };
  },

  'readiness-probe-failing'() {
    const b = base('readiness-probe-failing');
    b.namespace('catalog', 86400 * 40);
    const d = b.deployment({ ns: 'catalog', name: 'catalog-api', replicas: 3, podAgeSeconds: 2400, revision: 4,
      containers: [{ name: 'api', image: `${ECR}/catalog/api:7.3.1`, ports: [8080], readinessProbe: probe('/health/ready'), livenessProbe: { ...probe('/health/live'), initialDelaySeconds: 15 } }],
      pods: ['notReady', 'notReady', 'notReady'] });
    b.service({ ns: 'catalog', name: 'catalog-api', selector: { app: 'catalog-api' }, endpointsFrom: d.pods });
    for (const p of d.pods) {
      b.started(p, { ageSeconds: 2395 });
      b.event(p, { type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503', component: 'kubelet', host: p.spec.nodeName, ageSeconds: 8, firstAgeSeconds: 2380, count: 238, fieldPath: 'spec.containers{api}' });
      b.log(p, 'api', b.timed(['INFO  catalog-api 7.3.1 starting', 'INFO  http server listening on 0.0.0.0:8080',
        'WARN  readiness: dependency "elasticsearch" unhealthy: dial tcp 10.0.7.14:9200: connect: connection refused',
        'INFO  GET /health/ready 503 (1ms)', 'WARN  readiness: dependency "elasticsearch" unhealthy: dial tcp 10.0.7.14:9200: connect: connection refused', 'INFO  GET /health/ready 503 (0ms)'], { endAgo: 8, step: 5 }));
    }
    return { b, scenario: { description: 'catalog-api (namespace catalog) runs but never becomes Ready: its readiness probe /health/ready answers 503 because Elasticsearch at 10.0.7.14:9200 refuses connections. The Service has no ready endpoints. Restarting does not help.',
      remediation: [{ workload: 'Deployment/catalog/catalog-api', recreatedPods: 'failSameWay' }] } };
  },

  'node-not-ready'() {
    const b = base('node-not-ready', { nodes: 4, notReadyNode: true });
    const lost = b.nodes[3];
    b.event(lost, { reason: 'NodeNotReady', message: `Node ${lost.metadata.name} status is now: NodeNotReady`, component: 'node-controller', ageSeconds: 840 });
    for (const p of b.objects.filter((o) => o.kind === 'Pod' && o.spec.nodeName === lost.metadata.name))
      b.event(p, { type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready', component: 'node-controller', ageSeconds: 838 });
    b.namespace('orders', 86400 * 40);
    const d = b.deployment({ ns: 'orders', name: 'order-worker', replicas: 2, podAgeSeconds: 86400 * 2,
      containers: [{ name: 'worker', image: `${ECR}/orders/worker:2.0.8` }], pods: [{ state: 'unknown', node: lost.metadata.name }, { state: 'running' }] });
    b.event(d.pods[0], { type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready', component: 'node-controller', ageSeconds: 838 });
    b.log(d.pods[1], 'worker', b.timed(['consumer started: queue=orders-events', 'processed batch size=25 lag=3', 'processed batch size=25 lag=1']));
    return { b, scenario: { description: `Node ${lost.metadata.name} (node group general-20250227, zone eu-west-1a) stopped posting status 14 minutes ago: Ready is Unknown, it is tainted unreachable, and its pods (order-worker, aws-node, kube-proxy) are not ready. A deleted order-worker pod is recreated on a Ready node.`,
      remediation: [{ workload: 'Deployment/orders/order-worker', recreatedPods: 'running' }] } };
  },

  'evicted-pods'() {
    const b = base('evicted-pods');
    const node = b.nodes[1];
    node.status.conditions[0] = { type: 'MemoryPressure', status: 'True', lastHeartbeatTime: b.ago(20), lastTransitionTime: b.ago(660), reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' };
    node.spec.taints = [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule', timeAdded: b.ago(660) }];
    b.namespace('media', 86400 * 40);
    const msg = (used) => `The node was low on resource: memory. Threshold quantity: 100Mi, available: 86324Ki. Container thumbnailer was using ${used}Ki, request is 128Mi, has larger consumption of memory. `;
    const nm = node.metadata.name;
    const d = b.deployment({ ns: 'media', name: 'thumbnailer', replicas: 2, podAgeSeconds: 3600,
      containers: [{ name: 'thumbnailer', image: `${ECR}/media/thumbnailer:1.4.2`, ports: [8080], resources: { requests: { cpu: '200m', memory: '128Mi' } } }],
      pods: [{ state: 'running' }, { state: 'running' }, { state: 'evicted', node: nm, message: msg(3911744) }, { state: 'evicted', node: nm, message: msg(3655120) }, { state: 'evicted', node: nm, message: msg(3870012) }] });
    for (const p of d.pods.filter((x) => x.status.reason === 'Evicted')) {
      b.event(p, { type: 'Warning', reason: 'Evicted', message: p.status.message.trim(), component: 'kubelet', host: nm, ageSeconds: 600 });
      b.event(p, { reason: 'Killing', message: 'Stopping container thumbnailer', component: 'kubelet', host: nm, ageSeconds: 600, fieldPath: 'spec.containers{thumbnailer}' });
    }
    b.event(node, { type: 'Warning', reason: 'EvictionThresholdMet', message: 'Attempting to reclaim memory', component: 'kubelet', host: nm, ageSeconds: 610, firstAgeSeconds: 660, count: 3 });
    b.event(node, { reason: 'NodeHasInsufficientMemory', message: `Node ${nm} status is now: NodeHasInsufficientMemory`, component: 'kubelet', host: nm, ageSeconds: 660 });
    for (const p of d.pods.filter((x) => x.status.phase === 'Running')) b.log(p, 'thumbnailer', b.timed(['thumbnailer 1.4.2 ready', 'processed s3://media-uploads/2025/03/11/IMG_4411.jpg 4032x3024 -> 3 sizes', 'processed s3://media-uploads/2025/03/11/IMG_4412.jpg 4032x3024 -> 3 sizes']));
    countRunningOnly(d);
    return { b, scenario: { description: `Node ${nm} came under memory pressure 11 minutes ago and the kubelet evicted three thumbnailer pods (namespace media) that used ~3.7Gi against a 128Mi request and no limit; the Deployment replaced them, and the evicted pods remain as Failed/Evicted.`,
      remediation: [{ workload: 'Deployment/media/thumbnailer', recreatedPods: 'running' }] } };
  },

  'create-container-config-error'() {
    const b = base('create-container-config-error');
    b.namespace('billing', 86400 * 40);
    const d = b.deployment({ ns: 'billing', name: 'invoice-service', replicas: 1, podAgeSeconds: 600, revision: 3,
      containers: [{ name: 'invoice', image: `${ECR}/billing/invoice:2.7.0`, ports: [8080],
        env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'billing-db-credentials', key: 'password' } } }, { name: 'DB_HOST', value: 'billing-db.cluster-c9x1abcd.eu-west-1.rds.amazonaws.com' }] }],
      pods: [{ state: 'configError', message: 'secret "billing-db-credentials" not found' }] });
    const p = d.pods[0];
    b.event(p, { reason: 'Pulled', message: `Container image "${ECR}/billing/invoice:2.7.0" already present on machine`, component: 'kubelet', host: p.spec.nodeName, ageSeconds: 10, firstAgeSeconds: 598, count: 50, fieldPath: 'spec.containers{invoice}' });
    b.event(p, { type: 'Warning', reason: 'Failed', message: 'Error: secret "billing-db-credentials" not found', component: 'kubelet', host: p.spec.nodeName, ageSeconds: 10, firstAgeSeconds: 598, count: 50, fieldPath: 'spec.containers{invoice}' });
    b.add({ apiVersion: 'v1', kind: 'Secret', metadata: b.meta('billing', 'billing-db-credential', 86400 * 30), type: 'Opaque' });
    return { b, scenario: { description: 'invoice-service (namespace billing) cannot start: its container reads DB_PASSWORD from Secret billing-db-credentials, which does not exist (the namespace has billing-db-credential, without the s): CreateContainerConfigError.',
      remediation: [{ workload: 'Deployment/billing/invoice-service', recreatedPods: 'failSameWay', fixedBy: 'templateChange' }] } };
  },

  'job-backoff-limit'() {
    const b = base('job-backoff-limit');
    b.namespace('batch', 86400 * 40);
    const template = b.podTemplate({ 'job-name': 'db-migrate-20250311' }, [{ name: 'migrate', image: `${ECR}/platform/db-migrate:1.12.0`, args: ['migrate', 'up'],
      env: [{ name: 'DATABASE_URL', value: 'postgres://app@orders-db.cluster-c9x1abcd.eu-west-1.rds.amazonaws.com:5432/orders' }] }], { restartPolicy: 'Never' });
    const job = b.add({ apiVersion: 'batch/v1', kind: 'Job', metadata: b.meta('batch', 'db-migrate-20250311', 1500, { labels: { 'job-name': 'db-migrate-20250311' }, generation: 1 }),
      spec: { backoffLimit: 3, completionMode: 'NonIndexed', completions: 1, parallelism: 1, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed', suspend: false,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'x' } }, template },
      status: {} });
    job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid'] = job.metadata.uid;
    Object.assign(template.metadata.labels, { 'batch.kubernetes.io/controller-uid': job.metadata.uid, 'batch.kubernetes.io/job-name': job.metadata.name, 'controller-uid': job.metadata.uid });
    const ages = [1500, 1480, 1440, 1360];
    for (const age of ages) {
      const p = b.pod({ ns: 'batch', name: `db-migrate-20250311-${b.rng.suffix()}`, template, owner: job, state: 'failed', ageSeconds: age, lastExit: { code: 1 } });
      b.event(job, { reason: 'SuccessfulCreate', message: `Created pod: ${p.metadata.name}`, component: 'job-controller', ageSeconds: age });
      const lines = ['time="2025-03-11T13:40:12Z" level=info msg="connecting to orders-db.cluster-c9x1abcd.eu-west-1.rds.amazonaws.com:5432"', 'time="2025-03-11T13:40:12Z" level=info msg="current schema version 41, applying 42_add_order_region.up.sql"',
        'time="2025-03-11T13:40:13Z" level=error msg="migration 42_add_order_region.up.sql failed" error="pq: column \\"region\\" of relation \\"orders\\" already exists"', 'error: migration failed, database left at version 41 (dirty)'];
      b.log(p, 'migrate', b.timed(lines, { endAgo: age - 6, step: 0 }));
    }
    Object.assign(job.status, { failed: 4, startTime: b.ago(1500), terminating: 0, ready: 0, uncountedTerminatedPods: {},
      conditions: [{ type: 'FailureTarget', status: 'True', lastProbeTime: b.ago(1352), lastTransitionTime: b.ago(1352), reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
        { type: 'Failed', status: 'True', lastProbeTime: b.ago(1352), lastTransitionTime: b.ago(1352), reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] });
    b.event(job, { type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', component: 'job-controller', ageSeconds: 1352 });
    return { b, scenario: { description: 'Job db-migrate-20250311 (namespace batch) failed: each of its 4 pods exited 1 because migration 42 adds a column that already exists; the Job reached its backoffLimit of 3 (BackoffLimitExceeded).' } };
  },

  'service-no-endpoints'() {
    const b = base('service-no-endpoints');
    b.namespace('search', 86400 * 40);
    const d = b.deployment({ ns: 'search', name: 'search-api', replicas: 2, labels: { app: 'search' }, podAgeSeconds: 86400,
      containers: [{ name: 'api', image: `${ECR}/search/api:6.0.2`, ports: [8080], readinessProbe: probe('/ready') }] });
    for (const p of d.pods) b.log(p, 'api', b.timed(['search-api 6.0.2 listening on :8080', 'GET /ready 200']));
    b.service({ ns: 'search', name: 'search-api', selector: { app: 'search-api' }, endpointsFrom: [] });
    b.add({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: b.meta('search', 'search-api', 86400 * 3, { annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', 'alb.ingress.kubernetes.io/target-type': 'ip' } }),
      spec: { ingressClassName: 'alb', rules: [{ host: 'search.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'search-api', port: { number: 80 } } } }] } }] },
      status: { loadBalancer: { ingress: [{ hostname: 'k8s-search-searchap-1a2b3c4d5e-1234567890.eu-west-1.elb.amazonaws.com' }] } } });
    return { b, scenario: { description: 'Service search-api (namespace search) selects app=search-api, but the search-api Deployment labels its pods app=search: the Service has no endpoints and the ALB Ingress answers 503, while both pods are Running and Ready.' } };
  },

  'dependency-crash'() {
    const b = base('dependency-crash');
    // The message broker label-printer needs is down: the worker exits at start and crash-loops. A restart is the
    // usual remedy once the broker is back; here it is still down, so each restart crashes again.
    b.namespace('shipping', 86400 * 50);
    const d = b.deployment({ ns: 'shipping', name: 'label-printer', replicas: 1, podAgeSeconds: 900, revision: 3,
      containers: [{ name: 'worker', image: `${ECR}/shipping/label-printer:1.4.2`, env: [{ name: 'AMQP_URL', value: 'amqp://rabbitmq.shipping.svc.cluster.local:5672' }] }],
      pods: [{ state: 'crashLoop', restarts: 6, lastExit: { code: 1, agoSeconds: 30, ranSeconds: 2 } }] });
    for (const p of d.pods) {
      b.started(p, { ageSeconds: 35, firstAgeSeconds: 895, count: 7 });
      BACKOFF(b, p);
      const lines = ['time=2025-03-11T14:04:30Z level=info msg="label-printer 1.4.2 starting"',
        'time=2025-03-11T14:04:31Z level=error msg="cannot connect to broker" error="dial tcp 10.100.41.7:5672: connect: connection refused"',
        'time=2025-03-11T14:04:31Z level=fatal msg="giving up after 3 attempts"'];
      b.log(p, 'worker', b.timed(lines, { endAgo: 30, step: 0 }), { previous: true });
      b.log(p, 'worker', b.timed(lines.slice(0, 1), { endAgo: 2, step: 0 }));
    }
    return { b, scenario: { description: 'label-printer (namespace shipping, one replica) crash-loops because its message broker refuses connections (dial tcp 10.100.41.7:5672: connection refused). The broker stays down, so a restarted pod crashes the same way.',
      remediation: [{ workload: 'Deployment/shipping/label-printer', recreatedPods: 'failSameWay' }] } };
  },

  'scaled-to-zero'() {
    const b = base('scaled-to-zero');
    // Someone scaled report-api to 0 replicas for a maintenance window and never scaled it back: its Service has
    // no endpoints. Near miss: a batch Deployment at 0 replicas that no Service selects is not an incident.
    b.namespace('reports', 86400 * 70);
    b.deployment({ ns: 'reports', name: 'report-api', replicas: 0, labels: { app: 'report-api' }, podAgeSeconds: 86400,
      containers: [{ name: 'api', image: `${ECR}/reports/api:2.9.0`, ports: [8080], readinessProbe: probe('/ready') }] });
    b.service({ ns: 'reports', name: 'report-api', selector: { app: 'report-api' }, endpointsFrom: [] });
    b.deployment({ ns: 'reports', name: 'report-backfill', replicas: 0, labels: { app: 'report-backfill' }, podAgeSeconds: 86400,
      containers: [{ name: 'backfill', image: `${ECR}/reports/backfill:2.9.0` }] });
    return { b, scenario: { description: 'Deployment report-api (namespace reports) was left at 0 replicas after a maintenance window: Service report-api has no endpoints. Scaling it to one replica brings its endpoint back. report-backfill also runs 0 replicas, but no Service needs it.' } };
  },

  'healthy'() {
    const b = base('healthy');
    b.namespace('payments', 86400 * 40);
    const api = b.deployment({ ns: 'payments', name: 'payments-api', replicas: 3, podAgeSeconds: 86400 * 2,
      containers: [{ name: 'api', image: `${ECR}/payments/api:3.1.9`, ports: [8080], readinessProbe: probe('/ready') }] });
    b.service({ ns: 'payments', name: 'payments-api', selector: { app: 'payments-api' }, endpointsFrom: api.pods });
    for (const p of api.pods) b.log(p, 'api', b.timed(['{"level":"info","msg":"listening on :8080"}', '{"level":"info","msg":"POST /v1/charges","status":201,"duration_ms":48}']));
    b.add({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: b.meta('payments', 'payments-api', 86400 * 20),
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'payments-api' }, minReplicas: 3, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
      status: { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 21, averageValue: '21m' } } }] } });
    b.add({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: b.meta('payments', 'payments-api', 86400 * 20), spec: { minAvailable: 2, selector: { matchLabels: { app: 'payments-api' } } },
      status: { currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3, observedGeneration: 1 } });
    b.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: b.meta('payments', 'payments-api-config', 86400 * 20), data: { LOG_LEVEL: 'info', FEATURE_3DS: 'true' } });
    b.add({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: b.meta('payments', 'default-deny-ingress', 86400 * 20), spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    return { b, scenario: { description: 'A healthy EKS cluster: three Ready nodes, kube-system and three application namespaces all Running and Ready; nothing to fix.' } };
  },
};

// ---- helpers for pod states builder.podStatus does not model ----

const isReady = (p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

// A container status as the kubelet writes it; `pulled: false` for an image not yet pulled.
function cstatus(b, pod, name, { state, lastState = {}, restarts = 0, ready = false, started = false, pulled = true, created = true }) {
  const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x) => x.name === name);
  const image = c.image.includes('/') ? c.image : `docker.io/library/${c.image}`;
  return { name, image, imageID: pulled ? `${image.split(':')[0]}@sha256:${b.rng.hex(64)}` : '', ...(created ? { containerID: `containerd://${b.rng.hex(64)}` } : {}),
    ready, started, restartCount: restarts, lastState, state };
}

// Replaces a scheduled pod's status: phase, conditions from the container statuses, and the statuses.
function setPodStatus(b, pod, { phase = 'Pending', init = [], containers, sandbox = true, initialized = true, failed = false }) {
  const t = pod.status.startTime;
  const cond = (type, status, extra = {}) => ({ type, status, lastProbeTime: null, lastTransitionTime: t, ...extra });
  const unready = containers.filter((c) => !c.ready).map((c) => c.name).join(' ');
  const ready = !unready;
  const notReady = failed ? { reason: 'PodFailed' } : { reason: 'ContainersNotReady', message: `containers with unready status: [${unready}]` };
  pod.status = {
    phase,
    conditions: [cond('PodReadyToStartContainers', sandbox && !failed ? 'True' : 'False'),
      initialized ? cond('Initialized', 'True') : cond('Initialized', 'False', { reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${init.filter((c) => !c.ready).map((c) => c.name).join(' ')}]` }),
      ready ? cond('Ready', 'True') : cond('Ready', 'False', notReady), ready ? cond('ContainersReady', 'True') : cond('ContainersReady', 'False', notReady), cond('PodScheduled', 'True')],
    hostIP: pod.status.hostIP, hostIPs: pod.status.hostIPs,
    ...(sandbox && pod.status.podIP ? { podIP: pod.status.podIP, podIPs: pod.status.podIPs } : {}),
    qosClass: pod.status.qosClass, startTime: t,
    ...(init.length ? { initContainerStatuses: init } : {}), containerStatuses: containers,
  };
}

// Brings a Deployment's and ReplicaSet's status in line with its pods (after setPodStatus).
function recount(d) {
  const live = d.pods.filter((p) => !p.metadata.deletionTimestamp);
  const n = live.length, ready = live.filter(isReady).length, want = d.dep.spec.replicas;
  d.rs.status = { fullyLabeledReplicas: n, observedGeneration: 1, replicas: n, ...(ready ? { availableReplicas: ready, readyReplicas: ready } : {}) };
  const s = d.dep.status;
  for (const k of ['readyReplicas', 'availableReplicas', 'unavailableReplicas']) delete s[k];
  Object.assign(s, { replicas: n, updatedReplicas: n, ...(ready ? { readyReplicas: ready, availableReplicas: ready } : {}), ...(want - ready > 0 ? { unavailableReplicas: want - ready } : {}) });
  const a = s.conditions[0];
  s.conditions[0] = ready >= want - Math.floor(want / 4)
    ? { ...a, status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
    : { ...a, status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
}

// A Deployment whose evicted pods were replaced: its status counts the running pods only.
function countRunningOnly(d) {
  const running = d.pods.filter((p) => p.status.phase === 'Running').length;
  d.rs.spec.replicas = running;
  d.dep.spec.replicas = running;
  d.rs.status = { availableReplicas: running, fullyLabeledReplicas: running, observedGeneration: 1, readyReplicas: running, replicas: running };
  Object.assign(d.dep.status, { replicas: running, updatedReplicas: running, readyReplicas: running, availableReplicas: running });
  delete d.dep.status.unavailableReplicas;
  d.dep.status.conditions[0] = { ...d.dep.status.conditions[0], status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' };
}

const kubelet = (b, pod, type, reason, message, { ageSeconds = 20, firstAgeSeconds, count = 1, container } = {}) =>
  b.event(pod, { type, reason, message, component: 'kubelet', host: pod.spec.nodeName, ageSeconds, firstAgeSeconds, count, ...(container ? { fieldPath: `spec.containers{${container}}` } : {}) });

const newScenarios = {
  'container-start-failures'() {
    const b = base('container-start-failures');

    // CreateContainerError: a distroless image without ENTRYPOINT and no command in the pod template.
    b.namespace('reporting', 86400 * 40);
    const pdfImage = `${ECR}/reporting/pdf-renderer:0.9.0`;
    const pdf = b.deployment({ ns: 'reporting', name: 'pdf-renderer', replicas: 1, podAgeSeconds: 1500, revision: 2, containers: [{ name: 'renderer', image: pdfImage, ports: [8080] }] });
    const p1 = pdf.pods[0];
    const spec1 = `failed to generate container "${b.rng.hex(64)}" spec: failed to generate spec: no command specified`;
    setPodStatus(b, p1, { containers: [cstatus(b, p1, 'renderer', { created: false, state: { waiting: { reason: 'CreateContainerError', message: spec1 } } })] });
    recount(pdf);
    kubelet(b, p1, 'Normal', 'Pulled', `Container image "${pdfImage}" already present on machine`, { ageSeconds: 14, firstAgeSeconds: 1490, count: 71, container: 'renderer' });
    kubelet(b, p1, 'Warning', 'Failed', `Error: ${spec1}`, { ageSeconds: 14, firstAgeSeconds: 1490, count: 71, container: 'renderer' });

    // RunContainerError: the command names a binary the image does not have (exit 128, StartError).
    b.namespace('notifications', 86400 * 40);
    const nw = b.deployment({ ns: 'notifications', name: 'notify-worker', replicas: 2, podAgeSeconds: 2100, revision: 9,
      containers: [{ name: 'worker', image: `${ECR}/notifications/worker:5.0.0`, command: ['/app/bin/notify-worker'], args: ['--queue=notifications'] }] });
    const startErr = 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/app/bin/notify-worker": stat /app/bin/notify-worker: no such file or directory: unknown';
    for (const p of nw.pods) {
      setPodStatus(b, p, { phase: 'Running', containers: [cstatus(b, p, 'worker', { restarts: 9,
        state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=worker pod=${p.metadata.name}_notifications(${p.metadata.uid})` } },
        lastState: { terminated: { containerID: `containerd://${b.rng.hex(64)}`, exitCode: 128, reason: 'StartError', message: startErr, startedAt: '1970-01-01T00:00:00Z', finishedAt: b.ago(95) } } })] });
      kubelet(b, p, 'Normal', 'Pulled', `Container image "${ECR}/notifications/worker:5.0.0" already present on machine`, { ageSeconds: 95, firstAgeSeconds: 2090, count: 10, container: 'worker' });
      kubelet(b, p, 'Normal', 'Created', 'Created container worker', { ageSeconds: 95, firstAgeSeconds: 2090, count: 10, container: 'worker' });
      kubelet(b, p, 'Warning', 'Failed', `Error: ${startErr}`, { ageSeconds: 95, firstAgeSeconds: 2090, count: 10, container: 'worker' });
      BACKOFF(b, p);
    }
    recount(nw);

    // InitContainerFailure: the schema migration init container cannot reach its database.
    b.namespace('ledger', 86400 * 40);
    const ledger = b.deployment({ ns: 'ledger', name: 'ledger-api', replicas: 2, podAgeSeconds: 1800, revision: 12,
      containers: [{ name: 'api', image: `${ECR}/ledger/api:2.4.0`, ports: [8080], readinessProbe: probe('/ready') }] });
    const migrate = b.container({ name: 'migrate', image: `${ECR}/ledger/api:2.4.0`, command: ['/app/ledger-api', 'migrate', 'up'],
      env: [{ name: 'DATABASE_URL', value: 'postgres://ledger@ledger-db.cluster-c9x1abcd.eu-west-1.rds.amazonaws.com:5432/ledger?sslmode=require' }] });
    ledger.dep.spec.template.spec.initContainers = [migrate];
    ledger.rs.spec.template.spec.initContainers = [migrate];
    const migrateLog = ['{"level":"info","ts":"2025-03-11T14:03:10Z","msg":"ledger-api 2.4.0 migrate up"}',
      '{"level":"info","ts":"2025-03-11T14:03:10Z","msg":"connecting to database","host":"ledger-db.cluster-c9x1abcd.eu-west-1.rds.amazonaws.com:5432"}',
      '{"level":"error","ts":"2025-03-11T14:03:15Z","msg":"cannot connect to database","error":"dial tcp 10.0.21.57:5432: connect: connection refused"}'];
    for (const p of ledger.pods) {
      p.spec.initContainers = [migrate];
      setPodStatus(b, p, { initialized: false,
        init: [cstatus(b, p, 'migrate', { restarts: 8, state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=migrate pod=${p.metadata.name}_ledger(${p.metadata.uid})` } },
          lastState: { terminated: { containerID: `containerd://${b.rng.hex(64)}`, exitCode: 1, reason: 'Error', startedAt: b.ago(130), finishedAt: b.ago(125) } } })],
        containers: [cstatus(b, p, 'api', { pulled: false, created: false, state: { waiting: { reason: 'PodInitializing' } } })] });
      kubelet(b, p, 'Normal', 'Started', 'Started container migrate', { ageSeconds: 130, firstAgeSeconds: 1795, count: 9, container: 'migrate' });
      BACKOFF(b, p, 'migrate');
      b.log(p, 'migrate', b.timed(migrateLog, { endAgo: 125, step: 2 }), { previous: true });
      b.log(p, 'migrate', b.timed(migrateLog.slice(0, 2), { endAgo: 3, step: 1 }));
    }
    recount(ledger);
    b.service({ ns: 'ledger', name: 'ledger-api', selector: { app: 'ledger-api' }, endpointsFrom: ledger.pods });

    // ContainerTerminatedWithError: a one-off backfill pod (restartPolicy Never) that failed.
    b.namespace('etl', 86400 * 40);
    const bfTemplate = b.podTemplate({ app: 'orders-backfill', 'run-by': 'oncall' }, [{ name: 'backfill', image: `${ECR}/etl/jobs:2025.03.10`, command: ['python', '-m', 'jobs.backfill_orders'], args: ['--since=2025-02-01'] }], { restartPolicy: 'Never' });
    const bf = b.pod({ ns: 'etl', name: 'orders-backfill-20250311', template: bfTemplate, node: b.nodes[2].metadata.name, ageSeconds: 3000 });
    setPodStatus(b, bf, { phase: 'Failed', failed: true, containers: [cstatus(b, bf, 'backfill', {
      state: { terminated: { containerID: `containerd://${b.rng.hex(64)}`, exitCode: 1, reason: 'Error', startedAt: b.ago(2996), finishedAt: b.ago(2950) } } })] });
    kubelet(b, bf, 'Normal', 'Started', 'Started container backfill', { ageSeconds: 2996, container: 'backfill' });
    b.log(bf, 'backfill', b.timed(['2025-03-11 13:15:04,118 INFO jobs.backfill_orders: backfilling orders since 2025-02-01', '2025-03-11 13:15:49,870 INFO jobs.backfill_orders: 18200 orders read',
      'Traceback (most recent call last):', '  File "/app/jobs/backfill_orders.py", line 88, in <module>', '    main()', '  File "/app/jobs/backfill_orders.py", line 71, in main',
      '    cur.execute(INSERT_ARCHIVE, rows)', 'psycopg2.errors.UndefinedTable: relation "orders_archive" does not exist', 'LINE 1: INSERT INTO orders_archive (id, region, total) VALUES (...'], { endAgo: 2950, step: 0 }));

    // MountFailure: the nginx config ConfigMap the pod mounts was never created.
    b.namespace('docs', 86400 * 40);
    const docs = b.deployment({ ns: 'docs', name: 'docs-site', replicas: 1, podAgeSeconds: 900, revision: 3,
      containers: [{ name: 'nginx', image: 'nginx:1.27.4', ports: [80], volumeMounts: [{ name: 'nginx-config', mountPath: '/etc/nginx/conf.d' }] }],
      extra: { volumes: [{ name: 'nginx-config', configMap: { name: 'docs-site-nginx', defaultMode: 420 } }] } });
    const p5 = docs.pods[0];
    setPodStatus(b, p5, { sandbox: false, containers: [cstatus(b, p5, 'nginx', { pulled: false, created: false, state: { waiting: { reason: 'ContainerCreating' } } })] });
    recount(docs);
    kubelet(b, p5, 'Warning', 'FailedMount', 'MountVolume.SetUp failed for volume "nginx-config" : configmap "docs-site-nginx" not found', { ageSeconds: 45, firstAgeSeconds: 895, count: 15 });
    b.service({ ns: 'docs', name: 'docs-site', selector: { app: 'docs-site' }, ports: [{ port: 80, targetPort: 80 }], endpointsFrom: docs.pods });

    // PodStuckTerminating: a pod scaled away 25 minutes ago keeps a finalizer nobody removes.
    b.namespace('platform', 86400 * 40);
    const ff = b.deployment({ ns: 'platform', name: 'feature-flags', replicas: 3, podAgeSeconds: 86400 * 2,
      containers: [{ name: 'flags', image: `${ECR}/platform/feature-flags:1.6.2`, ports: [8080], readinessProbe: probe('/healthz') }] });
    const gone = ff.pods[2];
    gone.metadata.deletionTimestamp = b.ago(1500);
    gone.metadata.deletionGracePeriodSeconds = 30;
    gone.metadata.finalizers = ['connections.platform.example.com/drain'];
    setPodStatus(b, gone, { phase: 'Failed', failed: true, containers: [cstatus(b, gone, 'flags', {
      state: { terminated: { containerID: `containerd://${b.rng.hex(64)}`, exitCode: 143, reason: 'Error', startedAt: gone.status.startTime, finishedAt: b.ago(1525) } } })] });
    kubelet(b, gone, 'Normal', 'Killing', 'Stopping container flags', { ageSeconds: 1530, container: 'flags' });
    ff.dep.spec.replicas = 2;
    ff.rs.spec.replicas = 2;
    recount(ff);
    b.event(ff.dep, { reason: 'ScalingReplicaSet', message: `Scaled down replica set ${ff.rs.metadata.name} from 3 to 2`, component: 'deployment-controller', ageSeconds: 1530 });
    b.service({ ns: 'platform', name: 'feature-flags', selector: { app: 'feature-flags' }, endpointsFrom: ff.pods.slice(0, 2) });
    for (const p of ff.pods.slice(0, 2)) b.log(p, 'flags', b.timed(['feature-flags 1.6.2 listening on :8080', 'GET /healthz 200']));

    return { b, scenario: { description: [
      'Six unrelated pod start failures:',
      'pdf-renderer (reporting) uses an image without ENTRYPOINT and sets no command: CreateContainerError "no command specified".',
      'notify-worker (notifications) runs /app/bin/notify-worker, which the image does not have: StartError exit 128 (RunContainerError).',
      'ledger-api (ledger) never starts: its migrate init container cannot connect to the database (connection refused).',
      'the one-off pod orders-backfill-20250311 (etl) failed with exit 1: relation "orders_archive" does not exist.',
      'docs-site (docs) mounts ConfigMap docs-site-nginx, which does not exist: FailedMount, ContainerCreating.',
      'a feature-flags pod (platform) scaled away 25 minutes ago is stuck Terminating on a finalizer no controller removes.'].join(' ') } };
  },

  'node-pressure'() {
    const b = base('node-pressure', { nodes: 4 });
    const [disk, pids, cordoned] = b.nodes;
    const cond = (type, reason, message, since) => ({ type, status: 'True', lastHeartbeatTime: b.ago(15), lastTransitionTime: b.ago(since), reason, message });
    const dn = disk.metadata.name, pn = pids.metadata.name, cn = cordoned.metadata.name;

    // Disk pressure: a transcoder writes its scratch files to an emptyDir on the root volume.
    disk.status.conditions[1] = cond('DiskPressure', 'KubeletHasDiskPressure', 'kubelet has disk pressure', 1260);
    disk.spec.taints = [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule', timeAdded: b.ago(1260) }];
    b.event(disk, { reason: 'NodeHasDiskPressure', message: `Node ${dn} status is now: NodeHasDiskPressure`, component: 'kubelet', host: dn, ageSeconds: 1260 });
    b.event(disk, { type: 'Warning', reason: 'FreeDiskSpaceFailed', message: 'Failed to garbage collect required amount of images. Attempted to free 11534336000 bytes, but only found 2040109465 bytes eligible to free.', component: 'kubelet', host: dn, ageSeconds: 60, firstAgeSeconds: 1250, count: 21 });
    b.event(disk, { type: 'Warning', reason: 'EvictionThresholdMet', message: 'Attempting to reclaim ephemeral-storage', component: 'kubelet', host: dn, ageSeconds: 1190, firstAgeSeconds: 1255, count: 4 });
    b.namespace('media', 86400 * 40);
    const evictDisk = (used) => `The node was low on resource: ephemeral-storage. Threshold quantity: 10737418240, available: 9437184Ki. Container transcoder was using ${used}Ki, request is 0, has larger consumption of ephemeral-storage. `;
    const others = [b.nodes[1].metadata.name, b.nodes[3].metadata.name];
    const tx = b.deployment({ ns: 'media', name: 'video-transcoder', replicas: 2, podAgeSeconds: 3600, nodes: others,
      containers: [{ name: 'transcoder', image: `${ECR}/media/transcoder:3.1.0`, resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } }, volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] }],
      extra: { volumes: [{ name: 'scratch', emptyDir: {} }] },
      pods: [{ state: 'running' }, { state: 'running' }, { state: 'evicted', node: dn, message: evictDisk(41823744) }, { state: 'evicted', node: dn, message: evictDisk(38874112) }] });
    for (const p of tx.pods.filter((x) => x.status.reason === 'Evicted')) {
      b.event(p, { type: 'Warning', reason: 'Evicted', message: p.status.message.trim(), component: 'kubelet', host: dn, ageSeconds: 1190 });
      b.event(p, { reason: 'Killing', message: 'Stopping container transcoder', component: 'kubelet', host: dn, ageSeconds: 1190, fieldPath: 'spec.containers{transcoder}' });
    }
    for (const p of tx.pods.filter((x) => x.status.phase === 'Running')) b.log(p, 'transcoder', b.timed(['transcoder 3.1.0 ready, scratch=/scratch', 'job 88121: s3://media-raw/2025/03/11/keynote.mov -> 1080p,720p,480p']));
    countRunningOnly(tx);

    // PID pressure: headless Chrome leaves zombie renderer processes behind.
    pids.status.conditions[2] = cond('PIDPressure', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available', 780);
    pids.spec.taints = [{ key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule', timeAdded: b.ago(780) }];
    b.event(pids, { reason: 'NodeHasInsufficientPID', message: `Node ${pn} status is now: NodeHasInsufficientPID`, component: 'kubelet', host: pn, ageSeconds: 780 });
    b.event(pids, { type: 'Warning', reason: 'EvictionThresholdMet', message: 'Attempting to reclaim pids', component: 'kubelet', host: pn, ageSeconds: 700, firstAgeSeconds: 775, count: 3 });
    b.namespace('tools', 86400 * 40);
    const chrome = b.deployment({ ns: 'tools', name: 'screenshot-service', replicas: 1, podAgeSeconds: 86400, nodes: [b.nodes[3].metadata.name],
      containers: [{ name: 'chrome', image: `${ECR}/tools/screenshot-service:2.2.0`, ports: [9222], resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } } }],
      pods: [{ state: 'running' }, { state: 'evicted', node: pn, message: 'The node was low on resource: pids. Threshold quantity: 3276, available: 2981. ' }] });
    const ev = chrome.pods[1];
    b.event(ev, { type: 'Warning', reason: 'Evicted', message: ev.status.message.trim(), component: 'kubelet', host: pn, ageSeconds: 700 });
    b.log(chrome.pods[0], 'chrome', b.timed(['DevTools listening on ws://0.0.0.0:9222/devtools/browser/5c1e', 'rendered https://status.example.com in 1840ms']));
    countRunningOnly(chrome);

    // A node cordoned for an AMI upgrade that was never finished.
    cordoned.spec.unschedulable = true;
    cordoned.spec.taints = [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: b.ago(86400 * 2) }];
    b.event(cordoned, { reason: 'NodeNotSchedulable', message: `Node ${cn} status is now: NodeNotSchedulable`, component: 'kubelet', host: cn, ageSeconds: 86400 * 2 });

    return { b, scenario: { description: `Node ${dn} is under disk pressure: video-transcoder (media) writes ~40Gi of scratch files to an emptyDir on the root volume; two of its pods were evicted and image garbage collection cannot free enough. Node ${pn} is under PID pressure: screenshot-service (tools) leaks headless Chrome processes and was evicted. Node ${cn} has been cordoned for two days.` } };
  },

  'autoscaling-and-cron'() {
    const b = base('autoscaling-and-cron', { nodes: 4 });
    b.namespace('checkout', 86400 * 40);
    const hpa = (ns, name, target, { min, max, current, desired, conditions, metrics, currentMetrics }) => b.add({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
      metadata: b.meta(ns, name, 86400 * 30), spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, minReplicas: min, maxReplicas: max,
        metrics: metrics ?? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
      status: { currentReplicas: current, desiredReplicas: desired, ...(currentMetrics ? { currentMetrics } : {}), lastScaleTime: b.ago(2400),
        conditions: conditions.map(([type, status, reason, message, since]) => ({ type, status, lastTransitionTime: b.ago(since), reason, message })) } });
    const hpaEvent = (h, type, reason, message, extra = {}) => b.event(h, { type, reason, message, component: 'horizontal-pod-autoscaler', ...extra });

    // At its maximum: the checkout API runs 6 of 6 replicas at 96% CPU.
    const api = b.deployment({ ns: 'checkout', name: 'checkout-api', replicas: 6, podAgeSeconds: 86400 * 3,
      containers: [{ name: 'api', image: `${ECR}/checkout/api:4.9.2`, ports: [8080], resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } }, readinessProbe: probe('/ready') }] });
    b.service({ ns: 'checkout', name: 'checkout-api', selector: { app: 'checkout-api' }, endpointsFrom: api.pods });
    for (const p of api.pods) b.log(p, 'api', b.timed(['{"level":"info","msg":"listening on :8080"}', '{"level":"info","msg":"POST /v1/checkout","status":200,"duration_ms":412}']));
    const h1 = hpa('checkout', 'checkout-api', 'checkout-api', { min: 2, max: 6, current: 6, desired: 6,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 96, averageValue: '241m' } } }],
      conditions: [['AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', 2400],
        ['ScalingActive', 'True', 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)', 86400 * 30],
        ['ScalingLimited', 'True', 'TooManyReplicas', 'the desired replica count is more than the maximum replica count', 2400]] });
    hpaEvent(h1, 'Normal', 'SuccessfulRescale', 'New size: 6; reason: cpu resource utilization (percentage of request) above target', { ageSeconds: 2400 });

    // Metrics unavailable: the recommender containers set no CPU request, so CPU utilization is undefined.
    b.namespace('recommendations', 86400 * 40);
    const rec = b.deployment({ ns: 'recommendations', name: 'recommender', replicas: 2, podAgeSeconds: 86400 * 4,
      containers: [{ name: 'recommender', image: `${ECR}/recommendations/recommender:1.3.0`, ports: [8080], resources: { requests: { memory: '1Gi' }, limits: { memory: '1Gi' } } }] });
    for (const p of rec.pods) b.log(p, 'recommender', b.timed(['model loaded: als-2025-03-09 (412MB)', 'serving on :8080']));
    const missing = `missing request for cpu in container recommender of Pod ${rec.pods[0].metadata.name}`;
    const h2 = hpa('recommendations', 'recommender', 'recommender', { min: 2, max: 8, current: 2, desired: 2,
      conditions: [['AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale", 86400 * 4],
        ['ScalingActive', 'False', 'FailedGetResourceMetric', `the HPA was unable to compute the replica count: failed to get cpu utilization: ${missing}`, 86400 * 4]] });
    hpaEvent(h2, 'Warning', 'FailedGetResourceMetric', `failed to get cpu utilization: ${missing}`, { ageSeconds: 25, firstAgeSeconds: 86400 * 4, count: 5760 });
    hpaEvent(h2, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: ${missing}`, { ageSeconds: 25, firstAgeSeconds: 86400 * 4, count: 5760 });

    // Target missing: the autoscaler of a Deployment that was replaced by search-v2.
    b.namespace('search', 86400 * 40);
    const s2 = b.deployment({ ns: 'search', name: 'search-v2', replicas: 2, podAgeSeconds: 86400 * 6, containers: [{ name: 'search', image: `${ECR}/search/search:2.0.4`, ports: [8080] }] });
    for (const p of s2.pods) b.log(p, 'search', b.timed(['search 2.0.4 listening on :8080']));
    hpa('search', 'search-v2', 'search-v2', { min: 2, max: 5, current: 2, desired: 2,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 18, averageValue: '18m' } } }],
      conditions: [['AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', 86400 * 6],
        ['ScalingActive', 'True', 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)', 86400 * 6],
        ['ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range', 86400 * 6]] });
    const h3 = hpa('search', 'search-api', 'search-v1', { min: 2, max: 10, current: 0, desired: 0,
      conditions: [['AbleToScale', 'False', 'FailedGetScale', 'the HPA controller was unable to get the target\'s current scale: deployments/scale.apps "search-v1" not found', 86400 * 6]] });
    hpaEvent(h3, 'Warning', 'FailedGetScale', 'deployments/scale.apps "search-v1" not found', { ageSeconds: 10, firstAgeSeconds: 86400 * 6, count: 8640 });

    // CronJobs: one suspended on purpose, one whose schedule (February 30th) never comes.
    b.namespace('batch', 86400 * 40);
    const cron = (name, schedule, { suspend = false, last } = {}) => {
      const template = b.podTemplate({ app: name }, [{ name, image: `${ECR}/batch/${name}:1.0.7` }], { restartPolicy: 'OnFailure' });
      return b.add({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: b.meta('batch', name, 86400 * 60, { generation: suspend ? 2 : 1 }),
        spec: { schedule, concurrencyPolicy: 'Forbid', failedJobsHistoryLimit: 1, successfulJobsHistoryLimit: 3, suspend,
          jobTemplate: { metadata: { creationTimestamp: null }, spec: { backoffLimit: 2, template } } },
        status: last ? { lastScheduleTime: b.ago(last), lastSuccessfulTime: b.ago(last - 95) } : {} });
    };
    cron('invoice-export', '0 2 * * *', { suspend: true, last: 86400 * 9 + 3600 });
    cron('ledger-close', '0 23 30 2 *');
    return { b, scenario: { description: 'Autoscaling and CronJob problems: the checkout-api autoscaler (checkout) is pinned at its maximum of 6 replicas at 96% CPU; the recommender autoscaler (recommendations) cannot compute CPU utilization because the containers set no CPU request; the search-api autoscaler (search) targets Deployment search-v1, which no longer exists; CronJob ledger-close (batch) is scheduled for February 30th and never runs; CronJob invoice-export is suspended.' } };
  },

  'ingress-misconfig'() {
    const b = base('ingress-misconfig');
    // ingress-nginx next to the AWS Load Balancer Controller's alb class.
    b.namespace('ingress-nginx', 86400 * 90);
    const nginxLabels = { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' };
    const ctl = b.deployment({ ns: 'ingress-nginx', name: 'ingress-nginx-controller', replicas: 2, labels: nginxLabels, podAgeSeconds: 86400 * 9,
      containers: [{ name: 'controller', image: 'registry.k8s.io/ingress-nginx/controller:v1.12.0', args: ['/nginx-ingress-controller', '--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller', '--election-id=ingress-nginx-leader', '--controller-class=k8s.io/ingress-nginx', '--ingress-class=nginx'], ports: [80, 443],
        readinessProbe: { httpGet: { path: '/healthz', port: 10254, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } }],
      extra: { serviceAccountName: 'ingress-nginx' } });
    b.service({ ns: 'ingress-nginx', name: 'ingress-nginx-controller', selector: nginxLabels, type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 80 }, { name: 'https', port: 443, targetPort: 443 }], endpointsFrom: ctl.pods });
    for (const p of ctl.pods) b.log(p, 'controller', b.timed(['NGINX Ingress controller', '  Release:       v1.12.0', 'I0311 11:02:31.104712       7 controller.go:213] "Backend successfully reloaded"']));
    b.add({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: b.meta('ingress-nginx', 'ingress-nginx', 86400 * 90) });
    b.add({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: b.meta(null, 'nginx', 86400 * 90, { labels: { 'app.kubernetes.io/name': 'ingress-nginx' } }), spec: { controller: 'k8s.io/ingress-nginx' } });
    const app = (ns, name, image, lines) => {
      b.namespace(ns, 86400 * 40);
      const d = b.deployment({ ns, name, replicas: 2, podAgeSeconds: 86400 * 2, containers: [{ name: 'web', image, ports: [8080], readinessProbe: probe('/healthz') }] });
      b.service({ ns, name, selector: { app: name }, endpointsFrom: d.pods });
      for (const p of d.pods) b.log(p, 'web', b.timed(lines));
      return d;
    };
    const ingress = (ns, name, cls, rules, { tls, annotations = {}, lb } = {}) => b.add({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: b.meta(ns, name, 86400 * 3, { annotations, generation: 1 }),
      spec: { ingressClassName: cls, ...(tls ? { tls } : {}), rules: rules.map(([host, paths]) => ({ host, http: { paths: paths.map(([p, svc]) => ({ path: p, pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } })) } })) },
      status: { loadBalancer: lb ? { ingress: [{ hostname: lb }] } : {} } });

    // A class name from another cluster's chart values: no controller serves it, so it gets no address.
    app('marketing', 'marketing-site', `${ECR}/marketing/site:2025.03.07`, ['ready on :8080', 'GET / 200']);
    ingress('marketing', 'marketing-site', 'nginx-public', [['www.example.com', [['/', 'marketing-site']]]]);

    // A path routed to a Service that was never created.
    b.namespace('api', 86400 * 40);
    const orders = b.deployment({ ns: 'api', name: 'orders-api', replicas: 2, podAgeSeconds: 86400 * 2, containers: [{ name: 'api', image: `${ECR}/api/orders:8.1.0`, ports: [8080], readinessProbe: probe('/ready') }] });
    b.service({ ns: 'api', name: 'orders-api', selector: { app: 'orders-api' }, endpointsFrom: orders.pods });
    for (const p of orders.pods) b.log(p, 'api', b.timed(['orders-api 8.1.0 listening on :8080']));
    const gw = ingress('api', 'api-gateway', 'alb', [['api.example.com', [['/orders', 'orders-api'], ['/v2/orders', 'orders-api-v2']]]],
      { annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', 'alb.ingress.kubernetes.io/target-type': 'ip' }, lb: 'k8s-api-apigatew-5f1c2d3e4a-1029384756.eu-west-1.elb.amazonaws.com' });
    b.event(gw, { type: 'Warning', reason: 'FailedBuildModel', message: 'Failed build model due to ingress: api/api-gateway: services "orders-api-v2" not found', component: 'ingress', ageSeconds: 40, firstAgeSeconds: 86400 * 3, count: 312, reporting: 'ingress' });

    // TLS from a Secret that cert-manager was supposed to write (no Certificate was ever created).
    app('status', 'status-page', `${ECR}/status/page:1.2.0`, ['status page ready', 'GET / 200']);
    b.add({ apiVersion: 'v1', kind: 'Secret', metadata: b.meta('status', 'status-page-db', 86400 * 40), type: 'Opaque' });
    ingress('status', 'status-page', 'nginx', [['status.example.com', [['/', 'status-page']]]],
      { tls: [{ hosts: ['status.example.com'], secretName: 'status-example-com-tls' }], annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'true' }, lb: 'a1b2c3d4e5f60718293a4b5c6d7e8f90-1234567890.eu-west-1.elb.amazonaws.com' });
    // The ALB health-checks /health, which the frontend does not serve (it answers /healthz): the targets never
    // become healthy, so the pod readiness gate the AWS Load Balancer Controller injects stays False.
    b.namespace('web', 86400 * 40).metadata.labels['elbv2.k8s.aws/pod-readiness-gate-inject'] = 'enabled';
    const fe = b.deployment({ ns: 'web', name: 'web-frontend', replicas: 3, podAgeSeconds: 2400, ageSeconds: 2400,
      containers: [{ name: 'frontend', image: `${ECR}/web/frontend:1.0.0`, ports: [8080], readinessProbe: probe('/healthz') }] });
    const tgb = 'k8s-web-webfront-3c9a1e2b7d';
    const gate = `target-health.elbv2.k8s.aws/${tgb}`;
    for (const p of fe.pods) {
      p.spec.readinessGates = [{ conditionType: gate }];
      const conds = p.status.conditions;
      const ready = conds.find((c) => c.type === 'Ready');
      Object.assign(ready, { status: 'False', reason: 'ReadinessGatesNotReady', message: `the status of pod readiness gate "${gate}" is not "True", but False` });
      conds.push({ type: gate, status: 'False', lastProbeTime: b.ago(30), lastTransitionTime: b.ago(2390), reason: 'Target.FailedHealthChecks', message: 'Health checks failed' });
      b.log(p, 'frontend', b.timed(['frontend 1.0.0 listening on :8080', '10.0.12.201 - "GET /health HTTP/1.1" 404 19 "ELB-HealthChecker/2.0"', '10.0.3.77 - "GET /health HTTP/1.1" 404 19 "ELB-HealthChecker/2.0"', 'GET /healthz 200']));
    }
    recount(fe);
    fe.dep.status.conditions[1] = { type: 'Progressing', status: 'False', lastUpdateTime: b.ago(1790), lastTransitionTime: b.ago(1790), reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${fe.rs.metadata.name}" has timed out progressing.` };
    b.service({ ns: 'web', name: 'web-frontend', selector: { app: 'web-frontend' }, endpointsFrom: fe.pods });
    ingress('web', 'web-frontend', 'alb', [['shop.example.com', [['/', 'web-frontend']]]],
      { annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', 'alb.ingress.kubernetes.io/target-type': 'ip', 'alb.ingress.kubernetes.io/healthcheck-path': '/health' }, lb: 'k8s-web-webfront-7d1e2f3a4b-5647382910.eu-west-1.elb.amazonaws.com' });
    b.add({ apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'TargetGroupBinding', metadata: b.meta('web', tgb, 2400, { labels: { 'ingress.k8s.aws/stack-name': 'web-frontend', 'ingress.k8s.aws/stack-namespace': 'web' }, generation: 1 }),
      spec: { ipAddressType: 'ipv4', serviceRef: { name: 'web-frontend', port: 80 }, targetGroupARN: `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${tgb}/0f1e2d3c4b5a6978`, targetType: 'ip' },
      status: { observedGeneration: 1 } });
    return { b, scenario: { description: 'Four Ingress mistakes: marketing-site (marketing) names IngressClass nginx-public, which does not exist (the cluster has alb and nginx); api-gateway (api) routes /v2/orders to Service orders-api-v2, which does not exist (the ALB controller fails to build its model); status-page (status) serves TLS from Secret status-example-com-tls, which does not exist, so ingress-nginx serves its default certificate; the web-frontend ALB (web) health-checks /health, which the app answers 404, so the pods\' target-health readiness gate stays False and the Service has no ready endpoint.' } };
  },

  'storage-failures'() {
    const b = base('storage-failures');
    b.add({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: b.meta(null, 'efs-sc', 86400 * 20), provisioner: 'efs.csi.aws.com',
      parameters: { provisioningMode: 'efs-ap', fileSystemId: 'fs-0a1b2c3d4e5f60718', directoryPerms: '700' }, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });

    // A claim the EFS CSI controller cannot provision: its IAM role lacks elasticfilesystem:CreateAccessPoint.
    b.namespace('ml', 86400 * 40);
    const claim = b.add({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: b.meta('ml', 'training-datasets', 2400, { finalizers: ['kubernetes.io/pvc-protection'],
      annotations: { 'volume.beta.kubernetes.io/storage-provisioner': 'efs.csi.aws.com', 'volume.kubernetes.io/storage-provisioner': 'efs.csi.aws.com' } }),
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '500Gi' } }, storageClassName: 'efs-sc', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
    const prov = 'efs.csi.aws.com_efs-csi-controller-6f8b9c7d5-x2k4p_3b1f0c52-8d3e-4f0a-9c61-2e7d4a5b6c8f';
    b.event(claim, { reason: 'ExternalProvisioning', message: "Waiting for a volume to be created either by the external provisioner 'efs.csi.aws.com' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.", component: 'persistentvolume-controller', ageSeconds: 10, firstAgeSeconds: 2400, count: 161 });
    b.event(claim, { reason: 'Provisioning', message: 'External provisioner is provisioning volume for claim "ml/training-datasets"', component: prov, ageSeconds: 70, firstAgeSeconds: 2400, count: 14 });
    b.event(claim, { type: 'Warning', reason: 'ProvisioningFailed', message: 'failed to provision volume with StorageClass "efs-sc": rpc error: code = Unauthenticated desc = Access Denied. Please ensure you have the right AWS permissions: Access denied', component: prov, ageSeconds: 70, firstAgeSeconds: 2400, count: 14 });
    const train = b.podTemplate({ app: 'train-model' }, [{ name: 'train', image: `${ECR}/ml/train:0.14.2`, volumeMounts: [{ name: 'datasets', mountPath: '/data' }] }],
      { restartPolicy: 'Never', volumes: [{ name: 'datasets', persistentVolumeClaim: { claimName: 'training-datasets' } }] });
    b.add({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: b.meta('ml', 'train-model', 2400, { generation: 1 }),
      spec: { schedule: '0 3 * * *', concurrencyPolicy: 'Forbid', failedJobsHistoryLimit: 1, successfulJobsHistoryLimit: 3, suspend: false, jobTemplate: { metadata: { creationTimestamp: null }, spec: { backoffLimit: 1, template: train } } }, status: {} });

    // A claim whose volume was deleted behind its back (the PV removed during a cleanup).
    b.namespace('reports', 86400 * 40);
    const lostVolume = `pvc-${b.rng.uid()}`;
    const lost = b.add({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: b.meta('reports', 'reports-archive', 86400 * 30, { finalizers: ['kubernetes.io/pvc-protection'],
      annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com', 'volume.kubernetes.io/selected-node': b.nodes[0].metadata.name } }),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '200Gi' } }, storageClassName: 'gp3', volumeMode: 'Filesystem', volumeName: lostVolume },
      status: { phase: 'Lost' } });
    b.event(lost, { type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!', component: 'persistentvolume-controller', ageSeconds: 5400 });

    // A local PersistentVolume released by its claim: the Delete reclaim policy has no deleter for local volumes.
    const pvName = 'local-pv-3f2a1b9c';
    const failMsg = `error getting deleter volume plugin for volume "${pvName}": no deletable volume plugin matched`;
    const pv = b.add({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: b.meta(null, pvName, 86400 * 50, { finalizers: ['kubernetes.io/pv-protection'] }),
      spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1700Gi' }, local: { path: '/mnt/nvme0n1' }, persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local-nvme', volumeMode: 'Filesystem',
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'data-cassandra-2', namespace: 'data', uid: b.rng.uid(), resourceVersion: '48213377' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [b.nodes[2].metadata.name] }] }] } } },
      status: { phase: 'Failed', message: failMsg, lastPhaseTransitionTime: b.ago(86400 * 2) } });
    b.add({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: b.meta(null, 'local-nvme', 86400 * 50), provisioner: 'kubernetes.io/no-provisioner', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' });
    b.event(pv, { type: 'Warning', reason: 'VolumeFailedDelete', message: failMsg, component: 'persistentvolume-controller', ageSeconds: 86400 * 2 });
    // A StorageClass deleted in the gp2 -> gp3 migration while a StatefulSet's volumeClaimTemplates still name it:
    // the running pods keep their volumes; a new replica or a recreated claim cannot be provisioned.
    b.namespace('logs-search', 86400 * 200);
    const esLabels = { app: 'opensearch' };
    const esTemplate = b.podTemplate(esLabels, [{ name: 'opensearch', image: 'public.ecr.aws/opensearchproject/opensearch:2.18.0', ports: [9200, 9300],
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '2Gi' } }, volumeMounts: [{ name: 'data', mountPath: '/usr/share/opensearch/data' }] }]);
    const es = b.add({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: b.meta('logs-search', 'opensearch', 86400 * 200, { labels: esLabels, generation: 3 }),
      spec: { replicas: 2, selector: { matchLabels: esLabels }, serviceName: 'opensearch-headless', template: esTemplate, podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '200Gi' } }, storageClassName: 'gp2-xfs', volumeMode: 'Filesystem' } }] },
      status: { availableReplicas: 2, collisionCount: 0, currentReplicas: 2, currentRevision: 'opensearch-6c9d8b7f5c', observedGeneration: 3, readyReplicas: 2, replicas: 2, updateRevision: 'opensearch-6c9d8b7f5c', updatedReplicas: 2 } });
    const esPods = [0, 1].map((i) => {
      const t = JSON.parse(JSON.stringify(esTemplate));
      t.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: `data-opensearch-${i}` } }];
      b.add({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: b.meta('logs-search', `data-opensearch-${i}`, 86400 * 200, { labels: esLabels, finalizers: ['kubernetes.io/pvc-protection'] }),
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '200Gi' } }, storageClassName: 'gp2-xfs', volumeMode: 'Filesystem', volumeName: `pvc-${b.rng.uid()}` },
        status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '200Gi' } } });
      return b.pod({ ns: 'logs-search', name: `opensearch-${i}`, template: t, owner: es, node: b.nodes[i].metadata.name, ageSeconds: 86400 * 9,
        labels: { 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': 'opensearch-6c9d8b7f5c', 'statefulset.kubernetes.io/pod-name': `opensearch-${i}` } });
    });
    for (const p of esPods) b.log(p, 'opensearch', b.timed(['[2025-03-02T09:12:44,512][INFO ][o.o.n.Node               ] [' + p.metadata.name + '] started']));
    b.service({ ns: 'logs-search', name: 'opensearch', selector: esLabels, ports: [{ name: 'http', port: 9200 }], endpointsFrom: esPods });
    return { b, scenario: { description: `Storage: PVC training-datasets (ml) has been Pending for 40 minutes because the EFS CSI controller is denied access (its IAM role cannot create access points); PVC reports-archive (reports) is Lost, its volume ${lostVolume} deleted; PV ${pvName}, a local NVMe volume with reclaim policy Delete, is Failed because no plugin can delete local volumes. StatefulSet opensearch (logs-search) still names StorageClass gp2-xfs, deleted in the gp3 migration: its running pods keep their volumes, but a new replica could not get one.` } };
  },

  'workload-controller-failures'() {
    const b = base('workload-controller-failures');
    const rsEvent = (rs, message, extra) => b.event(rs, { type: 'Warning', reason: 'FailedCreate', message, component: 'replicaset-controller', ...extra });

    // ReplicaSetCreateFailure: the namespace enforces the restricted Pod Security level; the template is not.
    b.namespace('finance', 86400 * 40).metadata.labels['pod-security.kubernetes.io/enforce'] = 'restricted';
    const ls = b.deployment({ ns: 'finance', name: 'ledger-sync', replicas: 2, podAgeSeconds: 1800, ageSeconds: 1800,
      containers: [{ name: 'sync', image: `${ECR}/finance/ledger-sync:1.0.0` }], pods: [] });
    const psa = `pods "${ls.rs.metadata.name}-" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "sync" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "sync" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "sync" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "sync" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`;
    rsEvent(ls.rs, `Error creating: ${psa}`, { ageSeconds: 30, firstAgeSeconds: 1800, count: 19 });
    ls.rs.status = { observedGeneration: 1, replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: b.ago(1800), reason: 'FailedCreate', message: psa }] };
    ls.dep.status = { observedGeneration: 1, unavailableReplicas: 2, conditions: [
      { type: 'Available', status: 'False', lastUpdateTime: b.ago(1800), lastTransitionTime: b.ago(1800), reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      { type: 'ReplicaFailure', status: 'True', lastUpdateTime: b.ago(1800), lastTransitionTime: b.ago(1800), reason: 'FailedCreate', message: psa },
      { type: 'Progressing', status: 'False', lastUpdateTime: b.ago(1200), lastTransitionTime: b.ago(1200), reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${ls.rs.metadata.name}" has timed out progressing.` }] };

    // StatefulSetUnavailable: the third Kafka broker does not fit the namespace's ResourceQuota.
    b.namespace('streaming', 86400 * 40);
    b.add({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: b.meta('streaming', 'streaming-quota', 86400 * 40),
      spec: { hard: { 'limits.memory': '16Gi', 'requests.memory': '16Gi', 'requests.cpu': '8' } },
      status: { hard: { 'limits.memory': '16Gi', 'requests.memory': '16Gi', 'requests.cpu': '8' }, used: { 'limits.memory': '12Gi', 'requests.memory': '12Gi', 'requests.cpu': '2' } } });
    const kLabels = { app: 'kafka' };
    const kTemplate = b.podTemplate(kLabels, [{ name: 'kafka', image: 'public.ecr.aws/bitnami/kafka:3.9.0', ports: [9092, 9093], resources: { requests: { cpu: '1', memory: '6Gi' }, limits: { memory: '6Gi' } },
      readinessProbe: { tcpSocket: { port: 9092 }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 }, volumeMounts: [{ name: 'data', mountPath: '/bitnami/kafka' }] }]);
    const kafka = b.add({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: b.meta('streaming', 'kafka', 86400 * 30, { labels: kLabels, generation: 2 }),
      spec: { replicas: 3, selector: { matchLabels: kLabels }, serviceName: 'kafka-headless', template: kTemplate, podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } }, storageClassName: 'gp3', volumeMode: 'Filesystem' } }] },
      status: { availableReplicas: 2, collisionCount: 0, currentReplicas: 2, currentRevision: 'kafka-7b9c6d5f48', observedGeneration: 2, readyReplicas: 2, replicas: 2, updateRevision: 'kafka-7b9c6d5f48', updatedReplicas: 2 } });
    const brokers = [0, 1].map((i) => {
      const t = JSON.parse(JSON.stringify(kTemplate));
      t.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: `data-kafka-${i}` } }];
      b.add({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: b.meta('streaming', `data-kafka-${i}`, 86400 * 30, { labels: kLabels, finalizers: ['kubernetes.io/pvc-protection'] }),
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } }, storageClassName: 'gp3', volumeMode: 'Filesystem', volumeName: `pvc-${b.rng.uid()}` },
        status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '100Gi' } } });
      return b.pod({ ns: 'streaming', name: `kafka-${i}`, template: t, owner: kafka, node: b.nodes[i].metadata.name, ageSeconds: 86400 * 3,
        labels: { 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': 'kafka-7b9c6d5f48', 'statefulset.kubernetes.io/pod-name': `kafka-${i}` } });
    });
    for (const p of brokers) b.log(p, 'kafka', b.timed(['[2025-03-08 09:01:12,113] INFO [KafkaRaftServer nodeId=0] Kafka Server started (kafka.server.KafkaRaftServer)']));
    b.event(kafka, { type: 'Warning', reason: 'FailedCreate', component: 'statefulset-controller', ageSeconds: 25, firstAgeSeconds: 2700, count: 41,
      message: 'create Pod kafka-2 in StatefulSet kafka failed error: pods "kafka-2" is forbidden: exceeded quota: streaming-quota, requested: limits.memory=6Gi,requests.memory=6Gi, used: limits.memory=12Gi,requests.memory=12Gi, limited: limits.memory=16Gi,requests.memory=16Gi' });
    b.service({ ns: 'streaming', name: 'kafka', selector: kLabels, ports: [{ name: 'tcp-client', port: 9092 }], endpointsFrom: brokers });

    // DaemonSetUnavailable: the log shipper's ServiceAccount was never created.
    b.namespace('logging', 86400 * 40);
    const fbLabels = { 'app.kubernetes.io/name': 'fluent-bit', 'app.kubernetes.io/instance': 'fluent-bit' };
    const fb = b.add({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: b.meta('logging', 'fluent-bit', 3000, { labels: fbLabels, generation: 1, annotations: { 'deprecated.daemonset.template.generation': '1' } }),
      spec: { selector: { matchLabels: fbLabels }, template: b.podTemplate(fbLabels, [{ name: 'fluent-bit', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.5', ports: [2020],
        volumeMounts: [{ name: 'varlog', mountPath: '/var/log', readOnly: true }] }], { serviceAccountName: 'fluent-bit', tolerations: [{ operator: 'Exists' }], volumes: [{ name: 'varlog', hostPath: { path: '/var/log', type: '' } }] }),
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }, revisionHistoryLimit: 10 },
      status: { currentNumberScheduled: 0, desiredNumberScheduled: 3, numberMisscheduled: 0, numberReady: 0, numberUnavailable: 3, observedGeneration: 1, updatedNumberScheduled: 0 } });
    b.event(fb, { type: 'Warning', reason: 'FailedCreate', component: 'daemonset-controller', ageSeconds: 15, firstAgeSeconds: 3000, count: 57,
      message: 'Error creating: pods "fluent-bit-" is forbidden: error looking up service account logging/fluent-bit: serviceaccount "fluent-bit" not found' });

    // The subnet is out of IP addresses: new pods never get a network sandbox.
    const sandboxFailed = (p, age) => {
      setPodStatus(b, p, { sandbox: false, containers: p.spec.containers.map((c) => cstatus(b, p, c.name, { pulled: false, created: false, state: { waiting: { reason: 'ContainerCreating' } } })) });
      kubelet(b, p, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${b.rng.hex(64)}": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container`,
        { ageSeconds: 12, firstAgeSeconds: age, count: Math.floor(age / 20) });
    };
    // RolloutStuck: revision 8 of payments-gateway has one new pod, which never starts; revision 7 still serves.
    b.namespace('payments', 86400 * 40);
    const gwC = [{ name: 'gateway', image: `${ECR}/payments/gateway:8.0.0`, ports: [8080], readinessProbe: probe('/ready') }];
    const gw = b.deployment({ ns: 'payments', name: 'payments-gateway', replicas: 3, podAgeSeconds: 86400 * 6, revision: 8, containers: [{ ...gwC[0], image: `${ECR}/payments/gateway:7.9.3` }] });
    gw.rs.metadata.annotations['deployment.kubernetes.io/revision'] = '7';
    for (const p of gw.pods) b.log(p, 'gateway', b.timed(['gateway 7.9.3 listening on :8080', 'POST /v1/authorize 200']));
    const hash = b.rng.suffix(10).slice(0, 10);
    const newTemplate = b.podTemplate({ app: 'payments-gateway', 'pod-template-hash': hash }, gwC);
    gw.dep.spec.template = b.podTemplate({ app: 'payments-gateway' }, gwC);
    const newRs = b.add({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: b.meta('payments', `payments-gateway-${hash}`, 1500, { labels: { ...newTemplate.metadata.labels }, generation: 1,
      annotations: { 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4', 'deployment.kubernetes.io/revision': '8' }, ownerReferences: [b.ref(gw.dep)] }),
      spec: { replicas: 1, selector: { matchLabels: { app: 'payments-gateway', 'pod-template-hash': hash } }, template: newTemplate },
      status: { fullyLabeledReplicas: 1, observedGeneration: 1, replicas: 1 } });
    const stuck = b.pod({ ns: 'payments', name: `payments-gateway-${hash}-${b.rng.suffix()}`, template: newTemplate, owner: newRs, node: b.nodes[1].metadata.name, ageSeconds: 1500 });
    sandboxFailed(stuck, 1500);
    b.event(gw.dep, { reason: 'ScalingReplicaSet', message: `Scaled up replica set ${newRs.metadata.name} from 0 to 1`, component: 'deployment-controller', ageSeconds: 1500 });
    Object.assign(gw.dep.status, { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1 });
    gw.dep.status.conditions[1] = { type: 'Progressing', status: 'False', lastUpdateTime: b.ago(900), lastTransitionTime: b.ago(900), reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${newRs.metadata.name}" has timed out progressing.` };
    b.service({ ns: 'payments', name: 'payments-gateway', selector: { app: 'payments-gateway' }, endpointsFrom: [...gw.pods, stuck] });

    // DeploymentUnavailable: the autoscaler asked ad-server for two more replicas; neither gets an IP.
    b.namespace('ads', 86400 * 40);
    const ads = b.deployment({ ns: 'ads', name: 'ad-server', replicas: 4, podAgeSeconds: 86400 * 2,
      containers: [{ name: 'server', image: `${ECR}/ads/ad-server:12.4.1`, ports: [8080], resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } }, readinessProbe: probe('/ready') }] });
    for (const p of ads.pods.slice(2)) {
      p.metadata.creationTimestamp = b.ago(720);
      p.status.startTime = b.ago(720);
      sandboxFailed(p, 720);
    }
    for (const p of ads.pods.slice(0, 2)) b.log(p, 'server', b.timed(['ad-server 12.4.1 ready', 'GET /v1/ad?slot=home-top 200 3ms']));
    recount(ads);
    b.event(ads.dep, { reason: 'ScalingReplicaSet', message: `Scaled up replica set ${ads.rs.metadata.name} from 2 to 4`, component: 'deployment-controller', ageSeconds: 720 });
    b.add({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: b.meta('ads', 'ad-server', 86400 * 20),
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ad-server' }, minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] },
      status: { currentReplicas: 4, desiredReplicas: 4, lastScaleTime: b.ago(720), currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 88, averageValue: '176m' } } }],
        conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: b.ago(720), reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
          { type: 'ScalingActive', status: 'True', lastTransitionTime: b.ago(86400 * 20), reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' },
          { type: 'ScalingLimited', status: 'False', lastTransitionTime: b.ago(86400 * 20), reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' }] } });
    b.service({ ns: 'ads', name: 'ad-server', selector: { app: 'ad-server' }, endpointsFrom: ads.pods });
    return { b, scenario: { description: 'Controllers that cannot make their pods run: ledger-sync (finance) violates the namespace\'s restricted Pod Security level, so its ReplicaSet creates no pod; StatefulSet kafka (streaming) cannot create kafka-2, which exceeds the namespace\'s memory quota; DaemonSet fluent-bit (logging) names ServiceAccount fluent-bit, which does not exist. The VPC subnet is out of IP addresses: the rollout of payments-gateway revision 8 (payments) is stuck on a pod that never gets a network sandbox, and ad-server (ads) scaled from 2 to 4 replicas but its two new pods never start.' } };
  },

  'namespace-degraded'() {
    const b = base('namespace-degraded');
    // A cleanup removed the redis Service of namespace orders: every workload that needs it crash-loops.
    b.namespace('orders', 86400 * 60);
    const lookup = 'dial tcp: lookup redis.orders.svc.cluster.local on 172.20.0.10:53: no such host';
    const apps = [['orders-api', 3, 'api', 8080], ['order-events', 2, 'consumer', null], ['invoicing', 2, 'worker', null]];
    for (const [name, replicas, container, port] of apps) {
      const d = b.deployment({ ns: 'orders', name, replicas, podAgeSeconds: 1300, revision: 4,
        containers: [{ name: container, image: `${ECR}/orders/${name}:3.7.1`, ...(port ? { ports: [port], readinessProbe: probe('/ready') } : {}), env: [{ name: 'REDIS_URL', value: 'redis://redis.orders.svc.cluster.local:6379/0' }] }],
        pods: Array.from({ length: replicas }, (_, i) => ({ state: 'crashLoop', restarts: 8, lastExit: { code: 1, agoSeconds: 40 + 10 * i, ranSeconds: 5 } })) });
      for (const p of d.pods) {
        b.started(p, { ageSeconds: 45, firstAgeSeconds: 1295, count: 9 });
        BACKOFF(b, p);
        const lines = [`{"level":"info","ts":"2025-03-11T14:04:10Z","msg":"starting ${name}","version":"3.7.1"}`,
          `{"level":"error","ts":"2025-03-11T14:04:15Z","msg":"redis ping failed","error":"${lookup}"}`,
          `{"level":"fatal","ts":"2025-03-11T14:04:15Z","msg":"cannot start without redis","error":"${lookup}"}`];
        b.log(p, container, b.timed(lines, { endAgo: 40, step: 0 }), { previous: true });
        b.log(p, container, b.timed(lines.slice(0, 1), { endAgo: 3, step: 0 }));
      }
      if (port) b.service({ ns: 'orders', name, selector: { app: name }, endpointsFrom: d.pods });
    }
    return { b, scenario: { description: 'Namespace orders is degraded: the redis Service was deleted in a cleanup 22 minutes ago, and seven pods of three Deployments (orders-api, order-events, invoicing) crash at start because redis.orders.svc.cluster.local no longer resolves.' } };
  },

  'node-network-unavailable'() {
    const b = base('node-network-unavailable', { cni: 'calico' });
    // Calico networking: on one node Felix cannot program iptables (another process holds the xtables lock),
    // its liveness probe fails, the kubelet restarts calico-node and Calico marks the node's network unavailable.
    const node = b.nodes[2];
    const nn = node.metadata.name;
    Object.assign(node.status.conditions[0], { status: 'True', reason: 'CalicoIsDown', message: 'Calico is shutting down on this node', lastHeartbeatTime: b.ago(160), lastTransitionTime: b.ago(1140) });
    node.spec.taints = [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule', timeAdded: b.ago(1140) }];
    const ds = b.objects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'calico-node');
    ds.spec.template.spec.containers[0].livenessProbe = { exec: { command: ['/bin/calico-node', '-felix-live', '-bird-live'] }, periodSeconds: 10, timeoutSeconds: 10, successThreshold: 1, failureThreshold: 6 };
    const pod = b.objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === 'calico-system' && o.spec.nodeName === nn);
    pod.spec.containers[0].livenessProbe = ds.spec.template.spec.containers[0].livenessProbe;
    setPodStatus(b, pod, { phase: 'Running', containers: [cstatus(b, pod, 'calico-node', { restarts: 6,
      state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 2m40s restarting failed container=calico-node pod=${pod.metadata.name}_calico-system(${pod.metadata.uid})` } },
      lastState: { terminated: { containerID: `containerd://${b.rng.hex(64)}`, exitCode: 143, reason: 'Error', startedAt: b.ago(215), finishedAt: b.ago(95) } } })] });
    Object.assign(ds.status, { numberReady: 2, numberAvailable: 2, numberUnavailable: 1 });
    kubelet(b, pod, 'Warning', 'Unhealthy', 'Liveness probe failed: calico/node is not ready: Felix is not live: Get "http://localhost:9099/liveness": dial tcp [::1]:9099: connect: connection refused',
      { ageSeconds: 100, firstAgeSeconds: 1150, count: 38, container: 'calico-node' });
    kubelet(b, pod, 'Normal', 'Killing', 'Container calico-node failed liveness probe, will be restarted', { ageSeconds: 96, firstAgeSeconds: 1140, count: 6, container: 'calico-node' });
    BACKOFF(b, pod);
    const felix = ['2025-03-11 14:01:52.118 [INFO][1] startup/startup.go 432: Early log level set to info', '2025-03-11 14:01:53.402 [INFO][66] felix/daemon.go 400: Successfully loaded configuration.',
      '2025-03-11 14:02:31.877 [WARNING][66] felix/table.go 1034: iptables-legacy-restore failed error=exit status 4 output="" table="filter"',
      '2025-03-11 14:02:31.877 [WARNING][66] felix/table.go 1036: Another app is currently holding the xtables lock. Stopped waiting after 5s.',
      '2025-03-11 14:03:15.002 [ERROR][66] felix/table.go 1060: Failed to execute ip(6)tables-restore command error=exit status 4 table="filter"',
      '2025-03-11 14:03:20.011 [INFO][66] felix/health.go 336: Health of component changed name="InternalDataplaneMainLoop" newReport="live,non-ready"'];
    b.log(pod, 'calico-node', b.timed(felix, { endAgo: 96, step: 20 }), { previous: true });
    b.log(pod, 'calico-node', b.timed(felix.slice(0, 2), { endAgo: 2, step: 1 }));
    return { b, scenario: { description: `Node ${nn} has no pod network: Calico's Felix cannot program iptables there (another process holds the xtables lock), its liveness probe fails, the kubelet keeps restarting calico-node (exit 143) and Calico sets the node's NetworkUnavailable condition (CalicoIsDown), so new pods are not scheduled there.` } };
  },
};
Object.assign(scenarios, newScenarios);

// Scenarios for the correlation rules: the kubelet's own account of a kill, the object a human must change, init
// containers, consequences folded into their cause, optional config keys — each with a near miss that stays quiet.
const chainScenarios = {
  'liveness-probe-kill'() {
    const b = base('liveness-probe-kill');
    b.namespace('accounts', 86400 * 40);
    // The probe checks port 8081; the application serves 8080 and shuts down cleanly (exit 0) on each SIGTERM.
    const live = { httpGet: { path: '/healthz', port: 8081, scheme: 'HTTP' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
    const api = b.deployment({ ns: 'accounts', name: 'ledger-api', replicas: 2, podAgeSeconds: 1900, revision: 3,
      containers: [{ name: 'api', image: `${ECR}/accounts/ledger-api:2.4.0`, ports: [8080], livenessProbe: live, readinessProbe: probe('/healthz') }],
      pods: [{ state: 'crashLoop', restarts: 9, lastExit: { code: 0, agoSeconds: 40, ranSeconds: 41 } }, { state: 'crashLoop', restarts: 9, lastExit: { code: 0, agoSeconds: 75, ranSeconds: 41 } }] });
    b.service({ ns: 'accounts', name: 'ledger-api', selector: { app: 'ledger-api' }, endpointsFrom: api.pods });
    for (const p of api.pods) {
      p.status.containerStatuses[0].lastState.terminated.reason = 'Completed';
      const ip = p.status.podIP;
      kubelet(b, p, 'Warning', 'Unhealthy', `Liveness probe failed: Get "http://${ip}:8081/healthz": dial tcp ${ip}:8081: connect: connection refused`, { ageSeconds: 45, firstAgeSeconds: 1880, count: 27, container: 'api' });
      kubelet(b, p, 'Normal', 'Killing', 'Container api failed liveness probe, will be restarted', { ageSeconds: 42, firstAgeSeconds: 1860, count: 9, container: 'api' });
      BACKOFF(b, p);
      const lines = ['ledger-api 2.4.0 starting', 'connected to postgres at ledger-db.accounts.svc:5432', 'http server listening on :8080', 'GET /healthz 200 (0ms)', 'received SIGTERM, shutting down gracefully', 'server stopped'];
      b.log(p, 'api', b.timed(lines, { endAgo: 41, step: 8 }), { previous: true });
      b.log(p, 'api', b.timed(lines.slice(0, 3), { endAgo: 2, step: 1 }));
    }

    // A JVM whose liveness endpoint stalls under GC: killed after the grace period, exit 137 — not an OOM kill.
    b.namespace('search', 86400 * 40);
    const gwProbe = { httpGet: { path: '/actuator/health/liveness', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 2, successThreshold: 1, failureThreshold: 3 };
    const gw = b.deployment({ ns: 'search', name: 'search-gateway', replicas: 1, podAgeSeconds: 5400, revision: 11,
      containers: [{ name: 'gateway', image: `${ECR}/search/gateway:5.1.2`, ports: [8080], livenessProbe: gwProbe, resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } } }],
      pods: [{ state: 'crashLoop', restarts: 6, lastExit: { code: 137, agoSeconds: 50, ranSeconds: 300 } }] });
    const g = gw.pods[0];
    kubelet(b, g, 'Warning', 'Unhealthy', `Liveness probe failed: Get "http://${g.status.podIP}:8080/actuator/health/liveness": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, { ageSeconds: 55, firstAgeSeconds: 5100, count: 21, container: 'gateway' });
    kubelet(b, g, 'Normal', 'Killing', 'Container gateway failed liveness probe, will be restarted', { ageSeconds: 81, firstAgeSeconds: 5080, count: 6, container: 'gateway' });
    BACKOFF(b, g);
    b.log(g, 'gateway', b.timed(['Started GatewayApplication in 21.4 seconds', 'WARN  o.e.client.RestClient - request to es-0:9200 took 1830ms', 'WARN  GC pause (G1 Evacuation Pause) 2310ms'], { endAgo: 52, step: 60 }), { previous: true });

    // Between kills: a consumer whose startup probe gives it 30 s to connect to its broker, which takes longer;
    // it runs again now, not Ready, after 5 kills (the last 10 minutes ago, exit 143 on the SIGTERM).
    b.namespace('jobs', 86400 * 40);
    const startup = { exec: { command: ['/bin/health', '--startup'] }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 6 };
    const qc = b.deployment({ ns: 'jobs', name: 'queue-consumer', replicas: 1, podAgeSeconds: 3000, revision: 2,
      containers: [{ name: 'consumer', image: `${ECR}/jobs/queue-consumer:1.7.0` }],
      pods: [{ state: 'notReady', restarts: 5, lastExit: { code: 143, agoSeconds: 600, ranSeconds: 31 } }] });
    qc.dep.spec.template.spec.containers[0].startupProbe = startup;
    qc.rs.spec.template.spec.containers[0].startupProbe = startup;
    const q = qc.pods[0];
    q.spec.containers[0].startupProbe = startup;
    kubelet(b, q, 'Warning', 'Unhealthy', 'Startup probe failed: broker amqp://rabbitmq.jobs.svc:5672 not connected', { ageSeconds: 605, firstAgeSeconds: 2990, count: 30, container: 'consumer' });
    kubelet(b, q, 'Normal', 'Killing', 'Container consumer failed startup probe, will be restarted', { ageSeconds: 601, firstAgeSeconds: 2960, count: 5, container: 'consumer' });
    b.log(q, 'consumer', b.timed(['queue-consumer 1.7.0 starting', 'connecting to amqp://rabbitmq.jobs.svc:5672 ...'], { endAgo: 5 }));

    // Near miss: one liveness failure two hours ago, one restart, running and ready since.
    b.namespace('notify', 86400 * 40);
    const nt = b.deployment({ ns: 'notify', name: 'notifier', replicas: 1, podAgeSeconds: 86400,
      containers: [{ name: 'notifier', image: `${ECR}/notify/notifier:1.2.0`, ports: [8080], livenessProbe: { ...probe('/healthz'), failureThreshold: 3 } }],
      pods: [{ state: 'running', restarts: 1, lastExit: { code: 143, agoSeconds: 7200, ranSeconds: 79000 } }] });
    const n = nt.pods[0];
    kubelet(b, n, 'Warning', 'Unhealthy', `Liveness probe failed: Get "http://${n.status.podIP}:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, { ageSeconds: 7210, firstAgeSeconds: 7230, count: 3, container: 'notifier' });
    kubelet(b, n, 'Normal', 'Killing', 'Container notifier failed liveness probe, will be restarted', { ageSeconds: 7205, count: 1, container: 'notifier' });
    b.log(n, 'notifier', b.timed(['notifier 1.2.0 listening on :8080', 'sent 42 notifications']));
    return { b, scenario: { description: 'queue-consumer (namespace jobs) is killed five times by its startup probe, which gives it 30 seconds to reach its broker; it runs again now, not Ready. ledger-api (namespace accounts) is killed by the kubelet every few minutes: its liveness probe checks /healthz on port 8081 while the application serves port 8080, so the probe is refused, the container is stopped with SIGTERM and exits 0, and the pods are in CrashLoopBackOff. search-gateway (namespace search) is killed the same way when its liveness endpoint does not answer within 2s during GC pauses; it exits 137 after the grace period, which is not an OOM kill. notifier (namespace notify) failed its liveness probe once two hours ago and has run fine since.',
      remediation: [{ workload: 'Deployment/accounts/ledger-api', recreatedPods: 'failSameWay', fixedBy: 'templateChange' }, { workload: 'Deployment/search/search-gateway', recreatedPods: 'failSameWay', fixedBy: 'templateChange' }] } };
  },

  'rollout-stuck'() {
    const b = base('rollout-stuck');
    // checkout revision 6 names an image tag that was never pushed; revision 5 keeps serving.
    b.namespace('store', 86400 * 40);
    const oldImage = `${ECR}/store/checkout:6.1.0`;
    const newImage = `${ECR}/store/checkout:6.2.0`;
    const co = b.deployment({ ns: 'store', name: 'checkout', replicas: 3, podAgeSeconds: 86400 * 4, revision: 6,
      containers: [{ name: 'checkout', image: oldImage, ports: [8080], readinessProbe: probe('/ready') }] });
    co.rs.metadata.annotations['deployment.kubernetes.io/revision'] = '5';
    for (const p of co.pods) b.log(p, 'checkout', b.timed(['checkout 6.1.0 listening on :8080', 'POST /v1/orders 201']));
    const hash = b.rng.suffix(10).slice(0, 10);
    const newC = [{ name: 'checkout', image: newImage, ports: [8080], readinessProbe: probe('/ready') }];
    const newTemplate = b.podTemplate({ app: 'checkout', 'pod-template-hash': hash }, newC);
    co.dep.spec.template = b.podTemplate({ app: 'checkout' }, newC);
    const newRs = b.add({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: b.meta('store', `checkout-${hash}`, 1500, { labels: { ...newTemplate.metadata.labels }, generation: 1,
      annotations: { 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4', 'deployment.kubernetes.io/revision': '6' }, ownerReferences: [b.ref(co.dep)] }),
      spec: { replicas: 1, selector: { matchLabels: { app: 'checkout', 'pod-template-hash': hash } }, template: newTemplate },
      status: { fullyLabeledReplicas: 1, observedGeneration: 1, replicas: 1 } });
    const np = b.pod({ ns: 'store', name: `checkout-${hash}-${b.rng.suffix()}`, template: newTemplate, owner: newRs, node: b.nodes[2].metadata.name, state: 'imagePull', ageSeconds: 1500 });
    const fp = 'spec.containers{checkout}';
    const host = np.spec.nodeName;
    b.event(np, { reason: 'Pulling', message: `Pulling image "${newImage}"`, component: 'kubelet', host, ageSeconds: 300, firstAgeSeconds: 1495, count: 8, fieldPath: fp });
    b.event(np, { type: 'Warning', reason: 'Failed', message: `Failed to pull image "${newImage}": rpc error: code = NotFound desc = failed to pull and unpack image "${newImage}": failed to resolve reference "${newImage}": ${newImage}: not found`, component: 'kubelet', host, ageSeconds: 299, firstAgeSeconds: 1494, count: 8, fieldPath: fp });
    b.event(np, { type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${newImage}"`, component: 'kubelet', host, ageSeconds: 10, firstAgeSeconds: 1490, count: 64, fieldPath: fp });
    b.event(co.dep, { reason: 'ScalingReplicaSet', message: `Scaled up replica set ${newRs.metadata.name} from 0 to 1`, component: 'deployment-controller', ageSeconds: 1500 });
    Object.assign(co.dep.status, { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1 });
    co.dep.status.conditions[1] = { type: 'Progressing', status: 'False', lastUpdateTime: b.ago(900), lastTransitionTime: b.ago(900), reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${newRs.metadata.name}" has timed out progressing.` };
    b.service({ ns: 'store', name: 'checkout', selector: { app: 'checkout' }, endpointsFrom: [...co.pods, np] });

    // Near miss: recommender's rollout started 30 s ago; its new pod runs and is not Ready yet (within deadline).
    b.namespace('recs', 86400 * 40);
    const rc = b.deployment({ ns: 'recs', name: 'recommender', replicas: 2, podAgeSeconds: 86400 * 2, revision: 9,
      containers: [{ name: 'model', image: `${ECR}/recs/recommender:9.0.0`, ports: [8080], readinessProbe: { ...probe('/ready'), initialDelaySeconds: 20 } }] });
    for (const p of rc.pods) b.log(p, 'model', b.timed(['model loaded', 'serving on :8080']));
    const h2 = b.rng.suffix(10).slice(0, 10);
    const rcC = [{ name: 'model', image: `${ECR}/recs/recommender:9.1.0`, ports: [8080], readinessProbe: { ...probe('/ready'), initialDelaySeconds: 20 } }];
    const rcTemplate = b.podTemplate({ app: 'recommender', 'pod-template-hash': h2 }, rcC);
    rc.dep.spec.template = b.podTemplate({ app: 'recommender' }, rcC);
    const rcRs = b.add({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: b.meta('recs', `recommender-${h2}`, 30, { labels: { ...rcTemplate.metadata.labels }, generation: 1,
      annotations: { 'deployment.kubernetes.io/desired-replicas': '2', 'deployment.kubernetes.io/max-replicas': '3', 'deployment.kubernetes.io/revision': '10' }, ownerReferences: [b.ref(rc.dep)] }),
      spec: { replicas: 1, selector: { matchLabels: { app: 'recommender', 'pod-template-hash': h2 } }, template: rcTemplate },
      status: { fullyLabeledReplicas: 1, observedGeneration: 1, replicas: 1 } });
    const fresh = b.pod({ ns: 'recs', name: `recommender-${h2}-${b.rng.suffix()}`, template: rcTemplate, owner: rcRs, node: b.nodes[0].metadata.name, state: 'notReady', ageSeconds: 27 });
    b.started(fresh, { ageSeconds: 25 });
    b.log(fresh, 'model', b.timed(['loading model weights (1.2 GiB)'], { endAgo: 20 }));
    b.event(rc.dep, { reason: 'ScalingReplicaSet', message: `Scaled up replica set ${rcRs.metadata.name} from 0 to 1`, component: 'deployment-controller', ageSeconds: 30 });
    rc.dep.metadata.generation = 10;
    Object.assign(rc.dep.status, { observedGeneration: 10, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1 });
    rc.dep.status.conditions[1] = { type: 'Progressing', status: 'True', lastUpdateTime: b.ago(30), lastTransitionTime: b.ago(86400 * 20), reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rcRs.metadata.name}" is progressing.` };
    b.service({ ns: 'recs', name: 'recommender', selector: { app: 'recommender' }, endpointsFrom: [...rc.pods, fresh] });
    return { b, scenario: { description: 'The rollout of checkout revision 6 (namespace store) passed its 10-minute progress deadline: its new pod cannot pull image tag 6.2.0, which was never pushed, while the three pods of revision 5 keep serving. recommender (namespace recs) started a rollout 30 seconds ago; its new pod is loading its model and not Ready yet, which is normal.',
      remediation: [{ workload: 'Deployment/store/checkout', recreatedPods: 'failSameWay', fixedBy: 'templateChange' }] } };
  },

  'pvc-missing-storageclass'() {
    const b = base('pvc-missing-storageclass');
    b.namespace('observability', 86400 * 40);
    const pvc = b.add({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: b.meta('observability', 'grafana-data', 1800, { labels: { app: 'grafana' }, finalizers: ['kubernetes.io/pvc-protection'] }),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'gp3-csi', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
    const msg = '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
    const gf = b.deployment({ ns: 'observability', name: 'grafana', replicas: 1, podAgeSeconds: 1800, revision: 1,
      containers: [{ name: 'grafana', image: 'grafana/grafana:11.5.2', ports: [3000], volumeMounts: [{ name: 'storage', mountPath: '/var/lib/grafana' }] }],
      extra: { volumes: [{ name: 'storage', persistentVolumeClaim: { claimName: 'grafana-data' } }] },
      pods: [{ state: 'pendingUnschedulable', message: msg }] });
    b.event(gf.pods[0], { type: 'Warning', reason: 'FailedScheduling', message: msg, component: 'default-scheduler', ageSeconds: 240, firstAgeSeconds: 1800, count: 7 });
    b.event(pvc, { type: 'Warning', reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "gp3-csi" not found', component: 'persistentvolume-controller', ageSeconds: 10, firstAgeSeconds: 1800, count: 121 });
    b.service({ ns: 'observability', name: 'grafana', selector: { app: 'grafana' }, ports: [{ port: 80, targetPort: 3000 }] });

    // Near miss: a claim of a WaitForFirstConsumer class that no pod uses yet stays Pending by design.
    b.namespace('batch', 86400 * 40);
    const wait = b.add({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: b.meta('batch', 'scratch-cache', 3600, { finalizers: ['kubernetes.io/pvc-protection'] }),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'gp3', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
    b.event(wait, { reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding', component: 'persistentvolume-controller', ageSeconds: 15, firstAgeSeconds: 3600, count: 240 });
    return { b, scenario: { description: 'grafana (namespace observability) stays Pending because its PersistentVolumeClaim grafana-data asks for StorageClass gp3-csi, which does not exist (the cluster has gp2 and gp3): the claim is the thing to fix. The claim scratch-cache (namespace batch) waits for its first consumer, which is normal for a WaitForFirstConsumer class.',
      remediation: [{ workload: 'Deployment/observability/grafana', recreatedPods: 'failSameWay' }] } };
  },

  'init-container-failures'() {
    const b = base('init-container-failures');
    const initPod = (d, init, { waitingMain = 'PodInitializing' } = {}) => {
      const p = d.pods[0];
      setPodStatus(b, p, { initialized: false, init: [init(p)],
        containers: p.spec.containers.map((c) => cstatus(b, p, c.name, { pulled: false, created: false, state: { waiting: { reason: waitingMain } } })) });
      recount(d);
      return p;
    };
    // The migration init container names an image tag that does not exist.
    b.namespace('billing', 86400 * 40);
    const migImage = `${ECR}/billing/migrations:2025.03.1`;
    const bw = b.deployment({ ns: 'billing', name: 'billing-worker', replicas: 1, podAgeSeconds: 1200, revision: 4,
      containers: [{ name: 'worker', image: `${ECR}/billing/worker:4.0.0` }], pods: [{ state: 'running' }] });
    bw.pods[0].spec.initContainers = [b.container({ name: 'migrate', image: migImage, command: ['/app/migrate', 'up'] })];
    const p1 = initPod(bw, (p) => cstatus(b, p, 'migrate', { pulled: false, created: false, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${migImage}"` } } }));
    kubelet(b, p1, 'Warning', 'Failed', `Failed to pull image "${migImage}": rpc error: code = NotFound desc = failed to pull and unpack image "${migImage}": failed to resolve reference "${migImage}": ${migImage}: not found`, { ageSeconds: 200, firstAgeSeconds: 1190, count: 9 });
    p1.status.initContainerStatuses[0].image = migImage;
    b.events[b.events.length - 1].involvedObject.fieldPath = 'spec.initContainers{migrate}';

    // The config init container reads a ConfigMap that was never created.
    b.namespace('search', 86400 * 40);
    const ss = b.deployment({ ns: 'search', name: 'search-sync', replicas: 1, podAgeSeconds: 900, revision: 2,
      containers: [{ name: 'sync', image: `${ECR}/search/sync:1.9.0` }], pods: [{ state: 'running' }] });
    ss.pods[0].spec.initContainers = [b.container({ name: 'render-config', image: `${ECR}/tools/envsubst:1.0`, envFrom: [{ configMapRef: { name: 'search-sync-settings' } }] })];
    const cmMsg = 'configmap "search-sync-settings" not found';
    const p2 = initPod(ss, (p) => cstatus(b, p, 'render-config', { created: false, state: { waiting: { reason: 'CreateContainerConfigError', message: cmMsg } } }));
    b.event(p2, { type: 'Warning', reason: 'Failed', message: `Error: ${cmMsg}`, component: 'kubelet', host: p2.spec.nodeName, ageSeconds: 12, firstAgeSeconds: 890, count: 74, fieldPath: 'spec.initContainers{render-config}' });

    // The permissions init container runs a command the busybox image does not have (a typo): exit 127.
    b.namespace('reports', 86400 * 40);
    const re = b.deployment({ ns: 'reports', name: 'report-exporter', replicas: 1, podAgeSeconds: 1600, revision: 7,
      containers: [{ name: 'exporter', image: `${ECR}/reports/exporter:3.3.0`, volumeMounts: [{ name: 'out', mountPath: '/out' }] }], pods: [{ state: 'running' }] });
    re.pods[0].spec.initContainers = [b.container({ name: 'fix-perms', image: 'busybox:1.37', command: ['sh', '-c', 'chwon -R 1000:1000 /out'], volumeMounts: [{ name: 'out', mountPath: '/out' }] })];
    re.pods[0].spec.volumes = [{ name: 'out', emptyDir: {} }];
    const p3 = initPod(re, (p) => cstatus(b, p, 'fix-perms', { restarts: 7, state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=fix-perms pod=${p.metadata.name}_reports(${p.metadata.uid})` } },
      lastState: { terminated: { containerID: `containerd://${b.rng.hex(64)}`, exitCode: 127, reason: 'Error', startedAt: b.ago(61), finishedAt: b.ago(60) } } }));
    b.event(p3, { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container fix-perms in pod ${p3.metadata.name}_reports(${p3.metadata.uid})`, component: 'kubelet', host: p3.spec.nodeName, ageSeconds: 20, firstAgeSeconds: 1500, count: 70, fieldPath: 'spec.initContainers{fix-perms}' });
    b.log(p3, 'fix-perms', b.timed(['sh: chwon: not found'], { endAgo: 60 }), { previous: true });
    // The wait-for init container of the Kubernetes documentation's pattern, waiting for a database Service that
    // was never created (its chart went to another namespace): it loops for good, the pod stays Init:0/1.
    b.namespace('orders', 86400 * 40);
    const oa = b.deployment({ ns: 'orders', name: 'order-api', replicas: 1, podAgeSeconds: 1800, revision: 3,
      containers: [{ name: 'api', image: `${ECR}/orders/order-api:5.2.0`, ports: [8080] }], pods: [{ state: 'running' }] });
    oa.pods[0].spec.initContainers = [b.container({ name: 'wait-for-db', image: 'busybox:1.37', command: ['sh', '-c', 'until nc -z orders-db 5432; do echo waiting for orders-db; sleep 2; done'] })];
    const p4 = initPod(oa, (p) => cstatus(b, p, 'wait-for-db', { started: true, state: { running: { startedAt: b.ago(1790) } } }));
    b.log(p4, 'wait-for-db', b.timed(Array.from({ length: 6 }, () => 'waiting for orders-db'), { endAgo: 1, step: 2 }));
    return { b, scenario: { description: 'Three pods whose init containers cannot start, so their main containers never run: billing-worker (billing) runs migrations from an image tag that does not exist; search-sync (search) renders its settings from ConfigMap search-sync-settings, which was never created; report-exporter (reports) fixes volume permissions with a mistyped command (chwon), which exits 127. order-api (orders) waits in its init container for Service orders-db, which does not exist.',
      remediation: [{ workload: 'Deployment/billing/billing-worker', recreatedPods: 'failSameWay', fixedBy: 'templateChange' }] } };
  },

  'node-lost-pods'() {
    const b = base('node-lost-pods', { nodes: 4, notReadyNode: true });
    const lost = b.nodes[3];
    b.event(lost, { reason: 'NodeNotReady', message: `Node ${lost.metadata.name} status is now: NodeNotReady`, component: 'node-controller', ageSeconds: 840 });
    // The node lifecycle controller evicted the node's pods after its 300 s toleration; no kubelet confirms it.
    b.namespace('media', 86400 * 40);
    const tc = b.deployment({ ns: 'media', name: 'transcoder', replicas: 3, podAgeSeconds: 86400 * 2,
      containers: [{ name: 'ffmpeg', image: `${ECR}/media/transcoder:4.7.0` }], pods: [{ state: 'unknown', node: lost.metadata.name }, { state: 'unknown', node: lost.metadata.name }, 'running', 'running', 'running'] });
    for (const p of tc.pods.slice(0, 2)) {
      p.metadata.deletionTimestamp = b.ago(510);
      p.metadata.deletionGracePeriodSeconds = 30;
      b.event(p, { reason: 'TaintManagerEviction', message: `Marking for deletion Pod media/${p.metadata.name}`, component: 'taint-eviction-controller', ageSeconds: 540 });
    }
    tc.dep.spec.replicas = 3;
    recount(tc);
    for (const p of tc.pods.slice(2)) b.log(p, 'ffmpeg', b.timed(['transcoding job 8812 done']));
    // A node whose instance was terminated and whose Node object is gone: its pods stay bound to it.
    const goneNode = 'ip-10-0-2-54.eu-west-1.compute.internal';
    b.namespace('crawl', 86400 * 40);
    const cr = b.deployment({ ns: 'crawl', name: 'crawler', replicas: 2, podAgeSeconds: 86400,
      containers: [{ name: 'crawler', image: `${ECR}/crawl/crawler:0.9.4` }], pods: ['running', 'running', 'running', 'running'] });
    for (const p of cr.pods.slice(0, 2)) {
      p.spec.nodeName = goneNode;
      p.status.hostIP = '10.0.2.54';
      p.status.hostIPs = [{ ip: '10.0.2.54' }];
      p.metadata.deletionTimestamp = b.ago(1700);
      p.metadata.deletionGracePeriodSeconds = 30;
      p.status.conditions = p.status.conditions.map((c) => c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: b.ago(1750) } : c);
      p.status.containerStatuses[0].ready = false;
    }
    cr.dep.spec.replicas = 2;
    recount(cr);
    for (const p of cr.pods.slice(2)) b.log(p, 'crawler', b.timed(['fetched 120 pages']));
    return { b, scenario: { description: `Node ${lost.metadata.name} stopped posting status 14 minutes ago; two transcoder pods (namespace media) on it were marked for deletion and stay Terminating because no kubelet confirms it, while their replacements run elsewhere. The instance behind node ${goneNode} was terminated and its Node object deleted; two crawler pods (namespace crawl) are still bound to it and stuck Terminating.`,
      remediation: [{ workload: 'Deployment/media/transcoder', recreatedPods: 'running' }] } };
  },

  'shared-cause'() {
    const b = base('shared-cause');
    // One Secret that was never created, read by two Deployments.
    b.namespace('orders', 86400 * 40);
    const msg = 'secret "orders-db" not found';
    for (const [name, container] of [['order-api', 'api'], ['order-worker', 'worker']]) {
      const d = b.deployment({ ns: 'orders', name, replicas: 1, podAgeSeconds: 700, revision: 3,
        containers: [{ name: container, image: `${ECR}/orders/${name}:5.0.1`, env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'orders-db', key: 'password' } } }] }],
        pods: [{ state: 'configError', message: msg }] });
      b.event(d.pods[0], { type: 'Warning', reason: 'Failed', message: `Error: ${msg}`, component: 'kubelet', host: d.pods[0].spec.nodeName, ageSeconds: 8, firstAgeSeconds: 690, count: 58, fieldPath: `spec.containers{${container}}` });
    }
    // One exhausted ResourceQuota refusing the pods of two Deployments' scale-ups.
    b.namespace('ml', 86400 * 40);
    b.add({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: b.meta('ml', 'ml-quota', 86400 * 40),
      spec: { hard: { 'requests.cpu': '4', 'limits.memory': '16Gi' } }, status: { hard: { 'requests.cpu': '4', 'limits.memory': '16Gi' }, used: { 'requests.cpu': '3800m', 'limits.memory': '15Gi' } } });
    for (const [name, cpu] of [['feature-store', '1'], ['model-server', '2']]) {
      const d = b.deployment({ ns: 'ml', name, replicas: 2, podAgeSeconds: 86400 * 3,
        containers: [{ name: 'server', image: `${ECR}/ml/${name}:1.4.0`, resources: { requests: { cpu, memory: '2Gi' }, limits: { memory: '4Gi' } } }] });
      d.dep.spec.replicas = 4;
      d.rs.spec.replicas = 4;
      recount(d);
      b.event(d.rs, { type: 'Warning', reason: 'FailedCreate', component: 'replicaset-controller', ageSeconds: 30, firstAgeSeconds: 900, count: 22,
        message: `Error creating: pods "${d.rs.metadata.name}-${b.rng.suffix()}" is forbidden: exceeded quota: ml-quota, requested: requests.cpu=${cpu}, used: requests.cpu=3800m, limited: requests.cpu=4` });
      d.rs.status.conditions = [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: b.ago(900), reason: 'FailedCreate', message: 'exceeded quota: ml-quota' }];
      b.event(d.dep, { reason: 'ScalingReplicaSet', message: `Scaled up replica set ${d.rs.metadata.name} from 2 to 4`, component: 'deployment-controller', ageSeconds: 900 });
    }
    return { b, scenario: { description: 'Secret orders-db (namespace orders) was never created: both order-api and order-worker read DB_PASSWORD from it and cannot create their containers — one incident. ResourceQuota ml-quota (namespace ml) is exhausted: the scale-ups of feature-store and model-server from 2 to 4 replicas are refused — one incident.' } };
  },

  'optional-config-key'() {
    const b = base('optional-config-key');
    b.namespace('mail', 86400 * 40);
    b.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: b.meta('mail', 'mailer-config', 86400 * 10), data: { smtp_port: '587', smtp_user: 'mailer' } });
    // SMTP_HOST comes from key smtp_host, which the ConfigMap lacks: marked optional, the variable is simply unset.
    const env = [{ name: 'SMTP_HOST', valueFrom: { configMapKeyRef: { name: 'mailer-config', key: 'smtp_host', optional: true } } },
      { name: 'SMTP_PORT', valueFrom: { configMapKeyRef: { name: 'mailer-config', key: 'smtp_port' } } }];
    const m = b.deployment({ ns: 'mail', name: 'mailer', replicas: 2, podAgeSeconds: 1400, revision: 5,
      containers: [{ name: 'mailer', image: `${ECR}/mail/mailer:3.0.2`, env }],
      pods: [{ state: 'crashLoop', restarts: 8, lastExit: { code: 1, agoSeconds: 30, ranSeconds: 1 } }, { state: 'crashLoop', restarts: 8, lastExit: { code: 1, agoSeconds: 70, ranSeconds: 1 } }] });
    for (const p of m.pods) {
      BACKOFF(b, p);
      const lines = ['mailer 3.0.2 starting', 'connecting to smtp server :587', 'fatal: dial tcp :587: connect: connection refused'];
      b.log(p, 'mailer', b.timed(lines, { endAgo: 31, step: 0 }), { previous: true });
      b.log(p, 'mailer', b.timed(lines.slice(0, 1), { endAgo: 2, step: 0 }));
    }
    // The same with a Secret key. Only a snapshot lists Secrets (the live path never reads them); live, the
    // container's log saying the variable is empty is the evidence.
    b.namespace('hooks', 86400 * 40);
    b.add({ apiVersion: 'v1', kind: 'Secret', metadata: b.meta('hooks', 'relay-secrets', 86400 * 10), type: 'Opaque', data: { token: 'cmVkYWN0ZWQ=' } });
    const wr = b.deployment({ ns: 'hooks', name: 'webhook-relay', replicas: 1, podAgeSeconds: 1100, revision: 2,
      containers: [{ name: 'relay', image: `${ECR}/hooks/webhook-relay:0.4.0`, env: [{ name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'relay-secrets', key: 'api-token', optional: true } } }] }],
      pods: [{ state: 'crashLoop', restarts: 7, lastExit: { code: 1, agoSeconds: 50, ranSeconds: 2 } }] });
    BACKOFF(b, wr.pods[0]);
    b.log(wr.pods[0], 'relay', b.timed(['webhook-relay 0.4.0', 'warning: API_TOKEN is empty, registering without a token', 'registering with upstream', 'fatal: upstream answered 401 Unauthorized'], { endAgo: 51, step: 0 }), { previous: true });
    // The same again, where the application does not say which setting is empty: the live path cannot tell.
    b.add({ apiVersion: 'v1', kind: 'Secret', metadata: b.meta('hooks', 'digest-secrets', 86400 * 10), type: 'Opaque', data: { signing_key: 'cmVkYWN0ZWQ=' } });
    const ds = b.deployment({ ns: 'hooks', name: 'digest-sender', replicas: 1, podAgeSeconds: 900, revision: 3,
      containers: [{ name: 'sender', image: `${ECR}/hooks/digest-sender:2.0.1`, env: [{ name: 'SIGNING_KEY', valueFrom: { secretKeyRef: { name: 'digest-secrets', key: 'signing-key', optional: true } } }] }],
      pods: [{ state: 'crashLoop', restarts: 6, lastExit: { code: 1, agoSeconds: 45, ranSeconds: 1 } }] });
    BACKOFF(b, ds.pods[0]);
    b.log(ds.pods[0], 'sender', b.timed(['digest-sender 2.0.1', 'fatal: cannot sign digest: key length 0'], { endAgo: 46, step: 0 }), { previous: true });

    // Near miss: an optional key that is missing where the application has a default; it runs fine.
    const ok = b.deployment({ ns: 'mail', name: 'bounce-handler', replicas: 1, podAgeSeconds: 86400,
      containers: [{ name: 'handler', image: `${ECR}/mail/bounce-handler:1.1.0`, env: [{ name: 'LOG_FORMAT', valueFrom: { configMapKeyRef: { name: 'mailer-config', key: 'log_format', optional: true } } }] }] });
    b.log(ok.pods[0], 'handler', b.timed(['bounce-handler ready (log format: text)']));
    return { b, scenario: { description: 'mailer (namespace mail) reads SMTP_HOST from key smtp_host of ConfigMap mailer-config, marked optional; the ConfigMap has no such key, so the variable is unset, the mailer dials ":587" and exits 1 in a crash loop. No event complains about the missing key. webhook-relay (namespace hooks) reads API_TOKEN from key api-token of Secret relay-secrets, also optional; the Secret has only key token, so the relay registers without a token and exits 1 (its log says API_TOKEN is empty). digest-sender (namespace hooks) reads SIGNING_KEY from key signing-key of Secret digest-secrets, optional, which has only signing_key; it exits 1 with a log that names no variable. bounce-handler reads an optional key that is also missing but has a default and runs fine.',
      remediation: [{ workload: 'Deployment/mail/mailer', recreatedPods: 'failSameWay', fixedBy: 'templateChange' }] } };
  },

  'prestop-hook-kill'() {
    const b = base('prestop-hook-kill');
    b.namespace('retail', 86400 * 40);
    // cart-sync's liveness probe times out under load; each kill runs its preStop hook, which waits up to 60 s for
    // the queue to drain while the grace period is 30 s: the kubelet SIGKILLs it (exit 137, not an OOM kill).
    const live = { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
    const hook = ['/bin/sh', '-c', '/app/bin/drain-queue --wait 60s'];
    const cs = b.deployment({ ns: 'retail', name: 'cart-sync', replicas: 1, podAgeSeconds: 3600, revision: 4,
      containers: [{ name: 'sync', image: `${ECR}/retail/cart-sync:2.3.1`, ports: [8080], livenessProbe: live, resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } } }],
      pods: [{ state: 'crashLoop', restarts: 6, lastExit: { code: 137, agoSeconds: 40, ranSeconds: 420 } }] });
    for (const t of [cs.dep.spec.template, cs.rs.spec.template, cs.pods[0]]) {
      (t.spec ?? t).containers[0].lifecycle = { preStop: { exec: { command: hook } } };
    }
    const p = cs.pods[0];
    kubelet(b, p, 'Warning', 'Unhealthy', `Liveness probe failed: Get "http://${p.status.podIP}:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, { ageSeconds: 75, firstAgeSeconds: 3300, count: 24, container: 'sync' });
    kubelet(b, p, 'Normal', 'Killing', 'Container sync failed liveness probe, will be restarted', { ageSeconds: 72, firstAgeSeconds: 3280, count: 6, container: 'sync' });
    kubelet(b, p, 'Warning', 'FailedPreStopHook', `Exec lifecycle hook ([${hook.join(' ')}]) for Container "sync" in Pod "${p.metadata.name}_retail(${p.metadata.uid})" failed - error: command '${hook.join(' ')}' exited with 137: , message: "draining 1843 pending cart events\\n"`,
      { ageSeconds: 41, firstAgeSeconds: 3250, count: 6, container: 'sync' });
    BACKOFF(b, p);
    b.log(p, 'sync', b.timed(['cart-sync 2.3.1 consuming cart-events', 'WARN slow batch: 2143 ms', 'WARN slow batch: 3877 ms'], { endAgo: 41, step: 60 }), { previous: true });

    // A Job whose pods the kubelet stopped: their preStop hook fails (a command the image lacks) and the export
    // ignores SIGTERM, so each pod ends in a SIGKILL (137) when the grace period runs out — no memory involved.
    b.namespace('finance', 86400 * 40);
    const xhook = ['/usr/local/bin/flush-uploads'];
    const template = b.podTemplate({ 'job-name': 'ledger-export-20250311' }, [{ name: 'exporter', image: `${ECR}/finance/ledger-export:1.4.0`, args: ['--month', '2025-02'] }], { restartPolicy: 'Never' });
    template.spec.containers[0].lifecycle = { preStop: { exec: { command: xhook } } };
    const job = b.add({ apiVersion: 'batch/v1', kind: 'Job', metadata: b.meta('finance', 'ledger-export-20250311', 2400, { labels: { 'job-name': 'ledger-export-20250311' }, generation: 1 }),
      spec: { backoffLimit: 1, completionMode: 'NonIndexed', completions: 1, parallelism: 1, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed', suspend: false,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'x' } }, template },
      status: {} });
    job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid'] = job.metadata.uid;
    Object.assign(template.metadata.labels, { 'batch.kubernetes.io/controller-uid': job.metadata.uid, 'batch.kubernetes.io/job-name': job.metadata.name, 'controller-uid': job.metadata.uid });
    for (const age of [2400, 1300]) {
      const xp = b.pod({ ns: 'finance', name: `ledger-export-20250311-${b.rng.suffix()}`, template, owner: job, state: 'failed', ageSeconds: age, lastExit: { code: 137 } });
      b.event(job, { reason: 'SuccessfulCreate', message: `Created pod: ${xp.metadata.name}`, component: 'job-controller', ageSeconds: age });
      kubelet(b, xp, 'Normal', 'Killing', 'Stopping container exporter', { ageSeconds: age - 1000, container: 'exporter' });
      kubelet(b, xp, 'Warning', 'FailedPreStopHook', 'PreStopHook failed', { ageSeconds: age - 1001, container: 'exporter' });
      b.log(xp, 'exporter', b.timed(['ledger-export 1.4.0: exporting 2025-02', 'exported 1200000 of 4100000 entries'], { endAgo: age - 1031, step: 500 }));
    }
    Object.assign(job.status, { failed: 2, startTime: b.ago(2400), terminating: 0, ready: 0, uncountedTerminatedPods: {},
      conditions: [{ type: 'FailureTarget', status: 'True', lastProbeTime: b.ago(290), lastTransitionTime: b.ago(290), reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
        { type: 'Failed', status: 'True', lastProbeTime: b.ago(290), lastTransitionTime: b.ago(290), reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] });
    b.event(job, { type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', component: 'job-controller', ageSeconds: 290 });

    // Near miss: price-feed's preStop hook failed once when the container was restarted 50 minutes ago; it has
    // run fine since.
    const pf = b.deployment({ ns: 'retail', name: 'price-feed', replicas: 1, podAgeSeconds: 86400,
      containers: [{ name: 'feed', image: `${ECR}/retail/price-feed:1.0.4`, ports: [8080] }],
      pods: [{ state: 'running', restarts: 1, lastExit: { code: 143, agoSeconds: 3000, ranSeconds: 80000 } }] });
    for (const t of [pf.dep.spec.template, pf.rs.spec.template, pf.pods[0]]) (t.spec ?? t).containers[0].lifecycle = { preStop: { httpGet: { path: '/drain', port: 8080 } } };
    kubelet(b, pf.pods[0], 'Warning', 'FailedPreStopHook', 'PreStopHook failed', { ageSeconds: 3001, container: 'feed' });
    b.log(pf.pods[0], 'feed', b.timed(['price-feed 1.0.4 streaming quotes', 'published 512 quotes']));
    return { b, scenario: { description: 'cart-sync (namespace retail) is killed by its liveness probe, which times out under load; each kill runs its preStop hook, which waits up to 60 s for the queue to drain while terminationGracePeriodSeconds is 30, so the kubelet kills it with SIGKILL (exit 137), which is not an OOM kill. Job ledger-export-20250311 (namespace finance) failed: the kubelet stopped its pods, their preStop hook /usr/local/bin/flush-uploads failed (PreStopHook failed) and the exporter was killed after the grace period (exit 137), which is not memory. price-feed (namespace retail) had one failed preStop hook 50 minutes ago and runs fine.' } };
  },

  'init-container-job-failed'() {
    const b = base('init-container-job-failed');
    // restartPolicy Never: the Job's pods fail in their init container (the database's name does not resolve), so
    // the backfill container never runs.
    b.namespace('etl', 86400 * 40);
    const mk = (name, { initCmd, backoffLimit, ages, initExit, succeed }) => {
      const template = b.podTemplate({ 'job-name': name }, [{ name: 'backfill', image: `${ECR}/etl/orders-backfill:0.8.0`, args: ['--since', '2025-03-01'] }], { restartPolicy: 'Never' });
      template.spec.initContainers = [b.container({ name: 'wait-for-db', image: 'busybox:1.37', command: ['sh', '-c', initCmd] })];
      const job = b.add({ apiVersion: 'batch/v1', kind: 'Job', metadata: b.meta('etl', name, ages[0] + 10, { labels: { 'job-name': name }, generation: 1 }),
        spec: { backoffLimit, completionMode: 'NonIndexed', completions: 1, parallelism: 1, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed', suspend: false,
          selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'x' } }, template },
        status: {} });
      job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid'] = job.metadata.uid;
      Object.assign(template.metadata.labels, { 'batch.kubernetes.io/controller-uid': job.metadata.uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': job.metadata.uid });
      const pods = ages.map((age, i) => {
        const ok = succeed && i === ages.length - 1;
        const p = b.pod({ ns: 'etl', name: `${name}-${b.rng.suffix()}`, template, owner: job, state: ok ? 'running' : 'failed', ageSeconds: age, lastExit: { code: 1 } });
        b.event(job, { reason: 'SuccessfulCreate', message: `Created pod: ${p.metadata.name}`, component: 'job-controller', ageSeconds: age });
        const term = (code, at) => ({ terminated: { containerID: `containerd://${b.rng.hex(64)}`, exitCode: code, reason: code ? 'Error' : 'Completed', startedAt: b.ago(at + 2), finishedAt: b.ago(at) } });
        if (ok) {
          setPodStatus(b, p, { phase: 'Succeeded', init: [cstatus(b, p, 'wait-for-db', { state: term(0, age - 4) })],
            containers: [cstatus(b, p, 'backfill', { state: term(0, age - 60) })] });
          p.status.conditions = p.status.conditions.map((c) => ['Ready', 'ContainersReady'].includes(c.type) ? { ...c, status: 'False', reason: 'PodCompleted', message: undefined } : c);
        } else {
          setPodStatus(b, p, { phase: 'Failed', failed: true, initialized: false, sandbox: false, init: [cstatus(b, p, 'wait-for-db', { state: term(initExit, age - 4) })],
            containers: [cstatus(b, p, 'backfill', { pulled: false, created: false, state: { waiting: { reason: 'PodInitializing' } } })] });
          b.log(p, 'wait-for-db', b.timed([`nc: getaddrinfo for host "orders-db.etl.svc" port 5432: Name or service not known`], { endAgo: age - 4 }));
        }
        p.status = JSON.parse(JSON.stringify(p.status));
        return p;
      });
      const failed = pods.length - (succeed ? 1 : 0);
      if (succeed) {
        Object.assign(job.status, { succeeded: 1, failed, startTime: b.ago(ages[0]), completionTime: b.ago(ages[ages.length - 1] - 70), terminating: 0, ready: 0, uncountedTerminatedPods: {},
          conditions: [{ type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: b.ago(ages[ages.length - 1] - 70), lastTransitionTime: b.ago(ages[ages.length - 1] - 70) },
            { type: 'Complete', status: 'True', lastProbeTime: b.ago(ages[ages.length - 1] - 70), lastTransitionTime: b.ago(ages[ages.length - 1] - 70) }] });
        b.event(job, { reason: 'Completed', message: 'Job completed', component: 'job-controller', ageSeconds: ages[ages.length - 1] - 70 });
      } else {
        const at = ages[ages.length - 1] - 5;
        Object.assign(job.status, { failed, startTime: b.ago(ages[0]), terminating: 0, ready: 0, uncountedTerminatedPods: {},
          conditions: [{ type: 'FailureTarget', status: 'True', lastProbeTime: b.ago(at), lastTransitionTime: b.ago(at), reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
            { type: 'Failed', status: 'True', lastProbeTime: b.ago(at), lastTransitionTime: b.ago(at), reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] });
        b.event(job, { type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', component: 'job-controller', ageSeconds: at });
      }
      return job;
    };
    mk('orders-backfill-20250311', { initCmd: 'until nc -z orders-db.etl.svc 5432; do exit 1; done', backoffLimit: 2, ages: [1800, 1700, 1500], initExit: 1 });
    // Near miss: a Job whose first pod failed in its init container and whose retry completed.
    mk('orders-compact-20250311', { initCmd: 'nc -z orders-db.etl.svc.cluster.local 5432', backoffLimit: 3, ages: [5000, 4900], initExit: 1, succeed: true });
    return { b, scenario: { description: 'Job orders-backfill-20250311 (namespace etl, restartPolicy Never) failed: the init container wait-for-db of each of its three pods exits 1 because the database host orders-db.etl.svc does not resolve, so the backfill container never runs and the Job reached its backoff limit. Job orders-compact-20250311 had one pod fail the same way and completed on its retry.' } };
  },
};
Object.assign(scenarios, chainScenarios);

// Scenarios for classes found in public troubleshooting cases: an image for another CPU architecture, a private
// registry without pull credentials, volumes that cannot attach or whose driver is denied, a provisioner that
// never answers, a pod without a network sandbox, an ephemeral-storage eviction, an extended resource nobody
// offers, a Service port name no pod declares — each with near misses that stay quiet.
const publicCaseScenarios = {
  'platform-and-registry'() {
    const b = base('platform-and-registry');
    // An arm64-only build rolled out to amd64 nodes: the kernel refuses the binary (ENOEXEC) at every start.
    b.namespace('edge', 86400 * 40);
    const agent = b.deployment({ ns: 'edge', name: 'telemetry-agent', replicas: 2, podAgeSeconds: 1300, revision: 4,
      containers: [{ name: 'agent', image: `${ECR}/edge/telemetry-agent:1.6.0-arm64`, ports: [9090] }],
      pods: [{ state: 'crashLoop', restarts: 8, lastExit: { code: 1, agoSeconds: 30, ranSeconds: 0 } }, { state: 'crashLoop', restarts: 8, lastExit: { code: 1, agoSeconds: 55, ranSeconds: 0 } }] });
    for (const p of agent.pods) {
      b.started(p, { ageSeconds: 35, firstAgeSeconds: 1290, count: 9 });
      BACKOFF(b, p);
      b.log(p, 'agent', b.timed(['exec /usr/local/bin/telemetry-agent: exec format error'], { endAgo: 31 }));
      b.log(p, 'agent', b.timed(['exec /usr/local/bin/telemetry-agent: exec format error'], { endAgo: 330 }), { previous: true });
    }
    // A multi-arch index without linux/amd64: the pull itself finds no image for the node.
    const gwImage = 'ghcr.io/acme-iot/edge-gateway:2.0.1';
    const gw = b.deployment({ ns: 'edge', name: 'edge-gateway', replicas: 1, podAgeSeconds: 800, revision: 2,
      containers: [{ name: 'gateway', image: gwImage, ports: [8443] }], pods: [{ state: 'imagePull' }] });
    const fp = (c) => ({ container: c });
    kubelet(b, gw.pods[0], 'Normal', 'Pulling', `Pulling image "${gwImage}"`, { ageSeconds: 200, firstAgeSeconds: 795, count: 6, ...fp('gateway') });
    kubelet(b, gw.pods[0], 'Warning', 'Failed', `Failed to pull image "${gwImage}": rpc error: code = NotFound desc = failed to pull and unpack image "${gwImage}": no match for platform in manifest: not found`, { ageSeconds: 200, firstAgeSeconds: 795, count: 6, ...fp('gateway') });
    kubelet(b, gw.pods[0], 'Warning', 'Failed', 'Error: ErrImagePull', { ageSeconds: 200, firstAgeSeconds: 795, count: 6, ...fp('gateway') });
    kubelet(b, gw.pods[0], 'Normal', 'BackOff', `Back-off pulling image "${gwImage}"`, { ageSeconds: 15, firstAgeSeconds: 790, count: 40, ...fp('gateway') });
    // A company registry and no imagePullSecrets: the registry answers as if the repository did not exist.
    b.namespace('partners', 86400 * 40);
    const syncImage = 'registry.acme-corp.example/partners/partner-sync:3.2.0';
    const sync = b.deployment({ ns: 'partners', name: 'partner-sync', replicas: 1, podAgeSeconds: 1100, revision: 1,
      containers: [{ name: 'sync', image: syncImage }], pods: [{ state: 'imagePull' }] });
    kubelet(b, sync.pods[0], 'Warning', 'Failed', `Failed to pull image "${syncImage}": failed to pull and unpack image "${syncImage}": failed to resolve reference "${syncImage}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`, { ageSeconds: 300, firstAgeSeconds: 1095, count: 7, ...fp('sync') });
    kubelet(b, sync.pods[0], 'Warning', 'Failed', 'Error: ErrImagePull', { ageSeconds: 300, firstAgeSeconds: 1095, count: 7, ...fp('sync') });
    // Near misses: the same registry with a pull secret, running; a pod created 20 s ago still pulling its image.
    const docs = b.deployment({ ns: 'partners', name: 'partner-docs', replicas: 1, podAgeSeconds: 86400 * 2,
      containers: [{ name: 'docs', image: 'registry.acme-corp.example/partners/docs:1.4.2', ports: [8080] }], extra: {} });
    for (const o of [docs.dep.spec.template, docs.rs.spec.template]) o.spec.imagePullSecrets = [{ name: 'acme-registry' }];
    docs.pods[0].spec.imagePullSecrets = [{ name: 'acme-registry' }];
    const fresh = b.deployment({ ns: 'partners', name: 'partner-portal', replicas: 1, podAgeSeconds: 20, revision: 3,
      containers: [{ name: 'portal', image: `${ECR}/partners/portal:5.0.0`, ports: [8080] }] });
    setPodStatus(b, fresh.pods[0], { containers: [cstatus(b, fresh.pods[0], 'portal', { pulled: false, created: false, state: { waiting: { reason: 'ContainerCreating' } } })] });
    kubelet(b, fresh.pods[0], 'Normal', 'Pulling', `Pulling image "${ECR}/partners/portal:5.0.0"`, { ageSeconds: 18, ...fp('portal') });
    recount(fresh);
    fresh.dep.status.conditions[1] = { ...fresh.dep.status.conditions[1], reason: 'ReplicaSetUpdated', message: `ReplicaSet "${fresh.rs.metadata.name}" is progressing.` };
    // A registry behind a certificate from the company's own CA, which the nodes' containerd does not trust.
    const vaultImage = 'harbor.acme-corp.example/partners/contract-vault:2.1.0';
    const vault = b.deployment({ ns: 'partners', name: 'contract-vault', replicas: 1, podAgeSeconds: 1500, revision: 2,
      containers: [{ name: 'vault', image: vaultImage, ports: [8443] }], pods: [{ state: 'imagePull' }] });
    vault.dep.spec.template.spec.imagePullSecrets = [{ name: 'harbor-robot' }];
    vault.pods[0].spec.imagePullSecrets = [{ name: 'harbor-robot' }];
    kubelet(b, vault.pods[0], 'Warning', 'Failed', `Failed to pull image "${vaultImage}": rpc error: code = Unknown desc = failed to pull and unpack image "${vaultImage}": failed to resolve reference "${vaultImage}": failed to do request: Head "https://harbor.acme-corp.example/v2/partners/contract-vault/manifests/2.1.0": tls: failed to verify certificate: x509: certificate signed by unknown authority`, { ageSeconds: 240, firstAgeSeconds: 1490, count: 8, ...fp('vault') });
    kubelet(b, vault.pods[0], 'Warning', 'Failed', 'Error: ErrImagePull', { ageSeconds: 240, firstAgeSeconds: 1490, count: 8, ...fp('vault') });
    return { b, scenario: { description: 'telemetry-agent (namespace edge) was rolled out with an arm64-only build on amd64 nodes: each start ends in "exec format error". edge-gateway (edge) pulls a ghcr.io image whose index has no linux/amd64 variant. partner-sync (partners) pulls from the company registry without imagePullSecrets and is refused. Near misses: partner-docs pulls from the same registry with a pull secret and runs; partner-portal\'s new pod has been pulling its image for 20 s. contract-vault (partners) pulls from a registry whose certificate comes from a CA the nodes do not trust.' } };
  },

  'volume-and-sandbox-failures'() {
    const b = base('volume-and-sandbox-failures');
    const stuckCreating = (d, p) => {
      setPodStatus(b, p, { sandbox: true, containers: p.spec.containers.map((c) => cstatus(b, p, c.name, { pulled: false, created: false, state: { waiting: { reason: 'ContainerCreating' } } })) });
      if (d) recount(d);
    };
    // The database's EBS volume is still attached to the node its old pod ran on.
    b.namespace('db', 86400 * 40);
    const pg = b.deployment({ ns: 'db', name: 'orders-db', replicas: 1, podAgeSeconds: 720, revision: 6,
      containers: [{ name: 'postgres', image: 'postgres:16.4', ports: [5432], volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }] }],
      extra: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'orders-db-data' } }] } });
    b.add({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: b.meta('db', 'orders-db-data', 86400 * 30, { finalizers: ['kubernetes.io/pvc-protection'] }),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'gp2', volumeMode: 'Filesystem', volumeName: 'pvc-3b1f8e2a-7c44-4d0e-9a51-2f6d8c0b7e19' },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '50Gi' } } });
    stuckCreating(pg, pg.pods[0]);
    b.event(pg.pods[0], { type: 'Warning', reason: 'FailedAttachVolume', component: 'attachdetach-controller', ageSeconds: 700, count: 1,
      message: 'Multi-Attach error for volume "pvc-3b1f8e2a-7c44-4d0e-9a51-2f6d8c0b7e19" Volume is already exclusively attached to one node and can\'t be attached to another' });
    kubelet(b, pg.pods[0], 'Warning', 'FailedMount', `Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data kube-api-access-${b.rng.suffix()}]: timed out waiting for the condition`, { ageSeconds: 90, firstAgeSeconds: 600, count: 5 });
    // The Secrets Store CSI driver's AWS provider acts as a role that may not read the secret.
    b.namespace('billing', 86400 * 40);
    const reader = b.deployment({ ns: 'billing', name: 'invoice-worker', replicas: 1, podAgeSeconds: 900, revision: 2,
      containers: [{ name: 'worker', image: `${ECR}/billing/invoice-worker:2.8.1`, volumeMounts: [{ name: 'aws-params', mountPath: '/mnt/params', readOnly: true }] }],
      extra: { serviceAccountName: 'invoice-worker', volumes: [{ name: 'aws-params', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'invoice-worker-params' } } }] } });
    stuckCreating(reader, reader.pods[0]);
    kubelet(b, reader.pods[0], 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "aws-params" : rpc error: code = Unknown desc = failed to mount objects for pod billing/${reader.pods[0].metadata.name}, err: rpc error: code = Unknown desc = eu-west-1: Failed fetching parameters: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/invoice-worker-irsa/1741700000 is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:eu-west-1:123456789012:parameter/billing/smtp-host`,
      { ageSeconds: 40, firstAgeSeconds: 890, count: 16 });
    // The claim's provisioner (the EBS CSI driver) was never installed: no error, no volume.
    b.namespace('cache', 86400 * 40);
    b.add({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: b.meta(null, 'gp3-encrypted', 86400 * 3), provisioner: 'ebs.csi.aws.com', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate', allowVolumeExpansion: true, parameters: { type: 'gp3', encrypted: 'true' } });
    const claim = b.add({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: b.meta('cache', 'session-store-data', 1800, { finalizers: ['kubernetes.io/pvc-protection'] }),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } }, storageClassName: 'gp3-encrypted', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
    b.event(claim, { reason: 'ExternalProvisioning', component: 'persistentvolume-controller', ageSeconds: 10, firstAgeSeconds: 1795, count: 121,
      message: 'Waiting for a volume to be created either by the external provisioner \'ebs.csi.aws.com\' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.' });
    const unbound = '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
    const store = b.deployment({ ns: 'cache', name: 'session-store', replicas: 1, podAgeSeconds: 1800,
      containers: [{ name: 'redis', image: 'redis:7.4', ports: [6379], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      extra: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'session-store-data' } }] }, pods: [{ state: 'pendingUnschedulable', message: unbound }] });
    b.event(store.pods[0], { type: 'Warning', reason: 'FailedScheduling', message: unbound, component: 'default-scheduler', ageSeconds: 60, firstAgeSeconds: 1795, count: 30 });
    // A debugging pod (no controller) on a node whose subnet has no free IP address.
    b.namespace('tools', 86400 * 40);
    const t = b.podTemplate({ run: 'netshoot' }, [{ name: 'netshoot', image: 'nicolaka/netshoot:v0.13', command: ['sleep', 'infinity'] }]);
    const shell = b.pod({ ns: 'tools', name: 'netshoot', template: t, node: b.nodes[2].metadata.name, ageSeconds: 960 });
    setPodStatus(b, shell, { sandbox: false, containers: [cstatus(b, shell, 'netshoot', { pulled: false, created: false, state: { waiting: { reason: 'ContainerCreating' } } })] });
    kubelet(b, shell, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${b.rng.hex(64)}": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container`,
      { ageSeconds: 15, firstAgeSeconds: 950, count: 47 });
    // Near miss: a pod 40 s old whose first sandbox attempt failed once; the kubelet is still retrying.
    const young = b.pod({ ns: 'tools', name: 'curl-check', template: b.podTemplate({ run: 'curl-check' }, [{ name: 'curl', image: 'curlimages/curl:8.10.1', command: ['sleep', '600'] }]), node: b.nodes[0].metadata.name, ageSeconds: 40 });
    setPodStatus(b, young, { sandbox: false, containers: [cstatus(b, young, 'curl', { pulled: false, created: false, state: { waiting: { reason: 'ContainerCreating' } } })] });
    kubelet(b, young, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${b.rng.hex(64)}": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container`,
      { ageSeconds: 30 });
    return { b, scenario: { description: 'orders-db (namespace db) cannot attach its EBS volume: it is still attached to the node of the replaced pod (Multi-Attach error). invoice-worker (billing) mounts parameters through the Secrets Store CSI driver, whose role may not read them (AccessDeniedException). The claim session-store-data (cache) asks for StorageClass gp3-encrypted, whose provisioner ebs.csi.aws.com is not installed: no volume, no error, and session-store stays Pending. The bare pod netshoot (tools) gets no IP address from the VPC CNI. Near miss: curl-check is 40 s old and its first sandbox attempt failed once.' } };
  },

  'limits-and-ports'() {
    const b = base('limits-and-ports');
    // Pods that write more scratch data than their own ephemeral-storage limit: evicted, the node is fine.
    b.namespace('media', 86400 * 40);
    const evictedMsg = 'Pod ephemeral local storage usage exceeds the total limit of containers 2Gi. ';
    const tc = b.deployment({ ns: 'media', name: 'video-transcoder', replicas: 2, podAgeSeconds: 5400,
      containers: [{ name: 'ffmpeg', image: `${ECR}/media/transcoder:4.2.0`, resources: { requests: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '1Gi' }, limits: { memory: '1Gi', 'ephemeral-storage': '2Gi' } } }],
      pods: [{ state: 'evicted', message: evictedMsg }, { state: 'evicted', message: evictedMsg }, 'running', 'running'] });
    countRunningOnly(tc);
    for (const p of tc.pods.slice(0, 2)) kubelet(b, p, 'Warning', 'Evicted', evictedMsg, { ageSeconds: 1200 });
    // A model server asking for a GPU in a cluster whose node groups have none.
    b.namespace('ml', 86400 * 40);
    const gpuMsg = '0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    const inf = b.deployment({ ns: 'ml', name: 'llm-inference', replicas: 1, podAgeSeconds: 2400,
      containers: [{ name: 'server', image: `${ECR}/ml/llm-server:0.8.3`, ports: [8000], resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { memory: '8Gi', 'nvidia.com/gpu': '1' } } }],
      pods: [{ state: 'pendingUnschedulable', message: gpuMsg }] });
    b.event(inf.pods[0], { type: 'Warning', reason: 'FailedScheduling', message: gpuMsg, component: 'default-scheduler', ageSeconds: 50, firstAgeSeconds: 2390, count: 40 });
    // A Service whose targetPort names a port the pods call "http": the endpoints controller adds none of them.
    b.namespace('catalog', 86400 * 40);
    const cat = b.deployment({ ns: 'catalog', name: 'catalog-api', replicas: 2, podAgeSeconds: 86400,
      containers: [{ name: 'api', image: `${ECR}/catalog/api:6.1.0`, ports: [8080], readinessProbe: probe('/ready') }] });
    b.service({ ns: 'catalog', name: 'catalog-api', selector: { app: 'catalog-api' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }], endpointsFrom: [] });
    // Near misses: a Service naming the port the pods declare, and one by number.
    const search = b.deployment({ ns: 'catalog', name: 'catalog-search', replicas: 2, podAgeSeconds: 86400,
      containers: [{ name: 'search', image: `${ECR}/catalog/search:2.3.0`, ports: [8080] }] });
    b.service({ ns: 'catalog', name: 'catalog-search', selector: { app: 'catalog-search' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], endpointsFrom: search.pods });
    b.service({ ns: 'catalog', name: 'catalog-search-direct', selector: { app: 'catalog-search' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }], endpointsFrom: search.pods });
    // An Ingress naming the container's port 8080 where its Service exposes 80; near miss: one naming the port by
    // its name.
    b.add({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: b.meta(null, 'alb', 86400 * 30), spec: { controller: 'ingress.k8s.aws/alb' } });
    const ingress = (name, service, port) => b.add({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: b.meta('catalog', name, 86400 * 2, { annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' } }),
      spec: { ingressClassName: 'alb', rules: [{ host: `${name}.shop.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port } } }] } }] },
      status: { loadBalancer: { ingress: [{ hostname: `k8s-catalog-${name}-${b.rng.hex(10)}.eu-west-1.elb.amazonaws.com` }] } } });
    ingress('catalog-search', 'catalog-search', { number: 8080 });
    ingress('catalog-search-named', 'catalog-search', { name: 'http' });
    // A batch pod naming a scheduler the cluster does not run: Pending, no condition, no event.
    b.namespace('batch', 86400 * 40);
    const simTemplate = b.podTemplate({ app: 'risk-sim' }, [{ name: 'sim', image: `${ECR}/batch/risk-sim:2.0.0`, resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } } }]);
    simTemplate.spec.schedulerName = 'volcano';
    const sim = b.pod({ ns: 'batch', name: 'risk-sim-20250311', template: simTemplate, ageSeconds: 2400, state: 'pendingUnschedulable' });
    sim.status = { phase: 'Pending', qosClass: 'Burstable' };
    // Near misses: a scale-up whose third pod has waited 25 s for the node the cluster autoscaler is adding; a pod
    // evicted two days ago whose Deployment has run both replicas since (only the Failed record remains).
    b.namespace('workers', 86400 * 40);
    const full = '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    const wk = b.deployment({ ns: 'workers', name: 'queue-worker', replicas: 3, podAgeSeconds: 86400,
      containers: [{ name: 'worker', image: `${ECR}/workers/queue-worker:3.3.0`, resources: { requests: { cpu: '600m', memory: '1Gi' }, limits: { memory: '1Gi' } } }],
      pods: ['running', 'running', { state: 'pendingUnschedulable', message: full, ageSeconds: 25 }] });
    wk.dep.status.conditions[0].lastTransitionTime = b.ago(25);
    wk.dep.status.conditions[0].lastUpdateTime = b.ago(25);
    b.event(wk.pods[2], { type: 'Warning', reason: 'FailedScheduling', message: full, component: 'default-scheduler', ageSeconds: 24 });
    b.event(wk.pods[2], { reason: 'TriggeredScaleUp', message: 'pod triggered scale-up: [{eks-general-20250227 3->4 (max: 10)}]', component: 'cluster-autoscaler', ageSeconds: 20 });
    const lowMem = 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91232Ki. Container thumbs was using 2211840Ki, request is 256Mi, has larger consumption of memory. ';
    const th = b.deployment({ ns: 'workers', name: 'thumbnails', replicas: 2, podAgeSeconds: 86400 * 3,
      containers: [{ name: 'thumbs', image: `${ECR}/workers/thumbnails:1.9.0` }], pods: [{ state: 'evicted', message: lowMem }, 'running', 'running'] });
    for (const cs of th.pods[0].status.containerStatuses) cs.state.terminated.finishedAt = b.ago(86400 * 2);
    th.pods[0].status.conditions = th.pods[0].status.conditions.map((c) => (c.type === 'DisruptionTarget' ? { ...c, lastTransitionTime: b.ago(86400 * 2) } : c));
    countRunningOnly(th);
    // A default-deny policy for the namespace with no egress rule: every lookup of event-collector times out at the
    // cluster DNS, which answers every other namespace.
    b.namespace('analytics', 86400 * 40);
    b.add({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: b.meta('analytics', 'default-deny-all', 3600 * 2), spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
    const dnsIp = b.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'kube-dns').spec.clusterIP;
    const ec = b.deployment({ ns: 'analytics', name: 'event-collector', replicas: 2, podAgeSeconds: 5400,
      containers: [{ name: 'collector', image: `${ECR}/analytics/event-collector:0.9.3`, ports: [8080] }],
      pods: [{ state: 'crashLoop', restarts: 14, lastExit: { code: 1, agoSeconds: 40, ranSeconds: 10 } }, { state: 'crashLoop', restarts: 14, lastExit: { code: 1, agoSeconds: 70, ranSeconds: 10 } }] });
    for (const p of ec.pods) {
      BACKOFF(b, p);
      const lines = ['level=info msg="event-collector 0.9.3 starting"',
        `level=fatal msg="kafka bootstrap failed" err="dial tcp: lookup events-kafka-bootstrap.streaming.svc.cluster.local on ${dnsIp}:53: read udp ${p.status.podIP}:52011->${dnsIp}:53: i/o timeout"`];
      b.log(p, 'collector', b.timed(lines, { endAgo: 41, step: 10 }));
      b.log(p, 'collector', b.timed(lines, { endAgo: 340, step: 10 }), { previous: true });
    }
    // A Service sending port 80 on to targetPort 80 while its pods listen on, and declare, 8080: every connection is
    // refused. Near miss: an app container that declares no port beside a sidecar declaring its admin port.
    const pricing = b.deployment({ ns: 'catalog', name: 'pricing-api', replicas: 2, podAgeSeconds: 86400,
      containers: [{ name: 'api', image: `${ECR}/catalog/pricing-api:1.4.2`, ports: [8080], readinessProbe: probe('/ready') }] });
    b.service({ ns: 'catalog', name: 'pricing-api', selector: { app: 'pricing-api' }, ports: [{ name: 'http', port: 80, targetPort: 80 }], endpointsFrom: pricing.pods });
    const recs = b.deployment({ ns: 'catalog', name: 'recommendations', replicas: 1, podAgeSeconds: 86400,
      containers: [{ name: 'app', image: `${ECR}/catalog/recommendations:3.0.0` }, { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod', ports: [9901] }] });
    b.service({ ns: 'catalog', name: 'recommendations', selector: { app: 'recommendations' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], endpointsFrom: recs.pods });
    return { b, scenario: { description: 'video-transcoder (namespace media) pods were evicted for writing more than their 2Gi ephemeral-storage limit; their replacements run. llm-inference (ml) asks for an nvidia.com/gpu no node offers. The Service catalog-api (catalog) targets the port name web, which its pods do not declare (they call the port http), so it has no endpoints. The Ingress catalog-search routes to port 8080, the container\'s port, where its Service exposes 80. The pod risk-sim-20250311 (batch) names the scheduler volcano, which the cluster does not run. Near misses: Services naming the declared port and using the number, an Ingress naming the Service port by name, a queue-worker pod 25 s into waiting for the node a scale-up adds, and a thumbnails pod evicted two days ago whose Deployment has run both replicas since. The NetworkPolicy default-deny-all (analytics) allows no egress: event-collector crash-loops on DNS lookups that time out. The Service pricing-api (catalog) sends its traffic to port 80, while its pods listen on 8080 (near miss: recommendations, whose app container declares no port beside its envoy sidecar).' } };
  },

  'cluster-services-down'() {
    const b = base('cluster-services-down');
    // kube-dns at the address EKS gives it; the pods' resolv.conf names it.
    const kubeDns = b.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'kube-dns');
    kubeDns.spec.clusterIP = '172.20.0.10';
    kubeDns.spec.clusterIPs = ['172.20.0.10'];
    // An edit of the coredns ConfigMap names a resolv.conf that does not exist: both CoreDNS pods exit at start.
    const crashing = (p, container, exitCode, ranSeconds, restarts) => {
      setPodStatus(b, p, { phase: 'Running', containers: p.spec.containers.map((c) => c.name === container
        ? cstatus(b, p, c.name, { restarts, state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${c.name} pod=${p.metadata.name}_${p.metadata.namespace}(${p.metadata.uid})` } },
          lastState: { terminated: { containerID: `containerd://${b.rng.hex(64)}`, exitCode, reason: 'Error', startedAt: b.ago(45 + ranSeconds), finishedAt: b.ago(45) } } })
        : cstatus(b, p, c.name, { ready: true, started: true, state: { running: { startedAt: p.status.startTime } } })) });
      kubelet(b, p, 'Warning', 'BackOff', `Back-off restarting failed container ${container} in pod ${p.metadata.name}_${p.metadata.namespace}(${p.metadata.uid})`, { ageSeconds: 20, firstAgeSeconds: 1400, count: 60, container });
    };
    const dnsPods = b.objects.filter((o) => o.kind === 'Pod' && o.metadata.namespace === 'kube-system' && o.metadata.name.startsWith('coredns-'));
    b.logs = b.logs.filter((l) => !dnsPods.some((p) => p.metadata.name === l.pod));
    for (const p of dnsPods) {
      crashing(p, 'coredns', 1, 0, 11);
      const lines = ['plugin/forward: not an IP address or file: "/etc/resolv.conf.upstream"', 'Error during parsing: plugin/forward: not an IP address or file'];
      b.log(p, 'coredns', b.timed(lines, { endAgo: 46, step: 0 }));
      b.log(p, 'coredns', b.timed(lines, { endAgo: 350, step: 0 }), { previous: true });
    }
    const coredns = b.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'coredns');
    const corednsRs = b.objects.find((o) => o.kind === 'ReplicaSet' && o.metadata.name.startsWith('coredns-'));
    recount({ dep: coredns, rs: corednsRs, pods: dnsPods });
    coredns.status.conditions[0].lastTransitionTime = b.ago(1400);
    const dnsEndpoints = b.objects.find((o) => o.kind === 'Endpoints' && o.metadata.name === 'kube-dns');
    for (const sub of dnsEndpoints.subsets ?? []) {
      sub.notReadyAddresses = [...(sub.notReadyAddresses ?? []), ...(sub.addresses ?? [])];
      delete sub.addresses;
    }
    // Every lookup of the workloads now times out at 172.20.0.10:53.
    b.namespace('accounts', 86400 * 40);
    const users = b.deployment({ ns: 'accounts', name: 'user-profile', replicas: 2, podAgeSeconds: 1300, revision: 5,
      containers: [{ name: 'api', image: `${ECR}/accounts/user-profile:3.0.2`, ports: [8080], readinessProbe: probe('/ready') }],
      pods: [{ state: 'crashLoop', restarts: 8, lastExit: { code: 1, agoSeconds: 30, ranSeconds: 11 } }, { state: 'crashLoop', restarts: 8, lastExit: { code: 1, agoSeconds: 60, ranSeconds: 11 } }] });
    for (const p of users.pods) {
      BACKOFF(b, p);
      const ip = p.status.podIP;
      const lines = ['{"level":"info","msg":"starting user-profile","version":"3.0.2"}',
        `{"level":"fatal","msg":"cannot open database","error":"dial tcp: lookup profiles-db.accounts.svc.cluster.local on 172.20.0.10:53: read udp ${ip}:41873->172.20.0.10:53: i/o timeout"}`];
      b.log(p, 'api', b.timed(lines, { endAgo: 31, step: 10 }));
      b.log(p, 'api', b.timed(lines, { endAgo: 330, step: 10 }), { previous: true });
    }
    b.service({ ns: 'accounts', name: 'user-profile', selector: { app: 'user-profile' }, endpointsFrom: users.pods });
    // The VPC CNI agent on one node lost its EC2 permissions: its IP address daemon exits, and a pod scheduled there
    // gets no network.
    const node = b.nodes[0].metadata.name;
    const agent = b.objects.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith('aws-node-') && o.spec.nodeName === node);
    crashing(agent, 'aws-node', 1, 30, 9);
    b.log(agent, 'aws-node', b.timed(['{"level":"info","ts":"2025-03-11T14:03:10.120Z","caller":"entrypoint.sh","msg":"Validating env variables ..."}',
      '{"level":"info","ts":"2025-03-11T14:03:10.300Z","caller":"entrypoint.sh","msg":"Install CNI binaries.."}',
      '{"level":"error","ts":"2025-03-11T14:03:39.910Z","caller":"ipamd/ipamd.go:462","msg":"Failed to call ec2:DescribeNetworkInterfaces for [eni-0a1b2c3d4e5f67890]: UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/eks-node-role/i-0f1e2d3c4b5a69788 is not authorized to perform: ec2:DescribeNetworkInterfaces"}',
      '{"level":"error","ts":"2025-03-11T14:03:40.002Z","caller":"aws-k8s-agent/main.go:32","msg":"Initialization failure: ipamd init: failed to retrieve ENI info"}'], { endAgo: 46 }), { previous: true });
    const awsNode = b.objects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'aws-node');
    Object.assign(awsNode.status, { numberReady: 2, numberAvailable: 2, numberUnavailable: 1 });
    b.namespace('orders', 86400 * 40);
    const ord = b.deployment({ ns: 'orders', name: 'order-router', replicas: 1, podAgeSeconds: 900, revision: 2, nodes: [node],
      containers: [{ name: 'router', image: `${ECR}/orders/router:1.12.0`, ports: [8080] }] });
    setPodStatus(b, ord.pods[0], { sandbox: false, containers: [cstatus(b, ord.pods[0], 'router', { pulled: false, created: false, state: { waiting: { reason: 'ContainerCreating' } } })] });
    recount(ord);
    ord.dep.status.conditions[0].lastTransitionTime = b.ago(890);
    kubelet(b, ord.pods[0], 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${b.rng.hex(64)}": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: Error received from AddNetwork gRPC call: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:50051: connect: connection refused"`,
      { ageSeconds: 14, firstAgeSeconds: 890, count: 44 });
    // Gatekeeper was uninstalled without its webhook configuration (failurePolicy Fail): no pod of a scale-up is
    // admitted. The configuration is the incident; the Deployment its consequence.
    b.add({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: b.meta(null, 'gatekeeper-validating-webhook-configuration', 86400 * 30, { labels: { 'gatekeeper.sh/system': 'yes' } }),
      webhooks: [{ name: 'validation.gatekeeper.sh', admissionReviewVersions: ['v1', 'v1beta1'], sideEffects: 'None', failurePolicy: 'Fail', matchPolicy: 'Exact', timeoutSeconds: 3,
        clientConfig: { service: { name: 'gatekeeper-webhook-service', namespace: 'gatekeeper-system', path: '/v1/admit', port: 443 } },
        rules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['*'], scope: '*' }],
        namespaceSelector: { matchExpressions: [{ key: 'admission.gatekeeper.sh/ignore', operator: 'DoesNotExist' }] } }] });
    b.namespace('reports', 86400 * 40);
    const rep = b.deployment({ ns: 'reports', name: 'report-api', replicas: 2, podAgeSeconds: 86400 * 2,
      containers: [{ name: 'api', image: `${ECR}/reports/report-api:1.4.0`, ports: [8080] }] });
    rep.dep.spec.replicas = 4;
    rep.rs.spec.replicas = 4;
    Object.assign(rep.dep.status, { unavailableReplicas: 2 });
    rep.dep.status.conditions[0] = { ...rep.dep.status.conditions[0], status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastTransitionTime: b.ago(1500) };
    b.event(rep.rs, { type: 'Warning', reason: 'FailedCreate', component: 'replicaset-controller', ageSeconds: 25, firstAgeSeconds: 1500, count: 19,
      message: 'Error creating: Internal error occurred: failed calling webhook "validation.gatekeeper.sh": failed to call webhook: Post "https://gatekeeper-webhook-service.gatekeeper-system.svc:443/v1/admit?timeout=3s": service "gatekeeper-webhook-service" not found' });
    // A node group upgrade cordoned a node to drain it; the only replica of ledger-writer runs there under a budget
    // of minAvailable 1, so its eviction is refused for good and the node never empties. Near miss: ledger-reader's
    // budget on the same node has a disruption to spare.
    const drained = b.nodes[1];
    drained.spec.unschedulable = true;
    drained.spec.taints = [...(drained.spec.taints ?? []), { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: b.ago(2400) }];
    b.namespace('finance', 86400 * 40);
    for (const [name, replicas, budget, allowed] of [['ledger-writer', 1, { minAvailable: 1 }, 0], ['ledger-reader', 2, { maxUnavailable: 1 }, 1]]) {
      b.deployment({ ns: 'finance', name, replicas, podAgeSeconds: 86400 * 4, nodes: replicas === 1 ? [drained.metadata.name] : [drained.metadata.name, b.nodes[2].metadata.name],
        containers: [{ name: 'app', image: `${ECR}/finance/${name}:2.2.0`, ports: [8080] }] });
      b.add({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: b.meta('finance', name, 86400 * 30), spec: { ...budget, selector: { matchLabels: { app: name } } },
        status: { currentHealthy: replicas, desiredHealthy: replicas - allowed, disruptionsAllowed: allowed, expectedPods: replicas, observedGeneration: 1,
          conditions: [{ type: 'DisruptionAllowed', status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '', observedGeneration: 1, lastTransitionTime: b.ago(86400 * 4) }] } });
    }
    // The Strimzi operator was uninstalled before the namespace of its topics was deleted: the KafkaTopic keeps its
    // finalizer, no controller removes it, and the namespace stays Terminating.
    const kafkaNs = b.namespace('streaming-legacy', 86400 * 200);
    kafkaNs.metadata.deletionTimestamp = b.ago(2700);
    kafkaNs.status = { phase: 'Terminating', conditions: [
      { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: kafkatopics.kafka.strimzi.io has 1 resource instances', lastTransitionTime: b.ago(2690) },
      { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: 'Some content in the namespace has finalizers remaining: strimzi.io/topic-operator in 1 resource instances', lastTransitionTime: b.ago(2690) }] };
    b.add({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaTopic', metadata: b.meta('streaming-legacy', 'clickstream-events', 86400 * 150, { labels: { 'strimzi.io/cluster': 'legacy' }, finalizers: ['strimzi.io/topic-operator'], deletionTimestamp: b.ago(2695), deletionGracePeriodSeconds: 0 }),
      spec: { partitions: 12, replicas: 3, config: { 'retention.ms': 604800000 } }, status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: b.ago(86400 * 150) }] } });
    return { b, scenario: { description: 'The coredns ConfigMap (kube-system) names a resolv.conf that does not exist: both CoreDNS pods exit at start, and user-profile (namespace accounts) crash-loops because its lookups time out at 172.20.0.10:53 — one incident, on coredns. The aws-node pod on ' + node + ' lost its EC2 permissions (UnauthorizedOperation) and its IP address daemon exits; order-router (namespace orders), scheduled on that node, gets no sandbox (connection refused on 127.0.0.1:50051) — one incident, on aws-node. Gatekeeper was removed but its ValidatingWebhookConfiguration (failurePolicy Fail) stays: report-api (reports) cannot create the two pods of its scale-up — one incident, on the webhook configuration. ' + drained.metadata.name + ' is cordoned for a node group upgrade, and the budget of ledger-writer (finance, minAvailable 1 for its one replica) refuses the drain its eviction: the node never empties. Near miss: ledger-reader\'s budget on the same node allows one disruption. The namespace streaming-legacy has been Terminating for 45 min: its KafkaTopic clickstream-events keeps the finalizer of the Strimzi topic operator, which was uninstalled first.' } };
  },
};
Object.assign(scenarios, publicCaseScenarios);

// demo/: several failures at once, for `make demo`.
scenarios.demo = () => {
  const parts = ['crashloop-missing-env', 'oomkilled', 'image-pull-backoff', 'pending-insufficient-cpu', 'service-no-endpoints'];
  const b = base('demo');
  const seen = new Set(b.objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`));
  const remediation = [];
  const descriptions = [];
  for (const name of parts) {
    const { b: other, scenario } = scenarios[name]();
    const podNode = new Map(other.nodes.map((n, i) => [n.metadata.name, b.nodes[i % b.nodes.length].metadata.name]));
    for (const o of other.objects) {
      const key = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
      if (seen.has(key) || o.kind === 'Node' || (o.metadata.namespace && ['kube-system', 'shop', 'monitoring', 'default', 'kube-public', 'kube-node-lease'].includes(o.metadata.namespace))) continue;
      if (!o.metadata.namespace && o.kind !== 'Namespace') continue;
      if (o.spec?.nodeName) o.spec.nodeName = podNode.get(o.spec.nodeName) ?? o.spec.nodeName;
      seen.add(key);
      b.objects.push(o);
    }
    const keep = new Set(other.objects.filter((o) => o.metadata.namespace && b.objects.includes(o)).map((o) => o.metadata.uid));
    b.events.push(...other.events.filter((e) => keep.has(e.involvedObject.uid)).map((e) => ({ ...e, source: { ...e.source, ...(e.source.host ? { host: podNode.get(e.source.host) ?? e.source.host } : {}) } })));
    b.logs.push(...other.logs.filter((l) => !['kube-system', 'shop', 'monitoring'].includes(l.ns)));
    b.podMetrics.push(...other.podMetrics.filter((m) => !['kube-system', 'shop', 'monitoring'].includes(m.metadata.namespace)));
    remediation.push(...(scenario.remediation ?? []));
    descriptions.push(`- ${scenario.description}`);
  }
  return { b, scenario: { description: `Several failures at once (for make demo):\n${descriptions.join('\n')}`, remediation } };
};

const only = process.argv.slice(2);
for (const [name, make] of Object.entries(scenarios)) {
  if (only.length && !only.includes(name)) continue;
  const { b, scenario } = make();
  b.write(path.join(HERE, name), { scenario });
  console.log(`${name}: ${b.objects.length} objects, ${b.events.length} events, ${b.logs.length} log files`);
}
