/**
 * Environment variables the thin clients forward to the world's owner (everything a tool's
 * behaviour may read). One list for the node client, the bash client and the real kubectl's shim;
 * no imports, so a tool process that loads it starts fast.
 */
export const FORWARDED_ENV = [
  'KUBECONFIG',
  'HOME',
  'XDG_CONFIG_HOME',
  'HELM_REPOSITORY_CONFIG',
  'HELM_CACHE_HOME',
  'HELM_CONFIG_HOME',
  'NOTATION_USERNAME',
  'NOTATION_PASSWORD',
  'RATIFY_RUNBOOK_STEP',
  'RATIFY_SANDBOX_SESSION',
  'AZURE_CONFIG_DIR',
  'AAD_LOGIN_METHOD',
] as const;
