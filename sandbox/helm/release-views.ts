import type { HelmRelease } from '../world/model.js';

/** How helm prints a release: `-o json` and the NAME/LAST DEPLOYED/... table (install, upgrade, status). */

const ansic = (ms: number): string => {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
};
const goTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');

export function releaseJson(r: HelmRelease & { manifest?: string }): string {
  return (
    JSON.stringify({
      name: r.name,
      info: {
        first_deployed: goTime(r.firstDeployed),
        last_deployed: goTime(r.lastDeployed),
        deleted: '',
        description: r.description,
        status: r.status,
        notes: r.notes,
      },
      config: r.config,
      manifest: r.manifest ?? '',
      hooks: [],
      version: r.revision,
      namespace: r.namespace,
    }) + '\n'
  );
}

export function releaseTable(r: HelmRelease): string {
  return `NAME: ${r.name}\nLAST DEPLOYED: ${ansic(r.lastDeployed)}\nNAMESPACE: ${r.namespace}\nSTATUS: ${r.status}\nREVISION: ${r.revision}\nTEST SUITE: None\n${r.notes ? `NOTES:\n${r.notes}\n` : ''}`;
}
