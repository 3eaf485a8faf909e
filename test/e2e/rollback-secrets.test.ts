/**
 * Issue 10, item 1, end to end: a rollback between task definitions whose environment carries a
 * DATABASE_URL with a password and a live payment key. The dry run, the request message, the
 * approval, the thread and every log line name the variables (changed / added / removed) and
 * never show a value.
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { getRequest } from '../../src/approvals/workflow';
import { deploymentEvent } from '../fixtures/events/samples';
import { ACCOUNT, REGION, SERVICE_ARN, TAGS, taskDefinition } from '../helpers/aws-fixtures';
import { approve, details, lastResponse, requestMessage, textOf, thread, useDeployHarness, webDeployedFrom39 } from '../helpers/deploy-e2e';
import type { E2E } from '../helpers/e2e';

const DB_NOW = 'postgres://app:Curr3nt-Pg-Pa55@db.internal:5432/shop';
const DB_THEN = 'postgres://app:Previ0us-Pg-Pa55@db-old.internal:5432/shop';
const PAY_NOW = 'sk_live_51CurrentPaymentKeyAbCdEf0123';
const PAY_THEN = 'sk_live_51PreviousPaymentKeyZyXw9876';
const SECRETS = [DB_NOW, DB_THEN, PAY_NOW, PAY_THEN, 'Curr3nt-Pg-Pa55', 'Previ0us-Pg-Pa55', '51CurrentPaymentKey', '51PreviousPaymentKey'];

function webWith(revision: number, web: Partial<ContainerDefinition>, image?: string) {
  const td = taskDefinition(revision, {}, image);
  td.containerDefinitions![0] = { ...td.containerDefinitions![0]!, ...web };
  return td;
}

const h = useDeployHarness({
  before: ({ world, clock }) => {
    world.addTaskDefinition(
      webWith(42, {
        environment: [
          { name: 'NODE_ENV', value: 'production' },
          { name: 'DATABASE_URL', value: DB_NOW },
          { name: 'PAYMENT_PROVIDER_KEY', value: PAY_NOW },
        ],
      }),
      TAGS,
    );
    world.addTaskDefinition(
      webWith(
        39,
        {
          environment: [
            { name: 'NODE_ENV', value: 'production' },
            { name: 'DATABASE_URL', value: DB_THEN },
            { name: 'PAYMENT_PROVIDER_KEY', value: PAY_THEN },
            { name: 'LEGACY_CHECKOUT', value: 'true' },
          ],
          secrets: [{ name: 'API_TOKEN', valueFrom: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/web/api-token-old` }],
        },
        '222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1.1.9',
      ),
      TAGS,
    );
    webDeployedFrom39(world, clock);
  },
});

/** Everything the bot sent to Slack (message bodies, updates, responses, ephemerals, views, files) and every log line. */
function everythingSaid(e2e: E2E): string {
  const slack = e2e.slack.calls.map((c) => JSON.stringify(c.body) + (c.content ?? '')).join('\n');
  return `${slack}\n${e2e.logs.map((l) => JSON.stringify(l)).join('\n')}`;
}

describe('a rollback whose task definitions carry secrets in their environment', () => {
  it('names the variables, never their values, from the dry run to completion', async () => {
    await h.e2e.slash('rollback web --dry-run', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    const dry = lastResponse(h.e2e);
    expect(dry).toContain('~ containerDefinitions[web].environment.DATABASE_URL (changed)');
    expect(dry).toContain('~ containerDefinitions[web].environment.PAYMENT_PROVIDER_KEY (changed)');
    expect(dry).toContain('+ containerDefinitions[web].environment.LEGACY_CHECKOUT (added)');
    expect(dry).toContain(
      `~ containerDefinitions[web].secrets.API_TOKEN: arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/web/api-token → arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/web/api-token-old`,
    );

    await h.e2e.slash('rollback web --reason "payments broken since v1.2.2"', { channel_id: 'CPROD', user_id: 'UDEV2' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    // The card says the change in one line; the diff (names only) is behind its Details button.
    expect(textOf(req.message)).not.toContain('DATABASE_URL');
    const full = await details(h.e2e, req);
    expect(full).toContain('environment.DATABASE_URL (changed)');
    for (const s of SECRETS) expect(full).not.toContain(s);
    await approve(h.e2e, req, 'ULEAD2');
    await h.e2e.drain();
    const r = (await getRequest(h.e2e.rt.redis, req.id))!;
    h.world.complete('prod', 'web-prod');
    await h.e2e.event(
      deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId: r.execution!.deploymentId as string }),
    );
    expect((await getRequest(h.e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('Roll back completed');

    const said = everythingSaid(h.e2e);
    expect(h.e2e.slack.calls.length).toBeGreaterThan(3);
    expect(h.e2e.logs.length).toBeGreaterThan(3);
    for (const s of SECRETS) expect(said).not.toContain(s);
    // Nor does the request kept in Redis (its details are what the approval message re-renders).
    const stored = JSON.stringify(await getRequest(h.e2e.rt.redis, req.id));
    for (const s of SECRETS) expect(stored).not.toContain(s);
  });
});
