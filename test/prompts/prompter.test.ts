import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createInquirerPrompter, isPromptInterrupted, PromptInterruptedError } from '../../prompts/prompter.js';
import { exitCodeOf, ExitCode, InterruptedError } from '../../kernel/errors.js';

/** A fake terminal: keystrokes go into `input`, everything drawn is collected from `output`. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  output.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
  });
  const controller = new AbortController();
  const prompter = createInquirerPrompter({ input, output, signal: controller.signal });
  const read = () => stripVTControlCharacters(screen);
  /** Waits until the prompt has drawn `text` (the first prompt also waits for inquirer's lazy import). */
  const waitFor = async (text: string) => {
    for (let i = 0; i < 200 && !read().includes(text); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(read()).toContain(text);
  };
  const type = async (text: string) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    input.write(text);
  };
  return { prompter, type, waitFor, screen: read, controller };
}

describe('createInquirerPrompter', () => {
  it('input: shows the help, validates with the given validator, re-asks on a bad value', async () => {
    const t = terminal();
    const answer = t.prompter.input({
      key: 'tag',
      message: 'Image tag',
      help: 'The tag of both demo images.',
      validate: (value) => (value.startsWith('-') ? 'must not start with "-"' : undefined),
    });
    await t.waitFor('Image tag');
    await t.type('-v1\r');
    await t.waitFor('must not start with "-"');
    // validationFailureMode keep: the bad text is still there; erase it and type a good one.
    await t.type('\x7f\x7f\x7fv2\r');
    await expect(answer).resolves.toBe('v2');
    expect(t.screen()).toContain('The tag of both demo images.');
  });

  it('input: Enter accepts the pre-filled default', async () => {
    const t = terminal();
    const answer = t.prompter.input({ key: 'repo', message: 'Repository', default: 'net-monitor' });
    await t.waitFor('Repository');
    await t.type('\r');
    await expect(answer).resolves.toBe('net-monitor');
  });

  it('confirmAnswers: prints the table and returns the choice', async () => {
    const t = terminal();
    const choice = t.prompter.confirmAnswers({
      message: 'Use these answers?',
      rows: [{ key: 'tag', value: 'v1', source: 'answers.yaml:2' }],
    });
    await t.waitFor('Use these answers?');
    await t.type('\x1b[B\r'); // arrow down to "Edit", Enter
    await expect(choice).resolves.toBe('edit');
    expect(t.screen()).toMatch(/tag\s+v1\s+answers\.yaml:2/);
  });

  it('an interrupted prompt becomes PromptInterruptedError (exit 130)', async () => {
    const t = terminal();
    const answer = t.prompter.confirm({ key: 'x', message: 'Go?' });
    await t.waitFor('Go?');
    t.controller.abort();
    const error = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptInterruptedError);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(exitCodeOf(error)).toBe(ExitCode.interrupted);
    expect(isPromptInterrupted(error)).toBe(true);
  });
});

describe('isPromptInterrupted', () => {
  it("recognises inquirer's ExitPromptError by name without loading inquirer", () => {
    const raw = Object.assign(new Error('User force closed the prompt with SIGINT'), { name: 'ExitPromptError' });
    expect(isPromptInterrupted(raw)).toBe(true);
    expect(isPromptInterrupted(new Error('boom'))).toBe(false);
  });
});
