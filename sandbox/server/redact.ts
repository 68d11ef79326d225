import { JWT_PATTERN } from '../jwt.js';

/** Flags whose next argument is a secret (the runbook never passes these, but people do). */
const SECRET_FLAGS = new Set([
  '-p',
  '--password',
  '--client-secret',
  '--secret',
  '--token',
  '--access-token',
  '--refresh-token',
  '--password-stdin-value',
]);
const SECRET_ASSIGN = /^(--(?:password|client-secret|secret|token|access-token)=)(.*)$/;

/** argv as the call log (calls.jsonl) stores it: tokens and passwords never appear. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const prev = argv[i - 1];
    if (prev !== undefined && SECRET_FLAGS.has(prev)) {
      out.push('***');
      continue;
    }
    const m = SECRET_ASSIGN.exec(a);
    if (m) {
      out.push(`${m[1]}***`);
      continue;
    }
    out.push(a.replace(JWT_PATTERN, '***'));
  }
  return out;
}
