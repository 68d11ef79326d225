import { writeLine, type Io } from '../../kernel/io.js';
import { chalkFor } from '../../kernel/terminal-style.js';
import { createLineView } from './line-view.js';
import type { ProgressView } from './view.js';

/** listr2's default renderer on a terminal; plain lines otherwise (CI, pipes, logs). */
export async function createProgressView(io: Io): Promise<ProgressView> {
  if (io.stderr.isTTY && io.env.TERM !== 'dumb') {
    const { createListrView } = await import('./listr-view.js');
    return createListrView(io.stderr as NodeJS.WriteStream, chalkFor(io, io.stderr));
  }
  return createLineView((line) => writeLine(io.stderr, line));
}
