/**
 * One person flooding the bot with commands (issue 10, item 13): past the per-person limit a
 * command is refused with a clear answer and nothing is handed to the worker; other people are
 * not affected, Slack's retries are not counted, `/ecs help` is never limited, and the window ends.
 */
import { useE2E } from '../helpers/e2e';
import { configFile } from '../helpers/config';
import { keys } from '../../src/redis/keys';

describe('per-person command rate limit', () => {
  const e2e = useE2E(() => ({ configPath: configFile((doc) => (doc.limits = { commandsPerUserPerMinute: 5 })) }));

  it('hands off the first five of a flood, refuses the rest clearly, and lets others and help through', async () => {
    const acks = [];
    for (let i = 0; i < 8; i++)
      acks.push(await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1', trigger_id: `flood.${i}` }));
    expect(e2e.handedOff).toHaveLength(5);
    expect(acks.slice(0, 5).every((a) => a.text.includes('hourglass'))).toBe(true);
    for (const refused of acks.slice(5)) {
      expect(refused.body).toMatchObject({ response_type: 'ephemeral' });
      expect(refused.text).toContain('Slow down:* you have sent 5 commands in the last minute, the most one person may. Try again in');
      expect(refused.text).toContain('The commands you already sent keep running');
    }
    // A refused command is not counted: the window still holds five.
    expect(await e2e.rt.redis.get(keys.commandRate('UDEV1'))).toBe('5');
    // Someone else is not limited, and help is never counted.
    await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV2', trigger_id: 'other.1' });
    expect(e2e.handedOff).toHaveLength(6);
    expect((await e2e.slash('help', { channel_id: 'CPROD', user_id: 'UDEV1', trigger_id: 'help.1' })).text).toContain('/ecs status');
    // A Slack retry of a handed-off command is a duplicate, not a new command.
    await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV2', trigger_id: 'other.1' }, { retryNum: 1 });
    expect(await e2e.rt.redis.get(keys.commandRate('UDEV2'))).toBe('1');
    // When the window ends, the person may again.
    await e2e.rt.redis.pexpire(keys.commandRate('UDEV1'), 1);
    await new Promise((r) => setTimeout(r, 20));
    await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1', trigger_id: 'after.1' });
    expect(e2e.handedOff).toHaveLength(7);
  });

  it("answers in the person's cached language, read by the admit script itself (no second read on the ack path)", async () => {
    await e2e.rt.redis.set(keys.userLocale('UDEV1'), 'ko-KR');
    const separateRead = jest.spyOn(e2e.rt.people, 'cachedLocaleOf');
    const acks = [];
    for (let i = 0; i < 5; i++) acks.push(await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1', trigger_id: `ko.${i}` }));
    expect(e2e.handedOff).toHaveLength(5);
    expect(acks.every((a) => a.text.includes('hourglass') && /[가-힣]/.test(a.text))).toBe(true);
    expect(separateRead).not.toHaveBeenCalled();
    // Nothing cached: the workspace's language, still without a second read.
    expect((await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV2', trigger_id: 'en.1' })).text).toContain(
      'Looking up `web` in `prod`',
    );
    expect(e2e.handedOff).toHaveLength(6);
    expect(separateRead).not.toHaveBeenCalled();
    // The refusal past the limit is in the person's language too.
    const refused = await e2e.slash('status web', { channel_id: 'CPROD', user_id: 'UDEV1', trigger_id: 'ko.6' });
    expect(refused.text).toContain('잠시 기다려 주세요:* 최근 1분 동안 한 사람이 보낼 수 있는 최대 5개의 명령을 보냈습니다');
  });
});
