import type { KubeResource } from '../../runner/step.js';

/** The cluster resources the steps read through the API (kubectl's names in the notebook). */
export const PODS: KubeResource = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
export const NAMESPACES: KubeResource = { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };
export const CONSTRAINT_TEMPLATES: KubeResource = {
  group: 'templates.gatekeeper.sh',
  version: 'v1',
  kind: 'ConstraintTemplate',
  plural: 'constrainttemplates',
  namespaced: false,
};
/** The constraint kind Ratify's template defines (Gatekeeper names the plural after the kind). */
export const RATIFY_CONSTRAINTS: KubeResource = {
  group: 'constraints.gatekeeper.sh',
  version: 'v1beta1',
  kind: 'RatifyVerification',
  plural: 'ratifyverification',
  namespaced: false,
};
export const KEY_MANAGEMENT_PROVIDERS: KubeResource = {
  group: 'config.ratify.deislabs.io',
  version: 'v1beta1',
  kind: 'KeyManagementProvider',
  plural: 'keymanagementproviders',
  namespaced: false,
};
