/** ARNs. Pure. */

/** The last path segment of an ARN: a task id, a service or cluster name, "family:revision". */
export function arnTail(arn: string | undefined): string {
  if (!arn) return '';
  return arn.slice(arn.lastIndexOf('/') + 1);
}
