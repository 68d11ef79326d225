import { join } from 'node:path';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { Answers } from '../kernel/answer-keys.js';
import type { CloudProfile } from '../kernel/cloud-profile.js';
import { UsageError } from '../kernel/errors.js';
import { parseFaultSpec } from '../sandbox/faults.js';
import { parseLatency } from '../sandbox/latency.js';
import { parseToolsSpec } from '../sandbox/tools-spec.js';
import { flag, listOption, stringOption, type Parsed } from './args.js';

export interface SandboxFlags {
  readonly latency?: string;
  readonly faults: readonly string[];
  readonly tools: readonly string[];
}

/** --sandbox-latency, --sandbox-fault and --sandbox-tools mean nothing without --sandbox: say so. */
export function sandboxFlags(parsed: Parsed): SandboxFlags | undefined {
  const latency = stringOption(parsed, 'sandbox-latency');
  const faults = listOption(parsed, 'sandbox-fault');
  const tools = listOption(parsed, 'sandbox-tools');
  if (!flag(parsed, 'sandbox')) {
    if (latency !== undefined || faults.length > 0 || tools.length > 0) {
      throw new UsageError('--sandbox-latency, --sandbox-fault and --sandbox-tools only apply to the sandbox.', ['Add --sandbox.']);
    }
    return undefined;
  }
  // Checked here, before any answer is read or file written (the parsers are tiny modules).
  try {
    if (latency !== undefined) parseLatency(latency);
    faults.forEach(parseFaultSpec);
    parseToolsSpec(tools);
  } catch (error) {
    throw new UsageError((error as Error).message, ['Run `ratify-runbook run --help` for the forms.']);
  }
  return { latency, faults, tools };
}

/**
 * Builds the one object that differs between a real run and a sandbox run. The sandbox is
 * started (or joined, when another process already owns that world) and seeded with what
 * the blog's part 3 leaves for these answers.
 */
export async function openCloudProfile(
  stateDir: string,
  sandbox: SandboxFlags | undefined,
  answers: Partial<Answers>,
  worldDir: string = join(stateDir, 'sandbox'),
): Promise<CloudProfile> {
  if (!sandbox) return azureProfile();
  const { startSandbox } = await import('../sandbox/index.js');
  let handle;
  try {
    handle = await startSandbox({ worldDir, latency: sandbox.latency, faults: sandbox.faults, tools: sandbox.tools });
  } catch (error) {
    throw new UsageError(`Could not start the sandbox: ${(error as Error).message}`);
  }
  // The world is what the blog's part 3 leaves, unless the run creates the base itself
  // (provision-base): then there is nothing to seed, and teardown can empty the world.
  if (answers.resourceGroup && answers.aksName && answers.acrName && answers.createBaseResources !== true) {
    await handle.seed({
      subscriptionId: answers.subscriptionId,
      resourceGroup: answers.resourceGroup,
      aksName: answers.aksName,
      acrName: answers.acrName,
      location: answers.location,
    });
  }
  return handle.profile;
}

function azureProfile(): CloudProfile {
  return {
    kind: 'azure',
    description: 'Azure (the account `az login` is signed in to)',
    armEndpoint: 'https://management.azure.com',
    credential: lazyAzureCliCredential(),
    toolPath: [],
    toolEnv: {},
    close: async () => {},
  };
}

/** AzureCliCredential, loaded on first use: @azure/identity is heavy and --help must stay fast. */
function lazyAzureCliCredential(): TokenCredential {
  let inner: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      inner ??= import('@azure/identity').then(({ AzureCliCredential }) => new AzureCliCredential());
      return (await inner).getToken(scopes, options);
    },
  };
}
