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
function base(seed, { nodes = 3, notReadyNode = false } = {}) {
  const b = new ClusterBuilder({ seed, now: NOW });
  const specs = [['ip-10-0-1-23.eu-west-1.compute.internal', 'a'], ['ip-10-0-2-87.eu-west-1.compute.internal', 'b'],
    ['ip-10-0-3-142.eu-west-1.compute.internal', 'c'], ['ip-10-0-1-201.eu-west-1.compute.internal', 'a']];
  specs.slice(0, nodes).forEach(([name, zone], i) => b.node({ name, zone, nodegroup: 'general-20250227', ready: !(notReadyNode && i === nodes - 1) }));
  b.eksSystem();
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
    // The deployment's status counts the two running pods of five.
    d.rs.spec.replicas = 2;
    d.rs.status = { availableReplicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1, readyReplicas: 2, replicas: 2 };
    Object.assign(d.dep.status, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    delete d.dep.status.unavailableReplicas;
    d.dep.status.conditions[0] = { ...d.dep.status.conditions[0], status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' };
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
