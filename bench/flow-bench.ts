/**
 * The flow against a `realistic:0.02` sandbox (Azure's published durations, 50x faster): its
 * wall time beside the critical path, i.e. the longest chain of dependent steps where a step
 * costs what it cannot avoid:
 *   - its commands: the measured time of each distinct command it ran (process start-up plus
 *     the simulated latency inside the call), a poll or retry counted once, not per attempt;
 *   - the world's asynchronous delays it must sit through (from the sandbox's latency table):
 *     Image Integrity's pods going away, RBAC propagation before the first certificate create,
 *     the identity's grants ripening during the Helm install, the add-on's policy sync, pod start.
 * The ratio wall / critical path shows what the engine adds: overlap of independent steps and
 * prompt polls keep it near 1 (target <= 1.1).
 */
import { parseLatency } from '../sandbox/latency.js';
import { demoRun, type Call } from './demo-run.js';
import { row } from './measure.js';

const LATENCY = 'realistic:0.02';

export async function flowBench(): Promise<string[]> {
  const { ms: wall, calls } = await demoRun(LATENCY);
  const { steps } = await import('../steps/index.js');
  const critical = criticalPath(steps, calls);
  const ratio = wall / critical.ms;
  return [
    row(`full run, sandbox ${LATENCY} (wall)`, `${(wall / 1000).toFixed(1)} s`),
    row('critical path (commands + unavoidable simulated waits)', `${(critical.ms / 1000).toFixed(1)} s via ${critical.chain.join(' > ')}`),
    row('ratio wall / critical path (target <= 1.1)', `${ratio.toFixed(2)} ${ratio <= 1.1 ? 'ok' : 'OVER TARGET'}`),
  ];
}

function criticalPath(steps: readonly { id: string; after: readonly string[] }[], calls: readonly Call[]): { ms: number; chain: string[] } {
  const latency = parseLatency(LATENCY);
  const asyncWait: Record<string, number> = {
    'cleanup-image-integrity': latency.ms('imageIntegrityRemoval'),
    certificate: latency.ms('rbacPropagation'),
    'ratify-install': Math.max(0, latency.ms('rbacPropagation') - latency.ms('helmInstall')),
    policy: latency.ms('policySync'),
    verify: latency.ms('podStart'),
  };
  const cost = new Map<string, number>();
  for (const step of steps) {
    const distinct = new Map<string, number>(); // a poll or retry counts once: its last attempt
    for (const call of calls) if (call.step === step.id) distinct.set(call.argv.join('\u0000'), call.ms);
    cost.set(step.id, [...distinct.values()].reduce((a, b) => a + b, 0) + (asyncWait[step.id] ?? 0));
  }
  const best = new Map<string, { ms: number; chain: string[] }>();
  for (const step of steps) {
    const before = step.after.map((id) => best.get(id)).filter((b) => b !== undefined);
    const longest = before.reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, chain: [] as string[] });
    const own = cost.get(step.id) ?? 0;
    best.set(step.id, { ms: longest.ms + own, chain: own > 0 ? [...longest.chain, step.id] : longest.chain });
  }
  return [...best.values()].reduce((a, b) => (b.ms > a.ms ? b : a));
}
