/**
 * The thread notes of the approval workflow's last round, in a Korean workspace: a break-glass
 * request that never ran (the reminder tick stops asking), and an approved or scheduled request a
 * tick or the worker fails because chatops.yml no longer names its service. What reaches Slack (the
 * thread and the card) is Korean, with no English left in it. Real Redis, the local Slack API, a
 * fake clock.
 */
import { approveRequest, lapseDue } from '../../src/approvals/clicks';
import { startExecution } from '../../src/approvals/execution';
import { remindRetro, startDueScheduled } from '../../src/approvals/gates';
import { getRequest, submitRequest } from '../../src/approvals/workflow';
import type { ChangeRequest } from '../../src/approvals/types';
import { keys } from '../../src/redis/keys';
import type { Runtime } from '../../src/runtime';
import { fixtureConfig, fixtureGroups } from '../helpers/config';
import { submitInput, useStoreHarness } from './approvals-runtime';

const HOUR = 3600_000;
const MIN = 60_000;

const h = useStoreHarness(() => ({
  groups: fixtureGroups(),
  config: fixtureConfig((doc) => {
    doc.slack = { ...(doc.slack ?? {}), language: 'ko' };
  }),
}));
beforeEach(() => {
  h.slack.setUserGroup('SLEADS', ['ULEAD1']);
});

/** A deploy of prod/web whose own words (summary, reason) are Korean too: what the bot adds is the subject. */
function korean(over: Parameters<typeof submitInput>[0] = {}): ReturnType<typeof submitInput> {
  return submitInput({ summary: '*web*에 `v1.2.3` 배포', reason: '결제 긴급 수정', ...over });
}

/** The runtime as a process whose chatops.yml no longer names prod/web. */
function withoutWeb(): Runtime {
  const { web: _gone, ...services } = h.rt.config.services;
  return { ...h.rt, config: { ...h.rt.config, services } };
}

/** What a person reads in a message: its text and every `text` of its blocks (not the keys, ids and values). */
function shown(m: { text?: string; blocks?: unknown }): string {
  const out: string[] = [m.text ?? ''];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
  };
  walk(m.blocks ?? []);
  return out.join('\n');
}

/** Every reply in the request's thread as Slack holds it. */
function thread(req: ChangeRequest): string[] {
  return h.slack
    .messages(req.channel)
    .filter((m) => m.thread_ts === req.messageTs && m.ts !== req.messageTs)
    .map(shown);
}

/** The request's card as Slack shows it now. */
function card(req: ChangeRequest): string {
  return shown({ blocks: h.slack.message(req.channel, req.messageTs!)?.blocks ?? [] });
}

/**
 * The English words left in what a person reads once what is not prose is taken out: emoji codes,
 * code spans, Slack's own tokens (mentions, dates), chatops.yml and Redis (names), the term `(break-glass)` glossed after its Korean, the service's and environment's names.
 */
function englishIn(text: string): string[] {
  const prose = text
    .replace(/:[a-z0-9_+-]+:/g, '')
    .replace(/`[^`]*`/g, '')
    .replace(/<[^>]*>/g, '')
    .replace(/chatops\.yml|Redis|\(break-glass\)/g, '')
    .replace(/\b(web|prod)\b/g, '');
  return prose.match(/[A-Za-z]{2,}/g) ?? [];
}

describe('a Korean workspace: a break-glass request that never ran', () => {
  it('the reminder tick stops asking with the Korean note; thread, card and audit have no English', async () => {
    const req = await submitRequest(h.rt, korean({ breakGlass: '장애 대응' }));
    expect(req.state).toBe('approved');
    // Its execute job is lost: it lapses at its start deadline, never having started.
    h.clock.advance(10 * MIN + MIN);
    expect(await lapseDue(h.rt)).toEqual([req.id]);
    const before = thread(req).length;

    expect(await remindRetro(h.rt)).toBe(0);
    expect((await getRequest(h.rt.redis, req.id))?.retroExpiredAt).toBe(h.clock.now());
    const said = thread(req).slice(before);
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('이 긴급 실행 변경은 실행되지 않았으므로(바뀐 것 없음) 사후 승인이 필요 없어 요청을 멈췄습니다.');
    for (const m of thread(req)) expect(englishIn(m)).toEqual([]);
    expect(card(req)).toContain('실행되지 않았으므로 사후 승인은 필요 없습니다.');
    expect(englishIn(card(req))).toEqual([]);
    const [[, last]] = (await h.rt.redis.xrevrange(keys.serviceAudit('prod', 'web'), '+', '-', 'COUNT', 1)) as [[string, string[]]];
    expect(last[last.indexOf('detail') + 1]).toBe('실행되지 않음: 사후 승인 필요 없음');
  });
});

describe('a Korean workspace: an approved or scheduled request whose service chatops.yml no longer names', () => {
  const note = 'chatops.yml에 `prod`의 `web` 서비스가 더 이상 없습니다';
  /** One new reply in its thread since `before`, and its card: each with the note and no English prose. */
  const expectKoreanNote = (req: ChangeRequest, before: number): void => {
    const said = thread(req).slice(before);
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(note);
    expect(englishIn(said[0]!)).toEqual([]);
    expect(card(req)).toContain(note);
    expect(englishIn(card(req))).toEqual([]);
  };

  it('approved, failed by the start-deadline tick: the Korean note in its thread and on its card', async () => {
    const req = await submitRequest(h.rt, korean());
    expect((await approveRequest(h.rt, req.id, 'ULEAD1')).ok).toBe(true);
    const before = thread(req).length;

    expect(await lapseDue(withoutWeb())).toEqual([req.id]);
    const failed = await getRequest(h.rt.redis, req.id);
    expect(failed).toMatchObject({ state: 'failed' });
    expect(failed?.decisionReason).toContain(note);
    expectKoreanNote(req, before);
  });

  it('scheduled (`--at`), failed by the scheduler tick: the Korean note in its thread and on its card', async () => {
    const req = await submitRequest(h.rt, korean({ startAt: h.clock.now() + HOUR }));
    expect((await approveRequest(h.rt, req.id, 'ULEAD1')).ok).toBe(true);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'scheduled' });
    const before = thread(req).length;

    expect(await startDueScheduled(withoutWeb())).toEqual([]);
    expect(await getRequest(h.rt.redis, req.id)).toMatchObject({ state: 'failed' });
    expectKoreanNote(req, before);
    expect(h.jobs).toEqual([]);
  });

  it('approved, refused by the worker: the Korean note in its thread', async () => {
    const req = await submitRequest(h.rt, korean());
    expect((await approveRequest(h.rt, req.id, 'ULEAD1')).ok).toBe(true);
    const before = thread(req).length;

    expect(await startExecution(withoutWeb(), req.id)).toMatchObject({ ok: false, code: 'NOT_CONFIGURED' });
    const said = thread(req).slice(before);
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(note);
    expect(englishIn(said[0]!)).toEqual([]);
    expect(englishIn(card(req))).toEqual([]);
  });
});
