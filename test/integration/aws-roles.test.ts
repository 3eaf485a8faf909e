/**
 * Environments in other accounts, at the wire: the real SDK clients from createAwsClients against a
 * loopback STS and ECS. Each request's SigV4 credential scope shows which credentials signed it, so
 * these tests see that an environment's calls run with its role's credentials, that the role is
 * assumed once and reused until five minutes before it expires, that a change's session carries the
 * request, requester and approvers, and that refusals name the role.
 */
import { createAwsClients, REFRESH_BEFORE_MS } from '../../src/aws/clients';
import { describeServices } from '../../src/aws/ecs';
import type { SessionIdentity } from '../../src/aws/session';
import { assumeRoleXml, jsonError, startAwsWire, stsErrorXml, type AwsWire } from '../helpers/aws-wire';

const ROLE = 'arn:aws:iam::222222222222:role/ecs-chatops-target';
const BOT_KEY = 'AKIDBOTFUNCTIONROLE1';
const REGION = 'eu-west-1';

const saved: Record<string, string | undefined> = {};
const ENV = {
  AWS_ACCESS_KEY_ID: BOT_KEY,
  AWS_SECRET_ACCESS_KEY: 'bot-secret',
  AWS_SESSION_TOKEN: 'bot-token',
  AWS_REGION: REGION,
};

let wire: AwsWire;
let assumed = 0;

beforeAll(async () => {
  wire = await startAwsWire();
  for (const [k, v] of Object.entries({ ...ENV, AWS_ENDPOINT_URL_STS: wire.url, AWS_ENDPOINT_URL_ECS: wire.url })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await wire.close();
});

beforeEach(() => {
  wire.requests.length = 0;
  assumed = 0;
  wire.on('sts', 'AssumeRole', (req) => {
    assumed++;
    return assumeRoleXml({
      accessKeyId: `ASIAROLE${String(assumed).padStart(12, '0')}`,
      expiration: new Date(Date.now() + 3600_000),
      roleArn: req.form.RoleArn!,
      sessionName: req.form.RoleSessionName!,
      sourceIdentity: req.form.SourceIdentity,
    });
  });
  // The JSON protocol's wire shape (timestamps would be epoch seconds; none needed here).
  wire.on('ecs', 'DescribeServices', () => ({
    body: JSON.stringify({
      services: [{ serviceName: 'web-prod', serviceArn: 'arn:aws:ecs:eu-west-1:222222222222:service/prod/web-prod', status: 'ACTIVE' }],
      failures: [],
    }),
  }));
});

const ecsCalls = () => wire.requests.filter((r) => r.service === 'ecs');
const stsCalls = () => wire.requests.filter((r) => r.service === 'sts');

describe("an environment's AWS calls run with its role", () => {
  it('assumes the role once (with the ExternalId) and signs every call of the environment with its credentials', async () => {
    const aws = createAwsClients();
    const access = { roleArn: ROLE, externalId: 'chatops-ext-7', name: 'prod' };
    await describeServices(aws.ecs(REGION, access), 'prod', ['web-prod']);
    await describeServices(aws.ecs(REGION, access), 'prod', ['web-prod']);
    expect(stsCalls()).toHaveLength(1);
    const sts = stsCalls()[0]!;
    expect(sts.accessKeyId).toBe(BOT_KEY); // the function's own role asks STS
    expect(sts.form).toMatchObject({ Action: 'AssumeRole', RoleArn: ROLE, ExternalId: 'chatops-ext-7', RoleSessionName: 'ecs-chatops' });
    expect(sts.form.DurationSeconds).toBe('3600');
    expect(sts.form.SourceIdentity).toBeUndefined(); // read sessions speak for nobody in particular
    expect(ecsCalls().map((r) => r.accessKeyId)).toEqual(['ASIAROLE000000000001', 'ASIAROLE000000000001']);
    expect(ecsCalls()[0]!.headers['x-amz-security-token']).toBe('FwoGZXIvYXdzEBYaDEXAMPLETOKENASIAROLE000000000001');
  });

  it('an environment without a role uses the function role, and never calls STS', async () => {
    const aws = createAwsClients();
    await describeServices(aws.ecs(REGION, { name: 'staging' }), 'staging', ['web-staging']);
    expect(stsCalls()).toHaveLength(0);
    expect(ecsCalls()[0]!.accessKeyId).toBe(BOT_KEY);
  });

  it('shares one session across the clients of the environment and assumes again five minutes before it expires', async () => {
    let offset = 0;
    const aws = createAwsClients({ now: () => Date.now() + offset });
    const access = { roleArn: ROLE, name: 'prod' };
    await describeServices(aws.ecs(REGION, access), 'prod', ['web-prod']);
    // Another client (another region here) of the same role: the cached session.
    await describeServices(aws.ecs('eu-central-1', access), 'prod', ['web-prod']);
    expect(assumed).toBe(1);
    offset = 3600_000 - REFRESH_BEFORE_MS + 1_000; // four minutes before expiry
    await describeServices(aws.ecs('us-east-1', access), 'prod', ['web-prod']);
    expect(assumed).toBe(2);
    expect(ecsCalls().map((r) => r.accessKeyId)).toEqual(['ASIAROLE000000000001', 'ASIAROLE000000000001', 'ASIAROLE000000000002']);
  });

  it('runs a change in its own session naming the request, the requester and the approvers', async () => {
    const aws = createAwsClients();
    const session: SessionIdentity = {
      requestId: 'r-1234abcd',
      requester: 'UDEV1',
      approvers: ['ULEAD1', 'ULEAD2'],
      environment: 'prod',
      verb: 'deploy',
      action: 'execute',
    };
    await describeServices(aws.ecs(REGION, { roleArn: ROLE, name: 'prod', session }), 'prod', ['web-prod']);
    const sts = stsCalls()[0]!;
    expect(sts.form).toMatchObject({
      RoleArn: ROLE,
      RoleSessionName: 'ecs-chatops-r-1234abcd',
      SourceIdentity: 'slack.UDEV1',
      DurationSeconds: '900',
      'Tags.member.1.Key': 'chatops:request',
      'Tags.member.1.Value': 'r-1234abcd',
      'Tags.member.5.Key': 'chatops:requester',
      'Tags.member.5.Value': 'UDEV1',
      'Tags.member.6.Key': 'chatops:approvers',
      'Tags.member.6.Value': 'ULEAD1 ULEAD2',
    });
    // The read session of the same role is a different session.
    await describeServices(aws.ecs(REGION, { roleArn: ROLE, name: 'prod' }), 'prod', ['web-prod']);
    expect(assumed).toBe(2);
  });

  it("a role that cannot be assumed is answered with the role, its account and the bot's role", async () => {
    wire.on('sts', 'AssumeRole', () =>
      stsErrorXml(
        'AccessDenied',
        `User: arn:aws:sts::111111111111:assumed-role/ecs-chatops-prod-worker/ecs-chatops-prod-worker is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
      ),
    );
    const aws = createAwsClients();
    const err = await describeServices(aws.ecs(REGION, { roleArn: ROLE, name: 'prod' }), 'prod', ['web-prod']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWS_ACCESS_DENIED' });
    const { userMessage, hint } = err as { userMessage: string; hint: string };
    expect(userMessage).toContain(`assume role \`${ROLE}\` in account \`222222222222\``);
    expect(userMessage).toContain('assumed-role/ecs-chatops-prod-worker');
    expect(hint).toContain('trust policy');
    expect(ecsCalls()).toHaveLength(0);
  });

  it('access denied inside the role names the role to fix, not the bot', async () => {
    wire.on('ecs', 'DescribeServices', () =>
      jsonError(
        'AccessDeniedException',
        'User: arn:aws:sts::222222222222:assumed-role/ecs-chatops-target/ecs-chatops is not authorized to perform: ecs:DescribeServices on resource: arn:aws:ecs:eu-west-1:222222222222:service/prod/web-prod because no identity-based policy allows the ecs:DescribeServices action',
      ),
    );
    const aws = createAwsClients();
    const err = await describeServices(aws.ecs(REGION, { roleArn: ROLE, name: 'prod' }), 'prod', ['web-prod']).catch((e: unknown) => e);
    const { userMessage, hint } = err as { userMessage: string; hint: string };
    expect(userMessage).toContain(`role \`${ROLE}\` in account \`222222222222\``);
    expect(userMessage).toContain('needs `ecs:DescribeServices`');
    expect(hint).toContain("not to the bot's own role");
  });
});
