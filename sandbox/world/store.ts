import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { World } from './model.js';

/** Atomic write: temp file + fsync + rename, so a crash never leaves half a file. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export const worldFile = (worldDir: string): string => join(worldDir, 'world.json');

export function loadWorld(worldDir: string): World | undefined {
  let text: string;
  try {
    text = readFileSync(worldFile(worldDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const w = JSON.parse(text) as World;
  if (w.version !== 1) throw new Error(`${worldFile(worldDir)}: unsupported world version ${String(w.version)}`);
  return w;
}

/** The world serialized now (a consistent snapshot), written atomically without blocking. */
export async function saveWorld(worldDir: string, world: World): Promise<void> {
  const path = worldFile(worldDir);
  const text = JSON.stringify(world);
  const tmp = `${path}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}
