import { describe, expect, it } from 'vitest';
import { planSteps, planToJson } from '../../runner/plan.js';
import { planToShellScript } from '../../runner/shell-script.js';
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

  it('as a shell script: answers on top, creates guarded by their show, outputs captured', async () => {
    const plan = await planSteps({
      steps: [resourceStep('alpha', { needs: ['keyVaultName'], name: (a) => String(a.keyVaultName) }), useOutput],
      answers: { keyVaultName: "kv-one", certSubject: "CN=it's,O=b,ST=c,C=US" },
      stateDir: '/state',
      clock: fakeClock(),
    });
    const script = planToShellScript(plan, { keyVaultName: 'kv-one', certSubject: "CN=it's,O=b,ST=c,C=US" });
    expect(script).toContain("KEY_VAULT_NAME='kv-one'");
    expect(script).toContain(`CERT_SUBJECT='CN=it'\\''s,O=b,ST=c,C=US'`);
    expect(script).toContain('ALPHA_RESOURCE_ID=$(tool show "${KEY_VAULT_NAME}" 2>/dev/null || tool create "${KEY_VAULT_NAME}")');
    expect(script).toContain('tool apply --id "${ALPHA_RESOURCE_ID}" --vault "${KEY_VAULT_NAME}" -f /state/values.yaml');
  });
});

describe('shell script: values a step works out', () => {
  const computed = defineStep({
    id: 'pre',
    title: 'Read the account',
    explain: 'Parses JSON, captures nothing.',
    needs: [],
    after: [],
    produces: ['subscriptionId'],
    check: async () => undefined,
    run: async (ctx) => {
      await ctx.cmd.run(['tool', 'account'], { mutates: false });
      return { subscriptionId: '<pre.subscriptionId>' };
    },
  });
  const user = defineStep({
    id: 'use',
    title: 'Use it',
    explain: 'Needs the subscription.',
    needs: [],
    after: ['pre'],
    produces: [],
    check: async () => undefined,
    run: async (ctx) => {
      await ctx.cmd.run(['tool', 'create', '--subscription', ctx.output('pre', 'subscriptionId')], { mutates: true });
      return {};
    },
  });

  it('guards an uncaptured value in a plan, and uses the recorded one in an export', async () => {
    const plan = await planSteps({ steps: [computed, user], answers: {}, stateDir: '/s', clock: fakeClock() });
    const planned = planToShellScript(plan, {});
    expect(planned).toContain(': "${PRE_SUBSCRIPTION_ID:?set PRE_SUBSCRIPTION_ID (pre.subscriptionId)');
    expect(planned).toContain('tool create --subscription "${PRE_SUBSCRIPTION_ID}"');
    const exported = planToShellScript(plan, {}, { 'pre.subscriptionId': '1111-2222' });
    expect(exported).toContain("PRE_SUBSCRIPTION_ID='1111-2222'  # recorded by the run");
  });
});
