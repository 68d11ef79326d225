/**
 * What a run costs in processes and time, measured in this run:
 *   - the tool processes of a full `demo`-latency sandbox run, from its call log (reads and waits
 *     go in-process through the ARM SDK and the cluster's API; on Azure each az process costs
 *     about a second of CPU), beside the goal;
 *   - the wall time of a full `instant` sandbox run against `node -e 0`: five runs, each right
 *     after its own `node -e 0` median, so a ratio compares two figures taken under the same load
 *     (a shared machine's speed drifts by a third within a minute); the median ratio and its spread.
 */
import { demoRun } from './demo-run.js';
import { median, medianMs, row } from './measure.js';

const GOALS: Record<string, number | undefined> = { az: 30, kubectl: 15, helm: undefined, notation: undefined };
const RATIO_GOAL = 12;
const RUNS = 5;

export async function processBench(): Promise<string[]> {
  const demo = await demoRun('demo');
  const lines: string[] = [];
  for (const [tool, goal] of Object.entries(GOALS)) {
    const n = demo.calls.filter((c) => c.argv[0] === tool).length;
    const verdict = goal === undefined ? '(no goal)' : `(goal <= ${goal}) ${n <= goal ? 'ok' : 'OVER GOAL'}`;
    lines.push(row(`${tool} processes in a full demo-latency run`, `${n} ${verdict}`));
  }
  const pairs: { node: number; run: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const node = medianMs([process.execPath, '-e', '0'], 5, i === 0 ? 3 : 1);
    pairs.push({ node, run: (await demoRun('instant')).ms });
  }
  const ratios = pairs.map((p) => p.run / p.node).sort((a, b) => a - b);
  const ratio = median(ratios);
  lines.push(
    row(`node -e 0 (median of the ${RUNS} medians of 5)`, `${median(pairs.map((p) => p.node)).toFixed(1)} ms`),
    row(`full instant sandbox run (median of ${RUNS})`, `${(median(pairs.map((p) => p.run)) / 1000).toFixed(2)} s`),
    row(
      `ratio run / node -e 0 (goal <= ${RATIO_GOAL}x)`,
      `${ratio.toFixed(1)}x ${ratio <= RATIO_GOAL ? 'ok' : 'OVER GOAL'} (${RUNS} pairs: ${ratios[0]!.toFixed(1)}-${ratios[RUNS - 1]!.toFixed(1)}x)`,
    ),
  );
  return lines;
}
