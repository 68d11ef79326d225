/**
 * `--sandbox-tools NAME=VERSION[,...]` (repeatable): which tools a sandbox invocation's commands
 * get. `kubectl=real` runs the machine's own kubectl (through a shim that logs the call and
 * applies --sandbox-fault like every fake) against the clusters' Kubernetes API; `kubectl=fake`
 * (the default) is the sandbox's own client of the same API.
 */
export interface ToolChoices {
  kubectl: 'fake' | 'real';
}

const CHOICES: Record<string, readonly string[]> = { kubectl: ['fake', 'real'] };

export const TOOLS_FORMS = 'NAME=VERSION[,...] with kubectl=fake|real';

export function parseToolsSpec(specs: readonly string[]): ToolChoices {
  const out: ToolChoices = { kubectl: 'fake' };
  for (const spec of specs) {
    for (const item of spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const eq = item.indexOf('=');
      const name = eq > 0 ? item.slice(0, eq) : item;
      const value = eq > 0 ? item.slice(eq + 1) : '';
      const allowed = CHOICES[name];
      if (!allowed) throw new Error(`invalid --sandbox-tools '${spec}': unknown tool '${name}'; expected ${TOOLS_FORMS}`);
      if (!allowed.includes(value)) throw new Error(`invalid --sandbox-tools '${spec}': ${name} must be one of ${allowed.join(', ')}`);
      if (name === 'kubectl') out.kubectl = value as ToolChoices['kubectl'];
    }
  }
  return out;
}
