/** ARNs. Pure. */

/** The last path segment of an ARN: a task id, a service or cluster name, "family:revision". */
export function arnTail(arn: string | undefined): string {
  if (!arn) return '';
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Task ids are 32 hex characters; 8 are plenty to tell tasks apart in one service (the console links carry the whole id). */
export function shortTaskId(taskArnOrId: string | undefined): string {
  return arnTail(taskArnOrId).slice(0, 8);
}
