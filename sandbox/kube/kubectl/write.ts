import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify as toYaml } from 'yaml';
import { ApiStatus } from '../client/http.js';
import { kindRef, resourcePath, type ApiResource } from '../client/mapper.js';
import { bool, fail } from './args.js';
import { kubeJson, sortKeys } from './print.js';
import type { Session } from './session.js';
import { waitGone } from './observe.js';

/** kubectl's writes: apply, create, delete, run, patch, label, annotate, scale. */
type Obj = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The objects in `-f` files (YAML or JSON, several documents, `List`s flattened), with their source names. */
function manifests(s: Session): { source: string; obj: Obj }[] {
  const files = s.p.multi.get('--filename') ?? [];
  if (files.length === 0) throw fail('error: must specify one of -f and -k');
  const out: { source: string; obj: Obj }[] = [];
  const read = (file: string): void => {
    const path = resolve(s.t.cwd, file);
    if (file !== '-' && statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      for (const f of readdirSync(path)
        .filter((x) => /\.(ya?ml|json)$/.test(x))
        .sort())
        read(join(file, f));
      return;
    }
    let text: string;
    try {
      text = file === '-' ? s.t.stdin : readFileSync(path, 'utf8');
    } catch {
      throw fail(`error: the path "${file}" does not exist`);
    }
    const source = file === '-' ? 'STDIN' : file;
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length)
        throw fail(`error: error parsing ${source}: error converting YAML to JSON: ${doc.errors[0]!.message.split('\n')[0]}`);
      const o = doc.toJSON() as Obj | null;
      if (!o) continue;
      if (o.kind === 'List' && Array.isArray(o.items)) for (const item of o.items as Obj[]) out.push({ source, obj: item });
      else out.push({ source, obj: o });
    }
  };
  for (const f of files) read(f);
  return out;
}

async function mapping(s: Session, o: Obj, source: string): Promise<{ r: ApiResource; ns: string | undefined; name: string }> {
  if (!o.apiVersion || !o.kind)
    throw fail(
      `error: error validating "${source}": error validating data: [apiVersion not set, kind not set]; if you choose to ignore these errors, turn validation off with --validate=false`,
    );
  const r = await s.mapper.forKind(o.apiVersion, o.kind);
  const name = o.metadata?.name ?? '';
  if (!r)
    throw fail(
      `error: resource mapping not found for name: "${name}" namespace: "${o.metadata?.namespace ?? ''}" from "${source}": no matches for kind "${o.kind}" in version "${o.apiVersion}"\nensure CRDs are installed first`,
    );
  if (r.namespaced && o.metadata?.namespace && s.p.flags.has('--namespace') && o.metadata.namespace !== s.ns) {
    throw fail(
      `error: the namespace from the provided object "${o.metadata.namespace}" does not match the namespace "${s.ns}". You must pass '--namespace=${o.metadata.namespace}' to perform this operation.`,
    );
  }
  return { r, ns: r.namespaced ? (o.metadata?.namespace ?? s.ns) : undefined, name };
}

const dryQuery = (s: Session): Record<string, string | undefined> => (s.p.flags.get('--dry-run') === 'server' ? { dryRun: 'All' } : {});
const drySuffix = (s: Session): string =>
  s.p.flags.get('--dry-run') === 'server' ? ' (server dry run)' : s.p.flags.get('--dry-run') === 'client' ? ' (dry run)' : '';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** kubectl apply's three-way JSON merge patch: set what changed, delete what was dropped. */
function threeWay(original: unknown, modified: unknown, current: unknown): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const o = isObj(original) ? original : {};
  const m = isObj(modified) ? modified : {};
  const c = isObj(current) ? current : {};
  for (const [k, v] of Object.entries(m)) {
    if (isObj(v) && isObj(c[k])) {
      const sub = threeWay(o[k], v, c[k]);
      if (Object.keys(sub).length) patch[k] = sub;
    } else if (JSON.stringify(v) !== JSON.stringify(c[k])) patch[k] = v;
  }
  for (const k of Object.keys(o)) if (!(k in m) && k in c) patch[k] = null;
  return patch;
}

function statusText(e: ApiStatus, what: string): string {
  return `Error from server${e.reason ? ` (${e.reason})` : ''}: ${what}: ${e.message}`;
}

export async function apply(s: Session): Promise<void> {
  const serverSide = bool(s.p, '--server-side');
  for (const { source, obj } of manifests(s)) {
    const { r, ns, name } = await mapping(s, obj, source);
    const ref = `${kindRef(r)}/${name}`;
    const path = resourcePath(r, ns, name);
    if (s.p.flags.get('--dry-run') === 'client') {
      s.out(`${ref} ${'created'}${drySuffix(s)}\n`);
      continue;
    }
    if (serverSide) {
      try {
        await s.client.json('PATCH', path, {
          body: JSON.stringify(obj),
          contentType: 'application/apply-patch+yaml',
          query: {
            fieldManager: s.p.flags.get('--field-manager') ?? 'kubectl',
            force: bool(s.p, '--force-conflicts') ? 'true' : undefined,
            ...dryQuery(s),
          },
        });
        s.out(`${ref} serverside-applied${drySuffix(s)}\n`);
      } catch (e) {
        if (!(e instanceof ApiStatus)) throw e;
        s.err(statusText(e, `error when applying patch to "${source}"`));
      }
      continue;
    }
    const withAnnotation: Obj = JSON.parse(JSON.stringify(obj)) as Obj;
    const { [LAST_APPLIED]: _old, ...annotations } = withAnnotation.metadata?.annotations ?? {};
    const applied = { ...withAnnotation, metadata: { ...withAnnotation.metadata, annotations } };
    if (Object.keys(annotations).length === 0) delete (applied.metadata as Record<string, unknown>).annotations;
    const lastApplied = JSON.stringify(applied) + '\n';
    const desired: Obj = {
      ...withAnnotation,
      metadata: {
        ...withAnnotation.metadata,
        ...(ns ? { namespace: ns } : {}),
        annotations: { ...annotations, [LAST_APPLIED]: lastApplied },
      },
    };
    let current: Obj | undefined;
    try {
      current = await s.client.json<Obj>('GET', path);
    } catch (e) {
      if (!(e instanceof ApiStatus) || e.code !== 404) throw e;
    }
    try {
      if (!current) {
        await s.client.json('POST', resourcePath(r, ns), {
          body: JSON.stringify(desired),
          query: { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict', ...dryQuery(s) },
        });
        s.out(`${ref} created${drySuffix(s)}\n`);
        continue;
      }
      const previous = current.metadata?.annotations?.[LAST_APPLIED];
      if (previous === undefined) {
        s.warn(
          `Warning: resource ${r.plural}/${name} is missing the ${LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.`,
        );
      }
      const original = previous ? (JSON.parse(previous) as Obj) : {};
      const patch = threeWay(original, desired, current);
      if (Object.keys(patch).length === 0) {
        s.out(`${ref} unchanged${drySuffix(s)}\n`);
        continue;
      }
      await s.client.json('PATCH', path, {
        body: JSON.stringify(patch),
        contentType: 'application/merge-patch+json',
        query: { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict', ...dryQuery(s) },
      });
      s.out(`${ref} configured${drySuffix(s)}\n`);
    } catch (e) {
      if (!(e instanceof ApiStatus)) throw e;
      s.err(statusText(e, current ? `error when applying patch to "${source}"` : `error when creating "${source}"`));
    }
  }
}

export async function create(s: Session): Promise<void> {
  const kind = s.p.args[0];
  if (kind === 'namespace' || kind === 'ns') {
    const name = s.p.args[1];
    if (!name) throw fail('error: exactly one NAME is required, got 0');
    await createObject(s, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, undefined);
    return;
  }
  if (kind === 'secret' && s.p.args[1] === 'generic') {
    const name = s.p.args[2];
    if (!name) throw fail('error: exactly one NAME is required, got 0');
    const data = Object.fromEntries(
      (s.p.multi.get('--from-literal') ?? []).map((kv) => [
        kv.slice(0, kv.indexOf('=')),
        Buffer.from(kv.slice(kv.indexOf('=') + 1)).toString('base64'),
      ]),
    );
    await createObject(s, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: s.ns }, type: 'Opaque', data }, undefined);
    return;
  }
  if (kind !== undefined)
    throw fail(
      `error: unknown command "${kind}" for "kubectl create"\nThe sandbox's kubectl creates namespaces, generic secrets and -f files.`,
    );
  for (const { source, obj } of manifests(s)) await createObject(s, obj, source);
}

async function createObject(s: Session, obj: Obj, source: string | undefined): Promise<void> {
  const { r, ns, name } = await mapping(s, obj, source ?? 'STDIN');
  const body = { ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } };
  const format = s.p.flags.get('--output');
  if (s.p.flags.get('--dry-run') === 'client') {
    const shown = {
      ...body,
      metadata: { ...body.metadata, creationTimestamp: null },
      ...(r.kind === 'Namespace' ? { spec: {}, status: {} } : {}),
    };
    s.out(format === 'yaml' ? toYaml(sortKeys(shown)) : format === 'json' ? kubeJson(shown) : `${kindRef(r)}/${name} created (dry run)\n`);
    return;
  }
  try {
    const created = await s.client.json<Obj>('POST', resourcePath(r, ns), {
      body: JSON.stringify(body),
      query: { fieldManager: 'kubectl-create', fieldValidation: 'Strict', ...dryQuery(s) },
    });
    s.out(
      format === 'yaml'
        ? toYaml(sortKeys(created))
        : format === 'json'
          ? kubeJson(created)
          : `${kindRef(r)}/${name} created${drySuffix(s)}\n`,
    );
  } catch (e) {
    if (!(e instanceof ApiStatus)) throw e;
    s.err(source ? statusText(e, `error when creating "${source}"`) : e.kubectlMessage);
  }
}

export async function run(s: Session): Promise<void> {
  const name = s.p.args[0];
  if (!name) throw fail('error: NAME is required for run');
  const image = s.p.flags.get('--image');
  if (!image) throw fail('error: required flag(s) "image" not set');
  const labels: Record<string, string> = {};
  for (const spec of s.p.multi.get('--labels') ?? []) {
    for (const l of spec.split(',').filter(Boolean)) {
      const eq = l.indexOf('=');
      labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
    }
  }
  const container: Record<string, unknown> = { image, name, resources: {} };
  const env = (s.p.multi.get('--env') ?? []).map((kv) => ({ name: kv.slice(0, kv.indexOf('=')), value: kv.slice(kv.indexOf('=') + 1) }));
  if (env.length) container.env = env;
  if (s.p.rest.length) container[bool(s.p, '--command') ? 'command' : 'args'] = s.p.rest;
  if (s.p.flags.get('--port')) container.ports = [{ containerPort: Number(s.p.flags.get('--port')) }];
  const restart = s.p.flags.get('--restart') ?? 'Always';
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { labels: Object.keys(labels).length ? labels : { run: name }, name, namespace: s.ns },
    spec: { containers: [container], dnsPolicy: 'ClusterFirst', restartPolicy: restart },
  };
  const format = s.p.flags.get('--output');
  if (s.p.flags.get('--dry-run') === 'client') {
    const shown = { ...pod, metadata: { ...pod.metadata, creationTimestamp: null }, status: {} };
    s.out(format === 'yaml' ? toYaml(sortKeys(shown)) : format === 'json' ? kubeJson(shown) : `pod/${name} created (dry run)\n`);
    return;
  }
  try {
    const created = await s.client.json<Obj>('POST', `/api/v1/namespaces/${encodeURIComponent(s.ns)}/pods`, {
      body: JSON.stringify(pod),
      query: { fieldManager: 'kubectl-run', ...dryQuery(s) },
    });
    s.out(format === 'yaml' ? toYaml(sortKeys(created)) : format === 'json' ? kubeJson(created) : `pod/${name} created${drySuffix(s)}\n`);
  } catch (e) {
    if (!(e instanceof ApiStatus)) throw e;
    s.err(e.kubectlMessage);
  }
}

export async function del(s: Session): Promise<void> {
  const ignore = bool(s.p, '--ignore-not-found');
  const force = bool(s.p, '--force') && s.p.flags.get('--grace-period') === '0';
  if (force)
    s.warn(
      'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.',
    );
  const jobs: { r: ApiResource; ns: string | undefined; name: string }[] = [];
  if (s.p.multi.get('--filename')?.length) {
    for (const { source, obj } of manifests(s)) jobs.push(await mapping(s, obj, source));
  } else {
    for (const { r, names } of await s.targets(s.p.args)) {
      if (names.length) {
        for (const name of names) jobs.push({ r, ns: r.namespaced ? s.ns : undefined, name });
        continue;
      }
      const sel = s.p.flags.get('--selector');
      const fsel = s.p.flags.get('--field-selector');
      if (!sel && !fsel && !bool(s.p, '--all')) throw fail('error: resource(s) were provided, but no name was specified');
      const list = await s.client.json<{ items: Obj[] }>('GET', s.path(r), { query: { labelSelector: sel, fieldSelector: fsel } });
      if (list.items.length === 0 && !ignore) s.warn('No resources found\n');
      for (const o of list.items) jobs.push({ r, ns: o.metadata?.namespace, name: String(o.metadata?.name) });
    }
  }
  const waits: Promise<void>[] = [];
  for (const { r, ns, name } of jobs) {
    try {
      await s.client.json('DELETE', resourcePath(r, ns, name), {
        body: JSON.stringify({
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: 'Background',
          ...(force ? { gracePeriodSeconds: 0 } : {}),
        }),
        query: dryQuery(s),
      });
      s.out(`${kindRef(r)} "${name}" ${force ? 'force deleted' : 'deleted'}${drySuffix(s)}\n`);
      if (s.p.flags.get('--wait') !== 'false' && !s.p.flags.get('--dry-run')) waits.push(waitGone(s, r, ns, name));
    } catch (e) {
      if (!(e instanceof ApiStatus)) throw e;
      if (e.code === 404 && ignore) continue;
      s.err(e.kubectlMessage);
    }
  }
  await Promise.all(waits);
}

export async function patch(s: Session): Promise<void> {
  const body = s.p.flags.get('--patch');
  if (body === undefined) throw fail('error: must specify -p to patch');
  const type = s.p.flags.get('--type') ?? 'strategic';
  const ct = {
    strategic: 'application/strategic-merge-patch+json',
    merge: 'application/merge-patch+json',
    json: 'application/json-patch+json',
  }[type];
  if (!ct) throw fail(`error: --type must be one of [json merge strategic], not "${type}"`);
  let json: unknown;
  try {
    json = body.trim().startsWith('{') || body.trim().startsWith('[') ? JSON.parse(body) : parseAllDocuments(body)[0]?.toJSON();
  } catch {
    throw fail(`error: unable to parse "${body}": yaml: did not find expected node content`);
  }
  for (const { r, names } of await s.targets(s.p.args)) {
    for (const name of names) await patchOne(s, r, name, JSON.stringify(json), ct, 'patched');
  }
}

async function patchOne(s: Session, r: ApiResource, name: string, body: string, contentType: string, verb: string): Promise<void> {
  const path = s.path(r, name);
  try {
    const before = await s.client.json<Obj>('GET', path);
    const after = await s.client.json<Obj>('PATCH', path, { body, contentType, query: dryQuery(s) });
    const same =
      JSON.stringify({ ...before, metadata: { ...before.metadata, resourceVersion: '' } }) ===
      JSON.stringify({ ...after, metadata: { ...after.metadata, resourceVersion: '' } });
    s.out(`${kindRef(r)}/${name} ${same && verb === 'patched' ? 'patched (no change)' : verb}${drySuffix(s)}\n`);
  } catch (e) {
    if (!(e instanceof ApiStatus)) throw e;
    s.err(e.kubectlMessage);
  }
}

/** `kubectl label|annotate TYPE NAME k=v k2-`. */
export async function labelOrAnnotate(s: Session, field: 'labels' | 'annotations'): Promise<void> {
  const [typeArg, ...rest] = s.p.args;
  const pairs = rest.filter((a) => a.includes('=') || a.endsWith('-'));
  const names = rest.filter((a) => !pairs.includes(a));
  if (pairs.length === 0) throw fail(`error: at least one ${field === 'labels' ? 'label' : 'annotation'} update is required`);
  const changes: Record<string, string | null> = {};
  for (const p of pairs) {
    if (p.endsWith('-') && !p.includes('=')) changes[p.slice(0, -1)] = null;
    else changes[p.slice(0, p.indexOf('='))] = p.slice(p.indexOf('=') + 1);
  }
  const targets = typeArg?.includes('/') ? await s.targets([typeArg, ...names]) : await s.targets([typeArg ?? '', ...names]);
  for (const { r, names: ns } of targets) {
    for (const name of ns) {
      if (!bool(s.p, '--overwrite')) {
        const cur = await s.client.json<Obj>('GET', s.path(r, name)).catch(() => undefined);
        const existing = cur?.metadata?.[field] ?? {};
        const clash = Object.entries(changes).find(([k, v]) => v !== null && existing[k] !== undefined && existing[k] !== v);
        if (clash) {
          s.err(`error: '${clash[0]}' already has a value (${existing[clash[0]]}), and --overwrite is false`);
          continue;
        }
      }
      await patchOne(
        s,
        r,
        name,
        JSON.stringify({ metadata: { [field]: changes } }),
        'application/merge-patch+json',
        field === 'labels' ? 'labeled' : 'annotated',
      );
    }
  }
}

export async function scale(s: Session): Promise<void> {
  const replicas = s.p.flags.get('--replicas');
  if (replicas === undefined) throw fail('error: required flag(s) "replicas" not set');
  for (const { r, names } of await s.targets(s.p.args)) {
    for (const name of names)
      await patchOne(s, r, name, JSON.stringify({ spec: { replicas: Number(replicas) } }), 'application/merge-patch+json', 'scaled');
  }
}
