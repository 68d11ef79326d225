/** Compares dotted versions numerically ("1.10.0" > "1.4.0"); a leading "v" and suffixes are ignored. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => (v.trim().replace(/^v/, '').split(/[-+]/)[0] ?? '').split('.').map((n) => Number.parseInt(n, 10) || 0);
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

export function atLeast(version: string, minimum: string): boolean {
  return compareVersions(version, minimum) >= 0;
}
