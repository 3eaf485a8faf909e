/**
 * Roll back from an alert rolls back away from the alert's revision only (src/deploy/alert-rollback.ts),
 * and the bot's change that put the service on what it runs now (src/deploy/plan.ts changeThatRan).
 */
import { alertRollbackRefusal, alertRollbackRefusalText, alertScopeOf, type AlertIncidentFacts } from '../../src/deploy/alert-rollback';
import { changeThatRan, previousFromRecords, type RollbackPlan } from '../../src/deploy/plan';
import { deployPlanAt, planBase, tdArn } from '../helpers/aws-fixtures';

const td = (n: number) => tdArn('web-prod', n);
const AT = { channel: 'CALERTS', ts: '1700000000.000100' };
const incident = (over: Partial<AlertIncidentFacts> = {}): AlertIncidentFacts => ({
  state: 'open',
  channel: AT.channel,
  ts: AT.ts,
  first: { taskDefinitionArn: td(43), taskDefinition: 'web-prod:43' },
  ...over,
});

describe('alertScopeOf: the alert a rollback was asked from, as its incident is on record', () => {
  it('its incident: the first failed task’s revision, and whether it is over', () => {
    expect(alertScopeOf(incident(), AT)).toEqual({ taskDefinition: td(43), over: false });
    expect(alertScopeOf(incident({ state: 'recovered' }), AT)).toEqual({ taskDefinition: td(43), over: true });
    expect(alertScopeOf(incident({ first: { taskDefinition: 'web-prod:43' } }), AT)).toEqual({
      taskDefinition: 'web-prod:43',
      over: false,
    });
  });

  it('its ts not recorded yet: the channel alone (as the button’s own check)', () => {
    expect(alertScopeOf(incident({ ts: undefined }), AT)).toEqual({ taskDefinition: td(43), over: false });
  });

  it('no revision recorded (a failed deployment, a service action, down)', () => {
    expect(alertScopeOf(incident({ first: undefined }), AT)).toEqual({ over: false });
  });

  it('another message’s incident, another channel, or none: over, its revision unknown', () => {
    expect(alertScopeOf(incident({ ts: '1700000999.000100' }), AT)).toEqual({ over: true });
    expect(alertScopeOf(incident({ channel: 'COTHER' }), AT)).toEqual({ over: true });
    expect(alertScopeOf(undefined, AT)).toEqual({ over: true });
  });
});

describe('alertRollbackRefusal', () => {
  const scope = { taskDefinition: td(43), over: false };

  it('allowed: the service runs the alert’s revision and the target is another (open or over)', () => {
    expect(alertRollbackRefusal(scope, td(43))).toBeUndefined();
    expect(alertRollbackRefusal(scope, td(43), td(42))).toBeUndefined();
    expect(alertRollbackRefusal({ ...scope, over: true }, td(43), td(42))).toBeUndefined();
    // ARN or family:revision alike.
    expect(alertRollbackRefusal({ taskDefinition: 'web-prod:43', over: false }, td(43), td(42))).toBeUndefined();
  });

  it('refused: the service runs another revision now (rolled back already, deployed since)', () => {
    expect(alertRollbackRefusal(scope, td(42))).toEqual({ why: 'moved', alerted: td(43), current: td(42) });
    expect(alertRollbackRefusal(scope, td(42), td(43))).toEqual({ why: 'moved', alerted: td(43), current: td(42) });
    expect(alertRollbackRefusal(scope, td(44), td(43))).toMatchObject({ why: 'moved' });
    expect(alertRollbackRefusal(scope, tdArn('web-other', 43))).toMatchObject({ why: 'moved' });
  });

  it('refused: the target is the alert’s revision', () => {
    expect(alertRollbackRefusal(scope, td(43), td(43))).toEqual({ why: 'target', alerted: td(43) });
  });

  it('no revision on record: allowed while open, refused once over', () => {
    expect(alertRollbackRefusal({ over: false }, td(42), td(41))).toBeUndefined();
    expect(alertRollbackRefusal({ over: true }, td(42))).toEqual({ why: 'over', current: td(42) });
  });
});

describe('alertRollbackRefusalText (en, ko: no particle written after a code span)', () => {
  const since = { id: 'prod.web.abc', verb: 'rollback', channel: 'CPROD', messageTs: '1700000000.000200' };
  const url = '<https://slack.com/archives/CPROD/p1700000000000200';

  it('moved, since the bot’s rollback', () => {
    const { message, hint } = alertRollbackRefusalText({ why: 'moved', alerted: td(43), current: td(42) }, 'web', since);
    expect(message('en')).toBe(
      `\`web\` no longer runs \`web-prod:43\` (the revision this alert is about): it runs \`web-prod:42\` since the rollback ${url}|request prod.web.abc>. Nothing to roll back, so I requested nothing.`,
    );
    expect(message('ko')).toBe(
      `\`web\` 서비스는 더 이상 이 알림의 리비전(\`web-prod:43\`)을 실행하지 않습니다. 롤백(${url}|요청 prod.web.abc>) 이후 지금 실행 중인 리비전은 \`web-prod:42\`입니다. 되돌릴 것이 없어 아무것도 요청하지 않았습니다.`,
    );
    expect(hint('en')).toBe('To roll back what runs now, type `/ecs rollback web`.');
    expect(hint('ko')).toBe('지금 실행 중인 것을 되돌리려면 `/ecs rollback web` 명령을 쓰세요.');
  });

  it('moved, by a deploy, or not by the bot', () => {
    const moved = { why: 'moved', alerted: td(43), current: td(44) } as const;
    expect(alertRollbackRefusalText(moved, 'web', { ...since, verb: 'deploy' }).message('en')).toContain(
      'it runs `web-prod:44` since the deploy <',
    );
    expect(alertRollbackRefusalText(moved, 'web', { ...since, verb: 'deploy' }).message('ko')).toContain('배포(<');
    expect(alertRollbackRefusalText(moved, 'web').message('en')).toContain('it runs `web-prod:44`. Nothing to roll back');
    expect(alertRollbackRefusalText(moved, 'web').message('ko')).toContain('않습니다. 지금 실행 중인 리비전은 `web-prod:44`입니다.');
    // No message timestamp yet: the request named, without a link.
    expect(alertRollbackRefusalText(moved, 'web', { id: 'prod.web.abc', verb: 'rollback' }).message('en')).toContain(
      'since the rollback request prod.web.abc.',
    );
  });

  it('target, over', () => {
    expect(alertRollbackRefusalText({ why: 'target', alerted: td(43) }, 'web').message('en')).toBe(
      'This rollback would return `web` to `web-prod:43`, the revision this alert is about, so I requested nothing.',
    );
    expect(alertRollbackRefusalText({ why: 'target', alerted: td(43) }, 'web').message('ko')).toContain(
      '이 알림의 리비전(`web-prod:43`)으로',
    );
    expect(alertRollbackRefusalText({ why: 'over', current: td(42) }, 'web').message('en')).toContain(
      'This alert is over and does not say which revision failed, so I requested nothing',
    );
    expect(alertRollbackRefusalText({ why: 'over', current: td(42) }, 'web').message('ko')).toContain('지금 리비전(`web-prod:42`)에서');
  });
});

describe('changeThatRan: the bot’s change that put the service on a revision', () => {
  const T = Date.parse('2025-11-25T10:00:00Z');
  const rollback = (from: number, to: number): RollbackPlan => ({
    verb: 'rollback',
    ...planBase(T),
    currentTaskDefinition: td(from),
    targetTaskDefinition: td(to),
    source: 'history',
    container: 'web',
  });
  const change = (id: string, state: string, plan: unknown, at: number, execution?: Record<string, unknown>) => ({
    id,
    state,
    plan,
    updatedAt: at,
    ...(state === 'running' ? {} : { finishedAt: at }),
    ...(execution ? { execution } : {}),
  });

  it('the newest one whose target is it, in the states asked for', () => {
    const changes = [
      change('a', 'succeeded', rollback(43, 42), T),
      change('b', 'succeeded', rollback(42, 43), T + 1000),
      change('c', 'running', rollback(43, 42), T + 2000),
      change('d', 'failed', rollback(43, 42), T + 3000),
    ];
    expect(changeThatRan(td(42), changes)?.change.id).toBe('a');
    expect(changeThatRan(td(42), changes, ['succeeded', 'running'])?.change.id).toBe('c');
    expect(changeThatRan(td(43), changes)?.change.id).toBe('b');
    expect(changeThatRan(td(41), changes)).toBeUndefined();
  });

  it('a deploy by the revision it registered; a restart (same revision) never', () => {
    const deploy = { ...deployPlanAt(T), currentTaskDefinition: td(42) };
    const changes = [
      change('dep', 'succeeded', deploy, T, { registeredTaskDefinition: td(43) }),
      change('rst', 'succeeded', { verb: 'restart', ...planBase(T), currentTaskDefinition: td(43) }, T + 1000),
    ];
    expect(changeThatRan(td(43), changes)?.change.id).toBe('dep');
    // previousFromRecords reads it as before: what that deploy replaced.
    expect(previousFromRecords(td(43), changes)).toBe(td(42));
  });
});
