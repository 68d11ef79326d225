import { ToolError } from '../tool-result.js';

/**
 * az error texts: ARM errors print `(<code>) <message>` then
 * `Code:` / `Message:` lines; exit 3 for a 404 (ResourceNotFoundError), 1 otherwise.
 */
export function armError(code: string, message: string, opts: { status?: number; inner?: string; extra?: string } = {}): ToolError {
  let text = `ERROR: (${code}) ${message}\nCode: ${code}\nMessage: ${message}\n`;
  if (opts.extra) text += opts.extra;
  if (opts.inner) text += `Inner error: {\n    "code": "${opts.inner}"\n}\n`;
  return new ToolError(text, opts.status === 404 ? 3 : 1);
}

/** A CLIError raised by az itself (exit 1, one line). */
export const cliError = (message: string): ToolError => new ToolError(`ERROR: ${message}\n`, 1);

/** An argparse error (exit 2). */
export const usageError = (message: string): ToolError => new ToolError(`ERROR: ${message}\n`, 2);

export function resourceNotFound(type: string, name: string, rg: string): ToolError {
  return armError(
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    { status: 404 },
  );
}

export const resourceGroupNotFound = (rg: string): ToolError =>
  armError('ResourceGroupNotFound', `Resource group '${rg}' could not be found.`, { status: 404 });

/** Confirmation needed and no TTY (AAZ / generic `--yes` commands). */
export const noTtyCancelled = (): ToolError =>
  new ToolError('WARNING: Unable to prompt for confirmation as no tty available. Use --yes.\nERROR: Operation cancelled.\n', 1);
