/**
 * People who only click: an approver who never typed a command nor opened the Home tab has no
 * cached Slack language, so the Slack-facing path answers their clicks in the workspace's. The
 * worker learns the requester's and the approvers' languages when it runs their change (users.info,
 * cached a day), so their next clicks on the card are answered in their own.
 */
import { redisLocaleCache } from '../../src/redis/locale-cache';
import { approve, details, requestMessage, useDeployHarness } from '../helpers/deploy-e2e';

const h = useDeployHarness();
const HANGUL = /[\uac00-\ud7a3]/;

it('the approver’s language is learnt by the worker that runs the change; their next click is answered in it', async () => {
  h.e2e.slack.setUserLocale('ULEAD1', 'ko-KR');
  await h.e2e.slash('deploy web v1.2.3 --reason "checkout fix"', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const req = requestMessage(h.e2e, 'CPROD');
  // Never seen: their Details click is in the workspace's language (English), Slack is not asked on the click path.
  expect(await details(h.e2e, req)).not.toMatch(HANGUL);
  expect(await redisLocaleCache(h.e2e.rt.redis).get('ULEAD1')).toBeUndefined();

  await approve(h.e2e, req);
  await h.e2e.drain(); // the worker runs the change, and learns who asked and who approved
  expect(await redisLocaleCache(h.e2e.rt.redis).get('ULEAD1')).toBe('ko-KR');
  expect(await redisLocaleCache(h.e2e.rt.redis).get('UDEV1')).toBe('en-US');
  expect(await details(h.e2e, req)).toMatch(HANGUL);
  expect(h.e2e.slack.calls.filter((c) => c.method === 'users.info' && c.body.user === 'ULEAD1')).toHaveLength(1);
});
