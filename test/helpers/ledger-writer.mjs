// Child process for the kill -9 test: rewrites the ledger (the built code) as fast as it can,
// with a large payload so a kill often lands mid-write.
import { newLedger, writeLedger } from '../../dist/checkpoints/ledger.js';

const dir = process.argv[2] ?? '.';
const now = new Date();
for (let n = 0; ; n++) {
  const data = newLedger({ kind: 'sandbox' }, now, `run${n}`);
  for (let i = 0; i < 200; i++) {
    data.steps[`step-${i}`] = {
      status: 'done',
      attempts: n,
      outputs: { value: 'x'.repeat(500) },
      answersUsed: {},
      created: [],
      commands: [],
      logs: [],
    };
  }
  await writeLedger(dir, data, now);
  if (n === 0) process.stdout.write('first write done\n');
}
