import { loadSandbox } from './bundled-module.js';
import { join } from 'node:path';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { Answers } from '../kernel/answer-keys.js';
import type { CloudProfile } from '../kernel/cloud-profile.js';
import { UsageError } from '../kernel/errors.js';
import { parseCaller, parseClusterSignIn, parseSandboxTools, type CallerProfile, type ClusterSignIn } from '../sandbox/config.js';
import { parseFaultSpec } from '../sandbox/faults.js';
import { parseLatency } from '../sandbox/latency.js';
import { flag, listOption, stringOption, type Parsed } from './args.js';

export interface SandboxFlags {
  readonly latency?: string;
  readonly faults: readonly string[];
  /** --sandbox-tools, e.g. `helm=3,kubectl=real`. */
  readonly tools?: string;
  readonly cluster?: ClusterSignIn;
  readonly caller?: CallerProfile;
}

const SANDBOX_ONLY = ['sandbox-latency', 'sandbox-fault', 'sandbox-tools', 'sandbox-cluster', 'sandbox-caller'] as const;

/** The --sandbox-* flags mean nothing without --sandbox: say so. */
export function sandboxFlags(parsed: Parsed): SandboxFlags | undefined {
  if (!flag(parsed, 'sandbox')) {
    const isGiven = (value: Parsed['values'][string]) => value !== undefined && !(Array.isArray(value) && value.length === 0);
    const given = SANDBOX_ONLY.filter((name) => isGiven(parsed.values[name])).map((name) => `--${name}`);
    if (given.length > 0) {
      throw new UsageError(`${given.join(', ')} only appl${given.length > 1 ? 'y' : 'ies'} to the sandbox.`, ['Add --sandbox.']);
    }
    return undefined;
  }
  return sandboxOptions(parsed);
}

/** The sandbox options, checked before any answer is read or file written (the parsers are tiny modules). */
export function sandboxOptions(parsed: Parsed): SandboxFlags {
  const latency = stringOption(parsed, 'sandbox-latency');
  const faults = listOption(parsed, 'sandbox-fault');
  const tools = stringOption(parsed, 'sandbox-tools');
  const cluster = stringOption(parsed, 'sandbox-cluster');
  const caller = stringOption(parsed, 'sandbox-caller');
  try {
    if (latency !== undefined) parseLatency(latency);
    faults.forEach(parseFaultSpec);
    if (tools !== undefined) parseSandboxTools(tools);
    return {
      latency,
      faults,
      ...(tools !== undefined ? { tools } : {}),
      ...(cluster !== undefined ? { cluster: parseClusterSignIn(cluster) } : {}),
      ...(caller !== undefined ? { caller: parseCaller(caller) } : {}),
    };
  } catch (error) {
    throw new UsageError((error as Error).message, ['Run `ratify-runbook run --help` for the forms.']);
  }
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
  const { startSandbox } = await loadSandbox();
  let handle;
  try {
    const tools = sandbox.tools ? { tools: sandbox.tools } : {};
    handle = await startSandbox({ worldDir, latency: sandbox.latency, faults: sandbox.faults, ...tools });
  } catch (error) {
    throw new UsageError(`Could not start the sandbox: ${(error as Error).message}`);
  }
  // The world is what the blog's part 3 leaves, unless the run creates the base itself
  // (provision-base): then there is nothing to seed, and teardown can empty the world.
  const seedOptions = { ...(sandbox.cluster ? { cluster: sandbox.cluster } : {}), ...(sandbox.caller ? { caller: sandbox.caller } : {}) };
  if (answers.resourceGroup && answers.aksName && answers.acrName) {
    const { subscriptionId, resourceGroup, aksName, acrName } = answers;
    const base = { subscriptionId, resourceGroup, aksName, acrName };
    if (answers.createBaseResources !== true) await handle.seed({ ...base, location: answers.location }, seedOptions);
    else if (seedOptions.caller || seedOptions.cluster) await handle.configure(base, seedOptions);
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
