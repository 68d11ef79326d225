import type { Io } from '../io.js';
import { UsageError } from '../../runner/errors.js';

export default async function status(_io: Io, _args: readonly string[]): Promise<number> {
  throw new UsageError('not yet');
}
