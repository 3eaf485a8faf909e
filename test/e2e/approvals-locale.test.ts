/**
 * Whose language a click on the request message is answered in, end to end through the Slack Lambda
 * handler, the real Redis and the local Slack API server: what only the clicker sees (refusals,
 * "you cannot approve your own request", Details) is in the clicker's Slack language when it is
 * cached (src/slack/people.ts), and a refusal asks Slack for it (within REFUSAL_LOCALE_MS) when the
 * clicker is new to the bot; what the channel sees (the request message) stays in the workspace's.
 * A locale read that hangs does not lose the answer: it comes in the workspace's language once the
 * bound (CLICK_LOCALE_MS) has passed.
 */
import type { ChangeRequest } from '../../src/approvals/types';
import { submitRequest } from '../../src/approvals/workflow';
import { REFUSAL_LOCALE_MS } from '../../src/approvals/actions';
import { keys } from '../../src/redis/keys';
import { waitFor } from '../helpers/wait';
import { redisLocaleCache } from '../../src/redis/locale-cache';
import { createPeople } from '../../src/slack/people';
import { configFile, fixtureGroups } from '../helpers/config';
import { submitInput as input } from '../integration/approvals-runtime';
import { clickRequestButton, setupE2E, type E2E } from '../helpers/e2e';

const HANGUL = /[\uac00-\ud7a3]/;

describe('approval-card clicks are answered in the clicker’s language', () => {
  let e2e: E2E;
  let clicks = 0;
  afterEach(async () => {
    await e2e.close();
  });

  async function start(workspace: 'en' | 'ko'): Promise<void> {
    e2e = await setupE2E({ configPath: configFile((d) => (d.slack.language = workspace)), groups: fixtureGroups() });
  }

  /** As the worker does once it has asked Slack (users.info) for a person's locale. */
  async function learned(user: string, slackLocale: string): Promise<void> {
    await redisLocaleCache(e2e.rt.redis).set(user, slackLocale, 3600);
  }

  async function click(req: ChangeRequest, action: string, user: string): Promise<string> {
    const answers = await clickRequestButton(e2e, req, action, user, `loc-${++clicks}`);
    expect(answers).toHaveLength(1);
    return answers.join('\n');
  }
  const card = (req: ChangeRequest) => JSON.stringify(e2e.slack.message(req.channel, req.messageTs!)!.blocks);

  it('a Korean clicker in an English workspace: refusals and Details in Korean, the card in English', async () => {
    await start('en');
    await learned('UDEV1', 'ko-KR');
    await learned('UDEV2', 'ko-KR');
    await learned('ULEAD1', 'ko-KR');
    const req = await submitRequest(e2e.rt, input());

    const self = await click(req, 'approve', 'UDEV1');
    expect(self).toContain('직접 요청한 변경은 스스로 승인할 수 없습니다');
    expect(self).not.toContain('You asked for this change');
    const dev = await click(req, 'approve', 'UDEV2');
    expect(dev).toContain('승인자가 아니므로');
    const details = await click(req, 'details', 'UDEV2');
    expect(details).toMatch(HANGUL);

    // An English-speaking clicker in the same workspace (nothing cached): the workspace's language.
    const other = await click(req, 'cancel', 'UDEV3');
    expect(other).toContain('Only <@UDEV1>, who asked for this change, can cancel it');

    // The Korean approver approves: the card everyone sees stays in English.
    const res = await e2e.click({
      action_id: 'approval:approve',
      value: req.id,
      user_id: 'ULEAD1',
      channel_id: 'CPROD',
      message_ts: req.messageTs,
    });
    expect(res.statusCode).toBe(200);
    expect(card(req)).toContain('*Approved* by <@ULEAD1>');
    expect(card(req)).not.toMatch(HANGUL);
  });

  it('an English clicker in a Korean workspace: refusals in English, the card in Korean', async () => {
    await start('ko');
    await learned('UDEV1', 'en-US');
    const req = await submitRequest(e2e.rt, input());
    expect(card(req)).toMatch(HANGUL);

    const self = await click(req, 'approve', 'UDEV1');
    expect(self).toContain('You asked for this change, so you cannot approve it yourself');
    expect(self).not.toMatch(/직접 요청한/);
    // A refused clicker the bot has not learnt yet: Slack is asked (within REFUSAL_LOCALE_MS), and says English.
    const dev = await click(req, 'approve', 'UDEV2');
    expect(dev).toContain('You are not (or no longer) an approver in `prod`');
    expect(await e2e.rt.redis.get(keys.userLocale('UDEV2'))).toBe('en-US');
    const before = card(req);
    const details = await click(req, 'details', 'UDEV1');
    expect(details).not.toMatch(/직접 요청한|승인자가/);
    expect(card(req)).toBe(before);
  });

  it("a refused clicker new to the bot, Slack slower than the bound: the workspace's language now, theirs next time", async () => {
    await start('ko');
    let answered = 0;
    e2e.slack.handle('users.info', async (b) => {
      await new Promise((r) => setTimeout(r, REFUSAL_LOCALE_MS + 300));
      answered++;
      return { ok: true, user: { id: b.user, name: 'dev2', locale: 'en-US' } };
    });
    const req = await submitRequest(e2e.rt, input());
    expect(await click(req, 'approve', 'UDEV2')).toContain('승인자가 아니므로');
    expect(answered).toBe(0);
    await waitFor(
      async () => (await e2e.rt.redis.get(keys.userLocale('UDEV2'))) === 'en-US',
      "Slack's late answer in the locale cache",
      5_000,
    );
    expect(await click(req, 'approve', 'UDEV2')).toContain('You are not (or no longer) an approver in `prod`');
    expect(answered).toBe(1);
  });

  it('a locale read that never returns: the click is still answered, in the workspace language', async () => {
    await start('en');
    // The edge runtime's people reader over a cache whose reads hang (a stalled Redis connection).
    (e2e.rt as { people: unknown }).people = createPeople({
      workspace: 'en',
      slack: { userLocale: async () => 'ko-KR' },
      cache: { get: () => new Promise<string | undefined>(() => undefined), set: async () => undefined },
      log: e2e.rt.log,
    });
    const req = await submitRequest(e2e.rt, input());
    const self = await click(req, 'approve', 'UDEV1');
    expect(self).toContain('You asked for this change, so you cannot approve it yourself');
    expect(e2e.logs.map((l) => l.msg)).toContain('locale cache read slower than its bound; using the workspace language');
  });
});
