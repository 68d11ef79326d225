import type { KnownFailure } from '../../runner/step.js';

/**
 * Reference section C (message -> cause -> fix), one constant per failure, so each step
 * lists the ones its commands can meet. The numbers are section C's.
 */
export const helmRepo404: KnownFailure = {
  match: /is not a valid chart repository|ratify-[\d.]+\.tgz\s*:\s*404|deislabs\.github\.io\/ratify|ratify-project\.github\.io\/ratify/i,
  hint: 'C1: the Ratify chart moved; use `helm repo add ratify https://notaryproject.github.io/ratify --force-update` and `helm repo update` (the old deislabs/ratify-project hosts return 404).',
};
export const byoValidation: KnownFailure = {
  match: /byovalidation\.policy\.azure\.com|governed by Azure Policy/i,
  hint: 'C2: the Azure Policy add-on rejects hand-made Gatekeeper objects: keep `provider.enableMutation: false` in the Ratify values and create the policy through Azure Policy (the policy step).',
};
export const workloadIdentityNotInjected: KnownFailure = {
  match: /azure tenant id environment variable is empty/i,
  hint: 'C3: workload identity did not reach the Ratify pod: enable it on the cluster (`az aks update --enable-workload-identity`), keep `azureWorkloadIdentity.clientId` in the values, then restart the ratify deployment.',
};
export const ficMismatch: KnownFailure = {
  match: /AADSTS70021|AADSTS700213|No matching federated identity record/i,
  hint: 'C4: the federated credential does not match: it must be for `system:serviceaccount:gatekeeper-system:ratify-admin` with the cluster\'s current OIDC issuer. Re-run ratify-identity (it re-reads the issuer), wait a minute, then re-run.',
};
export const kmpNoSecretGet: KnownFailure = {
  match: /does not have secrets get permission(?!\. Please grant the permission to the credential associated with the plugin)|ForbiddenByRbac|secrets\/getSecret\/action/i,
  hint: 'C5: Ratify\'s identity cannot read the certificate (it reads it through the secret endpoint): grant "Key Vault Secrets User" (RBAC vault) or `--secret-permissions get` (access-policy vault), then re-apply the KMP (`kubectl get keymanagementproviders.config.ratify.deislabs.io kmprovider-akv -o yaml`, delete, apply).',
};
export const kmpPkcs12: KnownFailure = {
  match: /expected exactly two items in the authenticated safe|CERT_INVALID|failed to convert PKCS12/i,
  hint: 'C6: the certificate is PKCS12 with a non-exportable key: recreate it with `contentType: application/x-pem-file` (templates/certificate-policy.json does).',
};
export const noSignatureFound: KnownFailure = {
  match: /NO_VERIFIER_REPORT|REFERRERS_NOT_FOUND/,
  hint: 'C7: no signature on that digest: sign `<registry>/<repo>@<digest>` of exactly what the pod runs (`notation ls <ref>`); a rebuilt tag has a new digest.',
};
export const untrustedSigner: KnownFailure = {
  match: /not produced by a trusted signer|VERIFY_SIGNATURE_FAILURE|VERIFY_REFERENCE_FAILURE/i,
  hint: 'C8: the signing certificate is not the one Ratify trusts: a recreated certificate or a new version, a subject that differs from `trustedIdentities`, or a stale signature (Ratify requires every signature to verify). Remove old signatures (build-and-sign offers to) and check certSubject.',
};
export const noTrustPolicy: KnownFailure = {
  match: /has no applicable trust policy/i,
  hint: 'C9: `registryScopes` of the trust policy does not cover this image: it must be `<registry>/<repo>` without a tag.',
};
export const missingKmp: KnownFailure = {
  match: /non-existent key management provider/i,
  hint: 'C10: the verifier references a KMP that does not exist: chart >= 1.13 names it `kmprovider-akv`; reinstall with the runbook\'s values file.',
};
export const externalDataTimeout: KnownFailure = {
  match: /operation timed out after duration|System error calling external data provider/i,
  hint: 'C11: Ratify answered too slowly (cold start, token exchange, cross-region registry). Retry in a minute; keep ACR and AKS in the same region.',
};
export const chartTls: KnownFailure = {
  match: /You must provide a TLS certificate|provider\.tls\.cabundle/i,
  hint: 'C12: set `featureFlags.RATIFY_CERT_ROTATION: true` (the runbook\'s values do) and run `helm repo update`: an old cached index serves an old chart.',
};
export const setPolicyOnRbacVault: KnownFailure = {
  match: /Cannot set policies to a vault with '--enable-rbac-authorization' specified/i,
  hint: 'C13: this vault uses Azure RBAC, not access policies: set `keyVaultAuth: rbac` so the runbook uses role assignments.',
};
export const pluginSecretsGet: KnownFailure = {
  match: /The plugin does not have secrets get permission/i,
  hint: 'C14: a self-signed certificate must be signed with `--plugin-config self_signed=true` (the runbook passes it); otherwise the plugin needs secrets get.',
};
export const pluginNoexecTmp: KnownFailure = {
  match: /fork\/exec \/tmp\/notation-plugin.*permission denied/i,
  hint: 'C15: /tmp is mounted noexec: `mkdir -p $HOME/tmp && export TMPDIR=$HOME/tmp`, then run the plugin install again.',
};
export const acrTasksBlocked: KnownFailure = {
  match: /TasksOperationsNotAllowed/,
  hint: 'C16: ACR Tasks are not allowed on this subscription (free trial/credit): build and push with docker (`docker build`, `docker push`), then run again: the runbook reuses the pushed digest.',
};
export const vaultNameReserved: KnownFailure = {
  match: /already in use.*(deleted|purged)|already exists in deleted state|deleted but not purged/is,
  hint: 'C17: a deleted vault still holds the name: `az keyvault purge -n <name>` (frees it), `az keyvault recover -n <name>` (brings it back), or choose another keyVaultName.',
};
export const imagePull: KnownFailure = {
  match: /ImagePullBackOff|ErrImagePull|401 Unauthorized/i,
  hint: 'C19: the pod was admitted but the kubelet cannot pull: attach the registry (`az aks update --attach-acr <acr>`, cluster-prereqs does) and check with `az aks check-acr`. This is not a policy problem.',
};
export const unsignedAdmitted: KnownFailure = {
  match: /unsigned image was admitted/i,
  hint: 'C20: nothing denied the unsigned image: the policy is not enforced yet (the add-on syncs every 15 minutes), the effect is Audit, the namespace is outside the assignment, or Image Integrity (audit-only) is still what the cluster uses.',
};
export const authorizationFailed: KnownFailure = {
  match: /AuthorizationFailed|does not have authorization to perform action 'Microsoft\.Authorization\/roleAssignments\/write'/i,
  hint: 'Creating role assignments needs Owner, User Access Administrator or Role Based Access Control Administrator on the scope; ask an admin, or run as someone who has it.',
};
export const certificateSoftDeleted: KnownFailure = {
  match: /deleted but recoverable state|ObjectIsDeletedButRecoverable/i,
  hint: 'A deleted certificate of that name is waiting to be purged: `az keyvault certificate purge -n <cert> --vault-name <vault>` or `az keyvault certificate recover ...`, then run again.',
};
export const invalidKeyId: KnownFailure = {
  match: /Invalid input passed to "--id"/,
  hint: 'Erratum 8: the key id must be the raw `kid` (`--query kid -o tsv`), not a quoted JSON string.',
};
export const aksPreviewMissing: KnownFailure = {
  match: /unrecognized arguments:.*--disable-image-integrity/i,
  hint: 'Disabling Image Integrity needs the aks-preview extension: `az extension add --name aks-preview` (>= 0.5.96).',
};
export const oidcRequired: KnownFailure = {
  match: /Enabling workload identity requires enabling OIDC issuer/i,
  hint: 'Workload identity needs the OIDC issuer: `az aks update --enable-oidc-issuer --enable-workload-identity`.',
};
