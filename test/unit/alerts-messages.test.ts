/** The alert's wording, links and Block Kit, including oversized inputs. Pure; no mocks. */
import { join } from 'node:path';
import { classifyTaskStop } from '../../src/aws/task-stop';
import { explainFailure } from '../../src/aws/task-stop-explain';
import {
  actionLabel,
  headline,
  parseIncident,
  spanWords,
  taskFacts,
  taskSummary,
  type IncidentView,
  type TaskFacts,
} from '../../src/alerts/incident';
import {
  consoleFragmentEncode as cloudWatchFragmentEncode,
  logStreamUrl as logStreamConsoleUrl,
  serviceUrl as serviceConsoleUrl,
  taskUrl as taskConsoleUrl,
} from '../../src/aws/console';
import { alertMessage, muteNotice } from '../../src/alerts/messages';
import {
  actionText,
  deployFailedText,
  downText,
  logBlock,
  logsFitInMessage,
  logsReply,
  newReasonReply,
  backlogReply,
  lostReply,
  recoveredBy,
  recoveredReply,
  tailLines,
} from '../../src/alerts/replies';
import { blockTextLength, fitMessage } from '../../src/slack/blocks';
import { LIMITS } from '../../src/slack/text';
import { findService, loadConfigFile } from '../../src/config/load';
import { backlogLine } from '../../src/alerts/backlog';
import { section } from '../../src/slack/blocks';
import { taskStopped } from '../fixtures/events/samples';
import { logLocation } from '../../src/aws/log-location';
import { slackDate } from '../../src/slack/time';
import { type EcsEvent, parseEcsEvent } from '../../src/aws/ecs-events';

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const web = findService(config, 'web')!;
const T = Date.parse('2026-03-02T10:00:00Z');

/** The facts the pipeline records for an OOM-killed task (its explanation in the workspace's language). */
function oomFacts(taskId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90', locale: 'en' | 'ko' = 'en'): TaskFacts {
  const e = taskStopped({ time: T, taskId, exitCode: 137, containerReason: 'OutOfMemoryError: Container killed due to memory usage' });
  const r = parseEcsEvent(e as EcsEvent);
  if (!r.ok || r.event.kind !== 'task') throw new Error('bad fixture');
  const d = classifyTaskStop(r.event.detail, { includeRoutineStops: false });
  if (!d.alert) throw new Error('not an alert');
  return {
    ...taskFacts(r.event.detail, d.failure, { region: 'eu-west-1', cluster: 'prod' }),
    explanation: explainFailure(d.failure, locale),
  };
}

/** The hash the Lua scripts would leave after `n` OOM failures over `minutes`. */
function hash(n: number, minutes: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    gen: '3',
    state: 'open',
    openedAt: String(T),
    lastAt: String(T + minutes * 60_000),
    firstFailAt: String(T),
    lastFailAt: String(T + minutes * 60_000),
    count: String(n),
    'r:OutOfMemoryError': String(n),
    'l:OutOfMemoryError': 'OutOfMemoryError',
    'k:OutOfMemoryError': 'task',
    first: JSON.stringify(oomFacts()),
    logs: JSON.stringify({
      region: 'eu-west-1',
      group: '/ecs/web',
      stream: 'ecs/web/a1b2c3d4e5f60718293a4b5c6d7e8f90',
      lines: ['starting', 'loading catalog', 'java.lang.OutOfMemoryError: Java heap space'],
    }),
    rev: '9',
    shown: '8',
    ts: '1700000000.000100',
    channel: 'CALERTS',
    ...extra,
  };
}

const view = (h: Record<string, string>): IncidentView => parseIncident(h)!;
const allText = (m: { text: string; blocks: unknown[] }) => m.text + '\n' + JSON.stringify(m.blocks);

describe('links', () => {
  it('builds the ECS console task and service links', () => {
    expect(taskConsoleUrl('eu-west-1', 'prod', 'abc123')).toBe(
      'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/abc123/configuration?region=eu-west-1',
    );
    expect(serviceConsoleUrl('eu-west-1', 'prod', 'web-prod')).toBe(
      'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/web-prod/health?region=eu-west-1',
    );
  });

  it("encodes log group and stream the CloudWatch console's way ($252F for /)", () => {
    expect(cloudWatchFragmentEncode('/ecs/web')).toBe('$252Fecs$252Fweb');
    expect(cloudWatchFragmentEncode('a b:c')).toBe('a$2520b$253Ac');
    expect(logStreamConsoleUrl('eu-west-1', '/ecs/web', 'ecs/web/abc')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/ecs$252Fweb$252Fabc',
    );
  });
});

describe('the log stream of a container', () => {
  const td = (options: Record<string, string> | undefined, logDriver = 'awslogs') => ({
    family: 'web',
    revision: 42,
    containerDefinitions: [{ name: 'web', logConfiguration: options ? { logDriver: logDriver as 'awslogs', options } : undefined }],
  });

  it('is <prefix>/<container>/<task id> in the task definition group (or the configured one)', () => {
    expect(logLocation(td({ 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs' }), 'web', 'abc', 'eu-west-1')).toEqual({
      ok: true,
      loc: { region: 'eu-west-1', group: '/ecs/web', stream: 'ecs/web/abc' },
    });
    expect(
      logLocation(
        td({ 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs', 'awslogs-region': 'eu-west-1' }),
        'web',
        'abc',
        'eu-west-1',
        '/custom',
      ),
    ).toEqual({
      ok: true,
      loc: { region: 'eu-west-1', group: '/custom', stream: 'ecs/web/abc' },
    });
  });

  it("a group in another region than the environment's is not read (the roles name only the environment's region), and says so in the reader's language", () => {
    const opts = { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs', 'awslogs-region': 'us-east-1' };
    for (const override of [undefined, '/custom']) {
      const r = logLocation(td(opts), 'web', 'abc', 'eu-west-1', override);
      const group = override ?? '/ecs/web';
      expect(r.ok ? '' : [r.error('en'), r.error('ko'), r.group]).toEqual([
        `log group ${group} is in region us-east-1, but the bot's roles read logs only in the environment's region eu-west-1: set awslogs-region to eu-west-1 in the task definition`,
        `로그 그룹 ${group}은(는) us-east-1 리전에 있지만 봇의 역할은 환경의 리전 eu-west-1의 로그만 읽습니다. 작업 정의의 awslogs-region을 eu-west-1로 바꾸세요`,
        group,
      ]);
    }
  });

  it("a group outside the service's logGroupPrefix is not read (the roles name only <prefix>*), and says so in the reader's language", () => {
    const opts = { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs' };
    expect(logLocation(td(opts), 'web', 'abc', 'eu-west-1', undefined, '/ecs/')).toEqual({
      ok: true,
      loc: { region: 'eu-west-1', group: '/ecs/web', stream: 'ecs/web/abc' },
    });
    const r = logLocation(td(opts), 'web', 'abc', 'eu-west-1', undefined, '/shop/');
    expect(r.ok ? '' : [r.error('en'), r.error('ko'), r.group]).toEqual([
      'log group /ecs/web is outside logGroupPrefix /shop/ of chatops.yml, so the bot may not read it',
      '로그 그룹 /ecs/web이(가) chatops.yml의 logGroupPrefix /shop/ 밖에 있어 봇이 읽을 수 없습니다',
      '/ecs/web',
    ]);
  });

  it('says why when the stream cannot be known, in the reader’s language', () => {
    const why = (r: ReturnType<typeof logLocation>, locale: 'en' | 'ko' = 'en') => {
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.error(locale);
    };
    expect(why(logLocation(td(undefined), 'web', 'abc', 'eu-west-1'))).toMatch(/no log configuration/);
    expect(why(logLocation(td(undefined), 'web', 'abc', 'eu-west-1'), 'ko')).toBe('web 컨테이너에 로그 설정이 없어 출력이 남지 않습니다');
    expect(why(logLocation(td({ Name: 'firehose' }, 'awsfirelens'), 'web', 'abc', 'eu-west-1'))).toMatch(
      /awsfirelens, not CloudWatch Logs/,
    );
    expect(why(logLocation(td({ 'awslogs-group': '/ecs/web' }), 'web', 'abc', 'eu-west-1'))).toMatch(/no awslogs-stream-prefix/);
    expect(why(logLocation(td({ 'awslogs-group': '/g', 'awslogs-stream-prefix': 'p' }), 'sidecar', 'abc', 'eu-west-1'))).toBe(
      'container sidecar is not in task definition web:42',
    );
    expect(why(logLocation(td({ 'awslogs-group': '/g', 'awslogs-stream-prefix': 'p' }), 'sidecar', 'abc', 'eu-west-1'), 'ko')).toBe(
      'sidecar 컨테이너가 작업 정의 web:42에 없습니다',
    );
  });
});

describe('incident wording', () => {
  it('summarises counts over time, by reason', () => {
    expect(taskSummary(view(hash(7, 12)))).toBe('7 tasks failed in 12 minutes: OutOfMemoryError ×7');
    expect(taskSummary(view(hash(1, 0)))).toBe('1 task failed: OutOfMemoryError');
    const mixed = view(
      hash(9, 75, {
        'r:CannotPullContainerError': '2',
        'l:CannotPullContainerError': 'CannotPullContainerError',
        'k:CannotPullContainerError': 'task',
        'r:OutOfMemoryError': '7',
      }),
    );
    expect(taskSummary(mixed)).toBe('9 tasks failed in 1 hour 15 minutes: OutOfMemoryError ×7, CannotPullContainerError ×2');
  });

  it('writes spans in words', () => {
    expect(spanWords(20_000)).toBe('less than a minute');
    expect(spanWords(60_000)).toBe('1 minute');
    expect(spanWords(2 * 3_600_000)).toBe('2 hours');
    expect(spanWords(3 * 86_400_000)).toBe('3 days');
  });

  it('changes the header with the state', () => {
    expect(headline(view(hash(7, 12)), web)).toBe('🔥 web (prod): 7 tasks failed');
    expect(headline(view(hash(7, 12, { state: 'recovered' })), web)).toBe('✅ Recovered: web (prod): 7 tasks failed');
    expect(headline(view(hash(2, 1, { down: JSON.stringify({ since: T, desired: 2, running: 0 }) })), web)).toBe(
      '🔴 web (prod) is down: 2 tasks failed',
    );
    const deployOnly = view({
      gen: '1',
      state: 'open',
      openedAt: String(T),
      lastAt: String(T),
      count: '0',
      deploy: JSON.stringify({ deploymentId: 'ecs-svc/1', at: T }),
      rev: '1',
    });
    expect(headline(deployOnly, web)).toBe('❌ web (prod): deployment failed');
    expect(parseIncident({})).toBeUndefined();
  });
});

describe("ECS's own words in the alert", () => {
  const deployOnly = (deploy: Record<string, unknown>, action?: Record<string, unknown>) =>
    view({
      gen: '1',
      state: 'open',
      openedAt: String(T),
      lastAt: String(T),
      count: '0',
      deploy: JSON.stringify({ deploymentId: 'ecs-svc/1', at: T, ...deploy }),
      ...(action ? { action: JSON.stringify({ at: T, ...action }) } : {}),
      'r:deploy:ecs-svc/1': '1',
      'k:deploy:ecs-svc/1': 'deploy',
      'l:deploy:ecs-svc/1': 'Deployment ecs-svc/1 failed',
      rev: '1',
    });
  const summary = (v: IncidentView, locale: 'en' | 'ko' = 'en') =>
    (alertMessage(v, web, locale).blocks[1] as { text: { text: string } }).text.text.split('\n');

  it('quotes them as they are, then the line the worker recorded in the workspace’s language (not the generic one)', () => {
    const line = '새 작업이 너무 많이 실패해 서킷 브레이커가 배포를 멈췄습니다.';
    const v = deployOnly({ reason: 'ECS deployment circuit breaker: tasks failed to start.', explanation: line });
    expect(summary(v, 'ko')).toEqual([
      '• Deployment ecs-svc/1 failed',
      '> ECS deployment circuit breaker: tasks failed to start.',
      `_${line}_`,
    ]);
  });

  it('an incident recorded without a line keeps the generic circuit-breaker line', () => {
    const v = deployOnly({ reason: 'ECS deployment circuit breaker: tasks failed to start.' });
    expect(summary(v).at(-1)).toMatch(/^_ECS marks a deployment failed when its circuit breaker trips/);
  });

  it("a service action's quote names the action in the reader's words, never as a catalog token", () => {
    const v = deployOnly(
      {},
      { eventName: 'SERVICE_TASK_PLACEMENT_FAILURE', reason: 'RESOURCE:FARGATE', explanation: 'no Fargate capacity' },
    );
    const all = alertMessage(v, web, 'ko')
      .blocks.map((b) => JSON.stringify(b))
      .join('\n');
    expect(all).toContain('> ECS가 작업을 배치하지 못함: RESOURCE:FARGATE');
    expect(all).not.toContain('\\u0000');
  });
});

describe('the alert message', () => {
  it('shows service, environment, task, revision, image tag, container, exit and stop codes, why, logs, links and buttons', () => {
    const msg = alertMessage(view(hash(7, 12)), web);
    expect(msg).toMatchSnapshot();
    const text = allText(msg);
    for (const needle of [
      'web-prod',
      'web:42',
      '1.4.2',
      'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      '137',
      'EssentialContainerExited',
      'ran out of memory',
      'Java heap space',
      '$252Fecs$252Fweb',
      'alert:logs',
      'alert:status',
      'alert:rollback',
    ]) {
      expect(text).toContain(needle);
    }
  });

  it('says so when the logs could not be read, and then has no Logs button', () => {
    const msg = alertMessage(
      view(
        hash(1, 0, { logs: JSON.stringify({ region: 'eu-west-1', group: '/ecs/web', error: 'the log group /ecs/web no longer exists' }) }),
      ),
      web,
    );
    expect(allText(msg)).toContain('the log group /ecs/web no longer exists');
    expect(allText(msg)).not.toContain('alert:logs');
    expect(allText(msg)).toContain('alert:status');
  });

  it('escapes what AWS and the logs say (no mentions, no formatting)', () => {
    const facts = { ...oomFacts(), stoppedReason: '<!channel> *bold*', containerReason: undefined };
    const msg = alertMessage(
      view(hash(1, 0, { first: JSON.stringify(facts), logs: JSON.stringify({ region: 'eu-west-1', lines: ['<@U123> ```boom```'] }) })),
      web,
    );
    const text = allText(msg);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U123>');
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('stays within Slack limits with huge reasons and log lines (fitMessage keeps the buttons)', () => {
    const huge = 'x'.repeat(50_000);
    const facts = { ...oomFacts(), stoppedReason: huge, containerReason: huge, taskDefinition: 'y'.repeat(3_000) };
    const lines = Array.from({ length: 10 }, (_, i) => `${i} ${'z'.repeat(5_000)}`);
    const msg = fitMessage(
      alertMessage(
        view(
          hash(200, 5, { first: JSON.stringify(facts), logs: JSON.stringify({ region: 'eu-west-1', group: '/g', stream: 's', lines }) }),
        ),
        web,
      ),
    );
    expect(msg.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(msg.text.length).toBeLessThanOrEqual(LIMITS.text);
    expect(msg.blocks.reduce((n, b) => n + blockTextLength(b), 0)).toBeLessThanOrEqual(LIMITS.totalText);
    for (const b of msg.blocks) {
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      if (b.type === 'section' && b.fields) for (const f of b.fields) expect(f.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
      if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.headerText);
    }
    expect(msg.blocks[msg.blocks.length - 1]!.type).toBe('actions');
  });

  it('keeps the newest log lines when they do not fit', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ${'.'.repeat(60)}`);
    const { text, omitted } = tailLines(lines, 1_000);
    expect(text.endsWith(lines[99]!)).toBe(true);
    expect(omitted).toBeGreaterThan(80);
    const block = logBlock(lines);
    expect(block.length).toBeLessThanOrEqual(2_800);
    expect(block).toContain('line 99');
    expect(block).toMatch(/earlier lines left out/);
    expect(logsFitInMessage(lines.slice(0, 5))).toBe(true);
    expect(logsFitInMessage(lines)).toBe(false);
  });

  it('replies in the thread for a new reason and for recovery', () => {
    expect(
      newReasonReply(
        { ...oomFacts(), reasonLabel: 'CannotPullContainerError', kind: 'image-pull' },
        { region: 'eu-west-1', error: 'no stream' },
      ),
    ).toMatchSnapshot();
    expect(recoveredReply(view(hash(7, 12)), 'deployment ecs-svc/9 completed').text).toBe(
      '✅ Recovered: deployment ecs-svc/9 completed. 7 tasks failed in 12 minutes: OutOfMemoryError ×7.',
    );
  });

  it('writes the thread replies in the workspace language (Korean), a stored recovery label in either', () => {
    const reply = newReasonReply(
      { ...oomFacts(), reasonLabel: 'CannotPullContainerError', kind: 'image-pull' },
      { region: 'eu-west-1', error: 'no stream' },
      'ko',
    );
    const ko = allText(reply);
    expect(ko).toContain('*새 실패 원인:* CannotPullContainerError');
    expect(ko).toContain('ECS가 이미지를 가져오지 못했습니다');
    expect(ko).toContain('*중지 이유:*');
    expect(ko).not.toMatch(/New failure reason|Why it stopped|could not pull/);
    expect(reply.locale).toBe('ko');

    const by = recoveredBy.deployment('ecs-svc/9');
    expect(recoveredReply(view(hash(7, 12)), by, 'ko').text).toBe(
      '✅ 복구됨: 배포 ecs-svc/9 완료. 12분 동안 작업 7개 실패: OutOfMemoryError ×7.',
    );
    expect(recoveredReply(view(hash(7, 12)), by, 'en').text).toBe(
      '✅ Recovered: deployment ecs-svc/9 completed. 7 tasks failed in 12 minutes: OutOfMemoryError ×7.',
    );
    // A label stored in English before the catalog (a record already in Redis) is shown as it is.
    expect(recoveredReply(view(hash(7, 12)), 'the service reached a steady state', 'ko').text).toContain(
      '✅ 복구됨: the service reached a steady state.',
    );
    expect(recoveredReply(view(hash(0, 0)), recoveredBy.running(3, 3), 'ko').text).toBe('✅ 복구됨: 작업 3개 중 3개가 다시 실행 중.');
    expect(downText(4, 1, 12 * 60_000, 'ko')).toBe('🔴 서비스 중단: 12분 동안 작업 4개 중 1개만 실행 중입니다.');
    expect(deployFailedText('ecs-svc/9', 'ko')).toBe('❌ 배포 ecs-svc/9가 실패했습니다.');
    expect(actionText(actionLabel('SERVICE_TASK_PLACEMENT_FAILURE'), 'ko')).toBe('⚠️ ECS가 작업을 배치하지 못함.');
    expect(actionText(actionLabel('SERVICE_TASK_PLACEMENT_FAILURE'), 'en')).toBe('⚠️ ECS could not place a task.');
    expect(
      logBlock(
        Array.from({ length: 100 }, (_, i) => `line ${i} ${'.'.repeat(60)}`),
        2_800,
        'ko',
      ),
    ).toMatch(/… 앞의 \d+줄 생략/);
  });

  it('explains a failure in either language, with the exit code’s meaning', () => {
    const f = { kind: 'exit' as const, reasonKey: 'exit code 127', reasonLabel: 'exit code 127', container: 'web', exitCode: 127 };
    expect(explainFailure(f, 'en')).toBe(
      'Container web is essential and exited with code 127: the command was not found in the image (check the entry point and command), so ECS stopped the task. The last log lines usually say why.',
    );
    expect(explainFailure(f, 'ko')).toBe(
      '필수 web 컨테이너가 종료 코드 127로 종료되어 ECS가 작업을 중지했습니다. 종료 코드의 뜻: 이미지에서 명령을 찾지 못함 (엔트리포인트와 명령을 확인하세요). 대개 마지막 로그에 이유가 있습니다.',
    );
    expect(explainFailure({ ...f, kind: 'oom', exitCode: 137 }, 'ko')).toContain('(종료 코드 137)');
    expect(explainFailure({ ...f, kind: 'health-check', reasonKey: 'ELB health checks' }, 'ko')).toContain('ELB 헬스 체크에 실패해');
    // The alert in a Korean workspace shows the explanation recorded in Korean with the facts.
    const ko = allText(alertMessage(view(hash(1, 0, { first: JSON.stringify(oomFacts(undefined, 'ko')) })), web, 'ko'));
    expect(ko).toContain('메모리가 부족해 강제 종료되었습니다');
    expect(ko).not.toMatch(/ran out of memory/);
    expect(allText(alertMessage(view(hash(1, 0)), web, 'en'))).toContain('ran out of memory and was killed');
    // An incident recorded before explanations were kept: the reasons alone, nothing lost.
    const { explanation: _none, ...old } = oomFacts();
    const before = allText(alertMessage(view(hash(1, 0, { first: JSON.stringify(old) })), web, 'en'));
    expect(before).toContain('*Why it stopped:* OutOfMemoryError');
    expect(before).not.toContain('ran out of memory and was killed');
  });

  it('answers the Logs button, and announces mutes', () => {
    const meta = {
      alias: 'web',
      taskId: 'abc',
      container: 'web',
      region: 'eu-west-1',
      group: '/ecs/web',
      stream: 'ecs/web/abc',
      userId: 'U1',
    };
    const first = logsReply(meta, ['a', 'b']).blocks[0]!;
    expect(first.type === 'section' && first.text?.text).toContain('```a\nb```');
    expect(logsReply(meta, undefined, 'the log group /ecs/web no longer exists').text).toBe(
      'Logs of web task abc: the log group /ecs/web no longer exists',
    );
    // In Korean the container's name comes before 컨테이너, as a sentence writes it (was "작업 … 컨테이너 web의 로그").
    expect(JSON.stringify(logsReply(meta, ['a'], undefined, 'ko').blocks)).toContain(
      '`web` 작업 `abc`, `web` 컨테이너의 로그, <@U1> 님 요청',
    );
    expect(JSON.stringify(logsReply(meta, ['a'], undefined, 'en').blocks)).toContain(
      'Logs of `web` task `abc`, container `web`, for <@U1>',
    );
    expect(muteNotice(web, 'U1', { until: T, reason: 'load test <!here>' }).blocks).toMatchSnapshot();
    expect(slackDate(T)).toBe('<!date^1772445600^{date_short_pretty} {time}|2026-03-02 10:00 UTC>');
  });
});

/**
 * Lines an alert takes on screen before its buttons, as the issue counts them: the newlines of the
 * rendered mrkdwn of every block before the actions, plus one per block (a context's elements sit
 * on one line; a section's fields two to a row).
 */
function linesBeforeActions(blocks: ReadonlyArray<Record<string, unknown>>): number {
  let n = 0;
  const count = (s: string) => s.split('\n').length;
  for (const b of blocks) {
    if (b.type === 'actions') break;
    if (b.type === 'context') n += count((b.elements as Array<{ text: string }>).map((e) => e.text).join(' '));
    else if (b.type === 'header') n += count((b.text as { text: string }).text);
    else if (b.type === 'section') {
      if (b.text) n += count((b.text as { text: string }).text);
      const fields = (b.fields as Array<{ text: string }> | undefined) ?? [];
      for (let i = 0; i < fields.length; i += 2) n += Math.max(...fields.slice(i, i + 2).map((f) => count(f.text)));
    } else n += 1;
  }
  return n;
}

describe('the alert fits on one screen', () => {
  /** A large incident: 500 tasks, many reasons, a failed deployment and a service action with long multi-line reasons, down, a bot request, someone on it, 50 long log lines. */
  function large(): IncidentView {
    const long = (what: string) => `${what}: ${'a very long reason\nwith line breaks '.repeat(40)}`;
    const extra: Record<string, string> = {
      first: JSON.stringify({
        ...oomFacts(),
        stoppedReason: long('stopped'),
        containerReason: long('container'),
        taskDefinition: 'web:42',
      }),
      logs: JSON.stringify({
        region: 'eu-west-1',
        group: '/ecs/web',
        stream: 'ecs/web/a1b2c3d4e5f60718293a4b5c6d7e8f90',
        lines: Array.from({ length: 50 }, (_, i) => `line ${i}\n${'z'.repeat(500)}`),
      }),
      deploy: JSON.stringify({ deploymentId: 'ecs-svc/1234567890', reason: long('deployment'), at: T }),
      action: JSON.stringify({ eventName: 'SERVICE_TASK_PLACEMENT_FAILURE', reason: long('placement'), at: T }),
      down: JSON.stringify({ since: T, desired: 6, running: 0 }),
      botRequest: 'r-0123456789abcdef',
      ackBy: 'U0ONCALL1',
      ackAt: String(T + 60_000),
      outage: JSON.stringify({ n: 40, since: T - 60_000 }),
      eMore: '7',
    };
    // Three incidents replaced before they reached Slack (signal-4.lua), each with long reasons.
    for (let g = 1; g <= 3; g++)
      extra[`e:${g}`] = JSON.stringify({
        count: 30 + g,
        from: T - g * 3_600_000,
        to: T - g * 3_000_000,
        r: Array.from({ length: 16 }, (_, i) => [`${long('reason')} ${i}`, i < 12 ? 'task' : 'deploy', i + 1]),
        down: { since: T, desired: 4, running: 0 },
      });
    for (let i = 0; i < 12; i++) {
      extra[`r:reason${i}`] = String(40 + i);
      extra[`l:reason${i}`] = `CannotPullContainerError ${i}: ${'pull access denied '.repeat(10)}`;
      extra[`k:reason${i}`] = i < 8 ? 'task' : i < 10 ? 'deploy' : 'action';
    }
    return view(hash(500, 75, extra));
  }

  it.each(['en', 'ko'] as const)('keeps a large incident to at most 12 lines before the buttons (%s)', (locale) => {
    const msg = fitMessage(alertMessage(large(), web, locale));
    const blocks = msg.blocks as unknown as Array<Record<string, unknown>>;
    expect(linesBeforeActions(blocks)).toBeLessThanOrEqual(12);
    // Still says what matters: who is on it, the count, the failed task's facts and why, and the buttons.
    const text = allText(msg);
    expect(text).toContain('<@U0ONCALL1>');
    expect(text).toContain('500');
    expect(text).toContain('a1b2c3d4e5f60718293a4b5c6d7e8f90');
    expect(text).toContain('web:42');
    const actionIds = ((blocks.at(-1)!.elements as Array<{ action_id: string }>) ?? []).map((e) => e.action_id);
    expect(actionIds).toEqual(['alert:logs', 'alert:status', 'alert:rollback', 'alert:mute', 'alert:ack']);
  });

  it('the large incident does fill the screen (the measure is not met trivially)', () => {
    // Guard for the measure itself: the summary alone lists more lines than fit.
    const v = large();
    const msg = alertMessage(v, web);
    const blocks = msg.blocks as unknown as Array<Record<string, unknown>>;
    expect(linesBeforeActions(blocks)).toBeGreaterThanOrEqual(10);
    expect(JSON.stringify(msg.blocks)).toContain('more in the thread');
  });

  it('tells the incidents replaced before they reached Slack, once, in one line (en, ko)', () => {
    const earlier = {
      'e:3': JSON.stringify({ count: 2, from: T - 3_600_000, to: T - 3_000_000, r: [['OutOfMemoryError', 'task', 2]], over: true }),
      'e:2': JSON.stringify({ count: 0, from: T - 7_200_000, to: T - 7_200_000, r: [['Deployment ecs-svc/42 failed', 'deploy', 1]] }),
      eMore: '1',
    };
    const en = alertMessage(view(hash(1, 1, earlier)), web, 'en');
    const line = JSON.stringify(en.blocks.filter((b) => JSON.stringify(b).includes('Not posted earlier')));
    expect(line).toContain('2 tasks failed in 10 minutes: OutOfMemoryError ×2; Deployment ecs-svc/42 failed; 1 more before');
    expect(line).toContain(`<!date^${(T - 7_200_000) / 1000}^`);
    const ko = alertMessage(view(hash(1, 1, earlier)), web, 'ko');
    expect(JSON.stringify(ko.blocks)).toContain('Slack이 거부해 올리지 못한 이전 장애');
    // None: no such line.
    expect(JSON.stringify(alertMessage(view(hash(1, 1)), web).blocks)).not.toContain('Not posted earlier');
  });

  it('shows who is on it under the header, in the workspace language', () => {
    const en = alertMessage(view(hash(2, 1, { ackBy: 'U0ONCALL1', ackAt: String(T) })), web, 'en');
    expect(JSON.stringify(en.blocks[1])).toContain('👀 <@U0ONCALL1> is on it');
    const ko = alertMessage(view(hash(2, 1, { ackBy: 'U0ONCALL1', ackAt: String(T) })), web, 'ko');
    expect(JSON.stringify(ko.blocks[1])).toContain('👀 <@U0ONCALL1> 님이 대응 중');
    expect(JSON.stringify(ko.blocks.at(-1))).toContain('제가 볼게요');
  });

  it('a recovered incident offers no Roll back, Mute or "I\'m on it": only Logs and Status', () => {
    // Roll back from an alert means away from its revision; once recovered (by a rollback, most
    // often), "what ran before" may be that revision (src/deploy/alert-rollback.ts).
    const ids = (v: ReturnType<typeof view>) =>
      ((alertMessage(v, web).blocks.at(-1) as unknown as { elements: Array<{ action_id: string }> }).elements ?? []).map(
        (e) => e.action_id,
      );
    expect(ids(view(hash(2, 1, { state: 'recovered' })))).toEqual(['alert:logs', 'alert:status']);
    expect(ids(view(hash(2, 1)))).toEqual(['alert:logs', 'alert:status', 'alert:rollback', 'alert:mute', 'alert:ack']);
  });
});

describe('thread replies that waited for the scheduled check (src/alerts/backlog.ts)', () => {
  it('the summary of those that could not be posted: how many, between when and when (en, ko)', () => {
    const en = lostReply(3, T, T + 3_600_000, 'en');
    expect(en.text).toContain('3 events could not be posted here between');
    expect(JSON.stringify(en.blocks)).toContain(`<!date^${T / 1000}^`);
    expect(JSON.stringify(en.blocks)).toContain(`<!date^${T / 1000 + 3600}^`);
    expect(lostReply(1, T, T, 'en').text).toContain('1 event could not');
    expect(lostReply(3, T, T, 'ko').text).toContain('이벤트 3건을 여기에 올리지 못했습니다');
  });

  it('one reply: a head, every line, how many more; in English and Korean', () => {
    const en = backlogReply(['*New failure reason:* exit code 3', '⚠️ Service unable to place a task.'], 5, 'en');
    expect(en.text).toBe(
      '5 more events while Slack was limiting the bot: New failure reason: exit code 3 ⚠️ Service unable to place a task.',
    );
    expect(en.blocks).toHaveLength(4);
    expect(JSON.stringify(en.blocks)).toContain('exit code 3');
    expect(JSON.stringify(en.blocks.at(-1))).toContain('… and 3 more (the alert message counts them).');
    const ko = backlogReply(['*새 실패 원인:* 종료 코드 3'], 1, 'ko');
    expect(ko.text).toBe('Slack이 봇의 전송을 제한하는 동안 이벤트 1개가 더 있었습니다: 새 실패 원인: 종료 코드 3');
    // Within 300 characters however many lines wait.
    expect(
      backlogReply(
        Array.from({ length: 20 }, () => 'x'.repeat(100)),
        20,
        'en',
      ).text.length,
    ).toBeLessThanOrEqual(300);
    expect(ko.blocks).toHaveLength(2);
    expect(backlogReply(['a'], 2, 'ko').blocks.at(-1)).toEqual(section('_… 외 1개 더 (알림 메시지에 집계되어 있습니다)._'));
  });

  it('a line is one section within Slack’s 3 000 characters, its log block closed when cut', () => {
    const long = newReasonReply(
      oomFacts(),
      { region: 'eu-west-1', group: '/ecs/web', stream: 'ecs/web/1', lines: Array.from({ length: 10 }, () => '나'.repeat(400)) },
      'ko',
    );
    const line = backlogLine(long);
    expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(3000);
    // Cut inside the log block (10 lines of 1 200 bytes): its fence is closed.
    expect(line).toContain('```나나');
    expect(line.endsWith('…```')).toBe(true);
    expect((line.match(/```/g) ?? []).length % 2).toBe(0);
    expect(line).toContain('*새 실패 원인:*');
  });
});
