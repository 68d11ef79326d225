import type { ToolContext } from '../tool-context.js';
import { ToolError, type ToolResult } from '../tool-result.js';
import { DEAD_REPOS, LIVE_REPOS, normaliseRepoUrl } from './charts.js';
import { fail, ok, repoKey } from './common.js';
import type { Parsed } from './flags.js';

/** `helm repo add|update|list|remove`: the repositories this HOME (or HELM_REPOSITORY_CONFIG) knows. */
export function repo(t: ToolContext, p: Parsed, rest: string[]): ToolResult {
  const key = repoKey(t);
  const repos = (t.world.helmRepos[key] ??= {});
  switch (rest[0]) {
    case 'add': {
      const [, name, url] = rest;
      if (!name || !url)
        throw new ToolError('Error: "helm repo add" requires 2 arguments\n\nUsage:  helm repo add [NAME] [URL] [flags]\n', 1);
      if (name.includes('/')) throw fail(`repository name (${name}) contains '/', please specify a different name without '/'`);
      const norm = normaliseRepoUrl(url);
      if (repos[name] !== undefined) {
        if (normaliseRepoUrl(repos[name]) === norm) return ok(`"${name}" already exists with the same configuration, skipping\n`);
        if (p.flags.get('--force-update') !== 'true')
          throw fail(`repository name (${name}) already exists, please specify a different name`);
      }
      if (!LIVE_REPOS[norm]) {
        const why = DEAD_REPOS.includes(norm)
          ? '404 Not Found'
          : `Get "${norm}/index.yaml": dial tcp: lookup ${norm.replace(/^https?:\/\//, '').split('/')[0]}: no such host`;
        throw fail(`looks like "${url}" is not a valid chart repository or cannot be reached: failed to fetch ${norm}/index.yaml : ${why}`);
      }
      repos[name] = url;
      t.markDirty();
      return ok(`"${name}" has been added to your repositories\n`);
    }
    case 'update':
    case 'up': {
      const names = Object.keys(repos);
      if (names.length === 0) throw fail('no repositories found. You must add one before updating');
      return ok(
        `Hang tight while we grab the latest from your chart repositories...\n${names.map((n) => `...Successfully got an update from the "${n}" chart repository\n`).join('')}Update Complete. ⎈Happy Helming!⎈\n`,
      );
    }
    case 'list':
    case 'ls': {
      const names = Object.keys(repos);
      if (names.length === 0) throw fail('no repositories to show');
      if (p.flags.get('--output') === 'json') return ok(JSON.stringify(names.map((n) => ({ name: n, url: repos[n] }))) + '\n');
      return ok(['NAME\tURL', ...names.map((n) => `${n}\t${repos[n]}`)].join('\n') + '\n');
    }
    case 'remove':
    case 'rm': {
      for (const n of rest.slice(1)) {
        if (repos[n] === undefined) throw fail(`no repo named "${n}" found`);
        delete repos[n];
      }
      t.markDirty();
      return ok(
        rest
          .slice(1)
          .map((n) => `"${n}" has been removed from your repositories\n`)
          .join(''),
      );
    }
    default:
      throw fail(`unknown command "${rest[0] ?? ''}" for "helm repo"`);
  }
}
