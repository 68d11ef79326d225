import type { StepContext } from '../../runner/step.js';
import { az } from './az.js';
import { apiVersions, registryId } from './ids.js';

/**
 * A registry's id, found by name in the subscription (it may live in another resource group):
 * one ARM GET of the subscription's registries, shown as the `az acr show` it stands for.
 */
export async function registryIdByName(
  ctx: Pick<StepContext, 'azure' | 'mode'>,
  sub: string,
  acrName: string,
  resourceGroup: string,
): Promise<string> {
  const found = await ctx.azure.list(`/subscriptions/${sub}/resources`, apiVersions.resourceGroup, {
    filter: `resourceType eq 'Microsoft.ContainerRegistry/registries' and name eq '${acrName}'`,
    shows: [{ argv: az(sub, 'acr', 'show', '-n', acrName, '--query', 'id', '-o', 'tsv') }],
  });
  // A plan assumes the fresh world of the blog's part 3: the registry is in the resource group.
  if (ctx.mode === 'plan') return registryId(sub, resourceGroup, acrName);
  const id = found.find((r) => r.name?.toLowerCase() === acrName.toLowerCase())?.id;
  if (!id) throw new Error(`Container registry ${acrName} was not found in subscription ${sub}: check acrName (and subscriptionId).`);
  return id;
}
