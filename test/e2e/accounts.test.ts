/**
 * Environments in other AWS accounts, end to end through the Lambda handlers: prod names a role
 * (`roleArn`, `externalId`); every AWS call for prod runs with that role's credentials (STS stubbed
 * with AssumeRole's documented response), the approved deploy runs in its own session whose source
 * identity and session tags name the request, the requester and the approver, and a role that
 * cannot be assumed is answered with the role, its account and what is missing.
 */
import { AssumeRoleCommand, STSClient, type AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { approve, lastResponse, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { configFile } from '../helpers/config';
import { getRequest } from '../../src/approvals/workflow';
import { resolveRoleCredentialsOnSend } from '../helpers/aws-signing';

const ROLE = 'arn:aws:iam::222222222222:role/ecs-chatops-target';
const BOT_ROLE = 'arn:aws:sts::111111111111:assumed-role/ecs-chatops-prod-worker/ecs-chatops-prod-worker';

const stsMock = mockClient(STSClient);
let sessions = 0;
/** What each AssumeRole call asked for; the answer's key id is ASIA…<n>, n counting from 1. */
let asked: AssumeRoleCommandInput[] = [];
/** Set to refuse AssumeRole calls that ask for session tags, as a trust policy without sts:TagSession does. */
let refuseTags = false;
let refuseAll = false;

const h = useDeployHarness({
  configPath: configFile((doc) => {
    doc.environments.prod.roleArn = ROLE;
    doc.environments.prod.externalId = 'chatops-prod-7';
  }),
  before: (hh) => {
    // Role clients resolve their credentials before the stubbed send, as the SDK does when it signs
    // (again for each test: resetting a mock replaces the stubbed send).
    for (const c of [ECSClient, ECRClient, CloudWatchLogsClient]) resolveRoleCredentialsOnSend(c);
    sessions = 0;
    asked = [];
    refuseTags = false;
    refuseAll = false;
    stsMock.reset();
    stsMock.on(AssumeRoleCommand).callsFake((input: AssumeRoleCommandInput) => {
      asked.push(input);
      if (refuseAll || (refuseTags && input.Tags)) {
        const action = refuseAll ? 'sts:AssumeRole' : 'sts:TagSession';
        throw Object.assign(new Error(`User: ${BOT_ROLE} is not authorized to perform: ${action} on resource: ${ROLE}`), {
          name: 'AccessDenied',
          $fault: 'client',
          $metadata: { httpStatusCode: 403 },
        });
      }
      sessions++;
      return {
        Credentials: {
          AccessKeyId: `ASIAROLESESSION${String(sessions).padStart(5, '0')}`,
          SecretAccessKey: 'secret',
          SessionToken: `token-${sessions}`,
          Expiration: new Date(hh.clock.now() + 3600_000),
        },
        AssumedRoleUser: {
          Arn: `arn:aws:sts::222222222222:assumed-role/ecs-chatops-target/${input.RoleSessionName}`,
          AssumedRoleId: 'AROA:x',
        },
        ...(input.SourceIdentity ? { SourceIdentity: input.SourceIdentity } : {}),
      };
    });
  },
});

afterAll(() => stsMock.restore());

/** The access key id a mocked call's client signs with (the client's own credentials provider). */
async function keyOf(call: { thisValue: unknown }): Promise<string> {
  const client = call.thisValue as ECSClient | ECRClient;
  const creds = await (client.config.credentials as () => Promise<{ accessKeyId: string }>)();
  return creds.accessKeyId;
}

describe('prod lives in another account', () => {
  it('plans with the read session and carries out the approved deploy in a session naming the request, requester and approver', async () => {
    await h.e2e.slash('deploy web v1.2.3 --reason "checkout fix"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(stsMock.calls()).toHaveLength(0); // the Slack-facing function assumes nothing
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');

    // Planning: ECR and ECS for prod, both with the role's read session.
    const planReads = h.ecsMock.commandCalls(DescribeServicesCommand);
    expect(await keyOf(planReads[0]!)).toBe('ASIAROLESESSION00001');
    expect(await keyOf(h.ecrMock.commandCalls(DescribeImagesCommand)[0]!)).toBe('ASIAROLESESSION00001');
    expect(asked).toEqual([{ RoleArn: ROLE, RoleSessionName: 'ecs-chatops', DurationSeconds: 3600, ExternalId: 'chatops-prod-7' }]);

    await approve(h.e2e, req, 'ULEAD1');
    await h.e2e.drain();
    const done = await getRequest(h.e2e.rt.redis, req.id);
    expect(done?.state).toBe('running');

    // The change's own session: source identity = the requester, tags = request, requester, approvers.
    const change = asked.find((a) => a.SourceIdentity);
    expect(change).toMatchObject({
      RoleArn: ROLE,
      ExternalId: 'chatops-prod-7',
      RoleSessionName: `ecs-chatops-${req.id}`,
      SourceIdentity: 'slack.UDEV1',
      DurationSeconds: 900,
    });
    expect(change!.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'chatops:request', Value: req.id },
        { Key: 'chatops:requester', Value: 'UDEV1' },
        { Key: 'chatops:approvers', Value: 'ULEAD1' },
        { Key: 'chatops:verb', Value: 'deploy' },
      ]),
    );
    // RegisterTaskDefinition and UpdateService ran with that session (CloudTrail shows who asked and who approved).
    const changeKey = `ASIAROLESESSION${String(asked.indexOf(change!) + 1).padStart(5, '0')}`;
    expect(await keyOf(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]!)).toBe(changeKey);
    expect(await keyOf(h.ecsMock.commandCalls(UpdateServiceCommand)[0]!)).toBe(changeKey);
    // Staging has no role: the function's own credentials, no STS call for it.
    expect(asked.every((a) => a.RoleArn === ROLE)).toBe(true);
  });

  it('a trust policy without sts:TagSession stops the change before anything changes, and says so in the thread', async () => {
    refuseTags = true;
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    await approve(h.e2e, req, 'ULEAD2');
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    const replies = thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n');
    expect(replies).toContain(`assume role \`${ROLE}\` in account \`222222222222\``);
    expect(replies).toContain('does not allow `sts:TagSession`');
  });

  it('a role that cannot be assumed at all is answered with the role, its account and the missing trust', async () => {
    refuseAll = true;
    await h.e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain(`assume role \`${ROLE}\` in account \`222222222222\``);
    expect(answer).toContain(BOT_ROLE);
    expect(answer).toContain("trust policy does not trust the bot's role");
    expect(answer).toContain('environments.prod.externalId');
    expect(h.ecsMock.calls()).toHaveLength(0);
  });
  // An access denied inside the role (naming the role to fix) is covered at the wire: test/integration/aws-roles.test.ts.
});
