/**
 * DIR/workshop.yaml: which attendees the workshop has (roster order) and the random suffix
 * drawn once for each. Suffixes are never redrawn, also for attendees who left the roster (they
 * get theirs back if they return), so a re-init never renames anyone's resources.
 * A damaged file stops everything (exit 2): silently starting over would redraw the suffixes.
 */
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from '../checkpoints/atomic-write.js';
import { readIfExists } from '../checkpoints/read-if-exists.js';
import { UsageError } from '../kernel/errors.js';

export const WORKSHOP_FILE = 'workshop.yaml';
export const WORKSHOP_VERSION = 1;

export interface WorkshopFile {
  readonly version: typeof WORKSHOP_VERSION;
  /** The roster and template `workshop init` last read (for people; nothing re-reads them). */
  readonly roster: string;
  readonly template?: string | undefined;
  /** The subscription `{{hash}}` used for attendees without one; kept so re-init hashes the same. */
  readonly hostSubscription?: string | undefined;
  /** Attendee ids in roster order: who `workshop run|status|teardown` act on. */
  readonly attendees: readonly string[];
  /** id -> suffix, for every attendee ever initialised. */
  readonly suffixes: Readonly<Record<string, string>>;
  readonly updatedAt: string;
}

export function workshopFilePath(dir: string): string {
  return join(dir, WORKSHOP_FILE);
}

export async function readWorkshopFile(dir: string): Promise<WorkshopFile | undefined> {
  const path = workshopFilePath(dir);
  const text = await readIfExists(path);
  if (text === undefined) return undefined;
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw damaged(path, (error as Error).message.split('\n')[0] ?? '');
  }
  const problem = shapeProblem(data);
  if (problem) throw damaged(path, problem);
  return data as WorkshopFile;
}

/** Like readWorkshopFile, but a missing file is a usage error saying to run init first. */
export async function requireWorkshopFile(dir: string): Promise<WorkshopFile> {
  const file = await readWorkshopFile(dir);
  if (!file) {
    throw new UsageError(`${dir} is not a workshop dir (no ${WORKSHOP_FILE}).`, [
      `Create it first: ratify-runbook workshop init --roster roster.csv --out ${dir}`,
    ]);
  }
  return file;
}

export async function writeWorkshopFile(dir: string, file: WorkshopFile): Promise<void> {
  const header = [
    '# ratify-runbook workshop: written by `workshop init`; do not edit by hand.',
    '# suffixes are drawn once per attendee and never redrawn: deleting this file renames',
    '# every resource that uses {{suffix}} on the next init.',
  ].join('\n');
  await writeFileAtomic(workshopFilePath(dir), `${header}\n${stringify(file)}`);
}

function damaged(path: string, why: string): UsageError {
  return new UsageError(`${path} is damaged: ${why}. Nothing was run or written.`, [
    'Restore it from a backup (it holds the suffix drawn for each attendee); deleting it makes the next init draw new suffixes, i.e. new resource names.',
  ]);
}

function shapeProblem(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not a YAML mapping';
  const file = data as Record<string, unknown>;
  if (file.version !== WORKSHOP_VERSION) return `version is ${JSON.stringify(file.version)}, expected ${WORKSHOP_VERSION}`;
  if (!Array.isArray(file.attendees) || !file.attendees.every((id) => typeof id === 'string')) return '"attendees" is not a list of ids';
  const suffixes = file.suffixes;
  if (
    typeof suffixes !== 'object' ||
    suffixes === null ||
    Object.values(suffixes).some((s) => typeof s !== 'string' || !/^[a-z0-9]+$/.test(s))
  ) {
    return '"suffixes" is not a map of id to suffix';
  }
  return undefined;
}
