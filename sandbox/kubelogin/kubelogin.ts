import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { signJwt } from '../jwt.js';
import type { ExecConfig } from '../kube/credentials.js';
import { splitFlag } from '../split-flag.js';
import type { ToolContext } from '../tool-context.js';
import { ToolError, type ToolResult } from '../tool-result.js';

/**
 * kubelogin v0.2.x (Azure/kubelogin pkg/cmd, pkg/internal/converter, pkg/internal/token):
 * `convert-kubeconfig` rewrites the exec section of every user whose plugin is kubelogin;
 * `get-token` prints an ExecCredential. Cobra: `Error: <msg>` on stderr, exit 1.
 */
export const KUBELOGIN_VERSION = 'v0.2.19';
const LOGINS = ['devicecode', 'interactive', 'spn', 'ropc', 'msi', 'azurecli', 'azd', 'workloadidentity', 'azurepipelines'] as const;
/** The Azure CLI's public client id: tokens `az` hands out carry it as appid. */
const AZURE_CLI_APP = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
/** converter.go execInstallHint. */
export const INSTALL_HINT =
  '\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\n' +
  'To learn more, please go to https://azure.github.io/kubelogin/\n';

const VALUE = new Set([
  '-l',
  '--login',
  '--client-id',
  '--client-secret',
  '--client-certificate',
  '--client-certificate-password',
  '--username',
  '--password',
  '--identity-resource-id',
  '--server-id',
  '--federated-token-file',
  '--authority-host',
  '--azure-pipelines-service-connection-id',
  '--token-cache-dir',
  '--cache-dir',
  '-t',
  '--tenant-id',
  '-s',
  '--subscription',
  '-e',
  '--environment',
  '--timeout',
  '--pop-claims',
  '--redirect-url',
  '--login-hint',
  '-v',
]);
const BOOL = new Set([
  '--legacy',
  '--use-azurerm-env-vars',
  '--pop-enabled',
  '--disable-environment-override',
  '--disable-instance-discovery',
]);
/** convert-kubeconfig also takes kubectl's config flags (genericclioptions) and these two. */
const CONVERT_VALUE = new Set(['--kubeconfig', '--context', '--azure-config-dir', '--cluster', '--user', '-n', '--namespace']);
const ALIASES: Record<string, string> = {
  '-l': '--login',
  '-t': '--tenant-id',
  '-s': '--subscription',
  '-e': '--environment',
  '--token-cache-dir': '--cache-dir',
};

/** The message Entra ID returns for a device-code sign-in, which azidentity prints on stderr. */
const DEVICE_CODE_PROMPT = 'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code';

const fail = (msg: string): ToolError => new ToolError(`Error: ${msg}\n`, 1);
const ok = (stdout: string, stderr = ''): ToolResult => ({ stdout, stderr, exitCode: 0 });

interface Parsed {
  readonly command: string | undefined;
  readonly flags: Map<string, string>;
}

function parse(argv: readonly string[]): Parsed {
  const flags = new Map<string, string>();
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) {
      if (command) throw fail(`unknown command "${a}" for "kubelogin ${command}"`);
      if (!['convert-kubeconfig', 'get-token', 'remove-cache-dir', 'remove-tokens', 'help'].includes(a)) {
        throw fail(`unknown command "${a}" for "kubelogin"\nRun 'kubelogin --help' for usage.`);
      }
      command = a;
      continue;
    }
    const { name, value } = splitFlag(a);
    if (name === '--version' || name === '--help' || name === '-h') {
      flags.set(name, 'true');
    } else if (VALUE.has(name) || (command === 'convert-kubeconfig' && CONVERT_VALUE.has(name))) {
      const v = value ?? argv[++i];
      if (v === undefined) throw fail(`flag needs an argument: ${name}`);
      flags.set(ALIASES[name] ?? name, v);
    } else if (BOOL.has(name)) {
      flags.set(name, value ?? 'true');
    } else {
      throw fail(`unknown flag: ${name}`);
    }
  }
  return { command, flags };
}

function loginOf(p: Parsed, env: Readonly<Record<string, string>>): string {
  const fromEnv = p.flags.get('--disable-environment-override') === 'true' ? undefined : env.AAD_LOGIN_METHOD;
  const login = fromEnv || p.flags.get('--login') || 'devicecode';
  if (!(LOGINS as readonly string[]).includes(login)) {
    throw fail(`'${login}' is not a supported login method. Supported method is one of ${LOGINS.join(', ')}`);
  }
  return login;
}

export async function runKubelogin(t: ToolContext, argv: readonly string[]): Promise<ToolResult> {
  try {
    const p = parse(argv);
    if (p.flags.get('--version') === 'true' && !p.command) {
      // cobra's version template around main.go's Version.String().
      const hash = `${KUBELOGIN_VERSION}/3e1b2a9c0d4f5e6a7b8c9d0e1f2a3b4c5d6e7f80`;
      return ok(`kubelogin version \ngit hash: ${hash}\nGo version: go1.24.6\nBuild time: 2026-10-14T08:12:31Z\nPlatform: linux/amd64\n`);
    }
    if (!p.command || p.command === 'help' || p.flags.get('--help') === 'true') {
      return ok('login to azure active directory and populate kubeconfig with AAD tokens (ratify-runbook sandbox)\n');
    }
    if (p.command === 'convert-kubeconfig') return convert(t, p);
    if (p.command === 'get-token') return getToken(t, p, t.env);
    return ok('');
  } catch (e) {
    if (e instanceof ToolError) return { stdout: e.stdout, stderr: e.message, exitCode: e.exitCode };
    throw e;
  }
}

/** The exec plugin as kubectl runs it: the kubeconfig's args, and its env over the caller's. */
export async function runKubeloginPlugin(t: ToolContext, exec: ExecConfig): Promise<ToolResult> {
  const env: Record<string, string> = { ...t.env };
  for (const e of exec.env ?? []) env[e.name] = e.value;
  try {
    const p = parse(exec.args ?? []);
    if (p.command !== 'get-token') throw fail(`unknown command "${p.command ?? ''}" for "kubelogin"`);
    return getToken({ ...t, env }, p, env);
  } catch (e) {
    if (e instanceof ToolError) return { stdout: e.stdout, stderr: e.message, exitCode: e.exitCode };
    throw e;
  }
}

/**
 * devicecode prints the sign-in prompt Entra ID returns and polls until someone signs in in a
 * browser (azidentity DeviceCodeCredential): in a non-interactive run nobody does, so it waits.
 * azurecli reuses the `az login` of this machine: a token for the AKS server application.
 */
function getToken(t: ToolContext, p: Parsed, env: Readonly<Record<string, string>>): ToolResult {
  const login = loginOf(p, env);
  const serverId = p.flags.get('--server-id');
  if (!serverId) throw fail('server-id is required');
  if (login === 'devicecode') {
    if (!p.flags.get('--client-id')) throw fail('failed to create azidentity credential: client ID cannot be empty');
    if (!p.flags.get('--tenant-id')) throw fail('failed to create azidentity credential: tenant ID cannot be empty');
    const code = deviceCode(t.clock.now());
    return {
      stdout: '',
      stderr: `${DEVICE_CODE_PROMPT} ${code} to authenticate.\n`,
      exitCode: 0,
      waitsForever: true,
    };
  }
  if (login !== 'azurecli') {
    throw fail(`failed to get token: the ratify-runbook sandbox simulates the devicecode and azurecli login methods only (got ${login})`);
  }
  const world = t.world;
  const tenant = p.flags.get('--tenant-id') ?? world.tenant.id;
  if (tenant !== world.tenant.id) {
    throw fail(
      `failed to get token: AzureCLICredential: ERROR: AADSTS90002: Tenant '${tenant}' not found. ` +
        'Check to make sure you have the correct tenant ID and are signing into the correct cloud.',
    );
  }
  const exp = Math.floor(t.clock.now() / 1000) + 3600;
  const user = world.user;
  const claims = { aud: serverId, oid: user.objectId, tid: world.tenant.id, exp, upn: user.name, appid: AZURE_CLI_APP };
  const token = signJwt({ ...claims, groups: user.groups ?? [] }, world.tokenKey);
  const credential = {
    kind: 'ExecCredential',
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    spec: { interactive: false },
    status: { expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'), token },
  };
  return ok(`${JSON.stringify(credential)}\n`);
}

function deviceCode(now: number): string {
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let n = Math.floor(now / 1000);
  let code = '';
  for (let i = 0; i < 9; i++) {
    code += letters[n % letters.length];
    n = Math.floor(n / letters.length) + i * 7;
  }
  return code;
}

interface KubeconfigDoc {
  users?: { name: string; user: { exec?: ExecConfig & { args?: string[] }; 'auth-provider'?: unknown; [k: string]: unknown } }[];
  contexts?: { name: string; context: { user?: string } }[];
  [k: string]: unknown;
}

/**
 * converter.Convert: for each user whose exec command is kubelogin, a new exec with
 * `get-token --login <method> --server-id <id>` plus what the method needs (devicecode keeps
 * --client-id, --tenant-id and --environment; azurecli drops them unless given as flags).
 */
function convert(t: ToolContext, p: Parsed): ToolResult {
  const login = loginOf(p, t.env);
  const home = join(t.env.HOME ?? '/nonexistent', '.kube', 'config');
  const file = p.flags.get('--kubeconfig') ?? t.env.KUBECONFIG?.split(delimiter).find(Boolean) ?? home;
  const path = resolve(t.cwd, file);
  if (!existsSync(path)) throw fail(`unable to load kubeconfig: stat ${path}: no such file or directory`);
  const doc = (parseYaml(readFileSync(path, 'utf8')) ?? {}) as KubeconfigDoc;
  const context = p.flags.get('--context');
  let target: string | undefined;
  if (context) {
    const found = doc.contexts?.find((c) => c.name === context);
    if (!found) throw fail(`no context exists with the name: "${context}"`);
    target = found.context.user;
  }
  for (const entry of doc.users ?? []) {
    if (target && entry.name !== target) continue;
    const old = entry.user.exec;
    if (!old || !old.command.toLowerCase().includes('kubelogin')) continue;
    const oldArg = (flag: string): string | undefined => {
      const args = old.args ?? [];
      const i = args.indexOf(flag);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const serverId = p.flags.get('--server-id') ?? oldArg('--server-id');
    if (!serverId) throw fail('--server-id is required');
    const args = ['get-token', '--login', login, '--server-id', serverId];
    const cacheDir = p.flags.get('--cache-dir') ?? oldArg('--cache-dir') ?? oldArg('--token-cache-dir');
    if (cacheDir) args.push('--cache-dir', cacheDir);
    const env: { name: string; value: string }[] = [];
    if (login === 'azurecli') {
      if (p.flags.get('--azure-config-dir')) env.push({ name: 'AZURE_CONFIG_DIR', value: p.flags.get('--azure-config-dir')! });
      if (p.flags.get('--tenant-id')) args.push('--tenant-id', p.flags.get('--tenant-id')!);
      if (p.flags.get('--subscription')) args.push('--subscription', p.flags.get('--subscription')!);
    } else if (login === 'devicecode' || login === 'interactive') {
      const clientId = p.flags.get('--client-id') ?? oldArg('--client-id');
      if (!clientId) throw fail('--client-id is required');
      const tenantId = p.flags.get('--tenant-id') ?? oldArg('--tenant-id');
      if (!tenantId) throw fail('--tenant-id is required');
      args.push('--client-id', clientId, '--tenant-id', tenantId);
      const environment = p.flags.get('--environment') ?? oldArg('--environment');
      if (environment) args.push('--environment', environment);
    }
    entry.user.exec = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      args,
      command: 'kubelogin',
      env: env.length > 0 ? env : null,
      installHint: old.installHint || INSTALL_HINT,
      provideClusterInfo: false,
    };
    delete entry.user['auth-provider'];
  }
  writeFileSync(path, toYaml(doc), { mode: 0o600 });
  return ok('');
}
