import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../prompts');

async function sources(): Promise<Array<[string, string]>> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.ts'));
  return Promise.all(names.map(async (name) => [name, await readFile(join(dir, name), 'utf8')] as [string, string]));
}

describe('prompts/ boundaries', () => {
  it('only prompter.ts imports @inquirer, and only lazily (so --help never loads it)', async () => {
    for (const [name, text] of await sources()) {
      if (name === 'prompter.ts') {
        expect(text).not.toMatch(/^import .*@inquirer/m);
        expect(text).toMatch(/await import\('@inquirer\/prompts'\)/);
      } else {
        expect(text, name).not.toMatch(/@inquirer/);
      }
    }
  });

  it('never reads process.env (the environment is injected)', async () => {
    for (const [name, text] of await sources()) expect(text, name).not.toMatch(/process\.env/);
  });
});
