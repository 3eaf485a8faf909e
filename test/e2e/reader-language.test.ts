/**
 * What only the person who typed a command reads is in their Slack language, also where the worker
 * (not the Slack edge) writes it: here a Korean reader in an English workspace. Refusals written by
 * the worker (an unknown task definition revision, a resize to the size that runs, a `--at` in the
 * past, a release gate, a dry run's gate lines) and the answers to a break-glass request and to
 * `lock!` were in the workspace's language, under a Korean "사용법" or next to Korean answers.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { redisLocaleCache } from '../../src/redis/locale-cache';
import { configFile, fixtureGroups } from '../helpers/config';
import { slashAnswer, useDeployHarness } from '../helpers/deploy-e2e';

const h = useDeployHarness({
  groups: fixtureGroups(),
  configPath: configFile((doc) => {
    doc.environments.prod.gates = {
      breakGlass: { users: ['UDEV1'], auditChannel: 'CAUDIT', remindEvery: '1h', retroDeadline: '4h' },
      windows: { timeZone: 'Asia/Seoul', allow: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '10:00', to: '17:00' }] },
    };
  }),
  before: async (x) => {
    x.e2e.slack.setUserLocale('UDEV1', 'ko-KR');
    await redisLocaleCache(x.e2e.rt.redis).set('UDEV1', 'ko-KR', 3600);
  },
});

const HANGUL = /[\uac00-\ud7a3]/;
/** Words of the English sentences these answers were (any of them in a Korean answer is a leak). */
const ENGLISH =
  /does not exist|already runs|nothing to change|is in the past|runs now without approval|You hold the lock|Change window|only inside/;
const MONDAY_NOON = Date.parse('2026-12-07T12:00+09:00');
const SATURDAY_NOON = Date.parse('2026-12-05T12:00+09:00');

async function answerTo(text: string, user = 'UDEV1'): Promise<string> {
  return slashAnswer(h.e2e, text, user);
}

describe("the worker's answers to a Korean reader in an English workspace", () => {
  beforeEach(() => h.clock.set(MONDAY_NOON));

  it('an unknown task definition revision', async () => {
    const answer = await answerTo('taskdef web 9999');
    expect(answer).toContain('작업 정의 `web-prod:9999`가 없습니다');
    expect(answer).toContain('패밀리의 리비전은 1부터');
    expect(answer).not.toMatch(ENGLISH);
  });

  it('a rollback to a revision that does not exist: the particle its number takes (40 is read 사십: 이)', async () => {
    const answer = await answerTo('rollback web --to 40 --dry-run');
    expect(answer).toContain('작업 정의 `web-prod:40`이 없어서 `web` 서비스를 그 버전으로 되돌릴 수 없습니다');
    expect(answer).not.toMatch(ENGLISH);
  });

  it('a resize to the size that runs', async () => {
    const answer = await answerTo('resize web --cpu 512 --memory 1024');
    expect(answer).toContain('`web` 서비스는 이미 `0.5 vCPU / 1 GB` 크기로 실행 중입니다');
    expect(answer).not.toMatch(ENGLISH);
  });

  it('a --at in the past, and a change outside the change windows', async () => {
    const past = await answerTo('scale web 6 --at 2020-01-01T10:00');
    expect(past).toContain('이미 지난 시각입니다');
    expect(past).not.toMatch(ENGLISH);
    h.clock.set(SATURDAY_NOON);
    const closed = await answerTo('scale web 6');
    expect(closed).toContain('변경 허용 시간 안에서만 scale 변경을 받으며');
    expect(closed).not.toMatch(ENGLISH);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it("a dry run's gate lines and what would refuse it", async () => {
    h.clock.set(SATURDAY_NOON);
    const dry = await answerTo('scale web 6 --dry-run');
    expect(dry).toContain('드라이 런');
    expect(dry).toContain('실제 요청은 거부됩니다');
    expect(dry).not.toMatch(ENGLISH);
  });

  it('a break-glass request: the answer says in Korean that it runs now', async () => {
    h.clock.set(SATURDAY_NOON);
    const answer = await answerTo('scale web 6 --break-glass "checkout is down for everyone"');
    expect(answer).toContain('긴급 실행(break-glass)');
    // The verb as its Korean noun (was `scale` in the Korean sentence).
    expect(answer).toContain('`web` 스케일이 승인 없이 지금 실행됩니다');
    expect(answer).not.toMatch(ENGLISH);
  });

  it('a scheduled request: the answer says in Korean when it starts', async () => {
    const answer = await answerTo('restart worker --at 2026-12-08T11:00');
    expect(answer).toContain('`worker` 재시작 요청');
    expect(answer).toContain('에 시작하며');
    expect(answer).not.toMatch(/restart|Request/);
  });

  it('lock!: the confirmation is Korean, the channel notice stays in the workspace language', async () => {
    await answerTo('lock web --reason "maintenance"', 'UDEV2');
    const res = await h.e2e.slash('lock! web --reason "hotfix for the checkout outage"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    // The service and environment in Korean word order too (was "`web` in `prod`의 잠금은").
    expect(res.text).toContain('이제 `prod`의 `web`의 잠금은 회원님이 가지고 있습니다');
    expect(res.text).not.toMatch(ENGLISH);
    expect(res.text).toMatch(HANGUL);
    const notice = h.e2e.slack.messages('CPROD').at(-1);
    expect(notice?.text).toContain('took over the lock');
  });
});
