/** What a fake tool call returns to its thin client. */
export interface ToolResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /**
   * The tool printed its output and then waits for something a non-interactive run never gives
   * (kubelogin's device-code sign-in): the thin client prints and blocks until it is killed.
   */
  waitsForever?: boolean;
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
