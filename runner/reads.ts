import type { Clock } from '../kernel/clock.js';
import { formatDuration } from './duration.js';
import type {
  AzureReader,
  KubeApi,
  KubeObject,
  KubeQuery,
  KubeReader,
  KubeResource,
  ReadOptions,
  ShownCommand,
  WaitOptions,
} from './step.js';

/**
 * In-process reads as the notebook shows them. A read through the ARM SDK or the cluster's API
 * starts no process, but the notebook (and a plan) still shows the command a person would type
 * to see the same, with what it found: one entry per read, one per wait.
 */
export interface ReadEvent {
  readonly argv: readonly string[];
  readonly capture?: string;
  readonly probe?: boolean;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly planned: boolean;
}

export interface ReadDeps {
  readonly mode: 'run' | 'plan';
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly emit: (event: ReadEvent) => void;
  readonly log: (line: string) => void;
  /** Plan mode: records a wait (for the exported script, its `until` tests) around what `record` emits. */
  readonly planWait?: (what: string, options: WaitOptions, record: () => void) => void;
}

type Outcome = Omit<ReadEvent, 'argv' | 'capture' | 'probe'>;

function shown(fallback: readonly string[], options: ReadOptions | undefined): ShownCommand[] {
  const s = options?.shows;
  if (!s || s.length === 0) return [{ argv: fallback }];
  return typeof s[0] === 'string' ? [{ argv: s as readonly string[] }] : [...(s as readonly ShownCommand[])];
}

/** One notebook entry per shown command, all with the read's outcome. */
function emitAll(deps: ReadDeps, commands: readonly ShownCommand[], outcome: Outcome): void {
  for (const c of commands)
    deps.emit({ ...outcome, argv: c.argv, ...(c.capture ? { capture: c.capture } : {}), ...(c.probe ? { probe: true } : {}) });
}

const kindRef = (r: KubeResource): string => (r.group ? `${r.kind.toLowerCase()}.${r.group}` : r.kind.toLowerCase());
const qualified = (r: KubeResource): string => (r.group ? `${r.plural}.${r.group}` : r.plural);

/** `kubectl get <type> [name] [-n ns | -A] [-l sel] -o name`: what a person types to see the same. */
export function kubectlGet(r: KubeResource, query: KubeQuery & { name?: string }): string[] {
  const ns = r.namespaced ? (query.namespace ? ['-n', query.namespace] : ['-A']) : [];
  return [
    'kubectl',
    'get',
    qualified(r),
    ...(query.name ? [query.name] : []),
    ...ns,
    ...(query.labelSelector ? ['-l', query.labelSelector] : []),
    ...(query.fieldSelector ? ['--field-selector', query.fieldSelector] : []),
    '-o',
    'name',
  ];
}

const names = (r: KubeResource, objects: readonly KubeObject[]): string =>
  objects.map((o) => `${kindRef(r)}/${o.metadata.name}\n`).join('');

function elapsedSince(clock: Clock, start: number): number {
  return clock.now().getTime() - start;
}

export function recordingAzure(inner: AzureReader, deps: ReadDeps): AzureReader {
  return {
    async getById(id, apiVersion, options) {
      const commands = shown(['az', 'resource', 'show', '--ids', id, '--api-version', apiVersion], options);
      if (deps.mode === 'plan') {
        emitAll(deps, commands, { exitCode: 3, stdout: '', stderr: '', ms: 0, planned: true });
        return undefined;
      }
      const start = deps.clock.now().getTime();
      const found = await inner.getById(id, apiVersion);
      const stderr = found ? '' : `(ResourceNotFound) ${id} was not found\n`;
      emitAll(deps, commands, {
        exitCode: found ? 0 : 3,
        stdout: found ? `${found.id ?? id}\n` : '',
        stderr,
        ms: elapsedSince(deps.clock, start),
        planned: false,
      });
      return found;
    },
    async listTagged(subscriptionId, name, value, options) {
      const commands = shown(
        ['az', 'resource', 'list', '--tag', `${name}=${value}`, '--subscription', subscriptionId, '-o', 'json'],
        options,
      );
      if (deps.mode === 'plan') {
        emitAll(deps, commands, { exitCode: 0, stdout: '', stderr: '', ms: 0, planned: true });
        return [];
      }
      const start = deps.clock.now().getTime();
      const found = await inner.listTagged(subscriptionId, name, value);
      const stdout = found.map((r) => `${r.id ?? ''}\n`).join('');
      emitAll(deps, commands, { exitCode: 0, stdout, stderr: '', ms: elapsedSince(deps.clock, start), planned: false });
      return found;
    },
    async list(path, apiVersion, options) {
      const url = `${path}?api-version=${apiVersion}${options?.filter ? `&$filter=${options.filter}` : ''}`;
      const commands = shown(['az', 'rest', '--method', 'get', '--url', url], options);
      if (deps.mode === 'plan') {
        emitAll(deps, commands, { exitCode: 0, stdout: '', stderr: '', ms: 0, planned: true });
        return [];
      }
      const start = deps.clock.now().getTime();
      const found = await inner.list(path, apiVersion, options?.filter ? { filter: options.filter } : {});
      emitAll(deps, commands, {
        exitCode: 0,
        stdout: found.map((r) => `${r.id ?? ''}\n`).join(''),
        stderr: '',
        ms: elapsedSince(deps.clock, start),
        planned: false,
      });
      return found;
    },
    async caller(options) {
      const commands = shown(['az', 'ad', 'signed-in-user', 'show', '--query', 'id', '-o', 'tsv'], options);
      if (deps.mode === 'plan') {
        emitAll(deps, commands, { exitCode: 0, stdout: '', stderr: '', ms: 0, planned: true });
        return undefined;
      }
      const start = deps.clock.now().getTime();
      const who = await inner.caller();
      emitAll(deps, commands, {
        exitCode: who ? 0 : 1,
        stdout: who ? `${who.objectId}\n` : '',
        stderr: '',
        ms: elapsedSince(deps.clock, start),
        planned: false,
      });
      return who;
    },
  };
}

export function recordingKube(api: KubeApi, kubeconfig: string, deps: ReadDeps): KubeReader {
  const read = <T>(
    commands: ShownCommand[],
    run: () => Promise<T>,
    describe: (value: T) => Pick<ReadEvent, 'exitCode' | 'stdout' | 'stderr'>,
    planned: T,
  ): Promise<T> => {
    if (deps.mode === 'plan') {
      emitAll(deps, commands, { exitCode: 0, stdout: '', stderr: '', ms: 0, planned: true });
      return Promise.resolve(planned);
    }
    const start = deps.clock.now().getTime();
    return run().then((value) => {
      emitAll(deps, commands, { ...describe(value), ms: elapsedSince(deps.clock, start), planned: false });
      return value;
    });
  };
  const noneIn = (r: KubeResource, ns?: string): string =>
    r.namespaced && ns ? `No resources found in ${ns} namespace.\n` : 'No resources found\n';
  return {
    currentContext(options?: ReadOptions) {
      return read(
        shown(['kubectl', 'config', 'current-context'], options),
        () => api.currentContext(kubeconfig),
        (name) =>
          name
            ? { exitCode: 0, stdout: `${name}\n`, stderr: '' }
            : { exitCode: 1, stdout: '', stderr: 'error: current-context is not set\n' },
        undefined,
      );
    },
    list(r, query = {}, options?: ReadOptions) {
      return read(
        shown(kubectlGet(r, query), options),
        async () => (await api.list(kubeconfig, r, query))?.items,
        (items) =>
          items === undefined
            ? { exitCode: 1, stdout: '', stderr: `error: the server doesn't have a resource type "${r.plural}"\n` }
            : { exitCode: 0, stdout: names(r, items), stderr: items.length ? '' : noneIn(r, query.namespace) },
        undefined,
      );
    },
    get(r, name, namespace, options?: ReadOptions) {
      return read(
        shown(kubectlGet(r, { name, ...(namespace ? { namespace } : {}) }), options),
        () => api.get(kubeconfig, r, name, namespace),
        (o) =>
          o
            ? { exitCode: 0, stdout: names(r, [o]), stderr: '' }
            : { exitCode: 1, stdout: '', stderr: `Error from server (NotFound): ${qualified(r)} "${name}" not found\n` },
        undefined,
      );
    },
    waitFor: async <T>(
      what: string,
      r: KubeResource,
      query: KubeQuery,
      done: (objects: readonly KubeObject[] | undefined) => T | undefined,
      options: WaitOptions & ReadOptions & { readonly planned: T },
    ): Promise<T> => {
      const commands = shown(kubectlGet(r, query), options);
      if (deps.mode === 'plan') {
        const record = (): void => emitAll(deps, commands, { exitCode: 0, stdout: '', stderr: '', ms: 0, planned: true });
        if (deps.planWait) deps.planWait(what, options, record);
        else record();
        return options.planned;
      }
      const started = deps.clock.now().getTime();
      let lastLogged = -Infinity;
      for (;;) {
        const listed = await api.list(kubeconfig, r, query);
        const objects = new Map<string, KubeObject>(
          (listed?.items ?? []).map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]),
        );
        const answer = (): T | undefined => done(listed ? [...objects.values()] : undefined);
        let value = answer();
        const elapsed = elapsedSince(deps.clock, started);
        if (value === undefined && elapsed >= options.timeoutMs) {
          throw new Error(`Gave up waiting for ${what} after ${formatDuration(elapsed)}.${options.note ? ` ${options.note}` : ''}`);
        }
        if (value === undefined) {
          if (elapsed - lastLogged >= 30_000) {
            deps.log(`waiting for ${what}: ${formatDuration(elapsed)} elapsed${options.note ? ` (${options.note})` : ''}`);
            lastLogged = elapsed;
          }
          // Watch what changes (the API wakes the watch at once), and list again every interval.
          const nap = new AbortController();
          const onAbort = (): void => nap.abort();
          deps.signal.addEventListener('abort', onAbort, { once: true });
          const watch = listed
            ? api.watch(kubeconfig, r, query, listed.resourceVersion, (type, o) => {
                const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
                if (type === 'DELETED') objects.delete(key);
                else if (type === 'ADDED' || type === 'MODIFIED') objects.set(key, o);
                value = answer();
                if (value !== undefined) nap.abort();
              })
            : undefined;
          try {
            // Without a watch (the type is not served yet) only the nap counts: a race with
            // `undefined` would end at once, and the wait would list in a loop.
            const sleeping = deps.clock.sleep(Math.min(options.intervalMs, options.timeoutMs - elapsed), nap.signal);
            await (watch ? Promise.race([sleeping, watch.ended.then(() => nap.abort())]) : sleeping);
          } catch (e) {
            if (deps.signal.aborted) throw e;
          } finally {
            watch?.stop();
            deps.signal.removeEventListener('abort', onAbort);
          }
        }
        if (value !== undefined) {
          emitAll(deps, commands, {
            exitCode: 0,
            stdout: names(r, [...objects.values()]),
            stderr: '',
            ms: elapsedSince(deps.clock, started),
            planned: false,
          });
          return value;
        }
      }
    },
  };
}

const offline = (): never => {
  throw new Error('a plan reads nothing: no cloud to read from');
};

/** For plans: the recording readers never reach these (a plan assumes a fresh world). */
export const PLAN_READERS: { azure: AzureReader; kube: KubeApi } = {
  azure: { getById: offline, listTagged: offline, list: offline, caller: offline },
  kube: { currentContext: offline, list: offline, get: offline, watch: offline },
};
