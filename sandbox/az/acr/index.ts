import type { AzCommand } from '../registry.js';
import { buildCommands } from './build.js';
import { manifestCommands } from './manifests.js';
import { registryCommands } from './registries.js';
import { repositoryCommands } from './repositories.js';

/** ACR control and data plane, with az 2.x's output shapes. */

// The parser sorts commands by path depth with a stable sort, so this order decides ties.
export const acrCommands: AzCommand[] = [...registryCommands, ...buildCommands, ...repositoryCommands, ...manifestCommands];
