/**
 * The Io one attendee's run gets: no TTY (so the runbook prints its plain line view), no
 * stdin, nothing on stdout, the host's signal (Ctrl-C stops everyone cleanly), and the host's
 * environment minus the RATIFY_RUNBOOK_<KEY> answer variables: an answer exported in the
 * host's shell would otherwise override every attendee's answers file (the same vault for all).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { Io } from '../kernel/io.js';
import { answerKeys, envVarFor } from '../kernel/answer-keys.js';

const answerVariables = new Set(answerKeys.map(envVarFor));

export function attendeeEnv(env: Io['env']): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !answerVariables.has(name)));
}

/** The answer variables set in the host's environment (the command says they are ignored). */
export function ignoredAnswerVariables(env: Io['env']): string[] {
  return Object.keys(env).filter((name) => answerVariables.has(name) && env[name]?.trim());
}

export interface AttendeeIo {
  readonly io: Io;
  /** Closes the transcript. */
  close(): Promise<void>;
}

/** `transcript` (a file) keeps everything the attendee's run prints, for the host to read. */
export async function createAttendeeIo(host: Io, transcript?: string): Promise<AttendeeIo> {
  let file: WriteStream | undefined;
  if (transcript) {
    await mkdir(dirname(transcript), { recursive: true });
    file = createWriteStream(transcript, { flags: 'a' });
    file.write(`--- ${new Date().toISOString()}\n`);
  }
  const stderr = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      file?.write(chunk);
      callback();
    },
  });
  const stdout = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      file?.write(chunk);
      callback();
    },
  });
  const io: Io = {
    argv: [],
    env: attendeeEnv(host.env),
    cwd: host.cwd,
    stdout,
    stderr: Object.assign(stderr, { isTTY: false }),
    stdin: Readable.from([]),
    signal: host.signal,
  };
  return {
    io,
    async close() {
      if (file) {
        const stream = file;
        await new Promise<void>((resolve) => stream.end(resolve));
      }
    },
  };
}
