/**
 * The Home tab when the store does not answer: `app_home_opened` through the Slack Lambda handler
 * (signed, real HTTP to the local Slack API), the runtime's Redis pointed at a server that takes
 * connections and answers nothing (a stalled node), or at a closed port. Before, the handler waited
 * Redis's own timeout, failed with a log line and published nothing, so the reader kept seeing
 * their last view as if it were current. Now the reads are bounded by the delivery's budget and
 * the tab says the store is not answering, in the reader's language. The bounds are read from the
 * budget's record (computed on the runtime's clock); nothing asserts how long anything took.
 */
import net from 'node:net';
import { fixtureGroups } from '../helpers/config';
import { setupE2E, type E2E } from '../helpers/e2e';
import { FakeClock } from '../helpers/clock';
import { getFreePort } from '../helpers/redis';
import { appHomeOpened } from '../helpers/signing';
import { CLICK_BUDGET_MS, RESERVE } from '../../src/slack/click-budget';

const T0 = Date.UTC(2025, 10, 25, 13, 0, 0);

describe('the Home tab when the store does not answer', () => {
  let e2e: E2E | undefined;
  let server: net.Server;
  const sockets: net.Socket[] = [];
  let silentPort: number;
  const clock = new FakeClock(T0);

  beforeAll(async () => {
    server = net.createServer((socket) => {
      sockets.push(socket);
      socket.on('data', () => undefined); // reads every command, answers none
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    silentPort = (server.address() as net.AddressInfo).port;
  });
  afterEach(async () => {
    // Stop reconnecting to a server that never answers (or is not there) before closing.
    e2e?.rt.redis.disconnect();
    await e2e?.close();
    e2e = undefined;
    for (const s of sockets.splice(0)) s.destroy();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const start = async (redisUrl: string) =>
    (e2e = await setupE2E({ now: clock.now, groups: fixtureGroups(), env: { REDIS_URL: redisUrl } }));
  const homeText = (user: string) => JSON.stringify(e2e!.slack.homeView(user)?.blocks ?? null);

  it('Redis taking the connection and answering nothing: the tab says the store is not answering, within the budget', async () => {
    await start(`redis://127.0.0.1:${silentPort}/0`);

    const res = await e2e!.slackEvent(appHomeOpened('UVIEW'));

    expect(res.statusCode).toBe(200);
    const shown = homeText('UVIEW');
    expect(shown).toContain('The bot cannot read its store (Redis) right now');
    expect(shown).toContain('home:refresh');
    // No Deploy button: a change needs the store.
    expect(shown).not.toContain('home:deploy');
    // The first round trip got Redis's own timeout at most (publishing kept its reserve); the second
    // was not tried.
    const bounds = e2e!.logs.filter((l) => l.msg === 'home: the store failed' || l.msg === 'click budget: step cut short');
    // The event's claim (src/edge/event-claim.ts) runs alongside, within its own bound
    expect(bounds.filter((l) => l.step !== 'eventClaim')).toEqual([expect.objectContaining({ step: 'homeViewer' })]);
    // (cut short at its bound, or failed with Redis's own timeout: the two are the same length)
    expect(e2e!.logs.some((l) => l.step === 'eventClaim' || l.msg === 'slack event: the store failed')).toBe(true);
    expect(1_000 + RESERVE.openView).toBeLessThan(CLICK_BUDGET_MS);
    expect(e2e!.slack.callsTo('views.publish')).toHaveLength(1);
    // The view is not recorded as shown: the worker is handed a re-publish for the reader.
    expect(e2e!.handedOff).toEqual([expect.objectContaining({ kind: 'home-refresh', user: 'UVIEW' })]);
  });

  it("the store stalling: the view is in the reader's own language (asked from Slack, the cached one being out of reach)", async () => {
    await start(`redis://127.0.0.1:${silentPort}/0`);
    e2e!.slack.setUserLocale('UKO', 'ko-KR');

    const res = await e2e!.slackEvent(appHomeOpened('UKO'));

    expect(res.statusCode).toBe(200);
    expect(homeText('UKO')).toContain('지금 봇의 저장소(Redis)를 읽을 수 없어');
    expect(e2e!.slack.callsTo('users.info')).toHaveLength(1);
  });

  it('Redis refusing connections: the same view', async () => {
    await start(`redis://127.0.0.1:${await getFreePort()}/0`);

    const res = await e2e!.slackEvent(appHomeOpened('UDOWN'));

    expect(res.statusCode).toBe(200);
    expect(homeText('UDOWN')).toContain('The bot cannot read its store (Redis) right now');
    expect(e2e!.logs).toContainEqual(expect.objectContaining({ msg: 'home: the store failed', step: 'homeViewer' }));
    expect(e2e!.handedOff).toEqual([expect.objectContaining({ kind: 'home-refresh', user: 'UDOWN' })]);
  });
});
