import { list, str, type Parsed } from '../args.js';
import type { AzCtx } from '../context.js';
import { cliError } from '../errors.js';
import type { AzCommand } from '../registry.js';
import { requireVault, vaultView } from './vault-resource.js';

/** Access policies of a vault that uses them instead of RBAC: set-policy and delete-policy. */

/** The vault and the principal whose policy set-policy and delete-policy change. */
const PRINCIPAL_ARGS: AzCommand['args'] = [
  { names: '--name -n', required: true },
  { names: '--resource-group -g' },
  { names: '--object-id' },
  { names: '--upn' },
  { names: '--spn' },
];

export const accessPolicyCommands: AzCommand[] = [
  {
    path: 'keyvault set-policy',
    args: [
      ...PRINCIPAL_ARGS,
      { names: '--application-id' },
      { names: '--key-permissions', kind: 'list' },
      { names: '--secret-permissions', kind: 'list' },
      { names: '--certificate-permissions', kind: 'list' },
      { names: '--storage-permissions', kind: 'list' },
      { names: '--no-wait', kind: 'flag' },
    ],
    run: (ctx, a) => {
      const v = requireVault(ctx, str(a, 'name'), str(a, 'resourceGroup'));
      const props = v.properties as {
        enableRbacAuthorization?: boolean;
        accessPolicies: { objectId: string; permissions: Record<string, string[] | null>; applicationId: null; tenantId: string }[];
      };
      // azure-cli keyvault/custom.py set_policy refuses RBAC vaults with this text.
      if (props.enableRbacAuthorization) throw cliError("Cannot set policies to a vault with '--enable-rbac-authorization' specified");
      const oid = resolveObjectId(ctx, a);
      let p = props.accessPolicies.find((x) => x.objectId === oid);
      if (!p) {
        p = {
          applicationId: null,
          objectId: oid,
          permissions: { certificates: null, keys: null, secrets: null, storage: null },
          tenantId: ctx.world.tenant.id,
        };
        props.accessPolicies.push(p);
      }
      for (const [kind, arg] of [
        ['keys', 'keyPermissions'],
        ['secrets', 'secretPermissions'],
        ['certificates', 'certificatePermissions'],
        ['storage', 'storagePermissions'],
      ] as const) {
        const vals = list(a, arg);
        if (vals) p.permissions[kind] = vals;
      }
      ctx.markDirty();
      return vaultView(v);
    },
  },
  {
    path: 'keyvault delete-policy',
    args: [...PRINCIPAL_ARGS, { names: '--no-wait', kind: 'flag' }],
    run: (ctx, a) => {
      const v = requireVault(ctx, str(a, 'name'), str(a, 'resourceGroup'));
      const props = v.properties as { enableRbacAuthorization?: boolean; accessPolicies: { objectId: string }[] };
      if (props.enableRbacAuthorization) throw cliError("Cannot set policies to a vault with '--enable-rbac-authorization' specified");
      const oid = resolveObjectId(ctx, a);
      props.accessPolicies = props.accessPolicies.filter((x) => x.objectId !== oid);
      ctx.markDirty();
      return vaultView(v);
    },
  },
];

function resolveObjectId(ctx: AzCtx, a: Parsed): string {
  const oid = str(a, 'objectId');
  if (oid) return oid;
  const upn = str(a, 'upn');
  if (upn) {
    if (upn.toLowerCase() === ctx.world.user.name.toLowerCase()) return ctx.world.user.objectId;
    throw cliError('Unable to get object id from principal name.');
  }
  const spn = str(a, 'spn');
  if (spn) {
    const p = Object.values(ctx.world.principals).find((x) => x.appId === spn);
    if (p) return p.objectId;
    throw cliError('Unable to get object id from principal name.');
  }
  throw cliError('usage error: --object-id OBJECT_ID | --upn UPN | --spn SPN');
}
