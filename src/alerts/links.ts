/**
 * AWS console links for alerts: the stopped task, its log stream, the service. Pure.
 *
 * The CloudWatch console keeps its state in the URL fragment and escapes it twice: the value is
 * URI-encoded and every `%` is then written `$25` (so `/` becomes `%2F`, then `$252F`).
 */

const consoleBase = (region: string): string => `https://${region}.console.aws.amazon.com`;

/** encodeURIComponent, then `%` → `$25`, as the CloudWatch console's fragment expects. */
export function cloudWatchFragmentEncode(value: string): string {
  return encodeURIComponent(value).replace(/%/g, '$25');
}

/** ECS console (v2): a task's configuration page (also shows the stop reason and containers). */
export function taskConsoleUrl(region: string, cluster: string, taskId: string): string {
  return `${consoleBase(region)}/ecs/v2/clusters/${encodeURIComponent(cluster)}/tasks/${encodeURIComponent(taskId)}/configuration?region=${region}`;
}

/** ECS console (v2): a service's health and deployments. */
export function serviceConsoleUrl(region: string, cluster: string, service: string): string {
  return `${consoleBase(region)}/ecs/v2/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(service)}/health?region=${region}`;
}

/** CloudWatch Logs console: one log stream's events. */
export function logStreamConsoleUrl(region: string, logGroup: string, logStream: string): string {
  return `${consoleBase(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${cloudWatchFragmentEncode(logGroup)}/log-events/${cloudWatchFragmentEncode(logStream)}`;
}
