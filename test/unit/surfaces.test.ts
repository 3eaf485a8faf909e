/**
 * The Slack surfaces' pure builders, in English and Korean, within Block Kit limits (checked with
 * the same validator the local Slack API server applies): the Home tab (a reader who approves
 * nothing, one with 30 waiting requests, an environment of 60 services), the deploy form in each
 * state, the view pushed while a request is prepared, the answer modal, the Approve button's
 * confirmation dialog, and the command text the form stands for (read back by the real grammar).
 */
import type { KnownBlock } from '@slack/types';
import { approveConfirm } from '../../src/approvals/confirm';
import { requestMessage, ACTION } from '../../src/approvals/message';
import type { ChangeRequest } from '../../src/approvals/types';
import { parseArgs } from '../../src/commands/grammar';
import { route } from '../../src/commands/router';
import { LOCALES, type Locale } from '../../src/i18n';
import { answerModal, noticeModal } from '../../src/slack/modal';
import { CONFIRM_LIMITS } from '../../src/slack/blocks';
import { homeUnavailableView, homeView, HOME_LIMITS, HOME_UPDATED_BLOCK, type HomeInput, type StatusRow } from '../../src/surfaces/home';
import {
  deployForm,
  FORM,
  imageBlock,
  notOpenedMessage,
  nowhereView,
  preparingView,
  serviceBlock,
  type FormEnvironment,
  type FormState,
  type TagOption,
} from '../../src/surfaces/deploy-form';
import { deployCommandText } from '../../src/surfaces/deploy-modal';
import { scanOf, tagOptions } from '../../src/surfaces/deploy-modal.run';
import { validateBlocks, validateView, type SlackBody } from '../helpers/slack-server';
import { fixtureConfig } from '../helpers/config';
import { incidentText } from '../../src/alerts/incident';

const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);
const MIN = 60_000;

function request(i: number, over: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    id: `prod.svc${i}.r${String(i).padStart(8, '0')}`,
    verb: 'deploy',
    environment: 'prod',
    service: `svc${i}`,
    plan: { verb: 'deploy', tag: `v1.${i}.0`, digest: 'sha256:' + 'a'.repeat(64) },
    summary: `Deploy \`v1.${i}.0\` (sha256:aaaaaaaaaaaa) to \`svc${i}\`\n- image: old\n+ image: new`,
    requester: 'UDEV1',
    reason: `fix number ${i}`,
    channel: 'CPROD',
    messageTs: `1764075600.${String(100 + i).padStart(6, '0')}`,
    createdAt: T0 - i * MIN,
    expiresAt: T0 + (60 - i) * MIN,
    approvalsNeeded: 1,
    approvals: [],
    state: 'pending',
    updatedAt: T0,
    ...over,
  };
}

function rows(n: number): StatusRow[] {
  const healths: StatusRow['health'][] = ['steady', 'steady', 'steady', 'deploying', 'degraded', 'down', 'idle', 'missing'];
  return Array.from({ length: n }, (_, i) => ({
    alias: `service-${String(i).padStart(2, '0')}`,
    health: healths[i % healths.length]!,
    running: i % 5,
    desired: 4,
    pending: i % 3,
    image: `v2.${i}.0`,
  }));
}

function input(over: Partial<HomeInput> = {}): HomeInput {
  return {
    user: 'ULEAD1',
    locale: 'en',
    now: T0,
    approver: true,
    canDeploy: true,
    waiting: [],
    mine: [],
    rollouts: [],
    guards: [],
    incidents: [],
    environments: [{ name: 'prod', serviceCount: 3, status: { at: T0 - MIN, rows: rows(3) } }],
    ...over,
  };
}

const blocksOf = (v: { blocks?: unknown }) => v.blocks as Array<SlackBody>;
const textOf = (v: { blocks?: unknown }) => JSON.stringify(v.blocks);
const actionIds = (v: { blocks?: unknown }) =>
  blocksOf(v)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements as SlackBody[]).map((e) => e.action_id as string));

/** Every limit the local Slack API server checks, plus the per-section text limit. */
function expectWithinLimits(view: SlackBody, type: 'home' | 'modal') {
  expect(validateView(view, type)).toEqual([]);
  expect(blocksOf(view).length).toBeLessThanOrEqual(100);
  for (const b of blocksOf(view)) {
    if (b.type === 'section') expect((b.text as { text: string }).text.length).toBeLessThanOrEqual(3000);
    if (b.type === 'context') for (const e of b.elements as SlackBody[]) expect(String(e.text).length).toBeLessThanOrEqual(3000);
  }
}

describe.each(LOCALES)('the Home tab (%s)', (locale: Locale) => {
  it('a reader who may approve nothing: no approvals section, no Approve button, their requests and the services', () => {
    const mine = [request(1, { requester: 'UDEV9' }), request(2, { requester: 'UDEV9', state: 'running', startedAt: T0 - MIN })];
    const view = homeView(input({ user: 'UDEV9', locale, approver: false, canDeploy: false, mine }));
    expectWithinLimits(view, 'home');
    expect(actionIds(view)).toEqual(['home:refresh']);
    const text = textOf(view);
    expect(text).not.toContain(locale === 'en' ? 'Waiting for your approval' : '내 승인을 기다리는');
    expect(text).toContain(locale === 'en' ? 'Your open requests (2)' : '내가 연 요청 (2)');
    expect(text).toContain('service-00');
  });

  it("each environment's tally reads in the reader's language (Korean: the word, then the count)", () => {
    const text = textOf(homeView(input({ locale })));
    expect(text).toContain(locale === 'en' ? ':large_green_circle: 3 steady' : ':large_green_circle: 정상 3');
  });

  it('a resize is named as the resize it is (its request is a deploy request), waiting and among mine', () => {
    const resize = request(1, {
      requester: 'UDEV9',
      plan: { verb: 'resize', from: { cpu: 512, memory: 1024 }, to: { cpu: 1024, memory: 2048 } },
    });
    const text = textOf(homeView(input({ user: 'UDEV9', locale, waiting: [resize], mine: [resize] })));
    const word = locale === 'en' ? 'Resize' : '크기 조정';
    expect(text.split(`*${word} svc1 → prod*`).length - 1).toBe(2);
    expect(text).not.toContain(locale === 'en' ? '*Deploy svc1' : '*배포 svc1');
  });

  it('an approver with nothing waiting is told so', () => {
    const view = homeView(input({ locale }));
    expect(textOf(view)).toContain(locale === 'en' ? 'Nothing is waiting for your approval.' : '승인을 기다리는 요청이 없습니다.');
    expect(actionIds(view)).toEqual(['home:deploy', 'home:refresh']);
  });

  it('30 waiting requests: the 5 that expire first with Approve (confirmed) and Reject, then "and 25 more"', () => {
    const waiting = Array.from({ length: 30 }, (_, i) => request(i));
    const view = homeView(input({ locale, waiting }));
    expectWithinLimits(view, 'home');
    const approveButtons = blocksOf(view)
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements as SlackBody[])
      .filter((e) => e.action_id === ACTION.approve);
    expect(approveButtons).toHaveLength(HOME_LIMITS.waitingWithButtons);
    // Soonest expiry first: request 29 expires first (T0 + 31 min).
    expect(approveButtons.map((b) => b.value)).toEqual([29, 28, 27, 26, 25].map((i) => request(i).id));
    for (const b of approveButtons) {
      expect(b.confirm.text.text).toContain('`svc');
      expect(b.confirm.text.text).toContain('`prod`');
    }
    expect(actionIds(view).filter((a) => a === ACTION.reject)).toHaveLength(5);
    expect(textOf(view)).toContain(locale === 'en' ? '…and 25 more waiting' : '…그 밖에 25건이 더 기다립니다');
    expect(textOf(view)).toContain(locale === 'en' ? 'Waiting for your approval (30)' : '내 승인을 기다리는 요청 (30)');
  });

  it('60 services in an environment: every one on a line, worst first, within 100 blocks with everything else full too', () => {
    const waiting = Array.from({ length: 30 }, (_, i) => request(i));
    const many = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));
    const view = homeView(
      input({
        locale,
        waiting,
        mine: many(15, (i) => request(100 + i, { requester: 'ULEAD1' })),
        rollouts: many(12, (i) => ({
          request: request(200 + i, { state: 'running', startedAt: T0 - i * MIN }),
          progress: { phase: i === 3 ? 'stuck' : 'in_progress', desired: 4, running: i % 4, pending: 1, failed: i % 2 },
        })),
        guards: many(14, (i) => ({
          environment: 'prod',
          ...(i ? { service: `svc${i}` } : {}),
          guard: { by: 'UOPS1', since: T0 - i * MIN, reason: `maintenance ${i}`, kind: 'manual' as const },
        })),
        incidents: many(20, (i) => ({
          environment: 'prod',
          service: `svc${i}`,
          tasks: i,
          signals: i + 1,
          down: i === 7,
          lastReason: 'OutOfMemoryError',
          lastAt: T0 - i * MIN,
          channel: 'CALERTS',
          ts: `1764075600.${String(i).padStart(6, '0')}`,
        })),
        environments: [
          { name: 'prod', serviceCount: 60, status: { at: T0 - MIN, rows: rows(60) } },
          { name: 'staging', serviceCount: 60, status: { at: T0 - MIN, rows: rows(60) } },
          { name: 'dev', serviceCount: 4 },
        ],
      }),
    );
    expectWithinLimits(view, 'home');
    const text = textOf(view);
    expect(text).toContain(locale === 'en' ? 'prod · 60 services' : 'prod · 서비스 60개');
    // prod shows all 60 services, the down ones before the steady ones.
    const prodLines = text.slice(text.indexOf('prod · '), text.indexOf('staging · '));
    for (let i = 0; i < 60; i++) expect(prodLines).toContain(`*service-${String(i).padStart(2, '0')}*`);
    expect(prodLines.indexOf(':red_circle: *service-05*')).toBeLessThan(prodLines.indexOf(':large_green_circle: *service-00*'));
    expect(text).toContain('dev');
    expect(text).toContain(locale === 'en' ? '…and 5 more' : '…그 밖에 5건 더');
  });

  it('an environment larger than the blocks left keeps its worst services and says how many healthy ones are left out', () => {
    const envs = Array.from({ length: 40 }, (_, i) => ({ name: `env${i}`, serviceCount: 200, status: { at: T0, rows: rows(200) } }));
    const view = homeView(input({ locale, environments: envs }));
    expectWithinLimits(view, 'home');
    const text = textOf(view);
    expect(text).toContain(locale === 'en' ? 'more services (healthiest last)' : '상태가 좋은 순서로 생략');
    // The first environment still lists its worst services; the ones that did not fit are named at the end.
    expect(text).toContain(':red_circle: *service-05*');
    expect(text).toContain(locale === 'en' ? 'more environments: `env' : '그 밖에 환경');
    expect(blocksOf(view).at(-1)!.type).toBe('context');
  });

  it("a service's aliases are shown briefly after its name, within the limits", () => {
    const many = Array.from({ length: 6 }, (_, i) => `별칭${'가'.repeat(30)}${i}`);
    const statusRows: StatusRow[] = [
      { ...rows(1)[0]!, alias: 'web', aliases: ['웹', '프론트'] },
      { ...rows(1)[0]!, alias: 'worker', aliases: ['워커', 'wk', 'jobs', 'batch'] },
      { ...rows(1)[0]!, alias: 'api', aliases: many },
      { ...rows(1)[0]!, alias: 'cart' },
    ];
    const v = homeView(input({ environments: [{ name: 'prod', serviceCount: 4, status: { at: T0, rows: statusRows } }] }));
    expectWithinLimits(v as SlackBody, 'home');
    const text = textOf(v);
    expect(text).toContain('*web* (웹, 프론트) ');
    expect(text).toContain('*worker* (워커, wk, jobs, …) ');
    expect(text).toContain('*api* (별칭');
    expect(text).toContain('*cart* ');
  });

  it('the health of an environment not read yet, or unreadable, is said so', () => {
    const view = homeView(
      input({
        locale,
        environments: [
          { name: 'prod', serviceCount: 2 },
          { name: 'dev', serviceCount: 1, status: { at: T0, rows: [], error: 'AccessDenied' } },
        ],
      }),
    );
    expectWithinLimits(view, 'home');
    expect(textOf(view)).toContain(locale === 'en' ? 'being read from ECS' : 'ECS에서 서비스 상태를 읽는 중');
    expect(textOf(view)).toContain('AccessDenied');
  });

  it('user input is escaped, and only the "Updated" line changes with the clock', () => {
    const evil = request(1, { reason: '<!channel> *boom*', service: 'web' });
    const a = homeView(input({ locale, waiting: [evil] }));
    const b = homeView(input({ locale, waiting: [evil], now: T0 + 5 * MIN }));
    expect(textOf(a)).not.toContain('<!channel>');
    const stable = (v: { blocks?: unknown }) => blocksOf(v).filter((x) => x.block_id !== HOME_UPDATED_BLOCK);
    expect(stable(a)).toEqual(stable(b));
    expect(a.blocks).not.toEqual(b.blocks);
  });

  it("an incident's last signal is written in the reader's language (a stored catalog token), an error name as it is", () => {
    const incident = (service: string, lastReason: string) => ({
      environment: 'prod',
      service,
      tasks: 0,
      signals: 1,
      down: false,
      lastReason,
      lastAt: T0,
    });
    const text = textOf(
      homeView(
        input({
          locale,
          incidents: [
            incident('web', incidentText.token('serviceDown')),
            incident('api', incidentText.token('deploymentFailed', { id: 'ecs-svc/42' })),
            incident('worker', 'OutOfMemoryError'),
          ],
        }),
      ),
    );
    expect(text).toContain(locale === 'en' ? 'last: service down' : '마지막: 서비스 중단');
    expect(text).toContain(locale === 'en' ? 'last: Deployment ecs-svc/42 failed' : '마지막: 배포 ecs-svc/42 실패');
    expect(text).toContain(locale === 'en' ? 'last: OutOfMemoryError' : '마지막: OutOfMemoryError');
    expect(text).not.toContain('i18n');
  });

  it('the store not answering: said so, with Refresh and without Deploy', () => {
    const view = homeUnavailableView(locale, T0);
    expectWithinLimits(view, 'home');
    expect(textOf(view)).toContain(locale === 'en' ? 'cannot read its store (Redis)' : '저장소(Redis)를 읽을 수 없어');
    const ids = JSON.stringify(view.blocks);
    expect(ids).toContain('home:refresh');
    expect(ids).not.toContain('home:deploy');
  });
});

describe('the Approve button asks first, naming service, image and environment', () => {
  it.each(LOCALES)('%s: on the request message when approvals are needed, never when none are', (locale) => {
    const req = request(1, { service: 'web', plan: { verb: 'deploy', tag: 'v1.2.3', digest: 'sha256:3f1c7e5a9b2d' + 'c'.repeat(52) } });
    const msg = requestMessage(req, T0, { locale });
    const approve = blocksOf(msg)
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements as SlackBody[])
      .find((e) => e.action_id === ACTION.approve)!;
    expect(approve.confirm.text.text).toContain('`v1.2.3` (sha256:3f1c7e5a9b2d)');
    expect(approve.confirm.text.text).toContain('`web`');
    expect(approve.confirm.text.text).toContain('`prod`');
    expect(approve.confirm.title.text).toBe(locale === 'en' ? 'Approve this change?' : '이 변경을 승인할까요?');
    expect(validateBlocks(msg.blocks, 50)).toEqual([]);
    const none = requestMessage({ ...req, approvalsNeeded: 0 }, T0, { locale });
    const plainApprove = JSON.stringify(none.blocks);
    expect(plainApprove).not.toContain('confirm');
  });

  it.each(LOCALES)('%s: every verb, within the dialog limits even for long names', (locale) => {
    const long = 'x'.repeat(120);
    const cases: Array<[ChangeRequest['verb'], unknown, string]> = [
      ['deploy', { tag: 'v9', digest: 'sha256:' + 'b'.repeat(64) }, '`v9` (sha256:bbbbbbbbbbbb)'],
      [
        'rollback',
        { targetImage: `1.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1.2.2@sha256:${'d'.repeat(64)}` },
        '`v1.2.2` (sha256:dddddddddddd)',
      ],
      ['rollback', { targetTaskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/web-prod:41' }, '`web-prod:41`'],
      ['scale', { from: 2, to: 6 }, '6'],
      ['restart', { currentTaskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/web-prod:43' }, '`web-prod:43`'],
      ['deploy', { tag: long, digest: 'sha256:' + 'b'.repeat(64) }, 'x'],
    ];
    for (const [verb, plan, expected] of cases) {
      const c = approveConfirm({ verb, service: long.slice(0, 40), environment: 'prod', plan }, locale);
      expect(c.text).toContain(expected);
      const button = {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: 'a',
            text: { type: 'plain_text', text: 'A' },
            value: 'v',
            confirm: {
              title: { type: 'plain_text', text: c.title.slice(0, CONFIRM_LIMITS.title) },
              text: { type: 'mrkdwn', text: c.text.slice(0, CONFIRM_LIMITS.text) },
              confirm: { type: 'plain_text', text: c.confirm },
              deny: { type: 'plain_text', text: c.deny },
            },
          },
        ],
      };
      expect(validateBlocks([button], 50)).toEqual([]);
    }
  });
});

const ENVS: FormEnvironment[] = [
  { name: 'prod', approvals: 1, channel: 'CPROD', services: ['web', 'worker'], withoutRepository: 1 },
  { name: 'staging', approvals: 0, channel: 'CSTAGING', services: ['web-staging'], withoutRepository: 0 },
];
const TAGS: TagOption[] = [
  { tag: 'v1.2.3', digest: 'sha256:' + 'a'.repeat(64), pushedAt: T0 - 2 * 3600_000, scan: { kind: 'clean' } },
  { tag: 'v1.2.2', digest: 'sha256:' + 'b'.repeat(64), pushedAt: T0 - 26 * 3600_000, scan: { kind: 'findings', critical: 2, high: 5 } },
  { tag: 'main-4f2a9c1', digest: 'sha256:' + 'c'.repeat(64), scan: { kind: 'pending' } },
];

describe.each(LOCALES)('the deploy form (%s)', (locale: Locale) => {
  const form = (over: Partial<FormState>) => deployForm({ locale, now: T0, environments: ENVS, ...over }) as SlackBody;
  const inputs = (v: SlackBody) =>
    blocksOf(v)
      .filter((b) => b.type === 'input')
      .map((b) => b.block_id);

  it('nothing chosen: environment and reason, asking for an environment first', () => {
    const v = form({});
    expectWithinLimits(v, 'modal');
    expect(inputs(v)).toEqual([FORM.envBlock, FORM.reasonBlock]);
    expect(v.callback_id).toBe(FORM.callbackId);
  });

  it('an environment chosen: its services only, and where the request goes', () => {
    const v = form({ env: 'prod', originChannel: 'CPROD' });
    expectWithinLimits(v, 'modal');
    expect(inputs(v)).toEqual([FORM.envBlock, serviceBlock('prod'), FORM.reasonBlock]);
    const svc = blocksOf(v).find((b) => b.block_id === serviceBlock('prod'))!;
    expect((svc.element as SlackBody).options.map((o: SlackBody) => o.value)).toEqual(['web', 'worker']);
    expect(JSON.stringify(v)).toContain('<#CPROD>');
    expect(JSON.parse(v.private_metadata)).toEqual({ c: 'CPROD' });
  });

  it("the service choice shows each service's aliases beside its name, an option's text within 75 characters", () => {
    const long = 'x'.repeat(40);
    const aliases = new Map<string, readonly string[]>([
      ['web', ['웹', '프론트']],
      [long, ['가'.repeat(40), '나나']],
    ]);
    const v = deployForm({
      locale,
      now: T0,
      environments: [{ name: 'prod', approvals: 1, channel: 'CPROD', services: ['web', 'worker', long], withoutRepository: 0, aliases }],
      env: 'prod',
      service: 'web',
    }) as SlackBody;
    expectWithinLimits(v, 'modal');
    const svc = blocksOf(v).find((b) => b.block_id === serviceBlock('prod'))!.element as SlackBody;
    expect(svc.options.map((o: SlackBody) => [o.text.text, o.value])).toEqual([
      ['web (웹, 프론트)', 'web'],
      ['worker', 'worker'],
      [long, long], // no room for its first alias: the name alone
    ]);
    expect(svc.initial_option).toEqual(svc.options[0]);
  });

  it('a service chosen: "loading" until the worker has the tags, then a select with push time and scan', () => {
    const loading = form({ env: 'prod', service: 'web', tags: { state: 'loading', repository: 'shop/web' } });
    expectWithinLimits(loading, 'modal');
    expect(inputs(loading)).not.toContain(imageBlock('prod', 'web'));
    expect(JSON.stringify(loading)).toContain('shop/web');
    const loaded = form({ env: 'prod', service: 'web', tags: { state: 'loaded', repository: 'shop/web', at: T0, tags: TAGS } });
    expectWithinLimits(loaded, 'modal');
    const sel = blocksOf(loaded).find((b) => b.block_id === imageBlock('prod', 'web'))!.element as SlackBody;
    expect(sel.options.map((o: SlackBody) => o.value)).toEqual(['v1.2.3', 'v1.2.2', 'main-4f2a9c1']);
    expect(sel.options[0].description.text).toContain(locale === 'en' ? 'pushed 2h ago' : '2시간 전 푸시');
    expect(sel.options[1].description.text).toContain(locale === 'en' ? '2 critical, 5 high' : '심각 2, 높음 5');
  });

  it('an error listing tags, an empty repository, 100+ tags and long tags stay within limits', () => {
    expectWithinLimits(
      form({ env: 'prod', service: 'web', tags: { state: 'error', repository: 'shop/web', message: 'x'.repeat(5000) } }),
      'modal',
    );
    expectWithinLimits(form({ env: 'prod', service: 'web', tags: { state: 'loaded', repository: 'shop/web', at: T0, tags: [] } }), 'modal');
    const many = Array.from({ length: 300 }, (_, i) => ({ ...TAGS[0]!, tag: `${'t'.repeat(120)}${i}` }));
    expectWithinLimits(
      form({ env: 'prod', service: 'web', tags: { state: 'loaded', repository: 'shop/web', at: T0, tags: many } }),
      'modal',
    );
    const manyServices: FormEnvironment[] = [{ ...ENVS[0]!, services: Array.from({ length: 150 }, (_, i) => `svc-${i}`) }];
    expectWithinLimits(deployForm({ locale, now: T0, environments: manyServices, env: 'prod' }) as SlackBody, 'modal');
  });

  it('the views around it: preparing, nowhere to deploy, an answer, a notice, the expired trigger', () => {
    expectWithinLimits(preparingView(locale, 'cmd-123', { tag: 'v1', service: 'web', env: 'prod' }) as SlackBody, 'modal');
    expectWithinLimits(nowhereView(locale) as SlackBody, 'modal');
    expectWithinLimits(noticeModal('hello', locale) as SlackBody, 'modal');
    const answer = answerModal(
      { text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'ok' } }] as KnownBlock[] },
      { title: 'Deploy to ECS', locale, failed: true },
    );
    expectWithinLimits(answer as SlackBody, 'modal');
    expect(answer.clear_on_close).toBe(false);
    for (const outcome of [{ why: 'expired' }, { why: 'notConfirmed' }, { why: 'refused', code: 'internal_error' }] as const) {
      const notOpened = notOpenedMessage(outcome, locale);
      expect(validateBlocks(notOpened.blocks, 50)).toEqual([]);
      expect(notOpened.text).toContain('/ecs deploy <service> <tag>');
    }
  });
});

describe('the command the form stands for', () => {
  const config = fixtureConfig();
  const read = (text: string) => route({ config }, { text, channelId: 'CPROD', userId: 'UDEV1' });

  it.each([
    'checkout fix',
    'say "hi" and it\'s fine',
    'all of " \' « ‘ in one',
    '--force the <@U123> & <!channel> thing',
    'two\nlines',
    '',
  ])('reads back exactly: %j', (reason) => {
    const parsed = read(deployCommandText('web', 'v1.2.3', reason)).parsed as unknown as {
      args: { alias: string; image: { tag: string }; reason?: string };
    };
    expect(parsed.args.alias).toBe('web');
    expect(parsed.args.image.tag).toBe('v1.2.3');
    if (reason.includes('"') && reason.includes("'") && reason.includes('»') && reason.includes('’'))
      expect(parsed.args.reason).toBe(reason.replace(/"/g, '″'));
    else expect(parsed.args.reason).toBe(reason || undefined);
  });

  it('is one token per value', () => {
    expect(parseArgs(deployCommandText('web', 'v1', 'a b')).positionals).toEqual(['web', 'v1']);
  });
});

describe('ECR images as tag options', () => {
  it('one option per tag, newest image first, scan summarized', () => {
    const opts = tagOptions([
      {
        imageDigest: 'sha256:1',
        imageTags: ['v2', 'latest'],
        imagePushedAt: new Date(T0),
        imageScanStatus: { status: 'COMPLETE' },
        imageScanFindingsSummary: { findingSeverityCounts: { HIGH: 1 } },
      },
      { imageDigest: 'sha256:2', imageTags: ['v1'], imagePushedAt: new Date(T0 - MIN) },
    ]);
    expect(opts.map((o) => o.tag)).toEqual(['v2', 'latest', 'v1']);
    expect(opts[0]!.scan).toEqual({ kind: 'findings', critical: 0, high: 1 });
    expect(opts[2]!.scan).toEqual({ kind: 'none' });
    expect(scanOf({ imageScanStatus: { status: 'IN_PROGRESS' } })).toEqual({ kind: 'pending' });
    expect(scanOf({ imageScanStatus: { status: 'COMPLETE' } })).toEqual({ kind: 'clean' });
    expect(scanOf({ imageScanStatus: { status: 'FAILED' } })).toEqual({ kind: 'other', status: 'FAILED' });
  });
});
