// `npm run bench`: prints every figure with its baseline measured in the same run.
import { startupBench } from './startup-bench.js';

const sections: [string, () => Promise<string[]> | string[]][] = [['CLI start-up', startupBench]];

for (const [title, run] of sections) {
  process.stdout.write(`\n== ${title} ==\n`);
  for (const line of await run()) process.stdout.write(`${line}\n`);
}
