import type { Step } from '../runner/step.js';
import { buildAndSign } from './build-and-sign.js';
import { certificate } from './certificate.js';
import { cleanupImageIntegrity } from './cleanup-image-integrity.js';
import { clusterPrereqs } from './cluster-prereqs.js';
import { keyVault } from './key-vault.js';
import { notationSetup } from './notation-setup.js';
import { policy } from './policy.js';
import { preflight } from './preflight.js';
import { provisionBase } from './provision-base.js';
import { ratifyIdentity } from './ratify-identity.js';
import { ratifyInstall } from './ratify-install.js';
import { signerAccess } from './signer-access.js';
import { verify } from './verify.js';

/**
 * The flow in the blog's order. `after` of each step names only its real data dependencies, so
 * the engine overlaps independent branches (key-vault -> certificate alongside cluster-prereqs;
 * notation-setup right after preflight; the policy's 15-minute sync alongside Ratify's install).
 */
export const steps: readonly Step[] = [
  provisionBase,
  preflight,
  cleanupImageIntegrity,
  clusterPrereqs,
  keyVault,
  signerAccess,
  certificate,
  notationSetup,
  buildAndSign,
  ratifyIdentity,
  ratifyInstall,
  policy,
  verify,
] as readonly Step[];
