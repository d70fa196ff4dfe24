// Kubernetes manifests for the mesh, generated from the app catalogue so that they cannot drift
// from what we run: per app a Deployment (probes, resources, non-root, drain-aware grace
// period) and a PodDisruptionBudget; the edge behind a Service; HorizontalPodAutoscaler examples;
// one ConfigMap; the provisioner Job that makes the JetStream layout (the apps wait for it, and
// may not make it themselves). Typed with kubernetes-types, so `tsc` checks every field against the API schema.
// `node dist/tools/mesh/src/k8s-write.js` writes deploy/k8s/failsoft.yaml; a test keeps the
// committed file equal to this output.
//
// NATS (3 nodes, JetStream) comes from the official NATS Helm chart and PostgreSQL from your
// platform; both are reached by the URLs below. Secrets are created by the operator (docs/operations.md).
import type {
  ConfigMap,
  Container,
  EnvFromSource,
  EnvVar,
  Probe,
  Service,
  Volume,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { stringify } from 'yaml';
import { AppCatalogue, type AppName } from './app-catalogue.js';

export const K8S_NAMESPACE = 'failsoft';
export const IMAGE_TAG = '0.1.0';
/** The port every service's /health/live and /health/ready listen on (HEALTH_PORT). */
export const SERVICE_HEALTH_PORT = 8081;
const EDGE_PORT = 3000;
/**
 * The edge's admin listener (GET /mesh, GET /metrics, the board): bound on the pod's address so
 * Prometheus can scrape it (the pod annotations say where), but not in the edge's Service, so
 * it is not public.
 */
const EDGE_ADMIN_PORT = 3100;

type Manifest = ConfigMap | Deployment | PodDisruptionBudget | Service | HorizontalPodAutoscaler | Job;

const labels = (app: AppName) => ({ 'app.kubernetes.io/name': 'failsoft', 'app.kubernetes.io/component': app });
const meta = (name: string, app?: AppName) => ({
  name,
  namespace: K8S_NAMESPACE,
  labels: app ? labels(app) : { 'app.kubernetes.io/name': 'failsoft' },
});

/** Secrets the operator creates (see docs/operations.md, "On Kubernetes"). */
export const RequiredSecrets = {
  // DATABASE_URL: the service's own PostgreSQL role, owning only its schema (docs/security.md)
  database: (app: AppName) => `failsoft-database-${app}`,
  nats: (app: AppName) => `failsoft-nats-${app}`, // NATS_USER, NATS_PASSWORD (mesh nats-auth)
  // NATS_USER=provisioner, NATS_PASSWORD (mesh nats-auth's provisioner.env): the Job's only
  natsProvisioner: 'failsoft-nats-provisioner',
  tokenKeys: 'failsoft-token-keys', // token-private.pem, token-public.pem
} as const;

const config: ConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: meta('failsoft-config'),
  data: {
    NATS_URL: 'nats://nats:4222',
    LOG_LEVEL: 'info',
    HEALTH_PORT: String(SERVICE_HEALTH_PORT),
    DRAIN_TIMEOUT_MS: '10000',
  },
};

function probe(path: string, port: number, periodSeconds: number, failureThreshold: number): Probe {
  return { httpGet: { path, port }, periodSeconds, failureThreshold, timeoutSeconds: 2 };
}

function deployment(app: AppName): Deployment {
  const isEdge = app === 'edge';
  const port = isEdge ? EDGE_PORT : SERVICE_HEALTH_PORT;
  const envFrom: EnvFromSource[] = [
    { configMapRef: { name: 'failsoft-config' } },
    { secretRef: { name: RequiredSecrets.nats(app) } },
  ];
  const keyFile = app === 'identity' ? 'token-private.pem' : isEdge ? 'token-public.pem' : undefined;
  const volumes: Volume[] = [{ name: 'tmp', emptyDir: {} }];
  const mounts: VolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
  const env: EnvVar[] = [];
  // The one key it needs from its own Secret: no service can read another's credentials.
  if (!isEdge)
    env.push({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: RequiredSecrets.database(app), key: 'DATABASE_URL' } },
    });
  if (keyFile) {
    volumes.push({
      name: 'token-keys',
      secret: { secretName: RequiredSecrets.tokenKeys, items: [{ key: keyFile, path: keyFile }] },
    });
    mounts.push({ name: 'token-keys', mountPath: '/run/secrets/failsoft', readOnly: true });
    env.push({
      name: app === 'identity' ? 'JWT_PRIVATE_KEY_FILE' : 'JWT_PUBLIC_KEY_FILE',
      value: `/run/secrets/failsoft/${keyFile}`,
    });
  }
  if (isEdge)
    env.push(
      { name: 'PORT', value: String(EDGE_PORT) },
      { name: 'ADMIN_PORT', value: String(EDGE_ADMIN_PORT) },
      { name: 'ADMIN_HOST', value: '0.0.0.0' },
    );
  const container: Container = {
    name: app,
    image: `failsoft/${app}:${IMAGE_TAG}`,
    ports: isEdge
      ? [
          { name: 'http', containerPort: port },
          { name: 'admin', containerPort: EDGE_ADMIN_PORT },
        ]
      : [{ name: 'health', containerPort: port }],
    envFrom,
    env,
    // Old space is capped at 128 MiB by the node flags (libs/mesh runtime-flags); media decodes
    // images with sharp outside the JS heap, so it gets more.
    resources: {
      requests: { cpu: '100m', memory: app === 'media' ? '256Mi' : '160Mi' },
      limits: { memory: app === 'media' ? '512Mi' : '256Mi' },
    },
    // Ready = connected to NATS and joined (and its database reachable): only then does it get
    // traffic. Live = the process answers at all; a frozen one is restarted.
    readinessProbe: probe('/health/ready', port, 5, 2),
    livenessProbe: probe('/health/live', port, 10, 3),
    startupProbe: probe('/health/live', port, 2, 30),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: mounts,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(`failsoft-${app}`, app),
    spec: {
      replicas: 2,
      selector: { matchLabels: labels(app) },
      // One replica at a time, the new one ready before an old one drains: a rolling update
      // shows clients no error.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: labels(app),
          // Prometheus's usual pod discovery: the edge's metrics are on its admin port only.
          ...(isEdge
            ? {
                annotations: {
                  'prometheus.io/scrape': 'true',
                  'prometheus.io/port': String(EDGE_ADMIN_PORT),
                  'prometheus.io/path': '/metrics',
                },
              }
            : {}),
        },
        spec: {
          // SIGTERM drains (DRAIN_TIMEOUT_MS, 10 s) before exit; the kubelet waits longer than that.
          terminationGracePeriodSeconds: 20,
          containers: [container],
          volumes,
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: labels(app) },
            },
          ],
        },
      },
    },
  };
}

function disruptionBudget(app: AppName): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(`failsoft-${app}`, app),
    spec: { minAvailable: 1, selector: { matchLabels: labels(app) } },
  };
}

const edgeService: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta('failsoft-edge', 'edge'),
  spec: { selector: labels('edge'), ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
};

function autoscaler(app: AppName, max: number): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(`failsoft-${app}`, app),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `failsoft-${app}` },
      minReplicas: 2,
      maxReplicas: max,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
    },
  };
}

/**
 * `mesh provision` as a Job, one per release (a Job's template cannot change): it makes or
 * updates the JetStream layout as the provisioner user; the apps' replicas are not ready until
 * their streams, consumers and buckets exist (awaitProvisioned), and then only bind.
 */
const provisionJob: Job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    ...meta(`failsoft-provision-${IMAGE_TAG.replace(/\./g, '-')}`),
    labels: { 'app.kubernetes.io/name': 'failsoft', 'app.kubernetes.io/component': 'provision' },
  },
  spec: {
    backoffLimit: 10,
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': 'failsoft', 'app.kubernetes.io/component': 'provision' } },
      spec: {
        restartPolicy: 'OnFailure',
        containers: [
          {
            name: 'provision',
            // Every image holds the whole build, the mesh CLI too.
            image: `failsoft/edge:${IMAGE_TAG}`,
            command: ['node', 'dist/tools/mesh/src/main.js', 'provision'],
            // Only the provisioner reads the layout's settings (three NATS nodes: three replicas).
            env: [{ name: 'EVENTS_STREAM_REPLICAS', value: '3' }],
            envFrom: [
              { configMapRef: { name: 'failsoft-config' } },
              { secretRef: { name: RequiredSecrets.natsProvisioner } },
            ],
            resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '160Mi' } },
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 1000,
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
          },
        ],
      },
    },
  },
};

export function meshManifests(): Manifest[] {
  const apps = AppCatalogue.map((a) => a.name);
  return [
    config,
    provisionJob,
    ...apps.flatMap((app) => [deployment(app), disruptionBudget(app)]),
    edgeService,
    // Examples: the edge and the busiest read service scale on CPU.
    autoscaler('edge', 6),
    autoscaler('posts', 6),
  ];
}

export function manifestsYaml(): string {
  return (
    '# Generated by tools/mesh/src/k8s-manifests.ts — do not edit by hand; run\n' +
    '# `npm run build && node dist/tools/mesh/src/k8s-write.js` after changing the generator.\n' +
    meshManifests()
      .map((m) => stringify(m, { lineWidth: 0 }))
      .join('---\n')
  );
}
