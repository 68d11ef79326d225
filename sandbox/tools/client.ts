import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORWARDED_ENV } from './forwarded-env.js';
import { rpc, type ServerInfo } from './rpc.js';

/**
 * The thin client behind every fake tool: forwards argv, a few environment variables, stdin
 * (only when the command reads it) and cwd to the world's owner, prints what comes back, and
 * appends one line to <worldDir>/calls.jsonl. Kept to node:fs/http so each call starts fast.
 */

interface Reply {
  stdout: string;
  stderr: string;
  exitCode: number;
  logArgv: string[];
  waitsForever?: boolean;
}

function readsStdin(argv: readonly string[]): boolean {
  return (
    argv.includes('--password-stdin') || argv.some((a, i) => (a === '-f' || a === '--filename' || a === '--values') && argv[i + 1] === '-')
  );
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => (text ? stream.write(text, () => resolve()) : resolve()));
}

export async function main(tool: string): Promise<void> {
  const argv = process.argv.slice(2);
  const worldDir = process.env.RATIFY_SANDBOX_WORLD;
  if (!worldDir) {
    process.stderr.write(
      `${tool}: this is the ratify-runbook sandbox's fake ${tool}; run it through the sandbox (RATIFY_SANDBOX_WORLD is not set)\n`,
    );
    process.exit(1);
  }
  let info: ServerInfo;
  try {
    info = JSON.parse(readFileSync(join(worldDir, 'server.json'), 'utf8')) as ServerInfo;
  } catch {
    process.stderr.write(
      `${tool}: the simulated world at ${worldDir} is not running; start it with 'ratify-runbook run --sandbox' or use 'ratify-runbook sandbox exec -- ${tool} ...'\n`,
    );
    process.exit(1);
  }
  const env: Record<string, string> = {};
  for (const k of FORWARDED_ENV) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  const stdin = readsStdin(argv) ? readFileSync(0, 'utf8') : '';
  let reply: Reply;
  try {
    reply = await rpc<Reply>(info, { op: 'call', tool, argv, env, stdin, cwd: process.cwd() });
  } catch (e) {
    process.stderr.write(`${tool}: the simulated world at ${worldDir} did not answer (${(e as Error).message})\n`);
    process.exit(1);
  }
  await write(process.stdout, reply.stdout);
  await write(process.stderr, reply.stderr);
  // Like a real tool waiting for a browser sign-in: nothing more happens until it is killed.
  if (reply.waitsForever) setInterval(() => {}, 1 << 30);
  if (reply.waitsForever) return;
  try {
    appendFileSync(
      join(worldDir, 'calls.jsonl'),
      JSON.stringify({
        argv: reply.logArgv,
        exitCode: reply.exitCode,
        ms: Math.round(performance.now()),
        step: process.env.RATIFY_RUNBOOK_STEP ?? null,
      }) + '\n',
    );
  } catch {
    // The log is best effort: a read-only world dir must not change the tool's result.
  }
  process.exitCode = reply.exitCode;
}
