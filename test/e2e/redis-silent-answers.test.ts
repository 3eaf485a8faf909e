/**
 * What a click says when Redis fails, by how it fails (the bot's Redis through a TCP proxy,
 * test/helpers/redis-fault-proxy.ts; the test reads Redis directly):
 *   - unreachable: the approve script never reached Redis, "nothing was changed" is true;
 *   - silent from the approve script on (the connection open, no answer): the script may have run, so
 *     the answer says it cannot tell, never "nothing was changed"; and the script that timed out is
 *     not sent after the reconnect.
 */
import { createHash } from 'node:crypto';
import { SCRIPTS } from '../../src/approvals/scripts';
import { getRequest } from '../../src/approvals/workflow';
import { fixtureGroups } from '../helpers/config';
import { requestDeploy, useDeployHarness } from '../helpers/deploy-e2e';
import { useRedisFaultProxy, WORKER_REDIS_BOUND_MS } from '../helpers/redis-fault-proxy';
import { clickRequestButton } from '../helpers/e2e';

const faults = useRedisFaultProxy();

const h = useDeployHarness({
  groups: fixtureGroups(),
  env: () => ({ REDIS_URL: faults.proxy.url }),
  workerRedisCommandTimeoutMs: WORKER_REDIS_BOUND_MS,
});

/** A prod deploy request of web, posted for approval (the fixture's prod needs one approval). */
async function request(): Promise<string> {
  faults.proxy.set('pass');
  return requestDeploy(h.e2e, 'redis answers');
}

describe('an Approve click when Redis fails', () => {
  afterEach(() => faults.proxy.set('pass'));

  it('unreachable: says nothing was changed, and nothing was', async () => {
    const id = await request();
    const req = (await getRequest(faults.direct, id))!;
    faults.proxy.set('down');
    const said = await clickRequestButton(h.e2e, req, 'approve', 'ULEAD1', 'down');
    expect(said.join('\n')).toContain("I can't reach the approvals store (Redis) right now, so nothing was changed.");
    faults.proxy.set('pass');
    expect((await getRequest(faults.direct, id))!.approvals).toEqual([]);
    expect(h.e2e.handedOff.filter((j) => (j as { kind: string }).kind === 'execute')).toHaveLength(0);
  });

  it('silent: says it cannot tell whether the approval went through, and the unanswered script is not run later', async () => {
    const id = await request();
    const req = (await getRequest(faults.direct, id))!;
    // The click's reads are answered; Redis goes silent from the approve script on.
    faults.proxy.silentFrom(createHash('sha1').update(SCRIPTS.approve.lua).digest('hex'), "answer('SELF_APPROVAL'");
    const said = (await clickRequestButton(h.e2e, req, 'approve', 'ULEAD1', 'silent')).join('\n');
    expect(said).toContain("The approvals store (Redis) did not answer in time, so I can't tell whether this went through.");
    expect(said).not.toContain('nothing was changed');
    // Redis answers again (the swallowing connection is cut, the client reconnects): the approve script
    // the click gave up on is not sent then.
    faults.proxy.set('pass');
    faults.proxy.cut();
    await h.e2e.rt.redis.ping();
    expect((await getRequest(faults.direct, id))!.approvals).toEqual([]);
    // Clicking again works.
    const again = (await clickRequestButton(h.e2e, req, 'approve', 'ULEAD1', 'again')).join('\n');
    expect(again).not.toContain('approvals store');
    expect((await getRequest(faults.direct, id))!.approvals.map((a) => a.user)).toEqual(['ULEAD1']);
  });
});
