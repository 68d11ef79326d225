import type { ToolContext } from '../../tool-context.js';
import type { KubeClient } from '../client/http.js';
import { Mapper, resourcePath, type ApiResource } from '../client/mapper.js';
import { fail, type Parsed } from './args.js';

/** One kubectl call: its flags, its API client, its namespace and the REST mapper. */
export class Session {
  readonly t: ToolContext;
  readonly p: Parsed;
  readonly client: KubeClient;
  readonly mapper: Mapper;
  readonly ns: string;
  readonly allNs: boolean;
  stdout = '';
  stderr = '';
  exitCode = 0;

  constructor(t: ToolContext, p: Parsed, client: KubeClient, contextNamespace: string | undefined) {
    this.t = t;
    this.p = p;
    this.client = client;
    this.mapper = new Mapper(client);
    this.ns = p.flags.get('--namespace') ?? contextNamespace ?? 'default';
    this.allNs = p.flags.get('--all-namespaces') === 'true';
  }

  out(s: string): void {
    this.stdout += s;
  }

  err(s: string): void {
    this.stderr += s.endsWith('\n') ? s : `${s}\n`;
    this.exitCode = 1;
  }

  /** Warnings go to stderr without failing the call. */
  warn(s: string): void {
    this.stderr += s.endsWith('\n') ? s : `${s}\n`;
  }

  path(r: ApiResource, name?: string, sub?: string, namespace = this.ns): string {
    return resourcePath(r, this.allNs && name === undefined ? undefined : namespace, name, sub);
  }

  async resource(typeName: string): Promise<ApiResource> {
    const r = await this.mapper.resolve(typeName);
    if (!r) throw fail(`error: the server doesn't have a resource type "${typeName}"`);
    return r;
  }

  /** `pods a b`, `pods/a deploy/b`, `pods,svc`, `all`: what the command acts on. */
  async targets(args: readonly string[]): Promise<{ r: ApiResource; names: string[] }[]> {
    if (args.length === 0) {
      throw fail(
        `You must specify the type of resource to ${this.p.verb}. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl ${this.p.verb} -h' for help and examples`,
      );
    }
    if (args[0]!.includes('/')) {
      const out: { r: ApiResource; names: string[] }[] = [];
      for (const a of args) {
        const slash = a.indexOf('/');
        if (slash < 0)
          throw fail(
            "error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
          );
        const r = await this.resource(a.slice(0, slash));
        const prev = out.find((x) => x.r === r);
        if (prev) prev.names.push(a.slice(slash + 1));
        else out.push({ r, names: [a.slice(slash + 1)] });
      }
      return out;
    }
    const out: { r: ApiResource; names: string[] }[] = [];
    for (const typeName of args[0]!.split(',').filter(Boolean)) {
      const category = await this.mapper.category(typeName);
      if (category.length && !(await this.mapper.resolve(typeName))) out.push(...category.map((r) => ({ r, names: [] })));
      else out.push({ r: await this.resource(typeName), names: args.slice(1) });
    }
    return out;
  }
}
