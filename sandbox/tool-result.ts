/** What a fake tool call returns to its thin client. */
export interface ToolResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A failure a command handler raises: printed on stderr as is, with this exit code. */
export class ToolError extends Error {
  readonly exitCode: number;
  readonly stdout: string;
  constructor(stderr: string, exitCode = 1, stdout = '') {
    super(stderr);
    this.name = 'ToolError';
    this.exitCode = exitCode;
    this.stdout = stdout;
  }
}
