/**
 * The release gates in a Korean workspace (`slack.language: ko`), end to end through the Lambda
 * handlers: the refusal outside a change window, a bad `--at`, and the request card's gate lines
 * come from the catalog's Korean entries (with the usage on bad input).
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { configFile } from '../helpers/config';
import { approve, lastResponse, requestMessage, textOf, thread, useDeployHarness } from '../helpers/deploy-e2e';
import { clickRequestButton } from '../helpers/e2e';
import { getRequest } from '../../src/approvals/workflow';

const h = useDeployHarness({
  configPath: configFile((doc) => {
    doc.slack.language = 'ko';
    doc.environments.prod.gates = {
      windows: { timeZone: 'Asia/Seoul', allow: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '10:00', to: '17:00' }] },
      cost: { extraApprovalAbove: 100 },
    };
  }),
  before: (x) => x.e2e.slack.setUserGroup('SLEADS', []),
});

const kst = (iso: string): number => Date.parse(`${iso}+09:00`);

describe('release gates in Korean', () => {
  it('refuses outside the change windows in Korean, saying when the next window opens', async () => {
    // The refusal is the requester's alone: in their Slack language (Korean here; the local Slack's default is en-US).
    h.e2e.slack.setUserLocale('UDEV1', 'ko-KR');
    h.clock.set(kst('2026-12-05T12:00'));
    await h.e2e.slash('scale web 6', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const answer = lastResponse(h.e2e);
    expect(answer).toContain('`prod` 환경은 변경 허용 시간 안에서만 scale 변경을 받으며');
    expect(answer).toContain('다음 허용 시간은');
    expect(answer).toContain('`--at next-window`');
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('a bad --at is answered in Korean with the usage', async () => {
    const bad = await h.e2e.slash('scale web 6 --at tomorrow', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(bad.text).toContain('`--at tomorrow`: 읽을 수 있는 시각이 아닙니다.');
    expect(bad.text).toContain('`/ecs scale &lt;service&gt; &lt;count&gt;');
  });

  it('the request card shows the window and the cost in Korean', async () => {
    h.clock.set(kst('2026-12-07T11:00'));
    await h.e2e.slash('scale web 12', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const card = textOf(requestMessage(h.e2e, 'CPROD').message);
    expect(card).toContain('변경 허용 시간: 지금 열려 있음');
    expect(card).toContain('비용: ');
    expect(card).toContain('승인이 하나 더 필요합니다 (모두 2건)');
    // A dollar amount is read with 달러 after it: 를.
    expect(card).toMatch(/한도 월 \$[\d,.]+를 넘으므로/);
  });

  it('a scheduled start whose approver no longer approves fails with the reason in Korean (card and thread)', async () => {
    h.clock.set(kst('2026-12-05T12:00'));
    await h.e2e.slash('scale web 6 --at next-window', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    await approve(h.e2e, req);
    await h.e2e.drain();
    h.e2e.redeployWorker(
      configFile((doc) => {
        doc.slack.language = 'ko';
        doc.environments.prod.gates = {
          windows: { timeZone: 'Asia/Seoul', allow: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '10:00', to: '17:00' }] },
        };
        doc.environments.prod.approvers = ['ULEAD2', 'SLEADS'];
      }),
    );
    h.clock.set(kst('2026-12-07T10:01'));
    await h.e2e.tick();
    await h.e2e.drain();
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    const failed = await getRequest(h.e2e.rt.redis, req.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.decisionReason).toContain('시작하지 못함: 승인된 뒤로 <@ULEAD1> 님은 이제 `prod` 환경의 변경을 승인할 수 없어');
    expect(thread(h.e2e, 'CPROD', req.ts).map(textOf).join('\n')).toContain('예약된 시각에 시작하지 않았습니다');
  });

  it("a first approval of two while the window is closed is told, in the approver's language, that the last one waits for the window", async () => {
    h.e2e.slack.setUserLocale('ULEAD1', 'ko-KR');
    h.clock.set(kst('2026-12-07T16:50'));
    await h.e2e.slash('scale web 12', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await h.e2e.drain();
    const { id } = requestMessage(h.e2e, 'CPROD');
    h.clock.set(kst('2026-12-07T17:10'));
    const answers = await clickRequestButton(h.e2e, (await getRequest(h.e2e.rt.redis, id))!, 'approve', 'ULEAD1', 'first');
    expect(answers.join('\n')).toContain('승인이 기록되었습니다(2개 중 1개). 지금은 `prod`의 변경 허용 시간이 닫혀 있어');
  });
});
