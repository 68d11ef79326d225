import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { processAlive } from '../../kernel/process-alive.js';
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
