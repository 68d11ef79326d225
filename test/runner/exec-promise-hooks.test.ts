import { executionAsyncId } from 'node:async_hooks';
import { tmpdir } from 'node:os';
import { defaults } from 'zx/core';
import { describe, expect, it } from 'vitest';
import { execWithZx, type ExecRequest } from '../../runner/exec-process.js';

/**
 * In a promise reaction, executionAsyncId() is 0 while Node's promise hooks are off, and the
 * promise's own id once anything (an AsyncLocalStorage scope, say) has turned them on.
 */
const promiseHooksOn = async (): Promise<boolean> => (await Promise.resolve().then(() => executionAsyncId())) !== 0;

const request = (argv: string[], extra: Partial<ExecRequest> = {}): ExecRequest => ({
  argv,
  env: { PATH: process.env.PATH ?? '' },
  cwd: tmpdir(),
  timeoutMs: 10_000,
  signal: new AbortController().signal,
  ...extra,
});

// A file of its own: the test needs a process where nothing has turned the hooks on yet.
describe('execWithZx and the process it runs in', () => {
  it("leaves Node's promise hooks off (zx's $(options) turns them on for the whole process)", async () => {
    expect(await promiseHooksOn()).toBe(false); // the test's own precondition
    const r = await execWithZx(request(['sh', '-c', 'echo ok']));
    expect(r.stdout).toBe('ok\n');
    expect(await promiseHooksOn()).toBe(false);
  });

  it("leaves zx's defaults as they were, and commands made together each keep their own options", async () => {
    const before = { ...defaults };
    const [a, b] = await Promise.all([
      execWithZx(
        request(['sh', '-c', 'cat; printf " %s %s" "$WHO" "$PWD"'], {
          input: 'first',
          env: { PATH: process.env.PATH ?? '', WHO: 'a' },
          cwd: '/',
        }),
      ),
      execWithZx(
        request(['sh', '-c', 'cat; printf " %s %s" "$WHO" "$PWD"'], { input: 'second', env: { PATH: process.env.PATH ?? '', WHO: 'b' } }),
      ),
    ]);
    expect(a.stdout).toBe('first a /');
    expect(b.stdout).toBe(`second b ${tmpdir()}`);
    expect({ ...defaults }).toEqual(before);
    expect(Object.keys(defaults)).toEqual(Object.keys(before));
  });
});
