import type { CommandResult, FailureClass, RetryPolicy } from '../../runner/command-types.js';

/**
 * Retry classes: RBAC/AAD propagation (403 right after a role
 * assignment, up to 10 minutes), throttling (429) and "operation in progress" (409).
 * A soft-deleted name is also a 409 but permanent: it is never retried.
 */
const permanent =
  /deleted but recoverable|already exists in deleted state|recently deleted|Cannot set policies|plugin does not have secrets get permission/i;
const throttled = /\b429\b|TooManyRequests|Too Many Requests/i;
const inProgress = /\b409\b|AnotherOperationInProgress|OperationNotAllowed|operation is in progress|in progress|Conflict/i;
const forbidden =
  /\b403\b|AuthorizationFailed|Forbidden|ForbiddenByRbac|does not have authorization|not authorized|AccessDenied|PrincipalNotFound|does not exist in the directory/i;

function classifyWith(allowPropagation: boolean) {
  return (result: CommandResult): FailureClass | undefined => {
    const text = `${result.stderr}\n${result.stdout}`;
    if (permanent.test(text)) return undefined;
    if (throttled.test(text)) return 'transient';
    if (allowPropagation && forbidden.test(text)) return 'propagation';
    if (inProgress.test(text)) return 'conflict';
    return undefined;
  };
}

/** 429 and 409 (operation in progress): a few minutes. */
export const transientRetry: RetryPolicy = {
  classify: classifyWith(false),
  maxMs: 5 * 60_000,
  initialDelayMs: 2_000,
  maxDelayMs: 30_000,
};

/** Also 403s caused by role assignments that have not propagated yet: up to 10 minutes. */
export const propagationRetry: RetryPolicy = {
  classify: classifyWith(true),
  maxMs: 10 * 60_000,
  initialDelayMs: 5_000,
  maxDelayMs: 60_000,
};
