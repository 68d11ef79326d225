import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execDirect, execWithZx, type Exec, type ExecRequest } from '../../runner/exec-process.js';

/** The executors every command goes through: zx (runs) and the plain spawn (doctor's probes). */
const executors: [string, Exec][] = [
  ['execWithZx', execWithZx],
  ['execDirect', execDirect],
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rr-exec-'));
  await writeFile(join(dir, 'not-executable'), '#!/bin/sh\necho never\n');
  await writeFile(join(dir, 'print-args'), '#!/bin/sh\nfor a in "$@"; do printf "<%s>\\n" "$a"; done\n');
  await chmod(join(dir, 'print-args'), 0o755);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const request = (argv: string[], extra: Partial<ExecRequest> = {}): ExecRequest => ({
  argv,
  env: { PATH: `${dir}:${process.env.PATH ?? ''}` },
  cwd: dir,
  timeoutMs: 10_000,
  signal: new AbortController().signal,
  ...extra,
});

describe.each(executors)('%s', (_name, exec) => {
  it('hands every argv element to the program as it is, shell syntax included', async () => {
    const tricky = ['a b', "it's", '"q"', '$(echo pwned)', '`id`', '*', '', 'x;y', '$HOME', 'line\nbreak'];
    const r = await exec(request(['print-args', ...tricky]));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(tricky.map((a) => `<${a}>\n`).join(''));
  });

  it('starts the program with exactly the environment asked for: no shell in between adds its own', async () => {
    // bash -c would export SHLVL, PWD and _ into the program's environment.
    const r = await exec(request(['env'], { env: { PATH: process.env.PATH ?? '', ONLY: 'this' } }));
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([`ONLY=this`, `PATH=${process.env.PATH ?? ''}`]);
  });

  it('passes the exit code, stdout, stderr and stdin through', async () => {
    const r = await exec(request(['sh', '-c', 'cat; echo err >&2; exit 3'], { input: 'from stdin' }));
    expect(r).toEqual({ exitCode: 3, stdout: 'from stdin', stderr: 'err\n', killedBy: undefined });
  });

  it('reports a missing program as exit 127 "command not found", as a shell would', async () => {
    const r = await exec(request(['no-such-tool-4f2a', '--version']));
    expect(r).toMatchObject({ exitCode: 127, stderr: 'no-such-tool-4f2a: command not found\n' });
  });

  it('reports a program that cannot run as exit 126', async () => {
    const r = await exec(request([join(dir, 'not-executable')]));
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain('not-executable');
  });

  it('stops a program at its timeout, and on abort, saying which', async () => {
    const timedOut = await exec(request(['sleep', '30'], { timeoutMs: 200 }));
    expect(timedOut).toMatchObject({ exitCode: 143, killedBy: 'timeout' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const aborted = await exec(request(['sleep', '30'], { signal: controller.signal }));
    expect(aborted).toMatchObject({ exitCode: 143, killedBy: 'abort' });
  });
});
