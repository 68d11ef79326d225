/**
 * One redaction layer for every sink (terminal, logs, notebook, ledger, call log): values
 * registered as secret are replaced, and anything shaped like a JWT is masked too, so a
 * token that slipped past registration still never lands on disk.
 */
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
export const MASK = '***';

export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers a secret value; values shorter than 4 characters are ignored (they would mask too much). */
  add(value: string | undefined): void {
    const trimmed = value?.trim();
    if (trimmed && trimmed.length >= 4) this.#secrets.add(trimmed);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is masked whole.
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(MASK);
    }
    return out.replace(JWT, MASK);
  }

  redactArgv(argv: readonly string[]): string[] {
    return argv.map((arg) => this.redact(arg));
  }
}
