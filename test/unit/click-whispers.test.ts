/**
 * What only the clicker reads is in their language (ActionContext.locale), also for the buttons of an
 * automatic lock (acknowledge) and of a traffic-shift pause: their answers were in the workspace's
 * language, while every other click's answer followed the clicker's. Pure: the paths that answer
 * before any Redis or Slack call.
 */
import { handleAckClick } from '../../src/approvals/gate-locks';
import { handleTrafficClick } from '../../src/deploy/traffic-buttons';
import { TRAFFIC_ACTION } from '../../src/deploy/traffic-text';
import type { ActionContext } from '../../src/hooks/actions';
import { fixtureConfig } from '../helpers/config';

function click(actionId: string, value: string, whispers: string[]): ActionContext {
  return {
    rt: { config: fixtureConfig() },
    action: { action_id: actionId, value },
    userId: 'UDEV1',
    channelId: 'CPROD',
    locale: 'ko',
    whisper: async (text: string) => {
      whispers.push(text);
    },
  } as unknown as ActionContext;
}

it("the acknowledge button's refusal is in the clicker's language (an English workspace, a Korean clicker)", async () => {
  const whispers: string[] = [];
  await handleAckClick(click('gate:ack', 'not-a-service', whispers));
  expect(whispers).toEqual([expect.stringContaining('더 이상 읽을 수 없는 메시지의 버튼입니다')]);
});

it("a traffic-shift button's answer is in the clicker's language", async () => {
  const whispers: string[] = [];
  await handleTrafficClick(click(TRAFFIC_ACTION.shift, '{not json', whispers));
  expect(whispers).toEqual([expect.stringContaining('이 일시 중지에 대한 기록이 더 이상 없어')]);
});
