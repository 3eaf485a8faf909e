/**
 * The AWS services the bot's SDK clients call, and how each is spoken on the wire. Checked
 * against the installed clients (node_modules/@aws-sdk/client-*): ECS, ECR, CloudWatch Logs,
 * Cost Explorer and Application Auto Scaling use awsJson1_1 (POST /, the operation in
 * `X-Amz-Target: <target prefix>.<Operation>`); Lambda uses restJson1 (Invoke is
 * `POST /2015-03-31/functions/{FunctionName}/invocations`).
 *
 * `service` is the SigV4 signing name, which is also the IAM action prefix (`ecs:DescribeServices`).
 * `serviceId` is the SDK's service id; `AWS_ENDPOINT_URL_<SERVICE_ID upper-cased, spaces as _>`
 * points that client at an endpoint (and AWS_ENDPOINT_URL points every client at one).
 */
export type AwsProtocol = 'awsJson1_1' | 'awsJson1_0' | 'restJson1' | 'awsQuery';

export interface AwsServiceInfo {
  /** Signing name, and the IAM prefix unless `iamPrefix` says otherwise (CloudWatch signs as `monitoring`, IAM says `cloudwatch`). */
  service: string;
  iamPrefix?: string;
  /** The SDK's service id (the base of its endpoint variable). */
  serviceId: string;
  protocol: AwsProtocol;
  /** awsJson1_1 / awsJson1_0: the X-Amz-Target prefix. */
  targetPrefix?: string;
}

export const AWS_SERVICES: readonly AwsServiceInfo[] = Object.freeze([
  { service: 'ecs', serviceId: 'ECS', protocol: 'awsJson1_1', targetPrefix: 'AmazonEC2ContainerServiceV20141113' },
  { service: 'ecr', serviceId: 'ECR', protocol: 'awsJson1_1', targetPrefix: 'AmazonEC2ContainerRegistry_V20150921' },
  { service: 'logs', serviceId: 'CloudWatch Logs', protocol: 'awsJson1_1', targetPrefix: 'Logs_20140328' },
  { service: 'ce', serviceId: 'Cost Explorer', protocol: 'awsJson1_1', targetPrefix: 'AWSInsightsIndexService' },
  {
    service: 'application-autoscaling',
    serviceId: 'Application Auto Scaling',
    protocol: 'awsJson1_1',
    targetPrefix: 'AnyScaleFrontendService',
  },
  { service: 'lambda', serviceId: 'Lambda', protocol: 'restJson1' },
  // The bot's secrets (src/aws/ssm.ts speaks it without the SDK client, the same way).
  { service: 'ssm', serviceId: 'SSM', protocol: 'awsJson1_1', targetPrefix: 'AmazonSSM' },
  // @aws-sdk/client-cloudwatch 3.1164 speaks AWS JSON 1.0 (awsQueryCompatible), no longer the query protocol.
  {
    service: 'monitoring',
    iamPrefix: 'cloudwatch',
    serviceId: 'CloudWatch',
    protocol: 'awsJson1_0',
    targetPrefix: 'GraniteServiceVersion20100801',
  },
  // The query protocol: a form-encoded body with `Action=`, XML answers (./query.ts).
  { service: 'sts', serviceId: 'STS', protocol: 'awsQuery' },
]);

export function serviceByTargetPrefix(prefix: string): AwsServiceInfo | undefined {
  return AWS_SERVICES.find((s) => s.targetPrefix === prefix);
}

export function serviceInfo(service: string): AwsServiceInfo | undefined {
  return AWS_SERVICES.find((s) => s.service === service);
}

/** `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS` for service id `CloudWatch Logs` (the SDK's own rule). */
export function endpointVariable(serviceId: string): string {
  return ['AWS_ENDPOINT_URL', ...serviceId.split(' ').map((w) => w.toUpperCase())].join('_');
}

/**
 * The environment that points SDK clients at `url`: one AWS_ENDPOINT_URL_<SERVICE> per service
 * given (by signing name), or AWS_ENDPOINT_URL for all of them when `services` is omitted.
 */
export function endpointEnv(url: string, services?: readonly string[]): Record<string, string> {
  if (!services) return { AWS_ENDPOINT_URL: url };
  const env: Record<string, string> = {};
  for (const name of services) {
    const info = serviceInfo(name);
    if (!info) throw new Error(`endpointEnv: unknown service ${name} (known: ${AWS_SERVICES.map((s) => s.service).join(', ')})`);
    env[endpointVariable(info.serviceId)] = url;
  }
  return env;
}

/**
 * JSON as AWS's JSON protocols write it: timestamps (Date) as epoch seconds with a fraction,
 * blobs (Buffer / Uint8Array) as base64.
 */
export function toAwsJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    // Realm-independent checks: objects copied with structuredClone may come from another realm (jest's vm contexts).
    if (Object.prototype.toString.call(raw) === '[object Date]') return (raw as Date).getTime() / 1000;
    if (ArrayBuffer.isView(raw)) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
    return v;
  });
}
