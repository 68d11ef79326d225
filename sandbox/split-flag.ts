/**
 * `--name=value` -> { name: '--name', value: 'value' }; anything else is the name alone.
 * Every fake tool (az, helm, kubectl, notation) accepts the inline form, as the real ones do.
 */
export function splitFlag(arg: string): { name: string; value: string | undefined } {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? { name: arg.slice(0, eq), value: arg.slice(eq + 1) } : { name: arg, value: undefined };
}
