import { describe, expect, it } from 'vitest';
import { planSteps, planToJson } from '../../runner/plan.js';
import { exportShellScript } from '../../runner/shell-script.js';
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
    expect(json.steps[0]).toEqual({
      id: 'alpha',
      title: 'Create alpha',
      commands: [{ argv: ['tool', 'create', 'alpha'], mutates: true }],
      files: [],
    });
    expect(json.steps[1].commands[0].argv).toEqual([
      'tool',
      'apply',
      '--id',
      '<alpha.resourceId>',
      '--vault',
      'kv-one',
      '-f',
      `${stateDir}/values.yaml`,
    ]);
    expect(json.steps[1].files).toEqual([{ path: 'values.yaml', content: 'subject: "CN=a,O=b,ST=c,C=US"\n' }]);
    // Nothing was written: plan is read-only.
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(stateDir)).toEqual([]);
  });
});

/** Two small steps in the shape of the real ones: a vault whose mode is an answer, and a grant that waits. */
const vault = defineStep({
  id: 'vault',
  title: 'Create the vault',
  explain: 'A create behind its show; the mode comes from an answer.',
  needs: ['keyVaultName', 'keyVaultAuth', 'certSubject'],
  after: [],
  produces: ['vaultId'],
  check: async () => undefined,
  async run(ctx) {
    const show = ['tool', 'show', ctx.answers.keyVaultName];
    await ctx.writeFile('policy.json', `{"subject": "${ctx.answers.certSubject}"}\n`);
    const rbac = String(ctx.answers.keyVaultAuth === 'rbac');
    await ctx.cmd.run(['tool', 'create', ctx.answers.keyVaultName, '--rbac', rbac, '--tag', ctx.runTag], {
      mutates: true,
      guardedBy: show,
    });
    const id = await ctx.cmd.run(['tool', 'show', ctx.answers.keyVaultName, '--query', 'id'], { mutates: false, capture: 'vaultId' });
    return { vaultId: id.stdout };
  },
});
const grant = defineStep({
  id: 'grant',
  title: 'Grant and wait',
  explain: 'A change with a done test, then a bounded wait; a secret reaches a tool only through its environment.',
  needs: [],
  after: ['vault'],
  produces: ['hash'],
  check: async () => undefined,
  async run(ctx) {
    const vaultId = ctx.output('vault', 'vaultId');
    const granted = { argv: ['tool', 'roles', vaultId], expect: 'nonEmpty' as const };
    await ctx.cmd.run(['tool', 'grant', vaultId], { mutates: true, done: [granted] });
    const probe = async () => ((await ctx.cmd.run(['tool', 'roles', vaultId], { mutates: false })).planned ? true : undefined);
    await ctx.waitFor('the grant', probe, {
      timeoutMs: 60_000,
      intervalMs: 5_000,
      until: [granted],
    });
    const token = await ctx.cmd.run(['tool', 'token'], { mutates: false, secretOutput: true, capture: 'token' });
    await ctx.cmd.run(['signer', 'sign', vaultId], {
      mutates: true,
      env: { SIGNER_USER: 'me', SIGNER_PASSWORD: token.stdout },
      secretEnv: ['SIGNER_PASSWORD'],
      done: [{ argv: ['signer', 'list', vaultId], expect: { contains: '<grant.hash>' } }],
    });
    return { hash: 'abc' };
  },
  shell: { hash: (v) => [`${v}="$(tool hash)"`] },
});

describe('exportShellScript', () => {
  it('turns placeholders into variables, guards every change, bounds every wait, branches on what changes the commands', async () => {
    const script = await exportShellScript({
      steps: [vault, grant],
      answers: { keyVaultName: "kv-o'ne", keyVaultAuth: 'access-policy', certSubject: 'CN=a $b,O=c,ST=d,C=US' },
      runId: 'abcd1234',
      clock: fakeClock(),
      origin: 'test',
    });
    expect(script).toContain("KEY_VAULT_NAME='kv-o'\\''ne'");
    expect(script).toContain("KEY_VAULT_AUTH='access-policy'  # rbac | access-policy");
    expect(script).toContain("RUN_ID='abcd1234'");
    // The create branches on the answer instead of a text match of its value.
    expect(script).toContain(
      [
        'if [[ "${KEY_VAULT_AUTH}" == \'rbac\' ]]; then',
        '  if ! { tool show "${KEY_VAULT_NAME}" >/dev/null 2>&1; }; then',
        '    tool create "${KEY_VAULT_NAME}" --rbac true --tag "ratify-runbook-run=${RUN_ID}"',
        '  fi',
        'else',
        '  if ! { tool show "${KEY_VAULT_NAME}" >/dev/null 2>&1; }; then',
        '    tool create "${KEY_VAULT_NAME}" --rbac false --tag "ratify-runbook-run=${RUN_ID}"',
        '  fi',
        'fi',
      ].join('\n'),
    );
    // Files are heredocs next to the script, with the answers as variables and $ kept literal.
    expect(script).toContain('cat > "${FILES}/policy.json" <<RATIFY_EOF\n{"subject": "${CERT_SUBJECT}"}\nRATIFY_EOF');
    expect(script).toContain('VAULT_VAULT_ID="$(tool show "${KEY_VAULT_NAME}" --query id)"');
    const granted = '[[ -n "$(tool roles "${VAULT_VAULT_ID}" 2>/dev/null)" ]]';
    expect(script).toContain(`if ! { ${granted}; }; then\n  tool grant "\${VAULT_VAULT_ID}"\nfi`);
    expect(script).toContain(`until_grant_1() { ${granted}; }\nwait_until 60 5 'the grant' until_grant_1`);
    // The secret goes straight into the environment of the command that needs it, its partner beside it.
    expect(script).toContain('export SIGNER_USER=me\nSIGNER_PASSWORD="$(tool token)"\nexport SIGNER_PASSWORD');
    // A value the step works out in code comes from its shell derivation, set before the step's own commands use it.
    expect(script.indexOf('GRANT_HASH="$(tool hash)"')).toBeGreaterThan(script.indexOf('# === 2. grant'));
    expect(script.indexOf('GRANT_HASH="$(tool hash)"')).toBeLessThan(script.indexOf('${GRANT_HASH}'));
    expect(script).toContain('if ! { [[ "$(signer list "${VAULT_VAULT_ID}" 2>/dev/null)" == *"${GRANT_HASH}"* ]]; }; then');
    expect(script).not.toMatch(/<[a-z-]+\.[A-Za-z]+>|\/<state-dir>/);
  });

  it('refuses to write a change that has no guard', async () => {
    const unguarded = defineStep({
      id: 'bare',
      title: 'Bare',
      explain: '',
      needs: [],
      after: [],
      produces: [],
      check: async () => undefined,
      run: async (ctx) => {
        await ctx.cmd.run(['tool', 'create', 'x'], { mutates: true });
        return {};
      },
    });
    await expect(exportShellScript({ steps: [unguarded], answers: {}, runId: 'r', clock: fakeClock(), origin: 'test' })).rejects.toThrow(
      'step "bare": tool create x changes the world without a guard (done or guardedBy)',
    );
  });
});
