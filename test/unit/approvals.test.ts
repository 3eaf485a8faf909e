/**
 * The approval workflow's pure parts: the request message in every state, the reject modal,
 * the answers for every script code, ids, the hash model, lock/freeze notices, formatting.
 */
import { fitMessage, blockTextLength } from '../../src/slack/blocks';
import { LIMITS, plainText } from '../../src/slack/text';
import { answerFor, CODES, iconFor, refusal, stateSentence } from '../../src/approvals/codes';
import { guardText, requestLink } from '../../src/approvals/format';
import { describeGuard } from '../../src/approvals/guards';
import { newRequestId, parseRequestId, requestKeys } from '../../src/approvals/ids';
import { ACTION, detailsMessage, rejectModal, requestMessage, stateLine, withoutButtons } from '../../src/approvals/message';
import { factPairs, fromHash, requestFields } from '../../src/approvals/model';
import { guardConfirmation, guardNotice } from '../../src/approvals/notices';
import { parseReply } from '../../src/approvals/scripts';
import type { ChangeRequest, RequestState } from '../../src/approvals/types';
import { formatDuration } from '../../src/i18n';
import { ago } from '../../src/commands/render/common';
import { slackDate, utcText } from '../../src/slack/time';

const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);
const MIN = 60_000;

function request(over: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    id: 'prod.web.m3x7k2a9qz',
    verb: 'deploy',
    environment: 'prod',
    service: 'web',
    plan: { image: 'x/shop/web@sha256:' + 'a'.repeat(64), tag: 'v1.2.3' },
    summary: 'Deploy `v1.2.3` (sha256:aaaaaaaaaaaa) to `web`',
    details: '- image: shop/web:v1.2.2\n+ image: shop/web@sha256:aaaa',
    requester: 'UDEV1',
    reason: 'hotfix for checkout',
    channel: 'CPROD',
    messageTs: '1764075600.000100',
    createdAt: T0,
    expiresAt: T0 + 60 * MIN,
    approvalsNeeded: 1,
    approvals: [],
    state: 'pending',
    updatedAt: T0,
    ...over,
  };
}

const allText = (msg: { text: string; blocks: unknown[] }) => msg.text + '\n' + JSON.stringify(msg.blocks);
const actionIds = (msg: { blocks: unknown[] }) =>
  (msg.blocks as Array<{ type: string; elements?: Array<{ action_id: string }> }>)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements!.map((e) => e.action_id));

describe('request message', () => {
  const states: Array<[RequestState, Partial<ChangeRequest>]> = [
    ['pending', {}],
    ['approved', { approvals: [{ user: 'ULEAD1', at: T0 + 5 * MIN }] }],
    ['running', { approvals: [{ user: 'ULEAD1', at: T0 + 5 * MIN }], startedAt: T0 + 5 * MIN }],
    [
      'succeeded',
      {
        approvals: [{ user: 'ULEAD1', at: T0 + 5 * MIN }],
        startedAt: T0 + 5 * MIN,
        finishedAt: T0 + 12 * MIN,
        decisionReason: 'rolled out `web:42`',
      },
    ],
    [
      'failed',
      {
        approvals: [{ user: 'ULEAD1', at: T0 + 5 * MIN }],
        startedAt: T0 + 5 * MIN,
        finishedAt: T0 + 12 * MIN,
        decisionReason: 'circuit breaker rolled back to `web:41`',
      },
    ],
    ['rejected', { decidedBy: 'ULEAD2', decisionReason: 'not during the sale', finishedAt: T0 + 3 * MIN }],
    ['expired', { finishedAt: T0 + 60 * MIN }],
    ['cancelled', { decidedBy: 'UDEV1', finishedAt: T0 + 2 * MIN }],
  ];

  it.each(states)('renders %s', (state, over) => {
    const msg = requestMessage(request({ state, ...over }), T0 + 15 * MIN, { approvers: ['ULEAD1', 'ULEAD2', 'SLEADS'] });
    expect(msg).toMatchSnapshot();
    expect(actionIds(msg)).toEqual(
      state === 'pending'
        ? [ACTION.approve, ACTION.reject, ACTION.cancel, ACTION.details]
        : state === 'approved'
          ? [ACTION.cancel, ACTION.details]
          : [ACTION.details],
    );
  });

  it('shows the header per verb, who asked, why, approvals and time left while pending', () => {
    const msg = requestMessage(request({ approvalsNeeded: 2, approvals: [{ user: 'ULEAD1', at: T0 + MIN }] }), T0 + 15 * MIN);
    const t = allText(msg);
    expect((msg.blocks[0] as { text: { text: string } }).text.text).toBe(':raised_hand: Deploy request: web → prod');
    expect(t).toContain('*Requested by* <@UDEV1>');
    expect(t).toContain('“hotfix for checkout”');
    expect(t).toContain('*Approvals:* 1 of 2: <@ULEAD1>');
    expect(t).toContain('Waiting for 1 more approval');
    expect(t).toContain('(in 45m)');
    // The diff is not on the card: it is behind the Details button.
    expect(t).not.toContain('```- image: shop/web:v1.2.2');
    expect(allText(detailsMessage(request(), T0, 'en'))).toContain('```- image: shop/web:v1.2.2');
    expect(requestMessage(request({ verb: 'scale' }), T0).blocks[0]).toMatchObject({
      text: { text: ':raised_hand: Scale request: web → prod' },
    });
    // A resize's request is a deploy request (deploy approvals), titled as the resize it is.
    const resize = request({ verb: 'deploy', plan: { verb: 'resize', from: { cpu: 512, memory: 1024 }, to: { cpu: 1024, memory: 2048 } } });
    expect(requestMessage(resize, T0).blocks[0]).toMatchObject({ text: { text: ':raised_hand: Resize request: web → prod' } });
    expect(requestMessage(resize, T0, { locale: 'ko' }).blocks[0]).toMatchObject({
      text: { text: ':raised_hand: 크기 조정 요청: web → prod' },
    });
  });

  it('buttons carry the request id', () => {
    const msg = requestMessage(request(), T0);
    const els = (msg.blocks.find((b) => b.type === 'actions') as unknown as { elements: Array<{ value: string; style?: string }> })
      .elements;
    expect(els.map((e) => [e.value, e.style])).toEqual([
      ['prod.web.m3x7k2a9qz', 'primary'],
      ['prod.web.m3x7k2a9qz', 'danger'],
      ['prod.web.m3x7k2a9qz', undefined],
      ['prod.web.m3x7k2a9qz', undefined],
    ]);
  });

  it('escapes the requester’s reason and the rejection reason (no mentions, no links)', () => {
    const msg = requestMessage(
      request({
        reason: 'ping <!channel> see <https://evil.example|here> & co',
        state: 'rejected',
        decidedBy: 'ULEAD1',
        decisionReason: '<!here> no',
      }),
      T0,
    );
    const t = JSON.stringify(msg.blocks);
    expect(t).not.toContain('<!channel>');
    expect(t).not.toContain('<!here>');
    expect(t).not.toContain('<https://evil');
    expect(t).toContain('&lt;!channel&gt;');
    expect(t).toContain('&amp; co');
  });

  it('says no approval was needed for an auto-approved request', () => {
    const t = allText(requestMessage(request({ approvalsNeeded: 0, state: 'approved', environment: 'staging' }), T0));
    expect(t).toContain('No approval needed');
    expect(t).toContain('*Approvals:* none needed in `staging`');
  });

  it('stays within Slack limits and keeps its buttons for oversized summaries and diffs', () => {
    const huge = request({
      summary: 'S'.repeat(9000),
      details: Array.from({ length: 2000 }, (_, i) => `+ line ${i} ${'x'.repeat(40)}`).join('\n'),
      reason: 'r'.repeat(5000),
    });
    const fitted = fitMessage(requestMessage(huge, T0));
    expect(fitted.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    const total = fitted.blocks.reduce((n, b) => n + blockTextLength(b), 0);
    expect(total).toBeLessThanOrEqual(LIMITS.totalText);
    for (const b of fitted.blocks) if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(fitted.text.length).toBeLessThanOrEqual(LIMITS.text);
    expect(fitted.blocks[fitted.blocks.length - 1]!.type).toBe('actions');
    const header = fitted.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(LIMITS.headerText);
  });

  it('state lines name who decided and why', () => {
    expect(stateLine(request({ state: 'cancelled', decidedBy: 'UDEV1', finishedAt: T0 }), T0)).toContain('*Cancelled* by <@UDEV1>');
    expect(stateLine(request({ state: 'expired', finishedAt: T0 + 60 * MIN }), T0)).toContain('not enough approvals within 1h');
  });

  it('a running request names its approvers once, without nested parentheses (was "(승인됨 (<@ULEAD1>))")', () => {
    const running = request({ state: 'running', startedAt: T0, approvals: [{ user: 'ULEAD1', at: T0 }] });
    expect(stateLine(running, T0, 'en')).toContain(' (approved by <@ULEAD1>). Progress is in the thread.');
    expect(stateLine(running, T0, 'ko')).toContain(' (<@ULEAD1> 승인). 진행 상황은 스레드에 있습니다.');
    expect(stateSentence(running, T0, 'ko')).toBe('이 요청은 이미 실행 중입니다 (승인: <@ULEAD1>).');
    expect(stateSentence(running, T0, 'en')).toBe('This request is already running (approved by <@ULEAD1>).');
  });

  it('withoutButtons drops the actions and adds a note', () => {
    const msg = withoutButtons(requestMessage(request(), T0).blocks, 'gone', 'fallback');
    expect(actionIds(msg)).toEqual([]);
    expect(JSON.stringify(msg.blocks)).toContain('gone');
  });
});

describe('reject modal', () => {
  it('asks for a required reason and carries the request id', () => {
    const view = rejectModal(request());
    expect(view).toMatchSnapshot();
    expect(view).toMatchObject({ callback_id: 'approval:reject', private_metadata: 'prod.web.m3x7k2a9qz' });
    expect((view.title as { text: string }).text.length).toBeLessThanOrEqual(24);
    const input = (view.blocks as Array<Record<string, unknown>>).find((b) => b.type === 'input')!;
    expect(input.optional).toBeUndefined();
    expect(input).toMatchObject({ block_id: 'reason', element: { action_id: 'reason', max_length: 500 } });
  });
});

describe('answers for script codes', () => {
  const ctx = {
    now: T0 + 10 * MIN,
    user: 'ULEAD2',
    request: request({ state: 'approved', approvals: [{ user: 'ULEAD1', at: T0 + MIN }] }),
    guard: { by: 'UDEV2', reason: 'db <!here> migration', since: T0, kind: 'manual' as const },
    environment: 'prod',
    service: 'web',
    approvers: ['ULEAD1', 'ULEAD2', 'SLEADS'],
  };

  it.each(CODES.map((c) => [c]))('%s has its own actionable answer', (c) => {
    const text = answerFor(c, ctx);
    expect(text).not.toContain('which I do not know');
    expect(text.length).toBeGreaterThan(20);
    expect(text).not.toContain('<!here>');
    expect(refusal(c, ctx).code).not.toBe('INTERNAL');
  });

  it('an unknown code still answers clearly', () => {
    expect(answerFor('WAT', ctx)).toContain('`WAT`');
    expect(refusal('WAT', ctx).code).toBe('INTERNAL');
  });

  it('names who already approved, who rejected and why', () => {
    expect(answerFor('NOT_PENDING', ctx)).toBe('This request was already approved by <@ULEAD1> and is starting. Nothing was changed.');
    const rejected = request({ state: 'rejected', decidedBy: 'ULEAD1', decisionReason: 'too risky' });
    expect(stateSentence(rejected, T0)).toBe('This request was rejected by <@ULEAD1>: “too risky”.');
  });

  it('self-approval points at the other approvers, not at the clicker', () => {
    const t = answerFor('SELF_APPROVAL', { ...ctx, user: 'ULEAD1' });
    expect(t).toContain('<@ULEAD2>, <!subteam^SLEADS>');
    expect(t).not.toContain('<@ULEAD1>');
  });

  it('lock answers show who, why and since, escaped', () => {
    const t = answerFor('LOCKED', ctx);
    expect(t).toContain('`web` in `prod` is locked by <@UDEV2> since <!date^');
    expect(t).toContain('(10m ago): “db &lt;!here&gt; migration”');
  });

  it('icons', () => {
    expect(iconFor('LOCKED')).toBe(':lock:');
    expect(iconFor('NOT_AUTHORIZED')).toBe(':no_entry:');
    expect(iconFor('SELF_APPROVAL')).toBe(':no_entry_sign:');
  });
});

describe('ids and keys', () => {
  it('round-trips and derives every key of the service slot', () => {
    const id = newRequestId('prod', 'web-api', T0);
    expect(parseRequestId(id)).toEqual({ id, environment: 'prod', service: 'web-api' });
    const k = requestKeys(parseRequestId(id)!);
    const tags = Object.values(k)
      .flat()
      .map((key) => /\{([^}]+)\}/.exec(key)![1]);
    expect(new Set(tags)).toEqual(new Set(['svc:prod:web-api']));
  });

  it.each([
    ['prod.web'],
    ['PROD.web.abcdefg'],
    ['prod.web.abc'],
    ['prod.web.abcdefg.x'],
    ['prod.we b.abcdefg'],
    [''],
    [42],
    [undefined],
    ['p'.repeat(200)],
  ])('rejects malformed %p', (bad) => {
    expect(parseRequestId(bad)).toBeUndefined();
  });
});

describe('hash model', () => {
  it('round-trips a request through its hash fields', () => {
    const req = request({
      state: 'running',
      approvals: [
        { user: 'ULEAD2', at: T0 + 2 },
        { user: 'ULEAD1', at: T0 + 1 },
      ],
      startedAt: T0 + 5,
      execution: { deploymentId: 'ecs-svc/1', n: 3 },
    });
    const flat = requestFields(req, 'cmd-1');
    const h: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
    Object.assign(h, {
      id: req.id,
      state: 'running',
      createdAt: String(T0),
      updatedAt: String(T0),
      startedAt: String(T0 + 5),
      'a.ULEAD2': String(T0 + 2),
      'a.ULEAD1': String(T0 + 1),
    });
    const pairs = factPairs(req.execution!);
    for (let i = 0; i < pairs.length; i += 2) h[`x.${pairs[i]}`] = pairs[i + 1]!;
    const back = fromHash(h)!;
    expect(back).toEqual({
      ...req,
      approvals: [
        { user: 'ULEAD1', at: T0 + 1 },
        { user: 'ULEAD2', at: T0 + 2 },
      ],
    });
  });

  it('an empty hash is no request; bad fact names are refused', () => {
    expect(fromHash({})).toBeUndefined();
    expect(() => factPairs({ 'a b': 1 })).toThrow('invalid execution fact name');
  });

  it('parses script replies', () => {
    const r = parseReply(['OK', ['id', 'x', 'state', 'pending'], ['by', 'U1'], [['1-0', ['event', 'created']]]]);
    expect(r).toEqual({
      code: 'OK',
      request: { id: 'x', state: 'pending' },
      extra: { by: 'U1' },
      audit: [{ streamId: '1-0', fields: { event: 'created' } }],
    });
    expect(() => parseReply('nope')).toThrow('unexpected script reply');
  });
});

describe('formatting', () => {
  it('ages, dates, links, plain text', () => {
    expect([formatDuration(30_000), formatDuration(12 * MIN), formatDuration(185 * MIN), formatDuration(3 * 24 * 60 * MIN)]).toEqual([
      '30s',
      '12m',
      '3h 5m',
      '3d',
    ]);
    // How long ago: minutes while they matter, whole hours from 10 hours on.
    const H = 60 * MIN;
    expect([
      ago(T0 - 185 * MIN, T0),
      ago(T0 - (46 * H + 40 * MIN), T0),
      ago(T0 - (51 * H + 10 * MIN), T0, 'ko'),
      ago(T0 + 3 * MIN, T0),
    ]).toEqual(['3h 5m ago', '47h ago', '2일 3시간 전', 'in 3m']);
    expect(utcText(T0)).toBe('2025-11-25 13:00 UTC');
    expect(slackDate(T0)).toBe(`<!date^${T0 / 1000}^{date_short_pretty} {time}|2025-11-25 13:00 UTC>`);
    expect(requestLink(request())).toBe('<https://slack.com/archives/CPROD/p1764075600000100|request prod.web.m3x7k2a9qz>');
    expect(plainText('*Locked* by <@U1> since <!date^1^{time}|13:00 UTC>: “a &lt;b&gt;” <!subteam^S1> `x`')).toBe(
      'Locked by @U1 since 13:00 UTC: “a <b>” @S1 x',
    );
  });

  it('guard texts escape the reason', () => {
    const g = { by: 'U1', reason: '<!channel> go', since: T0 };
    expect(guardText(g, T0 + 2 * MIN)).toContain('“&lt;!channel&gt; go”');
    expect(describeGuard(g, T0, () => '0s')).toBe('by <@U1> 0s ago: &lt;!channel&gt; go');
    expect(guardText({ by: 'U1', since: T0 }, T0)).toContain('(no reason given)');
  });
});

describe('lock and freeze notices', () => {
  const base = {
    user: 'UDEV1',
    environment: 'prod',
    service: 'web',
    guard: { by: 'UDEV1', reason: 'migrating <!here>', since: T0 },
    now: T0 + 5 * MIN,
  };

  it('tells the channel and the person', () => {
    const locked = guardNotice({ ...base, action: 'locked' });
    expect(allText(locked)).toContain(
      ':lock: <@UDEV1> locked `web` in `prod`: “migrating &lt;!here&gt;”. New changes to it by anyone else are refused until `/ecs unlock web`.',
    );
    // The notification text is the same sentence without mrkdwn.
    expect(locked.text).toBe(
      '<@UDEV1> locked web in prod: “migrating &lt;!here&gt;”. New changes to it by anyone else are refused until /ecs unlock web.',
    );
    expect(guardNotice({ ...base, action: 'unlocked', user: 'ULEAD1' }).text).toContain('(locked by <@UDEV1> 5m ago');
    expect(allText(guardNotice({ ...base, action: 'frozen', service: undefined }))).toContain('froze `prod`');
    expect(allText(guardNotice({ ...base, action: 'unfrozen', service: undefined }))).toContain('unfroze `prod` (frozen by <@UDEV1>');
    expect(allText(guardConfirmation({ ...base, action: 'locked' }, true))).toContain(':lock: Locked `web` in `prod`. I told the channel.');
    expect(guardConfirmation({ ...base, action: 'locked' }, false).text).toContain('could not post the notice');
  });
});
