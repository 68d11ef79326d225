/**
 * What the engine tells whoever shows progress (listr2 on a terminal, plain lines
 * otherwise, nothing in tests). The engine owns scheduling; a view only displays.
 */
export type StepPhase = 'waiting' | 'checking' | 'running' | 'done' | 'reused' | 'failed' | 'skipped' | 'interrupted';

export interface ProgressView {
  /** A batch of steps is about to run (all of them, or one in guided mode). */
  begin(steps: readonly { id: string; title: string }[]): void;
  phase(stepId: string, phase: StepPhase, detail?: string): void;
  /** A progress line under a running step (waits, retries, notes). */
  log(stepId: string, line: string): void;
  /** The batch is over; resolves when the view has finished drawing. */
  end(): Promise<void>;
  /**
   * Asks a yes/no question under a running step, when the view draws live (a prompt printed
   * over a redrawing renderer would be overwritten). Absent: ask the prompter directly.
   */
  confirm?(stepId: string, question: string, defaultAnswer: boolean): Promise<boolean>;
}

export const silentView: ProgressView = {
  begin() {},
  phase() {},
  log() {},
  async end() {},
};
