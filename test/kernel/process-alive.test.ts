import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { processAlive, processIdentity } from '../../kernel/process-alive.js';
import { makeZombie } from '../helpers/zombie.js';

describe('processAlive', () => {
  test('this process and a running child are alive; an exited child is not', async () => {
    expect(processAlive(process.pid)).toBe(true);
    const child = spawn('sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    expect(processAlive(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(processAlive(child.pid!)).toBe(false);
  });

  test('a pid recorded with its identity is alive only while that same process runs, not a later one given the pid', async () => {
    const child = spawn('sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    try {
      const identity = processIdentity(child.pid!);
      expect(identity).toMatch(/^[0-9a-f-]{36}\/\d+$/);
      expect(processIdentity(child.pid!)).toBe(identity);
      expect(processAlive(child.pid!, identity)).toBe(true);
      // The same pid, recorded for another process: what a pid reused after a reboot looks like.
      const [boot, ticks] = identity!.split('/');
      expect(processAlive(child.pid!, `${boot}/${Number(ticks) + 1}`)).toBe(false);
      expect(processAlive(child.pid!, `00000000-0000-0000-0000-000000000000/${ticks}`)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a zombie (dead, not collected by its parent) is not alive, though kill(pid, 0) still succeeds', async () => {
    const zombie = await makeZombie();
    try {
      expect(() => process.kill(zombie.pid, 0)).not.toThrow();
      expect(processAlive(zombie.pid)).toBe(false);
    } finally {
      zombie.release();
    }
  });
});
