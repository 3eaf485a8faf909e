/**
 * Issue 10, item 16: property-based tests of every reply and Block Kit builder. Valid fixtures
 * whose strings (what AWS answers, what people type) are replaced by hostile ones: mentions,
 * <!channel>, <!here>, user groups, disguised links, mrkdwn marks, control characters, RTL and
 * zero-width characters, Korean text, very long strings. The builders never throw, never let a
 * mention, ping or link through that the bot did not mean, and stay within Block Kit limits once
 * fitted (what the Slack gateway sends). Seeded runs: see test/helpers/blockkit-props.ts.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { dryRunMessage, planSummary, requestedMessage } from '../../src/deploy/render';
import {
  abortMilestone,
  finalMilestone,
  notStartedMilestone,
  registeredMilestone,
  startedMilestone,
  statusCard,
  stuckMilestone,
  type CardView,
} from '../../src/deploy/card';
import { diffObjects, renderDiff } from '../../src/deploy/diff';
import { requestVerb, type ChangePlan } from '../../src/deploy/plan';
import { LOCALES } from '../../src/i18n';
import { rejectModal, requestMessage } from '../../src/approvals/message';
import type { ChangeRequest, RequestState } from '../../src/approvals/types';
import { parseIncident, type IncidentView } from '../../src/alerts/incident';
import { alertMessage, muteNotice } from '../../src/alerts/messages';
import { logsReply, newReasonReply, recoveredReply, signalReply } from '../../src/alerts/replies';
import { costMessage, type CostView } from '../../src/commands/render/cost';
import { imagesMessage, type ImagesView } from '../../src/commands/render/images';
import { logsAnswer, type LogsView } from '../../src/commands/render/logs';
import { serviceStatusMessage } from '../../src/commands/render/status';
import { errorReply } from '../../src/slack/reply';
import { repositoryUrl } from '../../src/aws/console';
import { findService, loadConfigFile } from '../../src/config/load';
import { BotError } from '../../src/errors';
import type { Logger } from '../../src/log';
import {
  assertSafe,
  FC_PARAMS,
  hostileOrLong,
  hostileText,
  hostileVariant,
  TRUSTED_CHANNELS,
  trustedUser,
  viewProblems,
} from '../helpers/blockkit-props';
import { digestOf, image, logEvent, MIN, NOW, REGISTRY, taskIdOf, webStatusInput, planBase } from '../helpers/aws-fixtures';

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const web = findService(config, 'web')!;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
/**
 * Strings that are not free text: validated config identifiers (aliases and environment names
 * match /^[a-z0-9][a-z0-9_-]*$/, regions /^[a-z]{2}(-[a-z]+)+-\d$/) and enumerations the code
 * itself sets (verb, state, phase, kind, source). Everything else may be hostile.
 */
const CONFIG_OR_ENUM = new Set(['region', 'alias', 'environment', 'scopeLabel', 'verb', 'source', 'state', 'phase', 'kind']);
const keepRegion = (p: string[]) => CONFIG_OR_ENUM.has(p[p.length - 1]!);

const ARN = 'arn:aws:ecs:eu-west-1:222222222222';
const basePlans: ChangePlan[] = [
  {
    verb: 'deploy',
    ...planBase(NOW),
    container: 'web',
    repository: 'shop/web',
    tag: 'v1.2.3',
    digest: 'sha256:' + 'a'.repeat(64),
    image: `${REGISTRY}/shop/web@sha256:${'a'.repeat(64)}`,
    previousImage: `${REGISTRY}/shop/web:v1.2.2`,
    imagePushedAt: NOW - 3_600_000,
  },
  {
    verb: 'rollback',
    ...planBase(NOW),
    targetTaskDefinition: `${ARN}:task-definition/web-prod:39`,
    source: 'history',
    container: 'web',
    previousImage: `${REGISTRY}/shop/web:v1.2.2`,
    targetImage: `${REGISTRY}/shop/web:v1.1.9`,
  },
  {
    verb: 'scale',
    ...planBase(NOW),
    from: 4,
    to: 40,
  },
];

const plan = fc.constantFrom(...basePlans).chain((p) => hostileVariant(p, keepRegion));

/** A task definition diff rendered from hostile container definitions. */
const details = fc
  .tuple(hostileText(4), hostileOrLong(), hostileText(4))
  .map(([name, value, image]) =>
    renderDiff(
      diffObjects(
        { containerDefinitions: [{ name: 'web', image: 'x', environment: [{ name, value: 'a' }], command: ['--x', value] }] },
        { containerDefinitions: [{ name: 'web', image, environment: [{ name, value }], command: [value] }] },
      ),
    ),
  );

const stoppedTask = fc.record({
  taskId: hostileText(3),
  taskDefinition: hostileText(3),
  stopCode: fc.option(hostileText(2), { nil: undefined }),
  stoppedReason: fc.option(hostileOrLong(), { nil: undefined }),
  stoppedAt: fc.option(fc.integer({ min: 0, max: NOW }), { nil: undefined }),
  containers: fc.array(
    fc.record({
      name: hostileText(2),
      exitCode: fc.option(fc.integer({ min: -1, max: 255 }), { nil: undefined }),
      reason: fc.option(hostileText(4), { nil: undefined }),
    }),
    { maxLength: 3 },
  ),
  logLines: fc.option(fc.array(hostileOrLong(), { maxLength: 12 }), { nil: undefined }),
});

const cardView: fc.Arbitrary<CardView> = fc.record({
  requestId: hostileText(2),
  plan,
  phase: fc.constantFrom('starting', 'in_progress', 'completed', 'failed', 'stuck', 'aborting') as fc.Arbitrary<CardView['phase']>,
  registered: fc.option(hostileText(3), { nil: undefined }),
  deploymentId: fc.option(hostileText(3), { nil: undefined }),
  counts: fc.option(fc.record({ desired: fc.nat(500), running: fc.nat(500), pending: fc.nat(500), failed: fc.nat(500) }), {
    nil: undefined,
  }),
  startedAt: fc.option(fc.integer({ min: 1, max: NOW }), { nil: undefined }),
  deadlineMs: fc.integer({ min: 0, max: 86_400_000 }),
  reasons: fc.array(hostileOrLong(), { maxLength: 8 }),
  stoppedTasks: fc.array(stoppedTask, { maxLength: 6 }),
  rolledBack: fc.boolean(),
  abortedBy: fc.option(trustedUser(), { nil: undefined }),
});

function check(what: string, build: () => { text: string; blocks: unknown[] }): void {
  let msg;
  try {
    msg = build();
  } catch (err) {
    if (err instanceof BotError) return;
    throw err;
  }
  assertSafe(msg as never, what);
}

describe('the change verbs (src/deploy/render.ts)', () => {
  it('summary, dry run and "request posted"', () => {
    fc.assert(
      fc.property(
        plan,
        details,
        fc.array(hostileText(3), { maxLength: 3 }),
        fc.constantFrom(...TRUSTED_CHANNELS),
        (p, d, warnings, channel) => {
          const checked: ChangePlan = {
            ...p,
            checks: { scan: { status: 'COMPLETE', counts: {} }, warnings: warnings.map((w) => `\`${w.replace(/[`<>&]/g, '')}\``) },
          };
          for (const locale of LOCALES) {
            check('dry run', () => dryRunMessage(checked, d, [], locale, NOW));
            check('requested', () =>
              requestedMessage(checked, { id: 'prod.web.abc', channel, approvalsNeeded: 1, state: 'pending' }, locale),
            );
          }
        },
      ),
      FC_PARAMS,
    );
  });

  it('status card and milestones', () => {
    fc.assert(
      fc.property(cardView, hostileText(3), hostileText(3), (v, arn, id) => {
        check('status card', () => statusCard(v));
        check('stuck', () => stuckMilestone(v));
        check('final', () => finalMilestone({ ...v, phase: v.phase === 'failed' ? 'failed' : 'completed' }, v.deadlineMs));
        check('registered', () => registeredMilestone(arn, v.rolledBack === true));
        check('started', () => startedMilestone(v.plan, id, v.deadlineMs));
        check('abort', () => abortMilestone(v.plan, v.abortedBy ?? 'ULEAD1', v.rolledBack ? 'stop' : 'update', arn));
        check('not started', () => notStartedMilestone(v.plan, 'The service changed since the request.', 'Request it again.', arn));
      }),
      FC_PARAMS,
    );
  });
});

describe('the request message (src/approvals/message.ts)', () => {
  const states: RequestState[] = ['pending', 'approved', 'running', 'succeeded', 'failed', 'rejected', 'expired', 'cancelled'];
  const request: fc.Arbitrary<ChangeRequest> = fc
    .record({
      plan,
      details: fc.option(details, { nil: undefined }),
      reason: fc.option(hostileOrLong(), { nil: undefined }),
      state: fc.constantFrom(...states),
      decision: fc.option(hostileOrLong(), { nil: undefined }),
      requester: trustedUser(),
      decidedBy: fc.option(trustedUser(), { nil: undefined }),
      approvals: fc.array(fc.record({ user: trustedUser(), at: fc.integer({ min: 0, max: NOW }) }), { maxLength: 3 }),
      needed: fc.integer({ min: 0, max: 3 }),
      id: hostileText(2),
    })
    .map((r) => ({
      id: r.id,
      verb: requestVerb(r.plan),
      environment: r.plan.environment,
      service: r.plan.alias,
      plan: r.plan,
      summary: planSummary(r.plan, 'en'),
      ...(r.details !== undefined ? { details: r.details } : {}),
      requester: r.requester,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      channel: 'CPROD',
      createdAt: NOW - 600_000,
      expiresAt: NOW + 600_000,
      approvalsNeeded: r.needed,
      approvals: r.approvals,
      state: r.state,
      ...(r.decidedBy ? { decidedBy: r.decidedBy } : {}),
      // The executor writes succeeded/failed outcomes as escaped mrkdwn; people write the rest.
      ...(r.decision !== undefined ? { decisionReason: r.decision } : {}),
      updatedAt: NOW,
    }));

  it('renders every state, and the reject modal', () => {
    fc.assert(
      fc.property(request, (req) => {
        const r =
          req.state === 'succeeded' || req.state === 'failed'
            ? { ...req, decisionReason: req.decisionReason?.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!) }
            : req;
        check(`request (${r.state})`, () => requestMessage(r, NOW, { approvers: ['ULEAD1', 'SLEADS'] }));
        const problems = viewProblems(rejectModal(r));
        if (problems.length) throw new Error(`reject modal:\n  ${problems.join('\n  ')}`);
      }),
      FC_PARAMS,
    );
  });
});

describe('alerts (src/alerts/messages.ts)', () => {
  const T = Date.parse('2026-03-02T10:00:00Z');
  const facts = {
    taskId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    taskArn: `${ARN}:task/prod/a1b2c3d4e5f60718293a4b5c6d7e8f90`,
    region: 'eu-west-1',
    cluster: 'prod',
    taskDefinition: 'web-prod:42',
    taskDefinitionArn: `${ARN}:task-definition/web-prod:42`,
    image: `${REGISTRY}/shop/web:1.4.2`,
    imageTag: '1.4.2',
    container: 'web',
    exitCode: 137,
    containerReason: 'OutOfMemoryError: Container killed due to memory usage',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    stoppedAt: T,
    startedBy: 'ecs-svc/123',
    kind: 'oom',
    reasonKey: 'OutOfMemoryError',
    reasonLabel: 'OutOfMemoryError',
  };
  const logs = {
    region: 'eu-west-1',
    group: '/ecs/web',
    stream: 'ecs/web/a1b2c3d4e5f60718293a4b5c6d7e8f90',
    lines: ['starting', 'java.lang.OutOfMemoryError'],
  };
  const base: IncidentView = parseIncident({
    gen: '3',
    state: 'open',
    openedAt: String(T),
    lastAt: String(T + 5 * MIN),
    firstFailAt: String(T),
    lastFailAt: String(T + 5 * MIN),
    count: '4',
    'r:OutOfMemoryError': '4',
    'l:OutOfMemoryError': 'OutOfMemoryError',
    'k:OutOfMemoryError': 'task',
    first: JSON.stringify(facts),
    logs: JSON.stringify(logs),
    deploy: JSON.stringify({ deploymentId: 'ecs-svc/9', reason: 'circuit breaker', at: T }),
    action: JSON.stringify({ eventName: 'SERVICE_TASK_START_IMPAIRED', reason: 'impaired', at: T }),
    down: JSON.stringify({ since: T, desired: 4, running: 0 }),
    rev: '9',
    shown: '8',
    ts: '1700000000.000100',
    channel: 'CALERTS',
  })!;

  it('the alert, its thread replies and the mute notice', () => {
    fc.assert(
      fc.property(
        hostileVariant(base, keepRegion),
        fc.array(hostileOrLong(), { maxLength: 15 }),
        hostileText(4),
        hostileOrLong(),
        trustedUser(),
        (v, lines, text, detail, user) => {
          check('alert', () => alertMessage(v, web));
          if (v.first) check('new reason', () => newReasonReply(v.first!, v.logs));
          check('signal', () => signalReply(text, detail));
          check('recovered', () => recoveredReply(v, text));
          const meta = {
            alias: 'web',
            taskId: text,
            container: text,
            region: 'eu-west-1',
            group: v.logs?.group ?? '/g',
            stream: v.logs?.stream ?? 's',
            userId: user,
          };
          check('logs reply', () => logsReply(meta, lines));
          check('logs reply (error)', () => logsReply(meta, undefined, detail));
          check('mute', () => muteNotice({ alias: 'web', environment: 'prod' }, user, { until: T + 3_600_000, reason: detail }));
        },
      ),
      FC_PARAMS,
    );
  });
});

describe('the read verbs (src/commands/render/*)', () => {
  const statusBase = webStatusInput();

  it('/ecs status', () => {
    fc.assert(
      fc.property(
        hostileVariant(statusBase, (p) => keepRegion(p) || p.includes('by')),
        (input) => check('status', () => serviceStatusMessage(input)),
      ),
      FC_PARAMS,
    );
  });

  const costBase: CostView = {
    scopeLabel: 'prod',
    periodLabel: 'month to date (May 1–17)',
    total: 714,
    previous: { total: 544, label: 'the same days of April (Apr 1–17)' },
    daily: Array.from({ length: 17 }, (_, i) => ({ date: `2025-05-${String(i + 1).padStart(2, '0')}`, amount: 30 + (i % 5) * 3 })),
    today: '2025-05-17',
    split: [
      { label: 'ECS', amount: 680 },
      { label: 'ECR', amount: 34 },
    ],
    forecast: { monthEnd: 1302, monthLabel: 'May 2025' },
    breakdown: { kind: 'tags', title: '*By service*', rows: [{ label: 'web', amount: 510, detail: '`web-prod`' }], untagged: 34, other: 0 },
    estimated: true,
    dataAsOf: NOW - 2 * 3_600_000,
    cached: true,
    now: NOW,
  };

  it('/ecs cost', () => {
    // Titles, details and period labels are mrkdwn the bot composes from config and dates (cost.run.ts).
    const botWritten = (p: string[]) =>
      keepRegion(p) || ['title', 'detail', 'periodLabel', 'monthLabel'].includes(p[p.length - 1]!) || p.join('.') === 'previous.label';
    fc.assert(
      fc.property(hostileVariant(costBase, botWritten), (v) => check('cost', () => costMessage(v))),
      FC_PARAMS,
    );
  });

  const imagesBase: ImagesView = {
    alias: 'web',
    environment: 'prod',
    repositoryName: 'shop/web',
    region: 'eu-west-1',
    consoleUrl: repositoryUrl('eu-west-1', '222222222222', 'shop/web'),
    images: [
      image({ tag: ['v1.4.3', 'latest'], pushedDaysAgo: 0.5, critical: 1, high: 2, sizeMb: 182 }),
      image({ tag: 'v1.4.2', pushedDaysAgo: 2, sizeMb: 1500 }),
    ],
    limit: 10,
    running: [{ digest: digestOf('v1.4.2'), tasks: 3 }],
    now: NOW,
  };

  it('/ecs images', () => {
    fc.assert(
      fc.property(
        // repositoryName is chatops.yml's `repository` (validated as an ECR repository name).
        hostileVariant(imagesBase, (p) => keepRegion(p) || p.includes('consoleUrl') || p[p.length - 1] === 'repositoryName'),
        (v) => check('images', () => imagesMessage(v)),
      ),
      FC_PARAMS,
    );
  });

  it('/ecs logs', () => {
    const logsBase = {
      alias: 'web',
      environment: 'prod',
      container: 'web',
      logGroup: '/ecs/web-prod',
      region: 'eu-west-1',
      window: { start: NOW - 15 * MIN, end: NOW },
      filter: 'ERROR',
      taskId: taskIdOf(1),
      events: [logEvent(NOW - 3 * MIN, 'GET /health 200'), logEvent(NOW - 2 * MIN, 'ERROR timeout'), logEvent(NOW - MIN, 'ok')],
      limit: 50,
      more: true,
      consoleUrl: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1',
      notes: ['This container has no stream prefix.'],
      now: NOW,
    };
    fc.assert(
      fc.property(
        hostileVariant(logsBase, (p) => keepRegion(p) || p.includes('consoleUrl') || p.includes('notes')),
        fc.array(hostileOrLong(), { maxLength: 40 }),
        (v, messages) => {
          const events = [...v.events, ...messages.map((m, i) => logEvent(NOW - i * 1000, m))];
          check('logs', () => logsAnswer({ ...(v as LogsView), events }).message);
        },
      ),
      FC_PARAMS,
    );
  });
});

describe('errorReply (src/bot/reply.ts)', () => {
  it('a BotError built the way the code builds them (input escaped), and any other error', () => {
    fc.assert(
      fc.property(hostileOrLong(), (text) => {
        const esc = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
        check('bot error', () =>
          errorReply(new BotError('BAD_INPUT', text, { userMessage: `No: ${esc}`, usage: text, hint: `Try \`${esc}\`` }), quiet),
        );
        check('other error', () => errorReply(new Error(text), quiet));
      }),
      FC_PARAMS,
    );
  });
});
