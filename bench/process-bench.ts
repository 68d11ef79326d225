/**
 * What a run costs in processes and time, measured in this run:
 *   - the tool processes of a full `demo`-latency sandbox run, from its call log (reads and waits
 *     go in-process through the ARM SDK and the cluster's API; on Azure each az process costs
 *     about a second of CPU), beside the goal;
 *   - the wall time of a full `instant` sandbox run against `node -e 0` (medians).
 */
import { demoRun } from './demo-run.js';
import { median, medianMs, row } from './measure.js';

const GOALS: Record<string, number | undefined> = { az: 30, kubectl: 15, helm: undefined, notation: undefined };
const RATIO_GOAL = 12;

export async function processBench(): Promise<string[]> {
  const demo = await demoRun('demo');
  const lines: string[] = [];
  for (const [tool, goal] of Object.entries(GOALS)) {
    const n = demo.calls.filter((c) => c.argv[0] === tool).length;
    const verdict = goal === undefined ? '(no goal)' : `(goal <= ${goal}) ${n <= goal ? 'ok' : 'OVER GOAL'}`;
    lines.push(row(`${tool} processes in a full demo-latency run`, `${n} ${verdict}`));
  }
  const node = medianMs([process.execPath, '-e', '0']);
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push((await demoRun('instant')).ms);
  const instant = median(runs);
  const ratio = instant / node;
  lines.push(
    row('node -e 0 (median of 15)', `${node.toFixed(1)} ms`),
    row('full instant sandbox run (median of 3)', `${(instant / 1000).toFixed(2)} s`),
    row(`ratio run / node -e 0 (goal <= ${RATIO_GOAL}x)`, `${ratio.toFixed(1)}x ${ratio <= RATIO_GOAL ? 'ok' : 'OVER GOAL'}`),
  );
  return lines;
}
