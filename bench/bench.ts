// `npm run bench`: prints every figure with its baseline measured in the same run.
import { startupBench } from './startup-bench.js';

type Section = [title: string, run: () => Promise<string[]> | string[]];

const sections: Section[] = [
  ['CLI start-up', startupBench],
  ['Sandbox responsiveness: a world holding 50 attendees', async () => (await import('./sandbox-bench.js')).sandboxBench()],
  ['Tool processes and run time of the flow on the sandbox', async () => (await import('./process-bench.js')).processBench()],
  ['The flow on a realistic:0.02 sandbox', async () => (await import('./flow-bench.js')).flowBench()],
  ['Workshop: 50 attendees on the sandbox', async () => (await import('./workshop-bench.js')).workshopBench()],
  ['Workshop dashboard: 200 attendees in headless Chromium', async () => (await import('./dashboard-bench.js')).dashboardBench()],
];

for (const [title, run] of sections) {
  process.stdout.write(`\n== ${title} ==\n`);
  try {
    for (const line of await run()) process.stdout.write(`${line}\n`);
  } catch (error) {
    process.stdout.write(`! ${title} could not run: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
