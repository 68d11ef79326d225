import type { Answers } from '../kernel/answer-keys.js';
import type { CloudProfile } from '../kernel/cloud-profile.js';
import { Redactor } from '../runner/redact.js';
import type { ContextDeps } from '../runner/step-context.js';
import { createAzureReader } from './azure-reader.js';
import { createKubeApi } from './kube-reader.js';
import type { Io } from '../kernel/io.js';
import { clockForScale } from './system-clock.js';

type Confirm = ContextDeps['confirm'];

/** What every step context of one command shares: the same for run, teardown and doctor. */
export function engineContext(
  io: Io,
  stateDir: string,
  answers: Partial<Answers>,
  profile: CloudProfile,
  confirm: Confirm = async (_question, answer) => answer,
): Omit<ContextDeps, 'mode' | 'outputsOf' | 'runId'> {
  return {
    stateDir,
    answers,
    profile,
    azure: createAzureReader(profile),
    kube: createKubeApi({ toolPath: profile.toolPath, env: { ...io.env, ...profile.toolEnv } }),
    clock: clockForScale(profile.timeScale),
    baseEnv: io.env,
    redactor: new Redactor(),
    confirm,
  };
}
