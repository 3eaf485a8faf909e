/** /ecs history's pure parts: runs from the audit trail, the merge with ECS's list, the message. */
import { blockTextLength, fitMessage } from '../../src/slack/blocks';
import { LIMITS } from '../../src/slack/text';
import type { AuditEntry } from '../../src/approvals/audit';
import { arnTail as taskDefName } from '../../src/aws/arn';
import { historyMessage, imageText, mergeHistory, runsFromAudit, type BotRun, type EcsDeploymentRow } from '../../src/approvals/history';
import type { ChangeRequest } from '../../src/approvals/types';

const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);
const MIN = 60_000;
const TD41 = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/web:41';
const TD42 = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/web:42';
const IMG = '222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web@sha256:' + 'b'.repeat(64);

/** A deploy request of web in prod asked by UDEV1 and approved by ULEAD2 a minute later. */
function approvedRequest(id: string, over: Partial<ChangeRequest>): ChangeRequest {
  return {
    id,
    verb: 'deploy',
    environment: 'prod',
    service: 'web',
    plan: {},
    summary: 's',
    requester: 'UDEV1',
    channel: 'CPROD',
    createdAt: T0,
    expiresAt: T0 + 60 * MIN,
    approvalsNeeded: 1,
    approvals: [{ user: 'ULEAD2', at: T0 + MIN }],
    state: 'approved',
    updatedAt: T0,
    ...over,
  };
}

let seq = 0;
function entry(at: number, event: string, requestId: string, actor: string, state: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  seq += 1;
  return {
    streamId: `${at}-${seq}`,
    at,
    event,
    requestId,
    verb: 'deploy',
    environment: 'prod',
    service: 'web',
    actor,
    state,
    detail: '',
    ...extra,
  };
}

describe('runsFromAudit', () => {
  it("marks a run whose worker recorded that it does not run (the audit's `did not run`) as not run, from the entries alone", () => {
    const id = 'prod.web.aaaaaaa9';
    const entries = [
      entry(T0 + 3 * MIN, 'failed', id, 'bot', 'failed', { detail: 'did not run' }),
      entry(T0 + 2 * MIN, 'did not run', id, 'bot', 'running'),
      entry(T0 + MIN, 'started', id, 'bot', 'running'),
      entry(T0, 'created', id, 'UDEV1', 'approved', { detail: 'outage' }),
    ];
    const [r] = runsFromAudit(entries, new Map());
    expect(r).toMatchObject({ requestId: id, state: 'failed', notRun: true });
    const ran = runsFromAudit(
      entries.filter((e) => e.event !== 'did not run'),
      new Map(),
    );
    expect(ran[0]?.notRun).toBeUndefined();
  });
  it('reads a run the tracker gave up on as "not confirmed" from the entries alone (the audit\'s `rollout ended`), never "failed"', () => {
    const id = 'prod.web.aaaaaaa8';
    const entries = (ended: string) => [
      entry(T0 + 66 * MIN, 'failed', id, 'bot', 'failed', { detail: 'ECS had not said it completed or failed' }),
      entry(T0 + 65 * MIN, 'rollout ended', id, 'bot', 'running', { detail: ended }),
      entry(T0 + MIN, 'started', id, 'bot', 'running'),
      entry(T0, 'created', id, 'UDEV1', 'approved', { detail: 'outage' }),
    ];
    const [r] = runsFromAudit(entries('not confirmed: ECS had not said it completed or failed'), new Map());
    expect(r).toMatchObject({ requestId: id, state: 'failed', unconfirmed: true });
    const view = { service: 'web', environment: 'prod', limit: 10, notes: [], now: T0 + 70 * MIN };
    for (const [locale, word] of [
      ['en', ':grey_question: not confirmed'],
      ['ko', ':grey_question: 결과 확인 안 됨'],
    ] as const) {
      const text = JSON.stringify(historyMessage({ ...view, rows: mergeHistory([r!], [], new Map(), T0, 10) }, locale).blocks);
      expect(text).toContain(word);
      expect(text).not.toContain(':x:');
    }
    const [failed] = runsFromAudit(entries('failed: 3 tasks stopped'), new Map());
    expect(failed!.unconfirmed).toBeUndefined();
    expect(JSON.stringify(historyMessage({ ...view, rows: mergeHistory([failed!], [], new Map(), T0, 10) }).blocks)).toContain(
      ':x: failed',
    );
  });

  it('builds one run per request from the entries alone when the request hash is gone', () => {
    const id = 'prod.web.aaaaaaa1';
    const entries = [
      entry(T0 + 9 * MIN, 'succeeded', id, 'bot', 'succeeded', { detail: 'rolled out' }),
      entry(T0 + 2 * MIN, 'started', id, 'bot', 'running'),
      entry(T0 + MIN, 'approved', id, 'ULEAD1', 'approved'),
      entry(T0, 'created', id, 'UDEV1', 'pending', { detail: 'hotfix', summary: 'Deploy v1 to web' }),
      entry(T0 - MIN, 'locked', '', 'UDEV2', 'locked'),
    ];
    expect(runsFromAudit(entries, new Map())).toEqual([
      {
        requestId: id,
        verb: 'deploy',
        requester: 'UDEV1',
        reason: 'hotfix',
        summary: 'Deploy v1 to web',
        approvers: ['ULEAD1'],
        autoApproved: false,
        createdAt: T0,
        startedAt: T0 + 2 * MIN,
        finishedAt: T0 + 9 * MIN,
        state: 'succeeded',
        detail: 'rolled out',
        deploymentIds: [],
      },
    ]);
  });

  it('the outcome line says the outcome once and how long it took, without parentheses after parentheses (ko)', () => {
    const id = 'prod.web.aaaaaaa9';
    const entries = [
      entry(T0 + 9 * MIN, 'succeeded', id, 'bot', 'succeeded', { detail: '`web-prod:43` 실행 중 (작업 4개)' }),
      entry(T0 + 2 * MIN, 'started', id, 'bot', 'running'),
      entry(T0, 'created', id, 'UDEV1', 'approved'),
    ];
    const rows = mergeHistory(runsFromAudit(entries, new Map()), [], new Map(), T0, 10);
    const view = { service: 'web', environment: 'prod', limit: 10, notes: [], now: T0 + 10 * MIN };
    const ko = JSON.stringify(historyMessage({ ...view, rows }, 'ko').blocks);
    expect(ko).toContain('성공: `web-prod:43` 실행 중 (작업 4개) · 7분 걸림');
    expect(JSON.stringify(historyMessage({ ...view, rows }, 'en').blocks)).toContain('succeeded: `web-prod:43` 실행 중 (작업 4개) in 7m');
  });

  it('takes image, task definition and ECS ids from the plan and the execution facts', () => {
    const id = 'prod.web.aaaaaaa2';
    const req = approvedRequest(id, {
      plan: { image: IMG, tag: 'v1.2.3', currentTaskDefinition: TD41 },
      state: 'running',
      execution: { targetTaskDefinition: TD42, deploymentId: 'ecs-svc/9', serviceDeploymentArn: 'arn:sd/9' },
      startedAt: T0 + 2 * MIN,
    });
    const [run] = runsFromAudit([entry(T0, 'created', id, 'UDEV1', 'pending')], new Map([[id, req]]));
    expect(run).toMatchObject({
      image: IMG,
      tag: 'v1.2.3',
      taskDefinition: TD42,
      deploymentIds: ['arn:sd/9', 'ecs-svc/9'],
      approvers: ['ULEAD2'],
      state: 'running',
    });
  });

  it('names a resize as the resize it is (its request is a deploy request), in the run and in the message', () => {
    const id = 'prod.web.aaaaaaa3';
    const req = approvedRequest(id, {
      plan: { verb: 'resize', currentTaskDefinition: TD41, from: { cpu: 512, memory: 1024 }, to: { cpu: 1024, memory: 2048 } },
      state: 'succeeded',
      execution: { targetTaskDefinition: TD42 },
    });
    const [run] = runsFromAudit([entry(T0, 'created', id, 'UDEV1', 'pending')], new Map([[id, req]]));
    expect(run).toMatchObject({ verb: 'resize', taskDefinition: TD42 });
    const rows = mergeHistory([run!], [], new Map(), T0 + 10 * MIN, 10);
    const line = (locale: 'en' | 'ko') =>
      JSON.stringify(
        historyMessage({ service: 'web', environment: 'prod', rows, limit: 10, notes: [], now: T0 + 10 * MIN }, locale).blocks,
      );
    expect(line('en')).toContain(' · Resize `web:42`');
    expect(line('ko')).toContain(' · 크기 조정 `web:42`');
  });

  it('records auto-approval and rejection', () => {
    const a = 'staging.web-staging.aaaaaaa3';
    const r = 'prod.web.aaaaaaa4';
    const runs = runsFromAudit(
      [
        entry(T0, 'created', a, 'UDEV1', 'approved'),
        entry(T0, 'auto-approved', a, 'bot', 'approved'),
        entry(T0 + MIN, 'created', r, 'UDEV2', 'pending'),
        entry(T0 + 2 * MIN, 'rejected', r, 'ULEAD1', 'rejected', { detail: 'no' }),
      ],
      new Map(),
    );
    expect(runs.map((x) => [x.requestId, x.autoApproved, x.state, x.decidedBy ?? null])).toEqual([
      [r, false, 'rejected', 'ULEAD1'],
      [a, true, 'approved', null],
    ]);
  });
});

describe('mergeHistory', () => {
  const run = (over: Partial<BotRun>): BotRun => ({
    requestId: 'prod.web.r1aaaaaa',
    verb: 'deploy',
    requester: 'UDEV1',
    approvers: ['ULEAD1'],
    autoApproved: false,
    createdAt: T0,
    startedAt: T0 + MIN,
    finishedAt: T0 + 8 * MIN,
    state: 'succeeded',
    taskDefinition: TD42,
    deploymentIds: [],
    ...over,
  });
  const dep = (over: Partial<EcsDeploymentRow>): EcsDeploymentRow => ({
    id: 'arn:sd/x',
    createdAt: T0 + 2 * MIN,
    status: 'SUCCESSFUL',
    taskDefinition: TD42,
    ...over,
  });

  it('attaches the deployment the request recorded', () => {
    const rows = mergeHistory([run({ deploymentIds: ['arn:sd/1'] })], [dep({ id: 'arn:sd/1', taskDefinition: TD41 })], new Map(), T0, 10);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ run: { requestId: 'prod.web.r1aaaaaa' }, ecs: { id: 'arn:sd/1' } });
  });

  it('attaches by the bot mark, else by task definition within the run, and keeps the rest as not made by the bot', () => {
    const runs = [
      run({}),
      run({
        requestId: 'prod.web.r2aaaaaa',
        createdAt: T0 + 60 * MIN,
        startedAt: T0 + 61 * MIN,
        finishedAt: T0 + 70 * MIN,
        taskDefinition: 'arn:.../web:43',
      }),
    ];
    const deps = [
      dep({ id: 'arn:sd/a' }), // TD42 during r1 → r1
      dep({ id: 'arn:sd/b', createdAt: T0 + 62 * MIN, taskDefinition: 'arn:other' }), // marked → r2
      dep({ id: 'arn:sd/c', createdAt: T0 + 30 * MIN }), // TD42 but outside r1's window → not the bot's
      dep({ id: 'arn:sd/d', createdAt: T0 - 600 * MIN }), // marked, request no longer in the trail
    ];
    const marks = new Map([
      ['arn:sd/b', 'prod.web.r2aaaaaa'],
      ['arn:sd/d', 'prod.web.oldaaaaa'],
    ]);
    const rows = mergeHistory(runs, deps, marks, T0 + 90 * MIN, 10);
    expect(rows.map((r) => [r.run?.requestId ?? null, r.ecs?.id ?? null, r.botRequestId ?? null])).toEqual([
      ['prod.web.r2aaaaaa', 'arn:sd/b', null],
      [null, 'arn:sd/c', null],
      ['prod.web.r1aaaaaa', 'arn:sd/a', null],
      [null, 'arn:sd/d', 'prod.web.oldaaaaa'],
    ]);
    expect(mergeHistory(runs, deps, marks, T0, 2)).toHaveLength(2);
  });

  it("never gives a scale the deployment it kept: a scale starts none, so that deployment stays someone else's", () => {
    const scale = run({ requestId: 'prod.web.s1aaaaaa', verb: 'scale', deploymentIds: ['ecs-svc/kept'] });
    // Made by the console two days before; the scale recorded it to follow (and an older version marked it).
    const kept = dep({ id: 'ecs-svc/kept', createdAt: T0 - 2 * 24 * 60 * MIN });
    // Created while the scale ran, with the task definition it kept: still not the scale's.
    const during = dep({ id: 'ecs-svc/during', createdAt: T0 + 3 * MIN });
    const rows = mergeHistory([scale], [kept, during], new Map([['ecs-svc/kept', 'prod.web.s1aaaaaa']]), T0 + 90 * MIN, 10);
    expect(rows.map((r) => [r.run?.requestId ?? null, r.ecs?.id ?? null, r.botRequestId ?? null])).toEqual([
      [null, 'ecs-svc/during', null],
      ['prod.web.s1aaaaaa', null, null],
      [null, 'ecs-svc/kept', null],
    ]);
  });
});

describe('history message', () => {
  it('renders bot runs and outside deployments distinctly', () => {
    const rows = mergeHistory(
      [
        {
          requestId: 'prod.web.r1aaaaaa',
          verb: 'deploy',
          requester: 'UDEV1',
          reason: 'hotfix <!channel>',
          approvers: ['ULEAD1'],
          autoApproved: false,
          createdAt: T0,
          startedAt: T0 + MIN,
          finishedAt: T0 + 8 * MIN,
          state: 'succeeded',
          image: IMG,
          tag: 'v1.2.3',
          taskDefinition: TD42,
          deploymentIds: ['arn:sd/1'],
        },
      ],
      [
        { id: 'arn:sd/1', createdAt: T0 + 2 * MIN, status: 'SUCCESSFUL', taskDefinition: TD42 },
        {
          id: 'arn:sd/2',
          createdAt: T0 + 100 * MIN,
          status: 'ROLLBACK_SUCCESSFUL',
          statusReason: 'circuit breaker',
          taskDefinition: 'arn:aws:ecs:eu-west-1:2:task-definition/web:44',
          image: IMG,
        },
      ],
      new Map(),
      T0 + 120 * MIN,
      10,
    );
    const msg = historyMessage({ service: 'web', environment: 'prod', rows, limit: 10, notes: [], now: T0 + 120 * MIN });
    expect(msg).toMatchSnapshot();
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('*Not made by the bot*');
    expect(text).toContain('`v1.2.3` (sha256:bbbbbbbbbbbb) → `web:42`');
    expect(text).toContain('approved by <@ULEAD1>');
    expect(text).toContain('ECS: :white_check_mark: successful');
    expect(text).toContain('&lt;!channel&gt;');
    expect(msg.text).toBe('History of web in prod: 2 entries (1 through the bot, 1 not made by the bot)');
  });

  it('says when there is nothing, and what could not be read', () => {
    const msg = historyMessage({ service: 'web', environment: 'prod', rows: [], limit: 10, notes: ['ECS could not be read.'], now: T0 });
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('No deployments of `web` on record');
    expect(text).toContain(':warning: ECS could not be read.');
  });

  it('does not call ECS deployments "not made by the bot" when the audit trail could not be read', () => {
    const rows = mergeHistory([], [{ id: 'arn:sd/1', createdAt: T0, status: 'SUCCESSFUL' }], new Map(), T0, 10);
    const msg = historyMessage({ service: 'web', environment: 'prod', rows, limit: 10, notes: [], now: T0, auditAvailable: false });
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('Origin unknown');
    expect(text).not.toContain('Not made by the bot');
  });

  it('fits Slack limits with 50 long rows', () => {
    const runs: BotRun[] = Array.from({ length: 50 }, (_, i) => ({
      requestId: `prod.web.r${String(i).padStart(6, '0')}`,
      verb: 'deploy',
      requester: 'UDEV1',
      reason: 'r'.repeat(150),
      approvers: ['ULEAD1', 'ULEAD2'],
      autoApproved: false,
      createdAt: T0 + i * MIN,
      state: 'failed',
      detail: 'x'.repeat(1000),
      summary: 's'.repeat(2000),
      deploymentIds: [],
    }));
    const rows = mergeHistory(runs, [], new Map(), T0, 50);
    const fitted = fitMessage(historyMessage({ service: 'web', environment: 'prod', rows, limit: 50, notes: ['n'.repeat(500)], now: T0 }));
    expect(fitted.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(fitted.blocks.reduce((n, b) => n + blockTextLength(b), 0)).toBeLessThanOrEqual(LIMITS.totalText);
    expect(JSON.stringify(fitted.blocks)).toContain('left out to fit in one Slack message');
  });

  it('names images and task definitions briefly', () => {
    expect(taskDefName(TD42)).toBe('web:42');
    expect(imageText(IMG)).toBe('`shop/web@sha256:bbbbbbbbbbbb`');
    expect(imageText('nginx:1.27')).toBe('`nginx:1.27`');
    expect(imageText(undefined)).toBe('');
  });
});
