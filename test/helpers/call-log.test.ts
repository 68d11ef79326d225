import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callCount, isMutating, readCalls } from './call-log.js';

/** The helpers other tests lean on must be able to say "no" (or fail) when the claim is false. */
describe('call-log helpers', () => {
  it('isMutating judges the command path, not flag values that happen to be verbs', () => {
    const setPolicy = [
      'az',
      'keyvault',
      'set-policy',
      '-n',
      'kv',
      '--certificate-permissions',
      'create',
      'get',
      '--key-permissions',
      'sign',
    ];
    expect(isMutating(setPolicy)).toBe(true);
    expect(isMutating(['az', 'role', 'assignment', 'create', '--role', 'Key Vault Secrets User', '--scope', '/x/list'])).toBe(true);
    expect(isMutating(['az', 'keyvault', 'show', '-n', 'create'])).toBe(false);
    expect(isMutating(['az', 'role', 'assignment', 'list', '--all'])).toBe(false);
    expect(isMutating(['az', 'acr', 'manifest', 'show-metadata', '-r', 'a'])).toBe(false);
    expect(isMutating(['kubectl', 'delete', 'pod', 'get'])).toBe(true);
    expect(isMutating(['kubectl', 'get', 'pods', '-o', 'name'])).toBe(false);
    expect(isMutating(['notation', 'sign', '--id', 'x', 'ref'])).toBe(true);
    expect(isMutating(['helm', 'upgrade', '--install', 'ratify'])).toBe(true);
  });

  it('a missing call log is an error for readCalls; callCount says 0 only when it does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'calls-'));
    try {
      await expect(readCalls(dir)).rejects.toThrow(/ENOENT/);
      expect(await callCount(dir)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
