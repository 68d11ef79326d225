import type { AzCommand } from '../registry.js';
import { accessPolicyCommands } from './access-policies.js';
import { certificateCommands } from './certificates.js';
import { vaultCommands } from './vaults.js';

/** Key Vault management plane and certificates, with az 2.x's output shapes. */

// The parser sorts commands by path depth with a stable sort, so this order decides ties: vaults, policies, certificates.
export const keyvaultCommands: AzCommand[] = [...vaultCommands, ...accessPolicyCommands, ...certificateCommands];
