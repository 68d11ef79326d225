import type { KnownFailure } from '../../runner/step.js';

/**
 * Failures users meet on this flow (message -> fix), one constant per failure, so each step
 * lists the ones its commands can meet. Each names its entry in docs/troubleshooting.md
 * (message, cause, fix, upstream source): a new failure gets its entry there, with an
 * explicit anchor, and `see` points at it (test/docs/links.test.ts checks every one).
 */
export const helmRepo404: KnownFailure = {
  match: /is not a valid chart repository|ratify-[\d.]+\.tgz\s*:\s*404|deislabs\.github\.io\/ratify|ratify-project\.github\.io\/ratify/i,
  hint:
    'The Ratify chart moved: `helm repo add ratify https://notaryproject.github.io/ratify --force-update`, then `helm repo update` ' +
    '(the old deislabs and ratify-project hosts answer 404).',
  see: 'docs/troubleshooting.md#helm-repo-404',
};
export const byoValidation: KnownFailure = {
  match: /byovalidation\.policy\.azure\.com|governed by Azure Policy/i,
  hint:
    'The Azure Policy add-on rejects hand-made Gatekeeper objects: keep `provider.enableMutation: false` in the Ratify values ' +
    'and create the policy through Azure Policy (the policy step does).',
  see: 'docs/troubleshooting.md#azure-policy-rejects-gatekeeper-objects',
};
export const workloadIdentityNotInjected: KnownFailure = {
  match: /azure tenant id environment variable is empty/i,
  hint:
    'Workload identity did not reach the Ratify pod: enable it on the cluster (`az aks update --enable-workload-identity`), ' +
    'keep `azureWorkloadIdentity.clientId` in the values, then restart the ratify deployment.',
  see: 'docs/troubleshooting.md#workload-identity-not-injected',
};
export const ficMismatch: KnownFailure = {
  match: /AADSTS70021|AADSTS700213|No matching federated identity record/i,
  hint:
    'The federated credential does not match: it must be for `system:serviceaccount:gatekeeper-system:ratify-admin` on the ' +
    "cluster's current OIDC issuer. Just created: wait a minute and run again. " +
    'Cluster recreated: run again with `--from cluster-prereqs`.',
  see: 'docs/troubleshooting.md#federated-credential-mismatch',
};
export const kmpNoSecretGet: KnownFailure = {
  // "The plugin does not have secrets get permission. Please grant ..." is notation's own (pluginSecretsGet), not Ratify's.
  match: /does not have secrets get permission(?!\. Please grant)|ForbiddenByRbac|secrets\/getSecret\/action/i,
  hint:
    "Ratify's identity cannot read the certificate (it reads it through the secret): grant `Key Vault Secrets User` (RBAC vault) " +
    'or `--secret-permissions get` (access-policy vault), then delete and re-apply the `kmprovider-akv` key management provider.',
  see: 'docs/troubleshooting.md#ratify-cannot-read-certificate',
};
export const kmpPkcs12: KnownFailure = {
  match: /expected exactly two items in the authenticated safe|CERT_INVALID|failed to convert PKCS12/i,
  hint:
    'The certificate is PKCS12 with a non-exportable key: recreate it with `contentType: application/x-pem-file` ' +
    '(templates/certificate-policy.json has it).',
  see: 'docs/troubleshooting.md#certificate-not-pem',
};
export const noSignatureFound: KnownFailure = {
  match: /NO_VERIFIER_REPORT|REFERRERS_NOT_FOUND/,
  hint:
    'No signature on that digest: sign `<registry>/<repo>@<digest>` of exactly what the pod runs (check with `notation ls <ref>`); ' +
    'a rebuilt tag has a new digest.',
  see: 'docs/troubleshooting.md#no-signature-found',
};
export const untrustedSigner: KnownFailure = {
  match: /not produced by a trusted signer|VERIFY_SIGNATURE_FAILURE|VERIFY_REFERENCE_FAILURE/i,
  hint:
    'The signature is not by the certificate Ratify trusts: a recreated certificate or a new version, a subject other than ' +
    '`trustedIdentities`, or a stale signature (every signature must verify). Remove old signatures and check certSubject.',
  see: 'docs/troubleshooting.md#untrusted-signer',
};
export const noTrustPolicy: KnownFailure = {
  match: /has no applicable trust policy/i,
  hint: "The trust policy's `registryScopes` does not cover this image: it must be `<registry>/<repo>`, without a tag.",
  see: 'docs/troubleshooting.md#no-applicable-trust-policy',
};
export const missingKmp: KnownFailure = {
  match: /non-existent key management provider/i,
  hint:
    'The verifier names a key management provider that does not exist: chart >= 1.13 names it `kmprovider-akv`; ' +
    "reinstall with the runbook's values file.",
  see: 'docs/troubleshooting.md#missing-key-management-provider',
};
export const externalDataTimeout: KnownFailure = {
  match: /operation timed out after duration|System error calling external data provider/i,
  hint:
    'Ratify answered too slowly (cold start, token exchange, a registry in another region). Retry in a minute; ' +
    'keep ACR and AKS in the same region.',
  see: 'docs/troubleshooting.md#external-data-timeout',
};
export const chartTls: KnownFailure = {
  match: /You must provide a TLS certificate|provider\.tls\.cabundle/i,
  hint:
    "Set `featureFlags.RATIFY_CERT_ROTATION: true` (the runbook's values do) and run `helm repo update`: " +
    'a stale cached index serves an old chart.',
  see: 'docs/troubleshooting.md#chart-needs-tls-certificate',
};
export const setPolicyOnRbacVault: KnownFailure = {
  match: /Cannot set policies to a vault with '--enable-rbac-authorization' specified/i,
  hint: 'This vault uses Azure RBAC, not access policies: set `keyVaultAuth: rbac` so the runbook uses role assignments.',
  see: 'docs/troubleshooting.md#set-policy-on-rbac-vault',
};
export const signerForbidden: KnownFailure = {
  match: /ForbiddenByRbac|Caller is not authorized to perform action on resource|does not have (certificates|keys) \w+ permission/i,
  hint:
    'Key Vault refuses the signer: the roles of signer-access (`Key Vault Certificates Officer`, `Key Vault Crypto User`) are ' +
    'missing or still propagating. Check them with `az role assignment list --assignee <you> --scope <vault id>`, then run again.',
  see: 'docs/troubleshooting.md#keyvault-forbidden-by-rbac',
};
export const pluginSecretsGet: KnownFailure = {
  match: /The plugin does not have secrets get permission/i,
  hint:
    'A self-signed certificate is signed with `--plugin-config self_signed=true` (the runbook passes it); ' +
    'without it the plugin needs secrets get.',
  see: 'docs/troubleshooting.md#plugin-secrets-get',
};
export const pluginNoexecTmp: KnownFailure = {
  match: /fork\/exec \/tmp\/notation-plugin.*permission denied/i,
  hint: '/tmp is mounted noexec: `mkdir -p $HOME/tmp && export TMPDIR=$HOME/tmp`, then install the plugin again.',
  see: 'docs/troubleshooting.md#plugin-install-noexec-tmp',
};
export const acrTasksBlocked: KnownFailure = {
  match: /TasksOperationsNotAllowed/,
  hint:
    'ACR Tasks are not allowed on this subscription (free trial or credit): build and push with `docker build` and `docker push`, ' +
    'then run again: the runbook reuses the pushed image.',
  see: 'docs/troubleshooting.md#acr-tasks-not-allowed',
};
export const vaultNameReserved: KnownFailure = {
  match: /already in use.*(deleted|purged)|already exists in deleted state|deleted but not purged/is,
  hint:
    'A deleted vault still holds the name: `az keyvault purge -n <name>` (frees it), `az keyvault recover -n <name>` ' +
    '(brings it back), or choose another keyVaultName.',
  see: 'docs/troubleshooting.md#keyvault-name-reserved',
};
export const imagePull: KnownFailure = {
  match: /ImagePullBackOff|ErrImagePull|401 Unauthorized/i,
  hint:
    'The pod was admitted but the kubelet cannot pull: attach the registry (`az aks update --attach-acr <acr>`; cluster-prereqs ' +
    'does) and check with `az aks check-acr`. This is not a policy problem.',
  see: 'docs/troubleshooting.md#image-pull-backoff',
};
export const unsignedAdmitted: KnownFailure = {
  match: /unsigned image was admitted/i,
  hint:
    'Nothing denied the unsigned image: the policy is not enforced yet (the add-on syncs every 15 minutes), the effect is Audit, ' +
    'the namespace is outside the assignment, or the audit-only Image Integrity is still in charge.',
  see: 'docs/troubleshooting.md#unsigned-image-admitted',
};
export const authorizationFailed: KnownFailure = {
  match: /AuthorizationFailed|does not have authorization to perform action 'Microsoft\.Authorization\/roleAssignments\/write'/i,
  hint:
    'Missing Azure rights: role assignments need Owner, User Access Administrator or Role Based Access Control Administrator ' +
    'on the scope; policy definitions and assignments need Resource Policy Contributor or Owner. ' +
    'Ask an admin, or run as someone who has them.',
  see: 'docs/troubleshooting.md#missing-permissions',
};
export const certificateSoftDeleted: KnownFailure = {
  match: /deleted but recoverable state|ObjectIsDeletedButRecoverable/i,
  hint:
    'A deleted certificate of that name waits to be purged: `az keyvault certificate purge -n <cert> --vault-name <vault>` ' +
    '(or `az keyvault certificate recover ...`), then run again.',
  see: 'docs/troubleshooting.md#certificate-soft-deleted',
};
export const invalidKeyId: KnownFailure = {
  match: /Invalid input passed to "--id"/,
  hint: 'The key id must be the raw `kid` (`--query kid -o tsv`), not a quoted JSON string.',
  see: 'docs/troubleshooting.md#invalid-key-id',
};
export const aksPreviewMissing: KnownFailure = {
  match: /unrecognized arguments:.*--disable-image-integrity/i,
  hint: 'Disabling Image Integrity needs the aks-preview extension (>= 0.5.96): `az extension add --name aks-preview --upgrade`.',
  see: 'docs/troubleshooting.md#aks-preview-missing',
};
export const oidcRequired: KnownFailure = {
  match: /Enabling workload identity requires enabling OIDC issuer/i,
  hint: 'Workload identity needs the OIDC issuer: `az aks update --enable-oidc-issuer --enable-workload-identity`.',
  see: 'docs/troubleshooting.md#oidc-issuer-required',
};
export const policySyncTimeout: KnownFailure = {
  match: /Gave up waiting for the ratifyverification constraint/i,
  hint:
    'The add-on has not brought the assignment into the cluster yet (it syncs every 15 minutes, sometimes later): ' +
    'check that the azure-policy pods run in kube-system, then run again; the step only waits.',
  see: 'docs/troubleshooting.md#policy-sync-timeout',
};
export const kubeloginDeviceCode: KnownFailure = {
  match: /microsoft\.com\/devicelogin|executable kubelogin not found/i,
  hint:
    'The kubeconfig waits for a browser sign-in (an Entra ID cluster): install kubelogin (`az aks install-cli`) and run again; ' +
    "preflight converts the state dir's kubeconfig with `kubelogin convert-kubeconfig -l azurecli`.",
  see: 'docs/troubleshooting.md#kubelogin-device-code',
};
export const helmFlags: KnownFailure = {
  match: /unknown flag: --(rollback-on-failure|force-replace)|Flag --atomic has been deprecated|invalid argument "\w+" for "--wait" flag/,
  hint:
    'The Helm on this machine is not the major preflight found ' +
    '(Helm 4 takes --rollback-on-failure --wait=watcher, Helm 3 --atomic --wait): ' +
    'run again, preflight reads it anew.',
  see: 'docs/troubleshooting.md#helm-4-flags',
};
export const chartVersionNotFound: KnownFailure = {
  match: /chart "ratify" matching \S+ not found in \S+ index/,
  hint:
    'The repository does not offer that chart version: `helm search repo ratify/ratify --versions` lists what it has; ' +
    'set ratifyChartVersion to a listed 1.15.x (1.15.0 is the default).',
  see: 'docs/troubleshooting.md#chart-version-not-found',
};
