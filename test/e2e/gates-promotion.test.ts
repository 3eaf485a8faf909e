/**
 * Release gate 1, promotion order, end to end through the Lambda handlers: prod takes only a digest
 * that completed a healthy deployment in staging at least an hour ago. The record is the bot's own,
 * written when the staging change it tracked reached COMPLETED; `/ecs promote web` requests that
 * digest. Real Redis, the local Slack API server, ECS/ECR stubbed in the documented shapes.
 */
import { ListServiceDeploymentsCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { HEALTHY_TTL_SECONDS, keys } from '../../src/redis/keys';
import { getRequest } from '../../src/approvals/workflow';
import { recordHealthyDigest } from '../../src/deploy/promotion';
import { DIGEST, REGISTRY, digestOf, revisionArn, serviceDeployment, serviceRevision } from '../helpers/aws-fixtures';
import { configFile } from '../helpers/config';
import { approve, lastResponse, requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';

const h = useDeployHarness({
  configPath: configFile((doc) => {
    doc.environments.prod.gates = { promotion: { from: 'staging', soak: '1h' } };
    // A third environment, not upstream of prod: `/ecs promote --from dev` must not skip staging.
    doc.environments.dev = {
      region: 'eu-west-1',
      cluster: 'dev',
      accountId: '111111111111',
      channels: ['CDEV'],
      requesters: ['*'],
      approvers: ['ULEAD1'],
      approvals: { deploy: 0, rollback: 0, scale: 0, restart: 0 },
    };
    doc.services['web-dev'] = {
      environment: 'dev',
      service: 'web-dev',
      container: 'web',
      repository: 'shop/web',
      scale: { min: 1, max: 2 },
    };
  }),
});

const HOUR = 3600_000;

/** Deploy v1.2.3 to web-staging (no approval there) and let ECS complete it; the scheduled tick notices. */
async function completeInStaging(): Promise<string> {
  await h.e2e.slash('deploy web-staging v1.2.3', { channel_id: 'CSTAGING', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CSTAGING');
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('running');
  h.world.complete('staging', 'web-staging');
  h.clock.advance(60_000);
  await h.e2e.tick();
  expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
  return req.id;
}

/** CI deployed v1.2.2 to web-staging 30 hours ago and v1.2.3 two hours ago; ECS resolved the digests in the service revisions. */
function ciHistory(): void {
  const sd = (id: string, rev: string, finishedAt: number) =>
    serviceDeployment(id, revisionArn(rev), [], {
      serviceDeploymentArn: `arn:aws:ecs:eu-west-1:111111111111:service-deployment/staging/web-staging/${id}`,
      createdAt: new Date(finishedAt - 5 * 60_000),
      startedAt: new Date(finishedAt - 5 * 60_000),
      finishedAt: new Date(finishedAt),
    });
  const rev = (n: string, digest: string, tag: string) => ({
    ...serviceRevision(n, 'arn:aws:ecs:eu-west-1:111111111111:task-definition/web-staging:7'),
    containerImages: [
      { containerName: 'otel', image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0', imageDigest: digestOf('otel') },
      { containerName: 'web', image: `${REGISTRY}/shop/web:${tag}`, imageDigest: digest },
    ],
  });
  h.world.setHistory(
    'staging',
    'web-staging',
    [sd('ci-1', '6000000000001', h.clock.now() - 30 * HOUR), sd('ci-2', '6000000000002', h.clock.now() - 2 * HOUR)],
    [rev('6000000000002', DIGEST, 'v1.2.3'), rev('6000000000001', digestOf('v1.2.2'), 'v1.2.2')],
  );
}

describe('promotion order (staging → prod)', () => {
  it('refuses a digest that never completed in staging, and says what to do', async () => {
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain(
      "I can't deploy `v1.2.3` `sha256:3f1c7e5a9b2d` to `prod`: it has not completed a healthy deployment in `staging`",
    );
    expect(answer).toContain('Deploy it to `staging` first (e.g. `/ecs deploy web-staging v1.2.3`)');
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0); // no request
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });

  it('records the healthy completion in staging, refuses before the soak time, then promotes that digest', async () => {
    const stagingId = await completeInStaging();
    const record = JSON.parse((await h.e2e.rt.redis.hget(keys.healthyDigest(DIGEST), 'staging'))!);
    expect(record).toMatchObject({ service: 'web-staging', requestId: stagingId, tag: 'v1.2.3' });
    const ttl = await h.e2e.rt.redis.ttl(keys.healthyDigest(DIGEST));
    expect(ttl).toBeGreaterThan(HEALTHY_TTL_SECONDS - 60);
    expect(JSON.parse((await h.e2e.rt.redis.get(keys.healthyService('staging', 'web-staging')))!)).toMatchObject({
      digest: DIGEST,
      repository: 'shop/web',
    });

    // 20 minutes later: not soaked yet.
    h.clock.advance(20 * 60_000);
    await h.e2e.slash('promote web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('completed healthy in `staging`');
    expect(lastResponse(h.e2e)).toContain('and `prod` requires 1h of soak time');
    expect(lastResponse(h.e2e)).toContain('--at 20');
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);

    // An hour later: promote requests exactly that digest, and the card says where and when it ran healthy.
    h.clock.advance(HOUR);
    const ack = await h.e2e.slash('promote web --reason "release 1.2.3"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.text).toContain('Preparing the promotion of the image that completed healthy in `staging` to `web` in `prod`');
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    const card = textOf(req.message);
    expect(card).toContain('Release gates');
    expect(card).toMatch(
      /Promotion: `v1\.2\.3` `sha256:3f1c7e5a9b2d` completed healthy in `staging` \(`web-staging`\) <!date\^\d+\^[^>]+>, 1h 20m ago \(soak time 1h passed\)/,
    );
    const pending = await getRequest(h.e2e.rt.redis, req.id);
    expect(pending?.plan).toMatchObject({ verb: 'deploy', digest: DIGEST, image: `${REGISTRY}/shop/web@${DIGEST}` });
    expect(pending?.gates?.[0]?.gate).toBe('promotion');

    await approve(h.e2e, req);
    await h.e2e.drain();
    const update = h.ecsMock.commandCalls(UpdateServiceCommand).find((c) => c.args[0].input.service === 'web-prod');
    expect(update?.args[0].input.taskDefinition).toMatch(/web-prod:43$/);

    // The audit trail and /ecs history keep the gate.
    const created = (await h.e2e.rt.redis.xrange(keys.serviceAudit('prod', 'web'), '-', '+')).find(([, f]) => f.includes('created'))!;
    expect(created[1][created[1].indexOf('gates') + 1]).toContain('Promotion:');
    await h.e2e.slash('history web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('Gates: Promotion: `v1.2.3` `sha256:3f1c7e5a9b2d` completed healthy in `staging`');
  });

  it('promote says so when staging has nothing on record, and a dry run shows the refusal', async () => {
    await h.e2e.slash('promote web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain(
      '`web-staging` in `staging` has no completed deployment, neither in the bot’s record nor in ECS’s deployment history',
    );
    await h.e2e.slash('deploy web v1.2.3 --dry-run', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('Dry run');
    expect(lastResponse(h.e2e)).toContain('The real request would be refused: I can');
  });

  it('counts a deployment made outside the bot (CI): found in ECS’s deployment history of staging, then recorded', async () => {
    ciHistory();
    // /ecs deploy: the gate finds the completion in ECS's history, and the card says where and when.
    await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const card = textOf(requestMessage(h.e2e, 'CPROD').message);
    expect(card).toMatch(
      /Promotion: `v1\.2\.3` `sha256:3f1c7e5a9b2d` completed healthy in `staging` \(`web-staging`\) <!date\^\d+\^[^>]+>, 2h ago/,
    );
    expect(JSON.parse((await h.e2e.rt.redis.hget(keys.healthyDigest(DIGEST), 'staging'))!)).toMatchObject({
      service: 'web-staging',
      requestId: 'ecs:ci-2',
      at: h.clock.now() - 2 * HOUR,
    });
    // A completion found there for the gate does not become the service's last healthy digest.
    expect(await h.e2e.rt.redis.get(keys.healthyService('staging', 'web-staging'))).toBeNull();
    // The next request needs no call to ECS's history: the record has it.
    const lists = h.ecsMock.commandCalls(ListServiceDeploymentsCommand).length;
    await h.e2e.slash('deploy web v1.2.3 --dry-run', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('completed healthy in `staging`');
    expect(h.ecsMock.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(lists);
  });

  it('promote takes the newest completion upstream from ECS’s history when the bot has none', async () => {
    ciHistory();
    await h.e2e.slash('promote web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    expect((await getRequest(h.e2e.rt.redis, req.id))?.plan).toMatchObject({ verb: 'deploy', digest: DIGEST });
    expect(textOf(req.message)).toContain('Promotion: `v1.2.3` `sha256:3f1c7e5a9b2d` completed healthy in `staging` (`web-staging`)');
  });

  it('promote says where the image is missing when staging ran one that prod’s registry does not have', async () => {
    // Was only "ECR repository `shop/web` has no image with digest …" and prod's recent tags.
    const elsewhere = `sha256:${'e'.repeat(64)}`;
    await recordHealthyDigest(h.e2e.rt, {
      environment: 'staging',
      alias: 'web-staging',
      requestId: 'staging.web-staging.abcdefgh',
      at: h.clock.now() - 5 * HOUR,
      digest: elsewhere,
      tag: 'v9.0.0',
      repository: 'shop/web',
    });
    await h.e2e.slash('promote web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain('The image that completed healthy in `staging` (`sha256:eeeeeeeeeeee`) is not in `shop/web` in `eu-west-1`');
    expect(answer).toContain('ECR replication');
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0);
  });

  it('promote --from an environment that is not the upstream one: the digest must still have completed in staging', async () => {
    // The digest completed healthy in dev (the bot's record), never in staging.
    await recordHealthyDigest(h.e2e.rt, {
      environment: 'dev',
      alias: 'web-dev',
      requestId: 'dev.web-dev.abcdefgh',
      at: h.clock.now() - 5 * HOUR,
      digest: DIGEST,
      tag: 'v1.2.3',
      repository: 'shop/web',
    });
    await h.e2e.slash('promote web --from dev', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    expect(lastResponse(h.e2e)).toContain('it has not completed a healthy deployment in `staging`');
    expect(h.e2e.slack.messages('CPROD')).toHaveLength(0); // no request
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('refuses promote without a source when the environment has no promotion gate', async () => {
    const ack = await h.e2e.slash('promote web-staging', { channel_id: 'CSTAGING', user_id: 'UDEV1' });
    expect(ack.text).toContain('Where from? `staging` has no promotion gate');
    expect(h.e2e.pending).toHaveLength(0);
  });
});
