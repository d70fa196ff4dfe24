import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { findRepoRoot } from '#service';
import { AppNames } from './app-catalogue.js';
import { manifestsYaml, RequiredSecrets } from './k8s-manifests.js';

const committed = readFileSync(join(findRepoRoot(), 'deploy', 'k8s', 'failsoft.yaml'), 'utf8');
const docs = parseAllDocuments(committed).map((d) => d.toJS() as Record<string, any>);
const of = (kind: string) => docs.filter((d) => d.kind === kind);

describe('Kubernetes manifests (deploy/k8s/failsoft.yaml)', () => {
  it('are exactly what the generator writes (regenerate with node dist/tools/mesh/src/k8s-write.js)', () => {
    expect(committed).toBe(manifestsYaml());
  });

  it('parse as YAML documents with apiVersion, kind, name and namespace', () => {
    expect(docs.length).toBeGreaterThan(10);
    for (const d of docs) {
      expect(d).toMatchObject({
        apiVersion: expect.any(String),
        kind: expect.any(String),
        metadata: { name: expect.stringMatching(/^[a-z0-9-]+$/), namespace: 'failsoft' },
      });
    }
  });

  it("scrape the edge's metrics on its admin port, which its public Service leaves out", () => {
    const edge = of('Deployment').find((d) => d.metadata.name === 'failsoft-edge')!;
    const c = edge.spec.template.spec.containers[0];
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 3000 },
      { name: 'admin', containerPort: 3100 },
    ]);
    expect(edge.spec.template.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '3100',
      'prometheus.io/path': '/metrics',
    });
    const service = of('Service').find((d) => d.metadata.name === 'failsoft-edge')!;
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
  });

  it('run every app as a Deployment of 2 with probes, resources and a disruption budget', () => {
    expect(of('Deployment').map((d) => d.metadata.name)).toEqual(AppNames.map((a) => `failsoft-${a}`));
    for (const d of of('Deployment')) {
      const c = d.spec.template.spec.containers[0];
      expect(d.spec.replicas).toBe(2);
      expect(d.spec.selector.matchLabels).toEqual(d.spec.template.metadata.labels);
      expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(c.livenessProbe.httpGet.path).toBe('/health/live');
      expect(c.resources.limits.memory).toMatch(/Mi$/);
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
      // Longer than the drain bound (DRAIN_TIMEOUT_MS 10 s): SIGTERM drains before SIGKILL.
      expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(10);
      const secrets = c.envFrom.flatMap((e: any) => (e.secretRef ? [e.secretRef.name] : []));
      expect(secrets).toContain(RequiredSecrets.nats(d.spec.template.metadata.labels['app.kubernetes.io/component']));
    }
    const budgets = of('PodDisruptionBudget');
    expect(budgets.map((b) => b.spec.selector.matchLabels)).toEqual(
      of('Deployment').map((d) => d.spec.selector.matchLabels),
    );
    expect(budgets.every((b) => b.spec.minAvailable === 1)).toBe(true);
  });

  it('make the JetStream layout with a provisioner Job, whose NATS credentials no app gets', () => {
    const [job] = of('Job');
    const c = job.spec.template.spec.containers[0];
    expect(c.command).toEqual(['node', 'dist/tools/mesh/src/main.js', 'provision']);
    expect(c.envFrom).toEqual([
      { configMapRef: { name: 'failsoft-config' } },
      { secretRef: { name: RequiredSecrets.natsProvisioner } },
    ]);
    const appSecrets = of('Deployment').flatMap((d) =>
      d.spec.template.spec.containers[0].envFrom.flatMap((e: any) => (e.secretRef ? [e.secretRef.name] : [])),
    );
    expect(appSecrets).not.toContain(RequiredSecrets.natsProvisioner);
  });

  it("read each service's DATABASE_URL from its own Secret, and give the edge none", () => {
    const sources = of('Deployment').map((d) => {
      const c = d.spec.template.spec.containers[0];
      const app = d.spec.template.metadata.labels['app.kubernetes.io/component'] as string;
      const secrets = c.envFrom.flatMap((e: any) => (e.secretRef ? [e.secretRef.name] : []));
      const db = c.env.find((e: any) => e.name === 'DATABASE_URL');
      return {
        app,
        db: db?.valueFrom ?? null,
        databaseSecretsInEnvFrom: secrets.filter((n: string) => /database/.test(n)),
      };
    });
    expect(sources).toEqual(
      AppNames.map((app) => ({
        app,
        db: app === 'edge' ? null : { secretKeyRef: { name: RequiredSecrets.database(app), key: 'DATABASE_URL' } },
        databaseSecretsInEnvFrom: [],
      })),
    );
    expect(new Set(sources.map((s) => s.db?.secretKeyRef.name)).size).toBe(AppNames.length);
  });

  it('put the edge behind a Service and give autoscaler examples that target real Deployments', () => {
    const [service] = of('Service');
    const edge = of('Deployment').find((d) => d.metadata.name === 'failsoft-edge')!;
    expect(service.spec.selector).toEqual(edge.spec.selector.matchLabels);
    expect(edge.spec.template.spec.containers[0].ports[0].name).toBe(service.spec.ports[0].targetPort);
    const names = new Set(of('Deployment').map((d) => d.metadata.name));
    for (const hpa of of('HorizontalPodAutoscaler')) expect(names.has(hpa.spec.scaleTargetRef.name)).toBe(true);
  });
});
