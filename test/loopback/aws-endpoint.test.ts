/**
 * The loopback AWS endpoint (src/loopback/aws/server.ts) with the real SDK clients the bot uses,
 * pointed at it only through the SDK's endpoint variables: wire protocols, attribution by access
 * key, signature checks, error shapes as the SDK parses them, Lambda's Invoke status codes.
 */
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { DescribeImagesCommand, ECRClient, ImageNotFoundException } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  ECSClient,
  ListClustersCommand,
  ServiceNotFoundException,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { StsWorld } from '../../src/loopback/aws/world/sts';
import { AwsFault } from '../../src/loopback/aws/fault';
import { startAwsEndpoint, type AwsEndpoint } from '../../src/loopback/aws/server';
import { AWS_SERVICES, endpointEnv, endpointVariable } from '../../src/loopback/aws/services';

const KEYS = { AKIDALPHA: 'alpha-secret', AKIDBETA: 'beta-secret' };
const creds = (id: keyof typeof KEYS) => ({ accessKeyId: id, secretAccessKey: KEYS[id] });

let aws: AwsEndpoint;
const saved = { ...process.env };

/** Clients read the endpoint variables when they send (not when built): the variables stay set until the test ends. */
function withEnv<T>(env: Record<string, string>, make: () => T): T {
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_ENDPOINT_URL')) delete process.env[k];
  Object.assign(process.env, env, { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
  return make();
}

afterEach(() => {
  process.env = { ...saved };
});

beforeAll(async () => {
  aws = await startAwsEndpoint({ credentials: KEYS });
});
afterAll(() => aws.close());
beforeEach(() => aws.reset());

describe('endpoint variables', () => {
  it('are the SDK service ids, upper-cased with underscores', () => {
    expect(AWS_SERVICES.map((s) => endpointVariable(s.serviceId))).toEqual([
      'AWS_ENDPOINT_URL_ECS',
      'AWS_ENDPOINT_URL_ECR',
      'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
      'AWS_ENDPOINT_URL_COST_EXPLORER',
      'AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING',
      'AWS_ENDPOINT_URL_LAMBDA',
      'AWS_ENDPOINT_URL_SSM',
      'AWS_ENDPOINT_URL_CLOUDWATCH',
      'AWS_ENDPOINT_URL_STS',
    ]);
    expect(endpointEnv('http://x', ['lambda'])).toEqual({ AWS_ENDPOINT_URL_LAMBDA: 'http://x' });
    expect(() => endpointEnv('http://x', ['s3'])).toThrow('unknown service s3');
  });

  it('reach every client the bot uses, each on its own protocol', async () => {
    aws.handle('ecs', 'DescribeServices', () => ({ services: [], failures: [] }));
    aws.handle('ecr', 'DescribeImages', () => ({ imageDetails: [] }));
    aws.handle('logs', 'FilterLogEvents', () => ({ events: [] }));
    aws.handle('ce', 'GetCostAndUsage', () => ({ ResultsByTime: [] }));
    aws.handle('application-autoscaling', 'DescribeScalableTargets', () => ({ ScalableTargets: [] }));
    aws.handle('lambda', 'Invoke', () => ({ StatusCode: 202 }));
    const clients = withEnv(aws.env(AWS_SERVICES.map((s) => s.service)), () => ({
      ecs: new ECSClient({ region: 'eu-west-1', credentials: creds('AKIDALPHA') }),
      ecr: new ECRClient({ region: 'eu-west-1', credentials: creds('AKIDALPHA') }),
      logs: new CloudWatchLogsClient({ region: 'eu-west-1', credentials: creds('AKIDALPHA') }),
      ce: new CostExplorerClient({ region: 'us-east-1', credentials: creds('AKIDALPHA') }),
      aas: new ApplicationAutoScalingClient({ region: 'eu-west-1', credentials: creds('AKIDALPHA') }),
      lambda: new LambdaClient({ region: 'eu-west-1', credentials: creds('AKIDBETA') }),
    }));
    await clients.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web'] }));
    await clients.ecr.send(new DescribeImagesCommand({ repositoryName: 'shop/web' }));
    await clients.logs.send(new FilterLogEventsCommand({ logGroupName: '/ecs/web', startTime: 1, endTime: 2 }));
    await clients.ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2025-01-01', End: '2025-02-01' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
      }),
    );
    await clients.aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }));
    const inv = await clients.lambda.send(
      new InvokeCommand({ FunctionName: 'fn', InvocationType: 'Event', Payload: Buffer.from('{"a":1}') }),
    );
    expect(inv.StatusCode).toBe(202);
    expect(aws.calls.map((c) => [c.service, c.action, c.protocol, c.region, c.accessKeyId, c.status])).toEqual([
      ['ecs', 'DescribeServices', 'awsJson1_1', 'eu-west-1', 'AKIDALPHA', 200],
      ['ecr', 'DescribeImages', 'awsJson1_1', 'eu-west-1', 'AKIDALPHA', 200],
      ['logs', 'FilterLogEvents', 'awsJson1_1', 'eu-west-1', 'AKIDALPHA', 200],
      ['ce', 'GetCostAndUsage', 'awsJson1_1', 'us-east-1', 'AKIDALPHA', 200],
      ['application-autoscaling', 'DescribeScalableTargets', 'awsJson1_1', 'eu-west-1', 'AKIDALPHA', 200],
      ['lambda', 'Invoke', 'restJson1', 'eu-west-1', 'AKIDBETA', 202],
    ]);
    expect(aws.calls[0]!.input).toEqual({ cluster: 'prod', services: ['web'] });
    expect(aws.calls[5]!.input).toEqual({ FunctionName: 'fn', InvocationType: 'Event', Payload: '{"a":1}' });
    expect(aws.callsOf({ accessKeyId: 'AKIDBETA' })).toHaveLength(1);
  });

  it('CloudWatch on AWS JSON 1.0 and STS on the query protocol (form in, XML out, errors as XML)', async () => {
    const sts = new StsWorld();
    aws.handleAll({ sts: sts.handlers() });
    aws.handle('monitoring', 'GetMetricData', (call) => ({
      MetricDataResults: [
        {
          Id: (call.input.MetricDataQueries as Array<{ Id: string }>)[0]!.Id,
          Timestamps: [new Date(3_600_000)],
          Values: [12.5],
          StatusCode: 'Complete',
        },
      ],
    }));
    const clients = withEnv(aws.env(['monitoring', 'sts']), () => ({
      cw: new CloudWatchClient({ region: 'eu-west-1', credentials: creds('AKIDALPHA') }),
      sts: new STSClient({ region: 'eu-west-1', credentials: creds('AKIDALPHA') }),
    }));
    const metrics = await clients.cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(0),
        EndTime: new Date(7_200_000),
        MetricDataQueries: [
          { Id: 'cpu', MetricStat: { Metric: { Namespace: 'AWS/ECS', MetricName: 'CPUUtilization' }, Period: 3600, Stat: 'Average' } },
        ],
      }),
    );
    expect(metrics.MetricDataResults?.[0]).toMatchObject({ Id: 'cpu', Values: [12.5], Timestamps: [new Date(3_600_000)] });

    const roleArn = 'arn:aws:iam::222222222222:role/ecs-chatops-target';
    const assumed = await clients.sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'chatops-r1',
        ExternalId: 'x-1',
        SourceIdentity: 'slack.U1',
        Tags: [
          { Key: 'chatops:request', Value: 'r1' },
          { Key: 'chatops:approvers', Value: 'U2 U3' },
        ],
        DurationSeconds: 900,
      }),
    );
    expect(assumed.AssumedRoleUser?.Arn).toBe('arn:aws:sts::222222222222:assumed-role/ecs-chatops-target/chatops-r1');
    expect(assumed.SourceIdentity).toBe('slack.U1');
    const session = sts.session(assumed.Credentials?.AccessKeyId);
    expect(session).toMatchObject({
      roleArn,
      sessionName: 'chatops-r1',
      externalId: 'x-1',
      sourceIdentity: 'slack.U1',
      tags: { 'chatops:request': 'r1', 'chatops:approvers': 'U2 U3' },
      assumedBy: 'AKIDALPHA',
      secretAccessKey: assumed.Credentials?.SecretAccessKey,
    });
    expect(assumed.Credentials?.Expiration?.getTime()).toBe(session!.expiration.getTime());
    expect(aws.calls.slice(-2).map((c) => [c.service, c.action, c.protocol, c.status])).toEqual([
      ['monitoring', 'GetMetricData', 'awsJson1_0', 200],
      ['sts', 'AssumeRole', 'awsQuery', 200],
    ]);

    aws.failNext(
      'sts',
      'AssumeRole',
      new AwsFault('AccessDenied', 'User: arn:aws:sts::1:assumed-role/w/f is not authorized to perform: sts:AssumeRole', 403),
    );
    await expect(clients.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'chatops-r2' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('not authorized to perform: sts:AssumeRole') as unknown,
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('AWS_ENDPOINT_URL alone points every client here', async () => {
    aws.handle('ecs', 'DescribeServices', () => ({ services: [], failures: [] }));
    const ecs = withEnv(aws.env(), () => new ECSClient({ region: 'eu-west-1', credentials: creds('AKIDALPHA') }));
    await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web'] }));
    expect(aws.calls).toHaveLength(1);
  });
});

describe('answers', () => {
  const ecs = () =>
    withEnv(aws.env(['ecs']), () => new ECSClient({ region: 'eu-west-1', credentials: creds('AKIDALPHA'), maxAttempts: 1 }));

  it('writes Dates as epoch seconds, which the SDK reads back as Dates', async () => {
    const createdAt = new Date('2025-05-17T12:00:00.250Z');
    aws.handle('ecs', 'DescribeServices', () => ({
      services: [{ serviceName: 'web', deployments: [{ id: 'ecs-svc/1', createdAt }] }],
      failures: [],
    }));
    const res = await ecs().send(new DescribeServicesCommand({ cluster: 'prod', services: ['web'] }));
    expect(res.services![0]!.deployments![0]!.createdAt).toEqual(createdAt);
  });

  it('an AwsFault becomes the SDK exception of that name, with status and message', async () => {
    aws.handle('ecs', 'UpdateService', () => {
      throw new AwsFault('ServiceNotFoundException', 'Service not found.');
    });
    const err = await ecs()
      .send(new UpdateServiceCommand({ cluster: 'prod', service: 'nope', desiredCount: 1 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceNotFoundException);
    expect(err).toMatchObject({ name: 'ServiceNotFoundException', message: 'Service not found.', $metadata: { httpStatusCode: 400 } });
    expect(aws.calls[0]).toMatchObject({ status: 400, errorCode: 'ServiceNotFoundException' });
  });

  it('ECR errors too (another service namespace)', async () => {
    aws.handle('ecr', 'DescribeImages', () => {
      throw new AwsFault('ImageNotFoundException', "The image with imageId {imageTag:'v9'} does not exist");
    });
    const ecr = withEnv(aws.env(['ecr']), () => new ECRClient({ region: 'eu-west-1', credentials: creds('AKIDALPHA') }));
    await expect(
      ecr.send(new DescribeImagesCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'v9' }] })),
    ).rejects.toBeInstanceOf(ImageNotFoundException);
  });

  it('an operation without a handler is UnknownOperationException, as from an endpoint that lacks the API', async () => {
    const err = await ecs()
      .send(new ListClustersCommand({}))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 400 } });
    expect((err as Error).message).toBe('The loopback endpoint does not implement ecs:ListClusters');
  });

  it('a handler that throws something else is a 500 InternalFailure (retried by the SDK)', async () => {
    let n = 0;
    aws.handle('ecs', 'DescribeServices', () => {
      n++;
      throw new Error('bug');
    });
    const ecs3 = withEnv(
      aws.env(['ecs']),
      () => new ECSClient({ region: 'eu-west-1', credentials: creds('AKIDALPHA'), maxAttempts: 3, retryStrategy: undefined }),
    );
    const err = await ecs3.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web'] })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
    expect(n).toBe(3);
  });

  it('failNext answers a fault once, then the handler again', async () => {
    aws.handle('ecs', 'DescribeServices', () => ({ services: [], failures: [] }));
    aws.failNext('ecs', 'DescribeServices', new AwsFault('AccessDeniedException', 'no'));
    await expect(ecs().send(new DescribeServicesCommand({ cluster: 'p', services: ['w'] }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(ecs().send(new DescribeServicesCommand({ cluster: 'p', services: ['w'] }))).resolves.toMatchObject({ services: [] });
  });

  it('authorize runs before the handler and may refuse', async () => {
    const guarded = await startAwsEndpoint({
      authorize: (call) => {
        if (call.accessKeyId !== 'AKIDALPHA') throw new AwsFault('AccessDeniedException', `${call.accessKeyId} may not`);
      },
    });
    try {
      let ran = 0;
      guarded.handle('ecs', 'DescribeServices', () => (ran++, { services: [], failures: [] }));
      const as = (id: keyof typeof KEYS) =>
        withEnv(guarded.env(), () => new ECSClient({ region: 'eu-west-1', credentials: creds(id), maxAttempts: 1 }));
      await as('AKIDALPHA').send(new DescribeServicesCommand({ cluster: 'p', services: ['w'] }));
      await expect(as('AKIDBETA').send(new DescribeServicesCommand({ cluster: 'p', services: ['w'] }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: 'AKIDBETA may not',
      });
      expect(ran).toBe(1);
    } finally {
      await guarded.close();
    }
  });
});

describe('signatures', () => {
  it('a wrong secret is InvalidSignatureException; an unknown key is UnrecognizedClientException; nothing reaches the handler', async () => {
    let ran = 0;
    aws.handle('ecs', 'DescribeServices', () => (ran++, { services: [], failures: [] }));
    const client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      withEnv(aws.env(['ecs']), () => new ECSClient({ region: 'eu-west-1', credentials, maxAttempts: 1 }));
    await expect(
      client({ accessKeyId: 'AKIDALPHA', secretAccessKey: 'wrong' }).send(new DescribeServicesCommand({ cluster: 'p', services: ['w'] })),
    ).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    await expect(
      client({ accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' }).send(new DescribeServicesCommand({ cluster: 'p', services: ['w'] })),
    ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    expect(ran).toBe(0);
    expect(aws.calls.map((c) => c.accessKeyId)).toEqual(['AKIDALPHA', 'AKIDNOBODY']);
  });

  it('a correct signature verifies with special characters in the path and query (Lambda qualifier)', async () => {
    aws.handle('lambda', 'Invoke', (call) => ({
      StatusCode: 200,
      Payload: JSON.stringify({ got: call.input.Qualifier, fn: call.input.FunctionName }),
    }));
    const lambda = withEnv(aws.env(['lambda']), () => new LambdaClient({ region: 'eu-west-1', credentials: creds('AKIDBETA') }));
    const res = await lambda.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:my-fn',
        Qualifier: '$LATEST',
        Payload: Buffer.from('{}'),
      }),
    );
    expect(res.StatusCode).toBe(200);
    expect(JSON.parse(Buffer.from(res.Payload!).toString())).toEqual({
      got: '$LATEST',
      fn: 'arn:aws:lambda:eu-west-1:123456789012:function:my-fn',
    });
  });
});

describe('Lambda Invoke', () => {
  const lambda = () =>
    withEnv(aws.env(['lambda']), () => new LambdaClient({ region: 'eu-west-1', credentials: creds('AKIDBETA'), maxAttempts: 1 }));

  it('RequestResponse: 200 with the payload; a function error is X-Amz-Function-Error', async () => {
    aws.handle('lambda', 'Invoke', () => ({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: '{"errorType":"Error","errorMessage":"boom"}',
    }));
    const res = await lambda().send(new InvokeCommand({ FunctionName: 'fn', Payload: Buffer.from('{}') }));
    expect(res).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(JSON.parse(Buffer.from(res.Payload!).toString())).toEqual({ errorType: 'Error', errorMessage: 'boom' });
  });

  it('AccessDeniedException is a 403 with X-Amzn-ErrorType', async () => {
    aws.handle('lambda', 'Invoke', () => {
      throw new AwsFault('AccessDeniedException', 'User: x is not authorized to perform: lambda:InvokeFunction', 403);
    });
    const err = await lambda()
      .send(new InvokeCommand({ FunctionName: 'fn', InvocationType: 'Event', Payload: Buffer.from('{}') }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    expect((err as Error).message).toContain('lambda:InvokeFunction');
  });
});

describe('stalls', () => {
  it('a stalled call is never answered (the client gives up); the next one is', async () => {
    aws.handle('ecs', 'DescribeServices', () => ({ services: [], failures: [] }));
    aws.stallNext('ecs', 'DescribeServices');
    const ecs = withEnv(aws.env(['ecs']), () => new ECSClient({ region: 'eu-west-1', credentials: creds('AKIDALPHA'), maxAttempts: 1 }));
    const abort = new AbortController();
    const pending = ecs
      .send(new DescribeServicesCommand({ cluster: 'p', services: ['w'] }), { abortSignal: abort.signal })
      .catch((e: unknown) => e);
    // Give up only once the endpoint holds the request (no time bound in the assertion).
    while (aws.calls.length === 0) await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    expect(((await pending) as Error).name).toMatch(/Abort/);
    expect(aws.calls[0]!.status).toBeUndefined();
    await expect(ecs.send(new DescribeServicesCommand({ cluster: 'p', services: ['w'] }))).resolves.toMatchObject({ services: [] });
  });
});
