import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signJwt } from '../../sandbox/jwt.js';
import { clusterPath } from '../../sandbox/kube/api/server.js';
import { KubeClient } from '../../sandbox/kube/client/http.js';
import { Mapper } from '../../sandbox/kube/client/mapper.js';
import { AKS_AAD_SERVER_APP as AKS_SERVER_APP_ID } from '../../sandbox/world/cluster.js';
import type { WorldHost } from '../../sandbox/server/host.js';
import type { RunningServer } from '../../sandbox/server/listeners.js';
import { ensureWorldTls, type WorldTls } from '../../sandbox/tls.js';
import type { ArmResource } from '../../sandbox/world/model.js';
import { kubeApiOverHttps, startKubeApiWorld, type KubeApiWorld } from '../helpers/kube-api-world.js';
import { virtualClock } from '../helpers/sandbox-world.js';

/**
 * The simulated cluster's Kubernetes API over HTTPS, as any client sees it: discovery, Status
 * errors with the right codes and reasons, the patch kinds, watches, logs, and who may call it.
 */
const clock = virtualClock();
let dir: string;
let tls: WorldTls;
let host: WorldHost;
let server: RunningServer;
let cluster: ArmResource;
let token: string;

interface Res {
  status: number;
  body: Record<string, unknown> & { message?: string; reason?: string; code?: number; items?: Record<string, unknown>[] };
  text: string;
}

async function call(
  method: string,
  path: string,
  opts: { body?: unknown; contentType?: string; accept?: string; bearer?: string; raw?: string } = {},
): Promise<Res> {
  const data = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const { status, text } = await kubeApiOverHttps(api, tls.caPem, method, path, {
    bearer: opts.bearer ?? token,
    ...(data !== undefined ? { body: data } : {}),
    ...(opts.contentType ? { contentType: opts.contentType } : {}),
    ...(opts.accept ? { accept: opts.accept } : {}),
  });
  let body: Res['body'] = {};
  try {
    body = JSON.parse(text) as Res['body'];
  } catch {
    /* logs are text */
  }
  return { status, body, text };
}

let api: KubeApiWorld;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kapi-'));
  tls = await ensureWorldTls(dir);
  api = await startKubeApiWorld(dir, tls, clock);
  ({ host, server, cluster, token } = api);
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Kubernetes API of a simulated cluster', () => {
  test('discovery: /version is AKS 1.32, the groups include the add-on CRDs, OpenAPI v3 offers fieldValidation', async () => {
    expect((await call('GET', '/version')).body).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.6' });
    const groups = (await call('GET', '/apis')).body.groups as { name: string }[];
    expect(groups.map((g) => g.name)).toEqual(
      expect.arrayContaining(['apps', 'apiextensions.k8s.io', 'templates.gatekeeper.sh', 'externaldata.gatekeeper.sh']),
    );
    const core = (await call('GET', '/api/v1')).body.resources as { name: string; shortNames?: string[] }[];
    expect(core.find((r) => r.name === 'pods')).toMatchObject({ shortNames: ['po'] });
    expect(core.map((r) => r.name)).toEqual(
      expect.arrayContaining(['namespaces', 'pods/log', 'services', 'serviceaccounts', 'secrets', 'configmaps', 'events', 'nodes']),
    );
    const root = (await call('GET', '/openapi/v3')).body.paths as Record<string, { serverRelativeURL: string }>;
    const doc = await call('GET', root['api/v1']!.serverRelativeURL);
    const patchOp = (doc.body.paths as Record<string, { patch?: { parameters: { name: string }[] } }>)['/api/v1/namespaces/{name}']!.patch!;
    expect(patchOp.parameters.map((p) => p.name)).toContain('fieldValidation');
  });

  test("aggregated discovery: client-go's Accept gets /api and /apis whole (apidiscovery.k8s.io/v2); plain JSON gets the legacy documents", async () => {
    // kubectl 1.32's header, as `kubectl -v=8` prints it.
    const accept =
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    type Resource = {
      resource: string;
      responseKind: { group: string; version: string; kind: string };
      scope: string;
      subresources?: { subresource: string }[];
    };
    type Group = { metadata: { name?: string }; versions: { version: string; freshness: string; resources: Resource[] }[] };
    const core = await call('GET', '/api', { accept });
    expect(core.body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    const [legacy] = core.body.items as unknown as Group[];
    expect(legacy!.metadata.name).toBeUndefined();
    const pods = legacy!.versions[0]!.resources.find((r) => r.resource === 'pods')!;
    expect(pods).toMatchObject({ responseKind: { group: '', version: 'v1', kind: 'Pod' }, scope: 'Namespaced', singularResource: 'pod' });
    expect(pods.subresources?.map((x) => x.subresource)).toEqual(expect.arrayContaining(['log', 'status']));
    const groups = (await call('GET', '/apis', { accept })).body.items as unknown as Group[];
    const templates = groups.find((g) => g.metadata.name === 'templates.gatekeeper.sh')!;
    expect(templates.versions[0]).toMatchObject({ version: 'v1', freshness: 'Current' });
    expect(templates.versions[0]!.resources[0]).toMatchObject({ resource: 'constrainttemplates', scope: 'Cluster' });
    // Asked without the aggregated type (or with it after plain JSON), the legacy documents.
    expect((await call('GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect((await call('GET', '/apis', { accept: 'application/json, ' + accept })).body.kind).toBe('APIGroupList');
  });

  test("the fake tools' mapper discovers in two requests, and reads the legacy documents from a server that answers plain JSON", async () => {
    /** A client that records its paths; `legacyServer` strips the aggregated type, as an older server would ignore it. */
    class Recording extends KubeClient {
      readonly paths: string[] = [];
      private readonly legacyServer: boolean;
      constructor(legacyServer: boolean) {
        super(
          {
            contextName: 'c',
            server: `https://127.0.0.1:${server.kubePort}${clusterPath(cluster)}`,
            caPem: tls.caPem,
            insecure: false,
            userName: 'u',
            user: { token },
            userDir: dir,
          },
          token,
        );
        this.legacyServer = legacyServer;
      }
      override request(method: string, path: string, opts: Parameters<KubeClient['request']>[2] = {}) {
        this.paths.push(path);
        return super.request(method, path, this.legacyServer ? { ...opts, accept: 'application/json' } : opts);
      }
    }
    const current = new Recording(false);
    expect(await new Mapper(current, { fresh: true }).resolve('deploy')).toMatchObject({
      group: 'apps',
      version: 'v1',
      plural: 'deployments',
    });
    expect(current.paths.sort()).toEqual(['/api', '/apis']);
    const older = new Recording(true);
    expect(await new Mapper(older, { fresh: true }).resolve('constrainttemplates')).toMatchObject({
      group: 'templates.gatekeeper.sh',
      namespaced: false,
    });
    expect(older.paths).toEqual(expect.arrayContaining(['/api', '/apis', '/api/v1', '/apis/apps/v1', '/apis/templates.gatekeeper.sh/v1']));
  });

  test('Status errors: 404 NotFound, 409 AlreadyExists, 422 Invalid, 409 Conflict on a stale resourceVersion', async () => {
    const missing = await call('GET', '/api/v1/namespaces/default/pods/nope');
    expect(missing).toMatchObject({
      status: 404,
      body: { kind: 'Status', reason: 'NotFound', code: 404, message: 'pods "nope" not found' },
    });
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } };
    expect((await call('POST', '/api/v1/namespaces', { body: ns })).status).toBe(201);
    expect(await call('POST', '/api/v1/namespaces', { body: ns })).toMatchObject({
      status: 409,
      body: { reason: 'AlreadyExists', message: 'namespaces "demo" already exists' },
    });
    const bad = await call('POST', '/api/v1/namespaces/demo/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    });
    expect(bad).toMatchObject({
      status: 422,
      body: { reason: 'Invalid', details: { name: 'Bad_Name', kind: 'Pod', causes: [{ field: 'metadata.name' }] } },
    });
    const cm = (
      await call('POST', '/api/v1/namespaces/demo/configmaps', {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' }, data: { a: '1' } },
      })
    ).body;
    const rv = (cm.metadata as { resourceVersion: string }).resourceVersion;
    expect((await call('PUT', '/api/v1/namespaces/demo/configmaps/c1', { body: { ...cm, data: { a: '2' } } })).status).toBe(200);
    const stale = await call('PUT', '/api/v1/namespaces/demo/configmaps/c1', {
      body: { ...cm, metadata: { ...(cm.metadata as object), resourceVersion: rv }, data: { a: '3' } },
    });
    expect(stale).toMatchObject({ status: 409, body: { reason: 'Conflict' } });
    expect(
      await call('POST', '/api/v1/namespaces/nowhere/configmaps', {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
      }),
    ).toMatchObject({ status: 404, body: { message: 'namespaces "nowhere" not found' } });
  });

  test("a list comes in etcd's key order (<namespace>/<name> as bytes), not in a collation", async () => {
    // "team-b/" sorts before "team/" as bytes ('-' < '/'), though "team" < "team-b" as words.
    for (const name of ['team', 'team-b']) {
      expect((await call('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } })).status).toBe(
        201,
      );
      const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } };
      expect((await call('POST', `/api/v1/namespaces/${name}/configmaps`, { body: cm })).status).toBe(201);
    }
    const all = (await call('GET', '/api/v1/configmaps')).body.items!.map((o) => {
      const m = o.metadata as { namespace: string; name: string };
      return `${m.namespace}/${m.name}`;
    });
    expect(all.filter((k) => k.startsWith('team'))).toEqual(['team-b/settings', 'team/settings']);
    expect(all).toEqual([...all].sort());
  });

  test('the patch kinds kubectl uses: merge, strategic (lists merge by name), JSON patch, server-side apply', async () => {
    const path = '/api/v1/namespaces/demo/configmaps/c1';
    await call('PATCH', path, { body: { data: { b: 'x' } }, contentType: 'application/merge-patch+json' });
    await call('PATCH', path, { body: [{ op: 'replace', path: '/data/b', value: 'y' }], contentType: 'application/json-patch+json' });
    expect((await call('GET', path)).body.data).toEqual({ a: '2', b: 'y' });
    const applied = await call('PATCH', '/api/v1/namespaces/demo/configmaps/ssa?fieldManager=kubectl', {
      raw: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: v\n',
      contentType: 'application/apply-patch+yaml',
    });
    expect(applied).toMatchObject({ status: 201, body: { data: { k: 'v' } } });
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'web', image: 'nginx:1' },
              { name: 'side', image: 'busybox' },
            ],
          },
        },
      },
    };
    expect((await call('POST', '/apis/apps/v1/namespaces/demo/deployments', { body: dep })).status).toBe(201);
    const smp = { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } } };
    const after = await call('PATCH', '/apis/apps/v1/namespaces/demo/deployments/web', {
      body: smp,
      contentType: 'application/strategic-merge-patch+json',
    });
    const containers = (after.body.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec
      .containers;
    expect(containers).toEqual([
      { name: 'web', image: 'nginx:2' },
      { name: 'side', image: 'busybox' },
    ]);
    // The new template rolled out: the pods run nginx:2.
    const pods = (await call('GET', '/api/v1/namespaces/demo/pods?labelSelector=app%3Dweb')).body.items as {
      spec: { containers: { image: string }[] };
    }[];
    expect(pods.map((p) => p.spec.containers[0]!.image)).toEqual(['nginx:2']);
  });

  test('a Table for kubectl get, with the server-side columns', async () => {
    const t = await call('GET', '/api/v1/namespaces', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    expect(t.body).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect((t.body.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual(['Name', 'Status', 'Age']);
    expect((t.body.rows as { cells: unknown[] }[]).map((r) => r.cells[0])).toContain('demo');
  });

  test('pods: admitted with events; logs before the container runs are a 400; a watch sees it start and go', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p1' },
      spec: { containers: [{ name: 'p1', image: 'docker.io/library/nginx:1.27' }] },
    };
    expect((await call('POST', '/api/v1/namespaces/demo/pods', { body: pod })).status).toBe(201);
    expect(await call('GET', '/api/v1/namespaces/demo/pods/p1/log')).toMatchObject({
      status: 400,
      body: { message: 'container "p1" in pod "p1" is waiting to start: ContainerCreating' },
    });
    const events = (await call('GET', '/api/v1/namespaces/demo/events?fieldSelector=involvedObject.name%3Dp1')).body.items as {
      reason: string;
    }[];
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['Scheduled', 'Pulling', 'Pulled', 'Started']));
    const list = await call('GET', '/api/v1/namespaces/demo/pods?fieldSelector=metadata.name%3Dp1');
    const rv = (list.body.metadata as { resourceVersion: string }).resourceVersion;
    // The world's clock is virtual: the watch sleeps on it until the pod's start time.
    const watched = await call(
      'GET',
      `/api/v1/namespaces/demo/pods?watch=true&fieldSelector=metadata.name%3Dp1&resourceVersion=${rv}&timeoutSeconds=5`,
    );
    const evs = watched.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: { status: { phase: string } } });
    expect(evs.map((e) => `${e.type} ${e.object.status.phase}`)).toContain('MODIFIED Running');
    expect((await call('DELETE', '/api/v1/namespaces/demo/pods/p1')).status).toBe(200);
    expect((await call('GET', '/api/v1/namespaces/demo/pods/p1')).status).toBe(404);
  });

  test('Azure Policy owns Gatekeeper objects: creating a ConstraintTemplate outside it is 403', async () => {
    const ct = { apiVersion: 'templates.gatekeeper.sh/v1', kind: 'ConstraintTemplate', metadata: { name: 'mine' }, spec: {} };
    expect(await call('POST', '/apis/templates.gatekeeper.sh/v1/constrainttemplates', { body: ct })).toMatchObject({
      status: 403,
      body: { reason: 'Forbidden', message: expect.stringContaining('byovalidation.policy.azure.com') },
    });
  });

  test('protobuf bodies from typed clients are decoded (kubectl create namespace)', async () => {
    const str = (no: number, s: string): Buffer => Buffer.concat([Buffer.from([(no << 3) | 2, Buffer.byteLength(s)]), Buffer.from(s)]);
    const msg = (no: number, b: Buffer): Buffer => Buffer.concat([Buffer.from([(no << 3) | 2, b.length]), b]);
    const body = Buffer.concat([
      Buffer.from('k8s\0', 'latin1'),
      msg(1, Buffer.concat([str(1, 'v1'), str(2, 'Namespace')])),
      msg(2, msg(1, str(1, 'from-proto'))),
    ]);
    const res = await call('POST', '/api/v1/namespaces', {
      raw: body.toString('latin1'),
      contentType: 'application/vnd.kubernetes.protobuf',
    });
    expect(res).toMatchObject({ status: 201, body: { metadata: { name: 'from-proto' } } });
  });

  test('who may call: the cluster token; an Entra token for the AKS server app only on an Entra ID cluster; else 401', async () => {
    const entra = (aud: string): string =>
      signJwt(
        { aud, oid: host.world.user.objectId, tid: host.world.tenant.id, exp: Math.floor(clock.now() / 1000) + 600 },
        host.world.tokenKey,
      );
    expect(await call('GET', '/api', { bearer: 'nope' })).toMatchObject({
      status: 401,
      body: { kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized' },
    });
    expect((await call('GET', '/api', { bearer: entra(AKS_SERVER_APP_ID) })).status).toBe(401);
    cluster.properties.aadProfile = { managed: true, enableAzureRBAC: false, adminGroupObjectIDs: [], tenantID: host.world.tenant.id };
    try {
      expect((await call('GET', '/api', { bearer: entra(AKS_SERVER_APP_ID) })).status).toBe(200);
      // A member of no admin group may read, not write: what `kubectl auth can-i` asks.
      const review = (verb: string) =>
        call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          bearer: entra(AKS_SERVER_APP_ID),
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { verb, resource: 'pods' } },
          },
        });
      expect((await review('list')).body).toMatchObject({ status: { allowed: true } });
      expect((await review('create')).body).toMatchObject({ status: { allowed: false } });
      const other = signJwt(
        { aud: AKS_SERVER_APP_ID, oid: host.world.user.objectId, tid: 'another-tenant', exp: Math.floor(clock.now() / 1000) + 600 },
        host.world.tokenKey,
      );
      expect((await call('GET', '/api', { bearer: other })).status).toBe(401);
      expect((await call('GET', '/api', { bearer: entra('https://management.azure.com/') })).status).toBe(401);
      expect((await call('GET', '/api', { bearer: token })).status).toBe(200);
      cluster.properties.disableLocalAccounts = true;
      expect((await call('GET', '/api', { bearer: token })).status).toBe(401);
    } finally {
      delete cluster.properties.aadProfile;
      delete cluster.properties.disableLocalAccounts;
    }
  });
});
