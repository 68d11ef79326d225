import type { ProgressListener } from '../../runner/progress-bus.js';

/**
 * A terminal view of a run: it subscribes to the run's events and draws them. The engine
 * schedules; a view only displays.
 */
export interface ProgressView {
  /** Subscribe this to the run's bus. */
  readonly onEvent: ProgressListener;
  /**
   * Resolves once nothing is drawn live any more: awaited before a question is printed (a prompt
   * under a redrawing renderer would be overwritten) and before the closing lines.
   */
  idle(): Promise<void>;
  /** Asks a yes/no question under a running step, when the view draws live; absent: ask directly. */
  confirm?(stepId: string, question: string, defaultAnswer: boolean): Promise<boolean>;
}
