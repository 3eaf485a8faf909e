/**
 * Links into the AWS console for what the bot shows: a service, a task, a log group (with the
 * same time range and filter), an ECR repository or image, Cost Explorer. Pure string builders;
 * no SDK import, so any module may use them.
 */

const base = (region: string): string => `https://${region}.console.aws.amazon.com`;

/** encodeURIComponent that never throws: a lone surrogate (possible in any string from JSON) becomes U+FFFD. */
function enc(value: string): string {
  return encodeURIComponent(value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

/** ECS console (v2): a service's health tab. */
export function serviceUrl(region: string, cluster: string, service: string): string {
  return `${base(region)}/ecs/v2/clusters/${enc(cluster)}/services/${enc(service)}/health?region=${region}`;
}

/** ECS console (v2): one task's configuration, logs and stop reason. */
export function taskUrl(region: string, cluster: string, taskId: string): string {
  return `${base(region)}/ecs/v2/clusters/${enc(cluster)}/tasks/${enc(taskId)}/configuration?region=${region}`;
}

/**
 * CloudWatch's fragment URLs encode twice: a value is URI-encoded and then every `%` becomes
 * `$25`; the fragment's own `?`, `=` and `&` are written `$3F`, `$3D`, `$26`.
 */
export function consoleFragmentEncode(value: string): string {
  return enc(value).replace(/%/g, '$25');
}

interface LogEventsLink {
  region: string;
  logGroup: string;
  /** A stream name prefix narrows the view to one task or container. */
  streamPrefix?: string;
  startMs?: number;
  endMs?: number;
  filterPattern?: string;
}

/** CloudWatch Logs console: the log group's events, with the range and filter of the answer. */
export function logEventsUrl(q: LogEventsLink): string {
  const params: Array<[string, string]> = [];
  if (q.filterPattern) params.push(['filterPattern', q.filterPattern]);
  if (q.streamPrefix) params.push(['logStreamNameFilter', q.streamPrefix]);
  if (q.startMs !== undefined) params.push(['start', String(Math.floor(q.startMs))]);
  if (q.endMs !== undefined) params.push(['end', String(Math.ceil(q.endMs))]);
  const query = params.length ? '$3F' + params.map(([k, v]) => `${k}$3D${consoleFragmentEncode(v)}`).join('$26') : '';
  return `${base(q.region)}/cloudwatch/home?region=${q.region}#logsV2:log-groups/log-group/${consoleFragmentEncode(q.logGroup)}/log-events${query}`;
}

/** CloudWatch Logs console: one log stream's events (e.g. the stopped task's container). */
export function logStreamUrl(region: string, logGroup: string, logStream: string): string {
  return `${base(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${consoleFragmentEncode(logGroup)}/log-events/${consoleFragmentEncode(logStream)}`;
}

/** ECR console: a private repository's image list. */
export function repositoryUrl(region: string, registryId: string | undefined, repositoryName: string): string {
  const owner = registryId ? `${enc(registryId)}/` : '';
  return `${base(region)}/ecr/repositories/private/${owner}${repositoryName}?region=${region}`;
}

/** Cost Explorer (a global console page; the region parameter only picks the console endpoint). */
export function costExplorerUrl(): string {
  return 'https://us-east-1.console.aws.amazon.com/costmanagement/home#/cost-explorer';
}

/** Billing → Cost allocation tags, where `aws:ecs:serviceName` is activated. */
export function costAllocationTagsUrl(): string {
  return 'https://us-east-1.console.aws.amazon.com/billing/home#/tags';
}
