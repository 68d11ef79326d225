import { fileURLToPath } from 'node:url';
import { medianMs, row } from './measure.js';

/**
 * `ratify-runbook --help` against `node -e 0`, measured in the same run: heavy modules (the
 * Azure SDK, inquirer, listr2, zx) must be loaded lazily, so help costs about one node start.
 */
export function startupBench(): string[] {
  const bin = fileURLToPath(new URL('../bin/ratify-runbook.js', import.meta.url));
  const node = medianMs([process.execPath, '-e', '0']);
  const help = medianMs([process.execPath, bin, '--help']);
  const ratio = help / node;
  return [
    row('node -e 0 (median of 15)', `${node.toFixed(1)} ms`),
    row('ratify-runbook --help (median of 15)', `${help.toFixed(1)} ms`),
    row('ratio --help / node (target <= 2.0)', `${ratio.toFixed(2)}x ${ratio <= 2 ? 'OK' : 'OVER TARGET'}`),
  ];
}
