/** `-o tsv` output: a scalar prints as one line, a list as one line per element. */
export function tsvValue(stdout: string): string {
  return tsvLines(stdout)[0] ?? '';
}

export function tsvLines(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
