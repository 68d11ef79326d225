import type { FaultKind } from '../faults.js';
import type { ToolResult } from '../tool-result.js';

/**
 * What an injected fault prints: the texts the real services give for that kind (ARM errors
 * as az prints them; kubectl, helm and notation errors as those tools print them).
 */
function armBlock(code: string, message: string, inner?: string): string {
  return `ERROR: (${code}) ${message}\nCode: ${code}\nMessage: ${message}\n${inner ? `Inner error: {\n    "code": "${inner}"\n}\n` : ''}`;
}

export function faultResult(
  tool: string,
  argv: readonly string[],
  kind: Exclude<FaultKind, 'hang' | 'crash'>,
  ids: { oid: string; tenant: string; sub: string },
): ToolResult {
  const cmd = argv.join(' ');
  if (tool === 'az') {
    const keyvaultData = /^keyvault (certificate|secret|key) /.test(cmd);
    switch (kind) {
      case 'transient':
        return {
          stdout: '',
          exitCode: 1,
          stderr: armBlock(
            'TooManyRequests',
            'The request is being throttled as the limit has been reached for operation type - Write_ObservationWindow_00:05:00. For more information, refer to - https://aka.ms/srpthrottlinglimits',
          ),
        };
      case 'conflict':
        return {
          stdout: '',
          exitCode: 1,
          stderr: /^aks /.test(cmd)
            ? armBlock(
                'OperationNotAllowed',
                "Operation is not allowed because there's an in progress update managed cluster operation on the managed cluster. Please wait until the operation completes and try again.",
              )
            : armBlock(
                'Conflict',
                'Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: https://management.azure.com/subscriptions/' +
                  ids.sub +
                  '/providers/Microsoft.Resources/operations?api-version=2021-04-01',
              ),
        };
      case 'propagation':
        return {
          stdout: '',
          exitCode: 1,
          stderr: keyvaultData
            ? armBlock(
                'Forbidden',
                `Caller is not authorized to perform action on resource.\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\nCaller: appid=04b07795-8ddb-461a-bbee-02f9e1bf7b46;oid=${ids.oid};iss=https://sts.windows.net/${ids.tenant}/\nAction: 'Microsoft.KeyVault/vaults/certificates/create/action'\nAssignment: (not found)\nDecisionReason: null \n`,
                'ForbiddenByRbac',
              )
            : armBlock(
                'AuthorizationFailed',
                `The client 'alice@contoso.onmicrosoft.com' with object id '${ids.oid}' does not have authorization to perform action 'Microsoft.Authorization/*/write' over scope '/subscriptions/${ids.sub}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
              ),
        };
      case 'permanent':
        return {
          stdout: '',
          exitCode: 1,
          stderr: armBlock(
            'InvalidRequestContent',
            "The request content was invalid and could not be deserialized: 'Required property 'properties' not found in JSON.'.",
          ),
        };
    }
  }
  if (tool === 'kubectl') {
    const text = {
      transient: 'Error from server (TooManyRequests): the server has received too many requests and has asked us to try again later',
      conflict:
        'Error from server (Conflict): Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again',
      propagation: 'Error from server (Forbidden): the server does not allow access to the requested resource',
      permanent: 'Error from server (BadRequest): the server rejected our request for an unknown reason',
    }[kind];
    return { stdout: '', stderr: text + '\n', exitCode: 1 };
  }
  if (tool === 'helm') {
    const text = {
      transient: 'Error: Kubernetes cluster unreachable: the server has received too many requests and has asked us to try again later',
      conflict: 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress',
      propagation:
        'Error: query: failed to query with labels: secrets is forbidden: User "clusterUser" cannot list resource "secrets" in API group "" in the namespace "gatekeeper-system"',
      permanent: 'Error: INSTALLATION FAILED: chart requires kubeVersion: >=1.99.0 which is incompatible with Kubernetes v1.32.6',
    }[kind];
    return { stdout: '', stderr: text + '\n', exitCode: 1 };
  }
  const text = {
    transient: 'Error: failed to get manifest descriptor: HEAD request: response status code 429: Too Many Requests',
    conflict: 'Error: failed to push signature to registry with error: response status code 409: Conflict',
    propagation:
      'Error: failed to sign with the plugin azure-kv: Caller is not authorized to perform action on resource.\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.',
    permanent:
      'Error: failed to sign with the plugin azure-kv: Invalid input passed to "--id". Please follow this format to input the ID "https://<vault-name>.vault.azure.net/certificates/<certificate-name>/[certificate-version]"',
  }[kind];
  return { stdout: '', stderr: text + '\n', exitCode: 1 };
}
