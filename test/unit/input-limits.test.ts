/**
 * Every free-text input is capped when the command is parsed (what a request, lock, freeze or mute
 * stores is bounded: src/redis/bounds.ts), and the answer names the limit, shows the usage and
 * says to shorten it. Through the router the edge uses, against the test configuration.
 */
import { join } from 'node:path';
import { route } from '../../src/commands/router';
import { loadConfigFile } from '../../src/config/load';
import { createLogger } from '../../src/log';
import { errorReply } from '../../src/slack/reply';

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const silent = createLogger({}, 'error');

function answer(text: string, userId = 'UDEV1'): string | undefined {
  try {
    route({ config }, { text, channelId: 'CPROD', userId });
  } catch (err) {
    return JSON.stringify(errorReply(err, silent).blocks);
  }
  return undefined;
}

const words = (n: number): string => 'x'.repeat(n);

describe('free-text inputs at and past their limits', () => {
  it.each([
    ['deploy web v1 --reason', 500, '/ecs deploy'],
    ['scale web 3 --reason', 500, '/ecs scale'],
    ['lock web --reason', 200, '/ecs lock'],
    ['freeze prod --reason', 200, '/ecs freeze'],
    ['mute web 1h --reason', 300, '/ecs mute'],
  ])('%s: %i characters pass; one more is refused, naming the limit and the usage', (prefix, max, usage) => {
    expect(answer(`${prefix} "${words(max)}"`)).toBeUndefined();
    const refused = answer(`${prefix} "${words(max + 1)}"`);
    expect(refused).toContain(String(max));
    expect(refused).toMatch(/shorten|under/i);
    expect(refused).toContain(usage);
  });

  it('a whole command over 2 000 characters is refused with the limit', () => {
    const refused = answer(`deploy web v1 --reason "${words(400)}" ${words(400)} ${words(400)} ${words(400)} ${words(400)} ${words(400)}`);
    expect(refused).toContain('2000');
  });
});
