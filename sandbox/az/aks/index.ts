import type { AzCommand } from '../registry.js';
import { acrPullCommands } from './acr-pull.js';
import { clusterCommands } from './clusters.js';
import { credentialCommands } from './credentials.js';
import { updateCommands } from './updates.js';

/** AKS, with az 2.x's output shapes. */

// Every path here is two words and unique, so this order decides no match; az's help lists them sorted.
export const aksCommands: AzCommand[] = [...clusterCommands, ...updateCommands, ...credentialCommands, ...acrPullCommands];
