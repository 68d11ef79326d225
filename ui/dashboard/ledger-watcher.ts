/**
 * The read-only dashboard's eyes: it learns a run's progress from the workshop dir alone, so it
 * can watch a `workshop run` started in another terminal (or on another day). Each attendee's
 * ledger (DIR/<id>/state.json) is replaced atomically at every step change, and its lock file
 * says whether a run holds it: a change to either in DIR/<id>/ (fs.watch) re-reads that attendee.
 * fs.watch can miss events (network file systems, editors), so every attendee whose files'
 * modification times moved is also re-read on a slow sweep.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LEDGER_FILE } from '../../checkpoints/ledger.js';
import { LOCK_FILE } from '../../checkpoints/lock.js';
import { readAttendeeState, LAST_OUTCOME_FILE } from '../../workshop/attendee-state.js';
import type { DashboardSource } from './source.js';

export interface LedgerWatcher {
  close(): void;
}

const watched = new Set([LEDGER_FILE, LOCK_FILE, LAST_OUTCOME_FILE]);

export async function watchLedgers(source: DashboardSource, attendees: readonly string[], sweepMs = 2_000): Promise<LedgerWatcher> {
  const stamps = new Map<string, string>();
  const reading = new Map<string, Promise<void>>();
  const again = new Set<string>();

  const stampOf = async (id: string): Promise<string> => {
    const dir = join(source.dir, id);
    const times = await Promise.all(
      [...watched].map((name) =>
        stat(join(dir, name)).then(
          (s) => `${s.mtimeMs}:${s.size}`,
          () => '-',
        ),
      ),
    );
    return times.join('|');
  };
  // One read at a time per attendee; a change during a read asks for one more.
  const reread = (id: string): void => {
    if (reading.has(id)) {
      again.add(id);
      return;
    }
    const job = (async () => {
      stamps.set(id, await stampOf(id));
      source.applyAttendeeState(await readAttendeeState(source.dir, id));
    })()
      .catch(() => {})
      .finally(() => {
        reading.delete(id);
        if (again.delete(id)) reread(id);
      });
    reading.set(id, job);
  };

  await Promise.all(
    attendees.map(async (id) => {
      stamps.set(id, await stampOf(id));
      source.applyAttendeeState(await readAttendeeState(source.dir, id));
    }),
  );

  const watchers: FSWatcher[] = [];
  for (const id of attendees) {
    try {
      const watcher = watch(join(source.dir, id), { persistent: false }, (_event, name) => {
        if (name === null || watched.has(String(name))) reread(id);
      });
      watcher.on('error', () => {});
      watchers.push(watcher);
    } catch {
      // No directory yet (an attendee never run): the sweep notices when it appears.
    }
  }
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void Promise.all(
      attendees.map(async (id) => {
        if ((await stampOf(id)) !== stamps.get(id)) reread(id);
      }),
    ).finally(() => (sweeping = false));
  }, sweepMs);
  timer.unref();
  return {
    close() {
      clearInterval(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
