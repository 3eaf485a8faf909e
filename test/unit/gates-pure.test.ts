/**
 * The release gates' pure parts: the cost delta of a change (Fargate on-demand, Spot, ARM, a
 * capacity provider mix), the promotion verdict, the traffic-shift gate's reading of a paused
 * DescribeServiceDeployments answer, the gates configuration, and the history marks.
 */
import type { ServiceDeployment } from '@aws-sdk/client-ecs';
import { changesCost, costDelta, costLine, money } from '../../src/deploy/cost-delta';
import { hourlyTaskPrice } from '../../src/aws/fargate-pricing';
import { promotionVerdict } from '../../src/deploy/promotion';
import { pauseKey, pausesDeployments, pressNeeds, rolledBackAtGate, waitingHook, weightsOf } from '../../src/deploy/traffic-model';
import { continueLabel } from '../../src/deploy/traffic-text';
import { historyGatesLine } from '../../src/approvals/history-gates';
import { principalsFor } from '../../src/policy/authorize';
import { fixtureConfig } from '../helpers/config';
import { isBotError } from '../../src/errors';
import { changeBase } from '../../src/commands/change-args';
import { containerDigest } from '../../src/deploy/promotion.run';
import { promote } from '../../src/commands/promote';
import { parseArgs } from '../../src/commands/grammar';

const td = (cpu: string, memory: string, arch: 'X86_64' | 'ARM64' = 'X86_64') => ({
  cpu,
  memory,
  runtimePlatform: { cpuArchitecture: arch, operatingSystemFamily: 'LINUX' as const },
});

describe('the cost of a change', () => {
  it('prices a scale on Fargate on-demand: "+3 tasks ≈ +$x/day, +$y/month"', () => {
    const d = costDelta({
      region: 'eu-west-1',
      service: { launchType: 'FARGATE' },
      before: { taskDefinition: td('1024', '2048'), tasks: 4 },
      after: { taskDefinition: td('1024', '2048'), tasks: 7 },
    });
    // 1 vCPU × $0.04048 + 2 GB × $0.004445 = $0.04937/hour per task; 3 more tasks.
    expect(d.ok && d.perHour).toBeCloseTo(3 * 0.04937, 6);
    expect(d.ok && d.perDay).toBeCloseTo(3 * 0.04937 * 24, 6);
    expect(d.ok && d.perMonth).toBeCloseTo(3 * 0.04937 * 730, 6);
    expect(costLine(d, 'en')).toBe('+3 tasks ≈ +$3.55/day, +$108/month (Fargate on-demand in eu-west-1, an estimate)');
    expect(costLine(d, 'ko')).toBe('작업 +3개 ≈ 하루 +$3.55, 월 +$108 (eu-west-1의 Fargate 온디맨드 가격 기준 추정치)');
  });

  it('prices fewer tasks as a saving', () => {
    const d = costDelta({
      region: 'eu-west-1',
      service: { launchType: 'FARGATE' },
      before: { taskDefinition: td('512', '1024'), tasks: 4 },
      after: { taskDefinition: td('512', '1024'), tasks: 2 },
    });
    expect(costLine(d, 'en')).toMatch(/^−2 tasks ≈ −\$1\.18\/day, −\$36\/month/);
  });

  it('prices ARM 20 % and Fargate Spot about two thirds below on-demand', () => {
    const x86 = hourlyTaskPrice('eu-west-1', { cpuUnits: 1024, memoryMiB: 2048, arch: 'X86_64' })!;
    const arm = hourlyTaskPrice('eu-west-1', { cpuUnits: 1024, memoryMiB: 2048, arch: 'ARM64' })!;
    const spot = hourlyTaskPrice('eu-west-1', { cpuUnits: 1024, memoryMiB: 2048, arch: 'X86_64' }, { spot: true })!;
    expect(arm / x86).toBeCloseTo(0.8, 2);
    expect(spot / x86).toBeCloseTo(0.33, 2);
    const onSpot = costDelta({
      region: 'eu-west-1',
      service: { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] },
      before: { taskDefinition: td('1024', '2048', 'ARM64'), tasks: 2 },
      after: { taskDefinition: td('1024', '2048', 'ARM64'), tasks: 5 },
    });
    expect(onSpot.ok && onSpot.perHour).toBeCloseTo(3 * arm * 0.33, 6);
    expect(costLine(onSpot, 'en')).toContain('(Fargate Spot in eu-west-1, an estimate)');
  });

  it('splits a capacity provider mix: base first, then by weight', () => {
    // base 2 on FARGATE, then 1:3 FARGATE:FARGATE_SPOT. 2 → 6 tasks adds 4, of which 3 on Spot.
    const strategy = [
      { capacityProvider: 'FARGATE', base: 2, weight: 1 },
      { capacityProvider: 'FARGATE_SPOT', weight: 3 },
    ];
    const d = costDelta({
      region: 'eu-west-1',
      service: { capacityProviderStrategy: strategy },
      before: { taskDefinition: td('1024', '2048'), tasks: 2 },
      after: { taskDefinition: td('1024', '2048'), tasks: 6 },
    });
    const od = hourlyTaskPrice('eu-west-1', { cpuUnits: 1024, memoryMiB: 2048, arch: 'X86_64' })!;
    expect(d.ok && d.perHour).toBeCloseTo(1 * od + 3 * od * 0.33, 6);
    expect(costLine(d, 'en')).toContain('on-demand and Spot');
  });

  it('prices a change of task size over the same tasks', () => {
    const d = costDelta({
      region: 'eu-west-1',
      service: { launchType: 'FARGATE' },
      before: { taskDefinition: td('512', '1024'), tasks: 4 },
      after: { taskDefinition: td('1024', '2048'), tasks: 4 },
    });
    expect(changesCost(d)).toBe(true);
    expect(costLine(d, 'en')).toMatch(/^task size 0\.5 vCPU \/ 1 GB → 1 vCPU \/ 2 GB × 4 tasks ≈ \+\$2\.37\/day, \+\$72\/month/);
    const same = costDelta({
      region: 'eu-west-1',
      service: { launchType: 'FARGATE' },
      before: { taskDefinition: td('512', '1024'), tasks: 4 },
      after: { taskDefinition: td('512', '1024'), tasks: 4 },
    });
    expect(changesCost(same)).toBe(false);
  });

  it('gives no estimate rather than a guess: EC2, no task size, an unpriced region', () => {
    const ec2 = costDelta({
      region: 'eu-west-1',
      service: { launchType: 'EC2' },
      before: { taskDefinition: td('512', '1024'), tasks: 1 },
      after: { taskDefinition: td('512', '1024'), tasks: 2 },
    });
    expect(ec2).toEqual({ ok: false, reason: 'notFargate', region: 'eu-west-1' });
    expect(costLine(ec2, 'en')).toMatch(/billed per instance/);
    const noSize = costDelta({
      region: 'eu-west-1',
      service: { launchType: 'FARGATE' },
      before: { taskDefinition: {}, tasks: 1 },
      after: { taskDefinition: {}, tasks: 2 },
    });
    expect(noSize.ok).toBe(false);
    const region = costDelta({
      region: 'sa-east-1',
      service: { launchType: 'FARGATE' },
      before: { taskDefinition: td('512', '1024'), tasks: 1 },
      after: { taskDefinition: td('512', '1024'), tasks: 2 },
    });
    expect(costLine(region, 'en')).toBe('no cost estimate: the bot has no Fargate price for sa-east-1');
  });

  it('writes money like people do', () => {
    expect(money(2.9)).toBe('+$2.90');
    expect(money(88.2)).toBe('+$88');
    expect(money(-1240.4)).toBe('−$1,240');
    expect(money(0.001)).toBe('±$0.00');
    expect(money(500, false)).toBe('$500');
  });
});

describe('the promotion verdict', () => {
  const rec = { service: 'web-staging', at: 1_000_000, requestId: 'staging.web-staging.abc123' };
  it('passes a digest that completed upstream, after the soak time', () => {
    expect(promotionVerdict(rec, undefined, 1_000_001)).toEqual({ ok: true, record: rec });
    expect(promotionVerdict(rec, 3600_000, 1_000_000 + 3600_000)).toEqual({ ok: true, record: rec });
  });
  it('refuses a digest that never completed upstream, or completed too recently', () => {
    expect(promotionVerdict(undefined, undefined, 5)).toEqual({ ok: false, reason: 'never' });
    expect(promotionVerdict(rec, 3600_000, 1_000_000 + 60_000)).toEqual({
      ok: false,
      reason: 'soak',
      record: rec,
      readyAt: 1_000_000 + 3600_000,
    });
  });
});

/** The documented DescribeServiceDeployments answer for a deployment paused at a lifecycle hook (SDK example). */
const paused: ServiceDeployment = {
  serviceDeploymentArn: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/MyCluster/MyService/r9i43YFjvgF_xlg7m2eJ1r',
  lifecycleHookDetails: [
    {
      expiresAt: new Date('2026-05-06T17:00:00.000Z'),
      hookId: 'ecs-pause-Xk7rT2mP9sLwQn4vB8fYd3hJ6gA1cE5iO0uR_ZpWq',
      status: 'AWAITING_ACTION',
      targetType: 'PAUSE',
      timeoutAction: 'ROLLBACK',
    },
  ],
  lifecycleStage: 'POST_PRODUCTION_TRAFFIC_SHIFT',
  status: 'IN_PROGRESS',
  targetServiceRevision: {
    arn: 'arn:…:service-revision/MyCluster/MyService/1234567890123456789',
    pendingTaskCount: 1,
    requestedTaskCount: 2,
    runningTaskCount: 1,
  },
};

describe('the traffic-shift gate reads a paused deployment', () => {
  it('finds the PAUSE hook awaiting action and its id', () => {
    expect(waitingHook(paused)?.hookId).toBe('ecs-pause-Xk7rT2mP9sLwQn4vB8fYd3hJ6gA1cE5iO0uR_ZpWq');
    const timedOut = { ...paused, lifecycleHookDetails: [{ ...paused.lifecycleHookDetails![0]!, status: 'TIMED_OUT' as const }] };
    expect(waitingHook(timedOut)).toBeUndefined();
    const lambda = { ...paused, lifecycleHookDetails: [{ ...paused.lifecycleHookDetails![0]!, targetType: 'AWS_LAMBDA' as const }] };
    expect(waitingHook(lambda)).toBeUndefined();
    expect(pauseKey('ecs-pause-Xk7rT2mP9sLwQn4vB8fYd3hJ6gA1cE5iO0uR_ZpWq')).toMatch(/^[0-9a-f]{12}$/);
  });

  it('reads the weights, and says nothing for weights ECS did not report', () => {
    expect(weightsOf(paused)).toEqual({});
    expect(
      weightsOf({
        targetServiceRevision: { requestedProductionTrafficWeight: 10, requestedTestTrafficWeight: 100 },
        sourceServiceRevisions: [{ requestedProductionTrafficWeight: 90 }],
      }),
    ).toEqual({ prodNew: 10, prodOld: 90, testNew: 100 });
  });

  it('only services with a PAUSE hook on a non-rolling strategy pause for the bot', () => {
    const hooks = [{ targetType: 'PAUSE' as const, lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT' as const] }];
    expect(pausesDeployments({ deploymentConfiguration: { strategy: 'BLUE_GREEN', lifecycleHooks: hooks } })).toBe(true);
    expect(pausesDeployments({ deploymentConfiguration: { strategy: 'CANARY', lifecycleHooks: hooks } })).toBe(true);
    expect(pausesDeployments({ deploymentConfiguration: { strategy: 'ROLLING', lifecycleHooks: hooks } })).toBe(false);
    expect(pausesDeployments({ deploymentConfiguration: { strategy: 'BLUE_GREEN', lifecycleHooks: [{ targetType: 'AWS_LAMBDA' }] } })).toBe(
      false,
    );
    expect(pausesDeployments({ deploymentConfiguration: { maximumPercent: 200 } })).toBe(false);
  });

  it('names the continue button by stage, and knows a roll back at the gate', () => {
    expect(continueLabel('POST_TEST_TRAFFIC_SHIFT', 'en')).toBe('Shift production traffic');
    expect(continueLabel('POST_PRODUCTION_TRAFFIC_SHIFT', 'en')).toBe('Continue');
    expect(continueLabel('POST_TEST_TRAFFIC_SHIFT', 'ko')).toBe('운영 트래픽 전환');
    expect(rolledBackAtGate({ 'shift.abc': { action: 'ROLLBACK', by: 'ULEAD1', result: 'sent' } } as never)).toBe('ULEAD1');
    expect(rolledBackAtGate({ 'shift.abc': { action: 'ROLLBACK', by: 'ULEAD1', result: 'late' } } as never)).toBeUndefined();
    expect(rolledBackAtGate({ 'shift.abc': { action: 'CONTINUE', by: 'ULEAD1', result: 'sent' } } as never)).toBeUndefined();
  });

  it('who may press (asked at the click and again in the worker): a shifter shifts, not the requester unless allowed; the requester, an approver or a shifter rolls back', () => {
    const gate = { requester: 'UDEV1', allowRequester: false };
    expect(pressNeeds(gate, 'UDEV1', 'CONTINUE')).toEqual({ refused: true, refusal: 'selfShift' });
    expect(pressNeeds({ ...gate, allowRequester: true }, 'UDEV1', 'CONTINUE')).toEqual({
      refused: false,
      roles: ['shifter'],
      refusal: 'notShifter',
    });
    expect(pressNeeds(gate, 'ULEAD1', 'CONTINUE')).toEqual({ refused: false, roles: ['shifter'], refusal: 'notShifter' });
    expect(pressNeeds(gate, 'UDEV1', 'ROLLBACK')).toEqual({ refused: false, roles: [], refusal: 'notRollbacker' });
    expect(pressNeeds(gate, 'ULEAD1', 'ROLLBACK')).toEqual({ refused: false, roles: ['shifter', 'approver'], refusal: 'notRollbacker' });
  });
});

describe('the gates configuration', () => {
  const messageOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      if (isBotError(err)) return err.message;
      throw err;
    }
    return '';
  };

  it('is off by default and reads every gate', () => {
    expect(fixtureConfig().environments.prod!.gates).toEqual({});
    const cfg = fixtureConfig((doc) => {
      doc.environments.prod.gates = {
        promotion: { from: 'staging', soak: '2h' },
        trafficShift: { approvers: ['SLEADS'] },
        breakGlass: { users: ['UONCALL'], auditChannel: 'CAUDIT' },
        autoLock: {},
        cost: { extraApprovalAbove: 100 },
      };
    });
    const g = cfg.environments.prod!.gates;
    expect(g.promotion).toEqual({ from: 'staging', soak: 7_200_000 });
    expect(g.breakGlass).toEqual({ users: ['UONCALL'], auditChannel: 'CAUDIT', remindEvery: 3_600_000, retroDeadline: 604_800_000 });
    expect(g.autoLock).toEqual({ afterRollback: true });
    expect(principalsFor(cfg.environments.prod!, 'shifter')).toEqual(['SLEADS']);
    expect(principalsFor(cfg.environments.prod!, 'breakGlass')).toEqual(['UONCALL']);
    expect(principalsFor(cfg.environments.staging!, 'shifter')).toEqual(['ULEAD1']); // default: the approvers
    expect(principalsFor(cfg.environments.staging!, 'breakGlass')).toEqual([]);
  });

  it('refuses mistakes with the field path', () => {
    expect(messageOf(() => fixtureConfig((d) => (d.environments.prod.gates = { promotion: { from: 'qa' } })))).toContain(
      'environments.prod.gates.promotion.from: unknown environment "qa"',
    );
    expect(messageOf(() => fixtureConfig((d) => (d.environments.prod.gates = { promotion: { from: 'prod' } })))).toContain(
      'cannot promote from itself',
    );
    expect(messageOf(() => fixtureConfig((d) => (d.services.web.promoteFrom = 'worker')))).toContain('services.web.promoteFrom');
    expect(
      messageOf(() =>
        fixtureConfig((d) => {
          d.environments.staging.gates = { cost: { extraApprovalAbove: 50 } };
          d.environments.staging.approvers = [];
        }),
      ),
    ).toContain('environments.staging.approvers');
  });
});

describe('history marks of the release gates', () => {
  const run = {
    requestId: 'prod.web.x',
    verb: 'deploy',
    requester: 'UDEV1',
    approvers: [],
    autoApproved: false,
    createdAt: 0,
    state: 'succeeded',
    deploymentIds: [],
  };
  it('says break-glass and whether it was approved after the fact, presses, the auto-lock', () => {
    expect(historyGatesLine(run)).toBe('');
    expect(historyGatesLine({ ...run, breakGlass: 'checkout down' })).toBe(
      ':rotating_light: *break-glass*: “checkout down” · not approved after the fact yet',
    );
    expect(historyGatesLine({ ...run, breakGlass: 'x', retro: { state: 'expired', by: [] } })).toContain('*never approved after the fact*');
    expect(
      historyGatesLine({
        ...run,
        shifts: [{ actor: 'ULEAD1', event: 'traffic-shifted', at: 1 }],
        autoLocked: true,
        acknowledgedBy: 'UDEV2',
        gates: [{ gate: 'promotion', text: 'Promotion: ok.' }],
      }),
    ).toBe('traffic shifted by <@ULEAD1> · :lock: locked after the rollback, acknowledged by <@UDEV2> · Gates: Promotion: ok');
  });
  it('a break-glass run that never started (failed or cancelled before it started) needs no approval after the fact', () => {
    const unstarted = { ...run, state: 'failed', breakGlass: 'x', retro: { state: 'expired' as const, by: [] } };
    expect(historyGatesLine(unstarted)).toBe(':rotating_light: *break-glass*: “x” · did not run: no approval after the fact needed');
    expect(historyGatesLine({ ...unstarted, state: 'cancelled' }, 'ko')).toContain('실행되지 않음: 사후 승인 필요 없음');
    // One that ran and failed is still owed it.
    expect(historyGatesLine({ ...unstarted, startedAt: 5 })).toContain('*never approved after the fact*');
  });
  it('a break-glass run that started but whose worker recorded that it does not run (notRun) needs none either', () => {
    const noop = { ...run, state: 'failed', startedAt: 5, breakGlass: 'x', notRun: true, retro: { state: 'expired' as const, by: [] } };
    expect(historyGatesLine(noop)).toBe(':rotating_light: *break-glass*: “x” · did not run: no approval after the fact needed');
  });
});

describe('the flags of the release gates (--at, --break-glass, promote --from)', () => {
  const spec = { verb: 'restart', usage: '/ecs restart <service> [--at <time> | next-window] [--break-glass "…"]' };
  const en = fixtureConfig();
  const ko = fixtureConfig((doc) => {
    doc.slack = { ...(doc.slack ?? {}), language: 'ko' };
  });
  const refusal = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      if (isBotError(err)) return err;
      throw err;
    }
    throw new Error('expected a refusal');
  };

  it('reads a local time, a time with an offset, and the next window in its spellings', () => {
    expect(changeBase({ at: '2026-12-02T02:00' }, { config: en }, spec).at).toBe('2026-12-02T02:00');
    expect(changeBase({ at: '2026-12-02 02:00' }, { config: en }, spec).at).toBe('2026-12-02T02:00');
    expect(changeBase({ at: '2026-12-02T02:00+09:00' }, { config: en }, spec).at).toBe('2026-12-02T02:00+09:00');
    // A time of day (the next time the clock shows it) and a delay, as the worker reads them.
    expect(changeBase({ at: '2:00' }, { config: en }, spec).at).toBe('02:00');
    expect(changeBase({ at: '23:59' }, { config: en }, spec).at).toBe('23:59');
    expect(changeBase({ at: '+30m' }, { config: en }, spec).at).toBe('+30m');
    expect(changeBase({ at: '+2H' }, { config: en }, spec).at).toBe('+2h');
    // Tomorrow at a time of day, in English or Korean (kept as typed, for the card).
    expect(changeBase({ at: 'tomorrow 2:00' }, { config: en }, spec).at).toBe('tomorrow 02:00');
    expect(changeBase({ at: 'Tomorrow 14:30' }, { config: en }, spec).at).toBe('tomorrow 14:30');
    expect(changeBase({ at: '내일 02:00' }, { config: en }, spec).at).toBe('내일 02:00');
    for (const v of ['tomorrow 24:00', '내일', 'tomorrow+02:00', 'tomorow 02:00'])
      expect(refusal(() => changeBase({ at: v }, { config: en }, spec)).userMessage).toBe(`\`--at ${v}\` is not a time I can read.`);
    for (const v of ['24:00', '2:60', '+30', '30m', '+1.5h', '-30m'])
      expect(refusal(() => changeBase({ at: v }, { config: en }, spec)).userMessage).toBe(`\`--at ${v}\` is not a time I can read.`);
    for (const v of ['next-window', 'next window', 'Next-Window', 'nextwindow'])
      expect(changeBase({ at: v }, { config: en }, spec).at).toBe('next-window');
    expect(changeBase({ 'break-glass': ' checkout is down ' }, { config: en }, spec).breakGlass).toBe('checkout is down');
  });

  it("says what was wrong, with the usage and how to write it, in the reader's language", () => {
    const bad = refusal(() => changeBase({ at: 'tomorrow' }, { config: en }, spec));
    expect(bad.code).toBe('BAD_INPUT');
    expect(bad.userMessage).toBe('`--at tomorrow` is not a time I can read.');
    expect(bad.usage).toBe(spec.usage);
    expect(bad.hint).toContain('`--at 02:00` (the next 02:00)');
    expect(bad.hint).toContain('`--at +30m`');
    expect(bad.hint).toContain('`--at tomorrow 02:00`');
    expect(bad.hint).toContain('`--at next-window`');
    const missing = refusal(() => changeBase({ at: true }, { config: en }, spec));
    expect(missing.userMessage).toMatch(/^`--at` needs a time/);
    // Whatever the workspace's language: the one who typed it reads it in theirs.
    const koBad = refusal(() => changeBase({ at: 'tomorrow' }, { config: en }, spec));
    expect(koBad.userMessageIn('ko')).toBe('`--at tomorrow`: 읽을 수 있는 시각이 아닙니다.');
    expect(koBad.hintIn('ko')).toContain('`--at 02:00`(다가오는 02:00)');
    expect(koBad.hintIn('ko')).toContain('`--at 내일 02:00`');
    expect(koBad.usage).toBe(spec.usage);
    expect(refusal(() => changeBase({ 'break-glass': true }, { config: ko }, spec)).userMessageIn('ko')).toContain('따옴표로 감싼 사유');
    expect(refusal(() => changeBase({ 'break-glass': true }, { config: ko }, spec)).userMessage).toContain('needs the reason in quotes');
    const short = refusal(() => changeBase({ 'break-glass': 'oops' }, { config: en }, spec));
    expect(short.userMessage).toContain('`oops` is too short');
    expect(short.hint).toContain('--break-glass "checkout is down for everyone"');
  });

  it('promote --from: a missing value and an unknown environment name what to type', () => {
    const ctx = { config: en, channelId: 'CPROD', userId: 'UDEV1' };
    const noValue = refusal(() => promote.parse(parseArgs('promote web --from', new Set(promote.booleanFlags)), ctx));
    expect(noValue.userMessage).toContain('`--from` needs the environment');
    expect(noValue.usage).toBe(promote.usage);
    const typo = refusal(() => promote.parse(parseArgs('promote web --from stagin', new Set(promote.booleanFlags)), ctx));
    expect(typo.userMessage).toContain('is not an environment');
    expect(typo.hint).toBe('Did you mean `--from staging`?');
  });
});

describe('the digest of a service revision (promotion order from ECS history)', () => {
  it('takes the service container’s digest, else the first digest, else none', () => {
    const rev = {
      containerImages: [
        { containerName: 'otel', image: 'otel:1', imageDigest: 'sha256:aaa' },
        { containerName: 'web', image: 'repo/web:v1', imageDigest: 'sha256:bbb' },
      ],
    };
    expect(containerDigest(rev, 'web')).toEqual({ digest: 'sha256:bbb', image: 'repo/web:v1' });
    expect(containerDigest(rev, 'api')).toEqual({ digest: 'sha256:aaa', image: 'otel:1' });
    expect(containerDigest({ containerImages: [{ containerName: 'web', image: 'repo/web:v1' }] }, 'web')).toBeUndefined();
    expect(containerDigest({}, 'web')).toBeUndefined();
  });
});
