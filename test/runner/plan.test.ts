import { describe, expect, it } from 'vitest';
import { planSteps, planToJson } from '../../runner/plan.js';
import { defineStep } from '../../runner/step.js';
import { fakeClock, resourceStep, tempDir } from '../helpers/engine-harness.js';

const useOutput = defineStep({
  id: 'use',
  title: 'Use it',
  explain: 'Reads an output and writes a file.',
  needs: ['keyVaultName', 'certSubject'],
  after: ['alpha'],
  produces: ['done'],
  check: async () => undefined,
  async run(ctx) {
    const id = ctx.output('alpha', 'resourceId');
    const file = await ctx.writeFile('values.yaml', `subject: "${ctx.answers.certSubject}"\n`);
    await ctx.cmd.run(['tool', 'apply', '--id', id, '--vault', ctx.answers.keyVaultName, '-f', file], { mutates: true });
    return { done: 'true' };
  },
});

describe('plan', () => {
  it('executes nothing and lists every command, file and placeholder', async () => {
    const stateDir = await tempDir();
    const plan = await planSteps({
      steps: [resourceStep('alpha'), useOutput],
      answers: { keyVaultName: 'kv-one', certSubject: 'CN=a,O=b,ST=c,C=US' },
      stateDir,
      clock: fakeClock(),
    });
    const json = JSON.parse(planToJson(plan));
    expect(json.steps[0]).toEqual({ id: 'alpha', title: 'Create alpha', commands: [{ argv: ['tool', 'create', 'alpha'], mutates: true }], files: [] });
    expect(json.steps[1].commands[0].argv).toEqual(['tool', 'apply', '--id', '<alpha.resourceId>', '--vault', 'kv-one', '-f', `${stateDir}/values.yaml`]);
    expect(json.steps[1].files).toEqual([{ path: 'values.yaml', content: 'subject: "CN=a,O=b,ST=c,C=US"\n' }]);
    // Nothing was written: plan is read-only.
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(stateDir)).toEqual([]);
  });

});
