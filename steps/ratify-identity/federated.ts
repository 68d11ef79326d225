import type { StepContext } from '../../runner/step.js';
import type { ShellTest } from '../../runner/command-types.js';
import { az } from '../_shared/az.js';
import { apiVersions, identityId } from '../_shared/ids.js';
import { stringProp } from '../_shared/json.js';
import { transientRetry } from '../_shared/retry.js';
import { readGuard } from '../_shared/write-ahead.js';

type Ctx = Pick<StepContext, 'cmd' | 'created' | 'willCreate' | 'azure' | 'mode'>;

export const FIC_NAME = 'ratify-federated-credential';
/** Ratify's namespace is always gatekeeper-system and the chart's service account is ratify-admin. */
export const FIC_SUBJECT = 'system:serviceaccount:gatekeeper-system:ratify-admin';
export const FIC_AUDIENCE = 'api://AzureADTokenExchange';

export interface Fic {
  readonly sub: string;
  readonly identityName: string;
  readonly resourceGroup: string;
  readonly issuer: string;
}

const names = (f: Fic) => ['--name', FIC_NAME, '--identity-name', f.identityName, '-g', f.resourceGroup];

export interface FicState {
  readonly exists: boolean;
  /** It exists for the cluster's *current* issuer (which changes when the cluster is recreated). */
  readonly matches: boolean;
  /** Plan mode: nothing was read. */
  readonly planned: boolean;
}

/** One ARM GET of the credential, shown as the `az identity federated-credential show` it stands for. */
export async function ficState(ctx: Ctx, f: Fic): Promise<FicState> {
  const id = `${identityId(f.sub, f.resourceGroup, f.identityName)}/federatedIdentityCredentials/${FIC_NAME}`;
  const fic = await ctx.azure.getById(id, apiVersions.identity, {
    shows: [{ argv: az(f.sub, 'identity', 'federated-credential', 'show', ...names(f), '-o', 'none'), probe: true }],
  });
  // Issuer and subject are matched case-sensitively by Entra (Azure/login#517).
  const matches = stringProp(fic?.properties, 'issuer') === f.issuer && stringProp(fic?.properties, 'subject') === FIC_SUBJECT;
  return { exists: fic !== undefined, matches, planned: ctx.mode === 'plan' };
}

/** It exists for the cluster's current issuer (the subject is fixed): what the script checks. */
export function ficMatchesTest(f: Fic): ShellTest {
  return {
    argv: az(f.sub, 'identity', 'federated-credential', 'show', ...names(f), '--query', 'issuer', '-o', 'tsv'),
    expect: { equals: f.issuer },
  };
}

/** A PUT: creates it, or corrects the issuer/subject of an existing one. */
export async function putFic(ctx: Ctx, f: Fic, existed: boolean): Promise<void> {
  const fic = {
    kind: 'federatedCredential',
    id: `${f.identityName}/${FIC_NAME}`,
    details: { subscription: f.sub, name: FIC_NAME, identityName: f.identityName, resourceGroup: f.resourceGroup },
  };
  // A federated credential takes no mark: the read before this found none by that name.
  const shown = az(f.sub, 'identity', 'federated-credential', 'show', ...names(f), '--query', 'name', '-o', 'tsv');
  if (!existed) await ctx.willCreate({ ...fic, guard: readGuard(shown) });
  await ctx.cmd.run(
    az(
      f.sub,
      'identity',
      'federated-credential',
      'create',
      ...names(f),
      '--issuer',
      f.issuer,
      '--subject',
      FIC_SUBJECT,
      '--audiences',
      FIC_AUDIENCE,
      '-o',
      'none',
    ),
    { mutates: true, retry: transientRetry, done: [ficMatchesTest(f)] },
  );
  if (!existed) await ctx.created(fic);
}
