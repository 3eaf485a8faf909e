/**
 * Issue 10, item 4: nothing secret is ever logged or said. A full flow through the real handlers
 * (slash commands, an approval click, the execution to COMPLETED, an alert, then Redis going
 * away) against a Redis that requires a password, with every log line captured (src/log.ts's
 * sink, and the console, where Bolt and the Slack SDK write) and every request the bot made to
 * the local Slack API recorded. None of them may contain the bot token, the signing secret or the
 * Redis password; nor a response_url (a bearer capability for 30 minutes), nor a credential from
 * the application's own log lines (item 2's corpus, shown by /ecs logs, the alert and the thread).
 * (A REDIS_URL the URL parser rejects, whose error carried the password: test/unit/log-secrets.test.ts.)
 */
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { getRequest } from '../../src/approvals/workflow';
import { clearTaskDefinitionCache } from '../../src/alerts/logs';
import { BOT_TOKEN, SIGNING_SECRET, type E2E } from '../helpers/e2e';
import { approve, requestMessage, taskEvent, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { SERVICE_ARN, tdArn } from '../helpers/aws-fixtures';
import { startRedisServer, type RedisServerHandle } from '../helpers/redis';
import { deploymentEvent, taskStopped } from '../fixtures/events/samples';
import { PEM_EVENTS, PEM_EVENTS_SECRETS, SECRET_CASES } from '../fixtures/redact-corpus';

const REDIS_PASSWORD = 'r3dis-Pa55w0rd-for-item-4';
const APP_LOG_LINES = ['Listening on :8080', ...SECRET_CASES.map((c) => c.text), ...PEM_EVENTS];
/** What the alert shows: its last 10 lines (a private key logged line by line, a connection string). */
const ALERT_LINES = [...PEM_EVENTS, SECRET_CASES[0]!.text, 'Listening on :8080'];
const APP_SECRETS = [...SECRET_CASES.flatMap((c) => c.secrets), ...PEM_EVENTS_SECRETS];

let redis: RedisServerHandle;
let savedUrl: string | undefined;
let savedLevel: string | undefined;
const consoleLines: string[] = [];
const consoleSpies: jest.SpyInstance[] = [];

beforeAll(async () => {
  redis = await startRedisServer({ password: REDIS_PASSWORD });
  savedUrl = process.env.REDIS_URL;
  process.env.REDIS_URL = redis.url;
  // Debug logging is what someone turns on when something goes wrong: it must not leak either.
  savedLevel = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'debug';
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    consoleSpies.push(
      jest.spyOn(console, m).mockImplementation((...args: unknown[]) => void consoleLines.push(args.map(String).join(' '))),
    );
  }
});

afterAll(async () => {
  for (const s of consoleSpies) s.mockRestore();
  process.env.REDIS_URL = savedUrl;
  if (savedLevel === undefined) delete process.env.LOG_LEVEL;
  else process.env.LOG_LEVEL = savedLevel;
  await redis?.stop();
});

const h = useDeployHarness({
  logs: APP_LOG_LINES,
  before: ({ logsMock }) => {
    clearTaskDefinitionCache();
    logsMock.on(GetLogEventsCommand).resolves({
      events: ALERT_LINES.map((message, i) => ({
        timestamp: Date.now() - (ALERT_LINES.length - i) * 1000,
        message,
        ingestionTime: Date.now(),
      })),
      nextForwardToken: 'f/1',
      nextBackwardToken: 'b/1',
    });
  },
});

/** Every log line (our sink and the console) and everything the bot sent to Slack, as text. */
function transcript(e2e: E2E): { logs: string; slack: string } {
  const logs = [...e2e.logs.map((l) => JSON.stringify(l)), ...consoleLines].join('\n');
  // The token travels in the Authorization header of each call (RecordedCall.token), never in a body.
  const slack = e2e.slack.calls.map((c) => `${c.method} ${JSON.stringify(c.body)} ${c.content ?? ''}`).join('\n');
  return { logs, slack };
}

function expectNoSecret(text: string, what: string): void {
  for (const [name, secret] of [
    ['bot token', BOT_TOKEN],
    ['signing secret', SIGNING_SECRET],
    ['Redis password', REDIS_PASSWORD],
  ] as const) {
    if (text.includes(secret)) {
      const at = text.indexOf(secret);
      throw new Error(`the ${name} appears in ${what}: …${text.slice(Math.max(0, at - 300), at + 100)}…`);
    }
  }
}

describe('nothing secret is logged or said, through a whole flow', () => {
  it('command, approval, execution to COMPLETED, an alert, and Redis going away', async () => {
    const { e2e } = h;
    // Redis really does need the password (so the flow below proves the bot used it).
    expect(process.env.REDIS_URL).toContain(`:${REDIS_PASSWORD}@`);
    expect(await e2e.rt.redis.ping()).toBe('PONG');

    // Read-only verbs, answered from the worker through response_url.
    await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.slash('logs web --since 1h', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    expect(JSON.stringify(e2e.slack.responses())).toContain('Listening on :8080');

    // A deploy: request, a refused self-approval, an approval, the execution, progress, COMPLETED.
    await e2e.slash('deploy web v1.2.3 --reason "checkout fix"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    const req = requestMessage(e2e, 'CPROD');
    await e2e.click({ action_id: 'approval:approve', value: req.id, user_id: 'UDEV1', channel_id: 'CPROD', message_ts: req.ts });
    await approve(e2e, req, 'ULEAD1');
    await e2e.drain();
    const running = (await getRequest(e2e.rt.redis, req.id))!;
    expect(running.state).toBe('running');
    const deploymentId = running.execution!.deploymentId as string;
    h.world.progress('prod', 'web-prod', 2);
    h.clock.advance(30_000);
    await e2e.event(
      taskEvent(h.clock, {
        cluster: 'prod',
        service: 'web-prod',
        taskId: 'aaaa1111',
        taskDefinitionArn: tdArn('web-prod', 43),
        lastStatus: 'RUNNING',
      }),
    );
    h.world.complete('prod', 'web-prod');
    h.clock.advance(60_000);
    await e2e.event(deploymentEvent('completed', { time: h.clock.now(), serviceArn: SERVICE_ARN, deploymentId }));
    expect((await getRequest(e2e.rt.redis, req.id))?.state).toBe('succeeded');
    expect(thread(e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('Deploy completed');

    // An alert: a task of web-prod exits 1 later on; the alert carries its last log lines.
    h.clock.advance(10 * 60_000);
    await e2e.event(taskStopped({ time: h.clock.now(), taskDefinition: 'web-prod:43', exitCode: 1 }));
    const alert = e2e.slack.messages('CALERTS').map(textOf).join('\n');
    expect(alert).toContain('web');
    expect(alert).toContain('Listening on :8080');

    // Redis goes away: a change is refused, a read still answers; both paths log errors.
    await redis.stop();
    await e2e.slash('deploy web v1.2.3 --reason "again"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    // Back again (same port and password), so the harness's clients close cleanly.
    redis = await startRedisServer({ port: redis.port, password: REDIS_PASSWORD });

    const { logs, slack } = transcript(e2e);
    expect(e2e.logs.length).toBeGreaterThan(10);
    expect(logs).toMatch(/unavailable|ECONNREFUSED|Connection is closed/i);
    expectNoSecret(logs, 'the log');
    expectNoSecret(slack, 'a Slack message');
    // A response_url is a bearer capability: never logged.
    expect(e2e.slack.callsTo('response_url').length).toBeGreaterThan(3);
    expect(logs).not.toMatch(/response(?:\/|%2F)R\d{6}/i);
    // The application's own credentials, shown by /ecs logs, the alert and the deploy thread, are masked everywhere.
    for (const s of APP_SECRETS) {
      expect(slack).not.toContain(s);
      expect(logs).not.toContain(s);
    }
  });
});
