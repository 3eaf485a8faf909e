/** `/ecs status` builders: pure functions of ECS response shapes. No mocks. */
import type { Service } from '@aws-sdk/client-ecs';
import { fitMessage } from '../../src/slack/blocks';
import {
  circuitBreakerLine,
  dedupeEvents,
  eventLines,
  healthOf,
  imageLine,
  recentlyStopped,
  runningDigests,
  serviceStatusMessage,
} from '../../src/commands/render/status';
import { status } from '../../src/commands/status';
import { parseArgs } from '../../src/commands/grammar';
import { parseConfig } from '../../src/config/load';
import { prodOnlyDoc } from '../helpers/config';
import {
  deploymentWith,
  digestOf,
  expectWithinSlackLimits,
  MIN,
  NOW,
  REGISTRY,
  serviceWith,
  serviceEvent,
  task,
  tdArn,
  taskDefinitionWith,
  taskIdOf,
  webStatusInput,
} from '../helpers/aws-fixtures';
import { environmentStatusMessage, type EnvironmentRow } from '../../src/commands/render/status-env';

const base = (over: Partial<Service>): Service => ({ ...serviceWith({ name: 'web-prod' }), ...over });

describe('healthOf', () => {
  it.each<[string, Partial<Service>, string]>([
    ['steady', {}, 'steady'],
    ['down: desired > 0, nothing running', { desiredCount: 2, runningCount: 0 }, 'down'],
    ['degraded: running < desired', { desiredCount: 4, runningCount: 3 }, 'degraded'],
    [
      'scaled to zero',
      {
        desiredCount: 0,
        runningCount: 0,
        deployments: [deploymentWith({ id: 'd1', taskDefinition: 't', desiredCount: 0, runningCount: 0 })],
      },
      'idle',
    ],
    ['inactive', { status: 'DRAINING' }, 'inactive'],
    [
      'deploying: two deployments',
      {
        deployments: [
          deploymentWith({ id: 'd2', taskDefinition: 't2', rolloutState: 'IN_PROGRESS' }),
          deploymentWith({ id: 'd1', status: 'ACTIVE', taskDefinition: 't1' }),
        ],
      },
      'deploying',
    ],
    [
      'deploying: primary still rolling out',
      { deployments: [deploymentWith({ id: 'd1', taskDefinition: 't', rolloutState: 'IN_PROGRESS' })] },
      'deploying',
    ],
    ['failed rollout', { deployments: [deploymentWith({ id: 'd1', taskDefinition: 't', rolloutState: 'FAILED' })] }, 'failed'],
    [
      'down wins over deploying',
      { desiredCount: 3, runningCount: 0, deployments: [deploymentWith({ id: 'd1', taskDefinition: 't', rolloutState: 'IN_PROGRESS' })] },
      'down',
    ],
  ])('%s', (_name, over, expected) => {
    expect(healthOf(base(over))).toBe(expected);
  });
});

describe('dedupeEvents', () => {
  it('collapses identical messages with a count, newest group first', () => {
    const events = [
      serviceEvent(1, 'b'),
      ...Array.from({ length: 12 }, (_, i) => serviceEvent(10 + i * 6 * 60, 'steady', `s${i}`)),
      serviceEvent(5, 'a'),
    ];
    const groups = dedupeEvents(events);
    expect(groups.map((g) => [g.message, g.count])).toEqual([
      ['b', 1],
      ['a', 1],
      ['steady', 12],
    ]);
    expect(groups[2]!.latest).toBe(NOW - 10 * MIN);
    expect(groups[2]!.earliest).toBe(NOW - (10 + 11 * 360) * MIN);
  });

  it('keeps at most `max` groups and skips empty messages', () => {
    const events = [serviceEvent(0, ''), ...Array.from({ length: 30 }, (_, i) => serviceEvent(i, `m${i}`))];
    expect(dedupeEvents(events, 8)).toHaveLength(8);
  });
});

describe('imageLine', () => {
  const d1 = digestOf('one');
  const d2 = digestOf('two');
  it('shows the tag and the digest tasks report', () => {
    expect(imageLine(`${REGISTRY}/shop/web:v1.2.3`, [{ digest: d1, tasks: 3 }])).toBe(`\`v1.2.3\` · digest \`${d1.slice(7, 19)}\``);
  });
  it('shows the tag of a pinned digest when ECR named it', () => {
    expect(imageLine(`${REGISTRY}/shop/web@${d1}`, [], { [d1]: ['v9'] })).toBe(`\`v9\` · digest \`${d1.slice(7, 19)}\``);
    // A digest tagged both `latest` and a version is named by the version.
    expect(imageLine(`${REGISTRY}/shop/web@${d1}`, [], { [d1]: ['latest', 'v9'] })).toBe(`\`v9\` · digest \`${d1.slice(7, 19)}\``);
    expect(imageLine(`${REGISTRY}/shop/web@${d1}`, [], { [d1]: ['latest'] })).toBe(`\`latest\` · digest \`${d1.slice(7, 19)}\``);
  });
  it('names the repository when a pinned digest has no known tag', () => {
    expect(imageLine(`${REGISTRY}/shop/web@${d1}`, [])).toBe(`\`web\` · digest \`${d1.slice(7, 19)}\``);
  });
  it('says when tasks run different builds', () => {
    expect(
      imageLine(`${REGISTRY}/shop/web:latest`, [
        { digest: d1, tasks: 2 },
        { digest: d2, tasks: 1 },
      ]),
    ).toContain('(tasks run different builds)');
  });
  it('says when no digest is known yet', () => {
    expect(imageLine(`${REGISTRY}/shop/web:v1`, [])).toBe('`v1` · _digest not reported yet_');
  });
});

describe('circuitBreakerLine', () => {
  it('on with rollback, on without, off, and other controllers', () => {
    expect(circuitBreakerLine(base({}))).toContain('on, rolls back a failed deployment');
    expect(
      circuitBreakerLine(base({ deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } } })),
    ).toContain('stops a failed deployment without rolling back');
    expect(circuitBreakerLine(base({ deploymentConfiguration: {} }))).toContain('off: a failing deployment keeps retrying');
    expect(circuitBreakerLine(base({ deploymentController: { type: 'CODE_DEPLOY' } }))).toContain(
      'not available with the `CODE_DEPLOY` deployment controller',
    );
    expect(
      circuitBreakerLine(
        base({
          deploymentConfiguration: {
            deploymentCircuitBreaker: { enable: true, rollback: true },
            alarms: { enable: true, rollback: true, alarmNames: ['web-5xx'] },
          },
        }),
      ),
    ).toContain('*Alarms:* `web-5xx` (roll back on alarm)');
  });
});

describe('tasks', () => {
  const td = tdArn('web-prod', 43);
  it('runningDigests counts the running tasks of one deployment only', () => {
    const tasks = [
      task({ id: taskIdOf(1), td, deploymentId: 'new', digest: digestOf('a') }),
      task({ id: taskIdOf(2), td, deploymentId: 'new', digest: digestOf('a') }),
      task({ id: taskIdOf(3), td, deploymentId: 'old', digest: digestOf('b') }),
      task({
        id: taskIdOf(4),
        td,
        deploymentId: 'new',
        digest: digestOf('c'),
        stopped: { minutesAgo: 1, stopCode: 'UserInitiated', reason: 'x' },
      }),
    ];
    expect(runningDigests(tasks, 'new', 'web')).toEqual([{ digest: digestOf('a'), tasks: 2 }]);
  });
  it('recentlyStopped keeps the last hour, newest first', () => {
    const stop = (id: number, minutesAgo: number) =>
      task({ id: taskIdOf(id), td, stopped: { minutesAgo, stopCode: 'EssentialContainerExited', reason: 'x' } });
    expect(recentlyStopped([stop(1, 30), stop(2, 90), stop(3, 5)], NOW).map((t) => t.taskArn!.split('/').pop()!.slice(0, 8))).toEqual([
      '00000003',
      '00000001',
    ]);
  });
});

describe('serviceStatusMessage', () => {
  it('renders one service (snapshot)', () => {
    const msg = serviceStatusMessage(webStatusInput());
    expect(msg).toMatchSnapshot();
    expectWithinSlackLimits(msg);
  });

  it('a deployment whose task definition pins a digest is named by its tag when the tag is known, as the image line is', () => {
    const input = webStatusInput();
    const newTd = input.service.deployments![0]!.taskDefinition!;
    const digest = 'sha256:' + 'f5'.repeat(32);
    input.taskDefinitions[newTd] = taskDefinitionWith({ family: 'web-prod', revision: 43, image: `${REGISTRY}/shop/web@${digest}` });
    const lines = (tagsByDigest?: Record<string, string[]>) =>
      JSON.stringify(serviceStatusMessage({ ...input, ...(tagsByDigest ? { tagsByDigest } : {}) }).blocks);
    expect(lines()).toContain('*PRIMARY* `web-prod:43` `@f5f5f5f5f5f5`');
    const named = lines({ [digest]: ['latest', 'v1.4.3'] });
    expect(named).toContain('*PRIMARY* `web-prod:43` `v1.4.3` —');
    expect(named).toContain('*image* `v1.4.3`');
  });

  it('escapes text that comes from people and AWS', () => {
    const text = JSON.stringify(serviceStatusMessage(webStatusInput()).blocks);
    expect(text).toContain('migration &lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
  });

  it("a failed rollout's reason: ECS's words as they are, then what they mean in the reader's language; unknown words get nothing", () => {
    const input = webStatusInput();
    const failed = (rolloutStateReason: string) =>
      deploymentWith({
        id: 'ecs-svc/9',
        status: 'PRIMARY',
        taskDefinition: tdArn('web-prod', 44),
        rolloutState: 'FAILED',
        rolloutStateReason,
      });
    input.service.deployments = [failed('ECS deployment circuit breaker: tasks failed to start.')];
    const ko = JSON.stringify(serviceStatusMessage(input, 'ko').blocks);
    expect(ko).toContain(
      '_ECS deployment circuit breaker: tasks failed to start._\\n      새 작업이 너무 많이 실패해 서킷 브레이커가 배포를 멈췄습니다.',
    );
    expect(JSON.stringify(serviceStatusMessage(input).blocks)).toContain('The circuit breaker stopped the deployment');
    input.service.deployments = [failed('Something new from ECS.')];
    expect(JSON.stringify(serviceStatusMessage(input, 'ko').blocks)).toContain('_Something new from ECS._"}');
  });

  describe("recent events: ECS's words, each recognised reason explained once in the reader's language", () => {
    const PLACE =
      '(service web-prod) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance 1234) has insufficient CPU units available.';
    const SUBNET =
      "(service web-prod) failed to launch a task with (error Unexpected EC2 error while attempting to Create Network Interface in subnet 'subnet-0a1b2c': InsufficientFreeAddressesInSubnet).";
    const STEADY = '(service web-prod) has reached a steady state.';
    const events = () => dedupeEvents([serviceEvent(1, PLACE), serviceEvent(3, STEADY), serviceEvent(5, SUBNET), serviceEvent(9, PLACE)]);

    it('one line per distinct reason, under its first (newest) event; unknown messages get none (en, ko)', () => {
      const en = eventLines(events(), NOW, 'en');
      expect(en).toHaveLength(3);
      expect(en[0]).toMatch(/\(×2\) \(service web-prod\) was unable to place[^\n]*\n {6}No container instance has enough free CPU/);
      expect(en[1]).not.toContain('\n'); // steady state: nothing recognised
      expect(en[2]).toMatch(/InsufficientFreeAddressesInSubnet\)\.\n {6}The task could not get a network interface or an IP address/);
      const ko = eventLines(events(), NOW, 'ko');
      expect(ko[0]).toContain('\n      작업에 필요한 CPU가 남은 컨테이너 인스턴스가 없습니다.');
      expect(ko[2]).toContain('\n      작업이 네트워크 인터페이스나 IP 주소를 받지 못했습니다.');
      expect(ko.join('\n')).not.toMatch(/No container instance|network interface/);
      // Two different messages of one reason: one line, under the first.
      const two = eventLines(dedupeEvents([serviceEvent(1, PLACE), serviceEvent(2, PLACE.replace('1234', '5678'))]), NOW, 'ko');
      expect(two[0]).toContain('\n');
      expect(two[1]).not.toContain('\n');
      expect(
        eventLines(dedupeEvents([serviceEvent(1, 'Something new from ECS.'), serviceEvent(2, STEADY)]), NOW, 'ko').join(''),
      ).not.toContain('\n');
    });

    it("in the /ecs status answer: once per reason, also when the failed deployment's line already said it", () => {
      const input = webStatusInput();
      input.service.events = [serviceEvent(1, PLACE), serviceEvent(2, PLACE.replace('1234', '5678')), serviceEvent(3, STEADY)];
      const ko = JSON.stringify(serviceStatusMessage(input, 'ko').blocks);
      expect(ko.split('작업에 필요한 CPU가 남은 컨테이너 인스턴스가 없습니다.')).toHaveLength(2);
      expect(JSON.stringify(serviceStatusMessage(input).blocks)).toContain('No container instance has enough free CPU for the task.');
      input.service.deployments = [
        deploymentWith({
          id: 'ecs-svc/9',
          status: 'PRIMARY',
          taskDefinition: tdArn('web-prod', 44),
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
        }),
      ];
      input.service.events = [
        serviceEvent(1, '(service web-prod) deployment ecs-svc/9 deployment failed: tasks failed to start. circuit breaker'),
        serviceEvent(2, STEADY),
      ];
      expect(JSON.stringify(serviceStatusMessage(input, 'ko').blocks).split('서킷 브레이커가 배포를 멈췄습니다')).toHaveLength(2);
    });
  });

  describe("stopped tasks: ECS's words, then what the stop means as alerts say it, in the answer's language", () => {
    const SUBNET_REASON =
      "Unexpected EC2 error while attempting to Create Network Interface in subnet 'subnet-0a1b2c': InsufficientFreeAddressesInSubnet";
    const stop = (n: number, stopCode: string, reason: string, exitCode?: number, containerReason?: string) =>
      task({ id: taskIdOf(n), td: tdArn('web-prod', 43), stopped: { minutesAgo: n, stopCode, reason, exitCode, containerReason } });
    const input = () => {
      const i = webStatusInput();
      i.tasks = [
        stop(
          2,
          'EssentialContainerExited',
          'Essential container in task exited',
          137,
          'OutOfMemoryError: Container killed due to memory usage',
        ),
        stop(
          4,
          'EssentialContainerExited',
          'Essential container in task exited',
          137,
          'OutOfMemoryError: Container killed due to memory usage',
        ),
        stop(5, 'ServiceSchedulerInitiated', 'Scaling activity initiated by (deployment ecs-svc/1111111111111111111)', 143),
        stop(6, 'UserInitiated', 'Task stopped by user', 143),
        stop(7, 'EssentialContainerExited', 'Essential container in task exited', 1),
        stop(8, 'TaskFailedToStart', SUBNET_REASON),
      ];
      i.service.events = [serviceEvent(1, `(service web-prod) failed to launch a task with (error ${SUBNET_REASON}).`)];
      return i;
    };
    /** Each stopped task's text (its line and what follows it), oldest stop last. */
    const stoppedOf = (locale: 'en' | 'ko') => {
      const block = serviceStatusMessage(input(), locale).blocks.find(
        (b) => b.type === 'section' && /^\*(Stopped in the last hour|최근 1시간 동안 중지됨)\*/.test(b.text!.text),
      );
      return block!.type === 'section' ? block.text!.text.split('\n• ').slice(1) : [];
    };

    it('each meaning once, under the first task that has it; routine stops (scaling, a user) get none (en)', () => {
      const [oom, scale, user, exit1, subnet, none] = stoppedOf('en');
      // The two tasks stopped for the same words share one line, newest first, with both links.
      // The latest and the first stop of the kind (was only the latest).
      expect(oom).toMatch(
        /^<[^|]+\|00000002>, <[^|]+\|00000004> \(2 tasks\) stopped, the latest 2m ago, the first 4m ago · `EssentialContainerExited`/,
      );
      expect(oom).toMatch(
        /OutOfMemoryError: Container killed due to memory usage\)\n {6}Container web ran out of memory and was killed \(exit 137\)\. Raise its memory/,
      );
      expect(oom).toContain('`/ecs rightsize web` shows its memory use over the last 14 days.');
      expect(none).toBeUndefined();
      for (const quiet of [scale, user]) expect(quiet).not.toContain('\n');
      expect(exit1).toMatch(/\n {6}Container web is essential and exited with code 1: a generic application error/);
      expect(subnet).toMatch(/\n {6}The task could not get a network interface or an IP address/);
      // The event of the same reason, below, does not say it again.
      expect(JSON.stringify(serviceStatusMessage(input()).blocks).split('The task could not get a network interface')).toHaveLength(2);
    });

    it('in Korean, with no English explanation (ko)', () => {
      const [oom, scale, user, exit1, subnet] = stoppedOf('ko');
      expect(oom).toContain('(작업 2개) 중지, 가장 최근 2분 전, 처음 4분 전 · `EssentialContainerExited`');
      expect(oom).toMatch(/\n {6}web 컨테이너의 메모리가 부족해 강제 종료되었습니다 \(종료 코드 137\)\. 작업 정의에서/);
      for (const quiet of [scale, user]) expect(quiet).not.toContain('\n');
      expect(exit1).toMatch(
        /\n {6}필수 web 컨테이너가 종료 코드 1로 종료되어 ECS가 작업을 중지했습니다\. 종료 코드의 뜻: 일반적인 애플리케이션 오류/,
      );
      expect(subnet).toMatch(/\n {6}작업이 네트워크 인터페이스나 IP 주소를 받지 못했습니다\./);
      const all = JSON.stringify(serviceStatusMessage(input(), 'ko').blocks);
      expect(all.split('작업이 네트워크 인터페이스나 IP 주소를 받지 못했습니다.')).toHaveLength(2);
      expect(all).not.toMatch(/ran out of memory|is essential and exited|network interface/);
    });

    it('more than three tasks of one kind link the first three and count the rest; more than ten kinds say how many are left', () => {
      const i = webStatusInput();
      i.tasks = [1, 2, 3, 4, 5].map((n) => stop(n, 'ServiceSchedulerInitiated', 'Scaling activity initiated by (deployment ecs-svc/1)', 0));
      const text = JSON.stringify(serviceStatusMessage(i).blocks);
      expect(text).toContain('|00000003> +2 (5 tasks) stopped, the latest 1m ago');
      expect(text).toContain('Stopped in the last hour* (5)');
      expect(text).not.toContain('00000004>');
      i.tasks = Array.from({ length: 12 }, (_, n) => stop(n + 1, 'EssentialContainerExited', 'Essential container in task exited', n + 1));
      expect(JSON.stringify(serviceStatusMessage(i).blocks)).toContain('_… and 2 other kinds of stop_');
      expect(JSON.stringify(serviceStatusMessage(i, 'ko').blocks)).toContain('_… 그 밖의 중지 2종류_');
    });

    it('stays within Slack limits with 10 stopped tasks of long reasons, each with its own meaning', () => {
      const long = 'x'.repeat(900);
      const i = webStatusInput();
      i.tasks = [1, 2, 126, 127, 134, 137, 139, 3, 4, 5].map((code, n) =>
        stop(n + 1, 'EssentialContainerExited', long, code, code === 137 ? `OutOfMemoryError ${long}` : long),
      );
      for (const locale of ['en', 'ko'] as const) {
        const msg = serviceStatusMessage(i, locale);
        for (const b of msg.blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
        expectWithinSlackLimits(fitMessage(msg));
        expect(JSON.stringify(msg.blocks).match(/\\n {6}\S/g)!.length).toBeGreaterThanOrEqual(10);
      }
    });
  });

  it('says when the lock state is unavailable', () => {
    const text = JSON.stringify(serviceStatusMessage({ ...webStatusInput(), guards: { unavailable: true } }).blocks);
    expect(text).toContain('Lock and freeze state unavailable');
  });

  it('stays within Slack limits with oversized input: 100 long events, 10 deployments, 90 stopped tasks, a 300-character alias', () => {
    const input = webStatusInput();
    const long = 'x'.repeat(900);
    input.alias = 'a'.repeat(300);
    input.service.events = Array.from({ length: 100 }, (_, i) => serviceEvent(i, `(service web-prod) event ${i} ${long}`));
    input.service.deployments = Array.from({ length: 10 }, (_, i) =>
      deploymentWith({ id: `d${i}`, status: i ? 'ACTIVE' : 'PRIMARY', taskDefinition: tdArn('web-prod', i), rolloutStateReason: long }),
    );
    input.tasks = Array.from({ length: 90 }, (_, i) =>
      task({
        id: taskIdOf(100 + i),
        td: tdArn('web-prod', 43),
        stopped: { minutesAgo: i % 59, stopCode: 'TaskFailedToStart', reason: long, exitCode: 1, containerReason: long },
      }),
    );
    const msg = serviceStatusMessage(input);
    // Every section the builder makes is already within 3,000; fitMessage handles count and total.
    for (const b of msg.blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
    const fitted = fitMessage(msg);
    expectWithinSlackLimits(fitted);
    expect(JSON.stringify(fitted.blocks)).toContain('Stopped in the last hour* (90)');
  });
});

describe('environmentStatusMessage', () => {
  const rows = (): EnvironmentRow[] => [
    {
      alias: 'web',
      serviceName: 'web-prod',
      container: 'web',
      service: serviceWith({ name: 'web-prod' }),
      taskDefinition: taskDefinitionWith({ family: 'web-prod', revision: 42, image: `${REGISTRY}/shop/web:v1.4.2` }),
    },
    {
      alias: 'api',
      serviceName: 'api-prod',
      container: 'web',
      service: serviceWith({ name: 'api-prod', desired: 2, running: 0 }),
      taskDefinition: taskDefinitionWith({ family: 'api-prod', revision: 7, image: `${REGISTRY}/shop/api@${digestOf('api')}` }),
    },
    {
      alias: 'ghost',
      serviceName: 'ghost-prod',
      container: 'web',
      failure: { arn: 'arn:aws:ecs:eu-west-1:1:service/prod/ghost-prod', reason: 'MISSING' },
    },
    {
      alias: 'worker',
      serviceName: 'worker-prod',
      container: 'worker',
      service: serviceWith({ name: 'worker-prod', desired: 4, running: 3 }),
      lock: { by: 'U1', since: NOW },
    },
  ];

  it('renders one line per service, worst first (snapshot)', () => {
    const msg = environmentStatusMessage({
      environment: 'prod',
      cluster: 'prod',
      region: 'eu-west-1',
      rows: rows(),
      frozen: { by: 'ULEAD1', since: NOW - 2 * 60 * MIN, reason: 'release freeze' },
      now: NOW,
    });
    expect(msg).toMatchSnapshot();
    const text = JSON.stringify(msg.blocks);
    expect(text.indexOf('|api>')).toBeLessThan(text.indexOf('|worker>'));
    expect(text.indexOf('|worker>')).toBeLessThan(text.indexOf('|ghost>'));
    expect(text.indexOf('|ghost>')).toBeLessThan(text.indexOf('|web>'));
    expect(msg.text).toBe('prod: 4 services, 3 need attention');
  });

  it("shows each service's aliases briefly after its name, found or not, in both languages", () => {
    const withAliases = rows().map((r) =>
      r.alias === 'web' ? { ...r, aliases: ['웹', '프론트'] } : r.alias === 'ghost' ? { ...r, aliases: ['유령'] } : r,
    );
    const input = { environment: 'prod', cluster: 'prod', region: 'eu-west-1', rows: withAliases, now: NOW };
    const en = JSON.stringify(environmentStatusMessage(input).blocks);
    expect(en).toMatch(/\|web>\* \(웹, 프론트\) steady/);
    expect(en).toMatch(/\|ghost>\* \(유령\) — not found/);
    expect(en).toMatch(/\|api>\* down/);
    expect(JSON.stringify(environmentStatusMessage(input, 'ko').blocks)).toMatch(/\|web>\* \(웹, 프론트\) 정상/);
  });

  it('stays within Slack limits with 500 services of 5 long aliases each', () => {
    const many: EnvironmentRow[] = Array.from({ length: 500 }, (_, i) => ({
      alias: `service-${i}-${'n'.repeat(30)}`,
      aliases: Array.from({ length: 5 }, (_, k) => `별칭-${k}-${'가'.repeat(30)}`),
      serviceName: `service-${i}-prod`,
      container: 'web',
      service: serviceWith({ name: `service-${i}`, desired: i % 3, running: i % 2 }),
    }));
    const fitted = fitMessage(
      environmentStatusMessage({ environment: 'prod', cluster: 'prod', region: 'eu-west-1', rows: many, now: NOW }, 'ko'),
    );
    expectWithinSlackLimits(fitted);
  });

  it('says when no services are configured', () => {
    const msg = environmentStatusMessage({ environment: 'dev', cluster: 'dev', region: 'eu-west-1', rows: [], now: NOW });
    expect(JSON.stringify(msg.blocks)).toContain('No services are configured for `dev`');
  });

  it('stays within Slack limits with 500 services', () => {
    const many: EnvironmentRow[] = Array.from({ length: 500 }, (_, i) => ({
      alias: `service-${i}-${'n'.repeat(30)}`,
      serviceName: `service-${i}-prod-${'n'.repeat(60)}`,
      container: 'web',
      service: serviceWith({ name: `service-${i}`, desired: i % 3, running: i % 2 }),
      taskDefinition: taskDefinitionWith({ family: `service-${i}`, revision: i, image: `${REGISTRY}/shop/s${i}:${'t'.repeat(100)}` }),
    }));
    const msg = environmentStatusMessage({ environment: 'prod', cluster: 'prod', region: 'eu-west-1', rows: many, now: NOW });
    for (const b of msg.blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
    const fitted = fitMessage(msg);
    expectWithinSlackLimits(fitted);
    expect(JSON.stringify(fitted.blocks)).toMatch(/more parts? left out to fit in one Slack message/);
    expect(JSON.stringify(msg.blocks)).not.toContain('console.aws.amazon.com/ecs'); // no per-line links in a long list
  });

  it('100 services with short names all fit in one message', () => {
    const many: EnvironmentRow[] = Array.from({ length: 100 }, (_, i) => ({
      alias: `svc-${i}`,
      serviceName: `svc-${i}-prod`,
      container: 'web',
      service: serviceWith({ name: `svc-${i}-prod` }),
      taskDefinition: taskDefinitionWith({ family: `svc-${i}-prod`, revision: 42, image: `${REGISTRY}/shop/svc:2025.05.17` }),
    }));
    const fitted = fitMessage(
      environmentStatusMessage({ environment: 'prod', cluster: 'prod', region: 'eu-west-1', rows: many, now: NOW }),
    );
    expectWithinSlackLimits(fitted);
    const text = JSON.stringify(fitted.blocks);
    for (let i = 0; i < 100; i++) expect(text).toContain(`*svc-${i}* steady`);
    expect(text).not.toContain('left out');
  });
});

describe('status parse', () => {
  const config = parseConfig(prodOnlyDoc());
  const parse = (text: string, channelId = 'CPROD') => status.parse(parseArgs(text), { config, channelId, userId: 'U1' });

  it('a service, an environment, or the channel default', () => {
    expect(parse('status web')).toMatchObject({ environment: 'prod', args: { alias: 'web' } });
    expect(parse('status PROD')).toMatchObject({ environment: 'prod', args: { alias: undefined } });
    expect(parse('status')).toMatchObject({ environment: 'prod', args: { alias: undefined } });
  });

  it('ack text names what is looked up', () => {
    expect(status.ackText!(parse('status web'), 'en')).toBe('Looking up `web` in `prod`…');
    expect(status.ackText!(parse('status'), 'en')).toBe('Looking up every service in `prod`…');
  });

  it('rejects flags', () => {
    expect(() => parse('status web --events 5')).toThrow(/Unknown flag `--events`. `status` takes --private, --public./);
  });
});
