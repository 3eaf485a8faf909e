/**
 * Load on the Redis Cluster, through the built Lambda handlers (test/helpers/e2e.ts; loopback
 * only, bounded in count):
 *  - 500 `/ecs status` commands, 50 in flight, then their worker jobs, 50 in flight: every command
 *    gets a clear ack (handed off; or, when the hand-off failed or was not confirmed, "nothing was
 *    done" / "may or may not run" with what to do: Lambda refuses a few on purpose, load may add
 *    more), each command Lambda took is answered exactly once by the worker and the others not at
 *    all, and run again they are handed off and answered; each invocation and job recorded once;
 *    Slack's retries of 50 of them and 50 duplicate job deliveries change nothing.
 *  - 100 concurrent Approve clicks from 10 approvers on a request that needs 2 approvals: exactly
 *    two approvals recorded, one execute job handed off, one execution however often it arrives,
 *    and every other click told why (half the clickers in Korean, their locale read on the click path).
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { readAudit } from '../../src/approvals/audit';
import { getRequest, submitRequest } from '../../src/approvals/workflow';
import { handler as workerHandler } from '../../src/handlers/worker';
import { redisLocaleCache } from '../../src/redis/locale-cache';
import { REGISTRY, serviceWith, taskDefinitionWith } from '../helpers/aws-fixtures';
import { configFile, fixtureGroups } from '../helpers/config';
import { setupE2E, type E2E } from '../helpers/e2e';
import { allKeys } from '../helpers/redis';
import { refusedHandOffs } from '../helpers/hand-off';
import { AwsFault } from '../../src/loopback/aws/fault';
import { keys } from '../../src/redis/keys';
import { standInExecuteJob } from '../helpers/execute-stand-in';

const ecsMock = mockClient(ECSClient);
afterAll(() => ecsMock.restore());

/** Run `tasks` with at most `width` in flight; results in order. */
async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

describe('load on the Redis Cluster through the Lambda handlers', () => {
  let e2e: E2E;
  afterEach(async () => {
    ecsMock.reset();
    await e2e.close();
  });

  it('500 slash commands, 50 in flight: every one answered clearly, the handed-off ones once by the worker, none lost, none recorded twice', async () => {
    e2e = await setupE2E();
    expect(e2e.rt.redis.constructor.name).toBe('BoundedCluster');
    ecsMock.on(DescribeServicesCommand).resolves({ services: [serviceWith({ name: 'web-prod', revision: 50 })], failures: [] });
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: taskDefinitionWith({ family: 'web-prod', revision: 50, image: `${REGISTRY}/shop/web:v5.0.0` }),
      tags: [],
    });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    const N = 500;
    const fields = (i: number, attempt = 0) => ({
      channel_id: 'CPROD',
      // 50 people, 10 commands each: within the per-person rate limit (20 a minute).
      user_id: `ULOAD${i % 50}`,
      trigger_id: attempt ? `load.${i}.again${attempt}` : `load.${i}`,
      response_url: e2e.slack.responseUrl(`L${i}`),
    });
    const idOf = (i: number, attempt = 0) => `cmd-${fields(i, attempt).trigger_id}`;

    // What Slack shows for each command is its ack. Under load the ack is one of the product's answers:
    // handed off ("Looking up…", the worker answers next), not handed off ("nothing was done", no
    // answer will follow), or not confirmed by Lambda ("may or may not run"). Anything else (an empty
    // ack, an internal error, SDK text) is a failure, however loaded the machine. Besides what load
    // may cause, Lambda refuses 5 hand-offs and leaves 3 unanswered, so those answers are exercised
    // in every run and the checks below cannot pass vacuously.
    const REFUSED = 5;
    e2e.lambda.failNext(
      'lambda',
      'Invoke',
      new AwsFault('ResourceConflictException', 'The function is currently in the following state: Pending', 409),
      REFUSED,
    );
    e2e.lambda.stallNext('lambda', 'Invoke', 3);
    const kindOf = (text: string): 'handedOff' | 'notStarted' | 'unconfirmed' | 'unclear' =>
      text.includes('Looking up `web` in `prod`')
        ? 'handedOff'
        : /I could not start the work for this command, so nothing was done\.[\s\S]*Try again in a minute\./.test(text)
          ? 'notStarted'
          : /Lambda did not confirm in time that it took the work for this command, so it may or may not run\.[\s\S]*If no answer comes within a minute, run the command again\./.test(
                text,
              )
            ? 'unconfirmed'
            : 'unclear';

    const acks = await pool(N, 50, (i) => e2e.slash('status web', fields(i)));
    const kinds = acks.map((a) => (a.status === 200 ? kindOf(a.text) : 'unclear'));
    expect(acks.map((a, i) => ({ i, status: a.status, text: a.text })).filter((_, i) => kinds[i] === 'unclear')).toEqual([]);
    const jobIds = e2e.handedOff.map((j) => (j as { id: string }).id);
    expect(new Set(jobIds).size).toBe(jobIds.length);
    const hasJob = (i: number) => jobIds.includes(idOf(i));
    // "Looking up…" only for a command Lambda took; "nothing was done" only for one it did not.
    expect(kinds.flatMap((k, i) => (k === 'handedOff' && !hasJob(i) ? [i] : []))).toEqual([]);
    expect(kinds.flatMap((k, i) => (k === 'notStarted' && hasJob(i) ? [i] : []))).toEqual([]);
    expect(kinds.filter((k) => k === 'notStarted').length).toBeGreaterThanOrEqual(REFUSED);
    expect(refusedHandOffs(e2e.lambda)).toHaveLength(REFUSED);

    // The worker, 50 at a time, as Lambda would run the asynchronous invocations: each command Lambda took
    // is answered exactly once; the others not at all (their ack said so).
    const jobs = e2e.pending.splice(0);
    await pool(jobs.length, 50, (i) => workerHandler(jobs[i]));
    for (let i = 0; i < N; i++) expect({ i, answers: e2e.slack.responses(`L${i}`).length }).toEqual({ i, answers: hasJob(i) ? 1 : 0 });

    // A person told "nothing was done" (or "if no answer comes, run it again") runs it again: one at a
    // time, each is handed off and answered. So every one of the 500 commands ends with its answer.
    const again = Array.from({ length: N }, (_, i) => i).filter((i) => !hasJob(i));
    for (const i of again) {
      const ack = await e2e.slash('status web', fields(i, 1));
      expect({ i, status: ack.status, kind: kindOf(ack.text) }).toEqual({ i, status: 200, kind: 'handedOff' });
    }
    const retried = e2e.pending.splice(0);
    expect(retried).toHaveLength(again.length);
    for (const job of retried) await workerHandler(job);
    for (let i = 0; i < N; i++) expect({ i, answers: e2e.slack.responses(`L${i}`).length }).toEqual({ i, answers: 1 });
    const ran = jobs.length + retried.length;
    expect(e2e.slack.responses()).toHaveLength(N);

    // Every command claimed once: a read command whose claim Redis did not answer in time runs without it, and the log
    // says so (the claim may still have been written after the wait).
    const unclaimed = e2e.logs.filter((l) => l.msg === 'redis unavailable; read-only command runs without duplicate check or rate limit');
    const seen = (await allKeys(e2e.rt.redis, 'rate:*:seen:*')).length;
    expect(seen).toBeLessThanOrEqual(N + again.length);
    expect(seen).toBeGreaterThanOrEqual(N + again.length - unclaimed.length);
    expect(await allKeys(e2e.rt.redis, 'job:*')).toHaveLength(ran);

    // Slack retries 50 of the commands it saw handed off; Lambda delivers 50 jobs twice: nothing happens again.
    const claimed: number[] = [];
    for (let i = 0; i < N && claimed.length < 50; i++)
      if (kinds[i] === 'handedOff' && (await e2e.rt.redis.exists(keys.seen(fields(i).user_id, idOf(i))))) claimed.push(i);
    expect(claimed.length).toBeGreaterThan(0);
    const retries = await pool(claimed.length, 50, (k) => e2e.slash('status web', fields(claimed[k]!), { retryNum: 1 }));
    expect(retries.every((r) => r.status === 200 && r.body === '')).toBe(true);
    const twice = jobs.slice(0, 50);
    await pool(twice.length, 50, (k) => workerHandler(twice[k]));
    expect(e2e.handedOff).toHaveLength(ran);
    expect(e2e.slack.responses()).toHaveLength(N);
    expect(e2e.logs.filter((l) => l.msg === 'job already ran; duplicate delivery ignored')).toHaveLength(twice.length);
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(ran);
    // The refusals were the ones this test asked Lambda for (checked above); the harness's own check would count them.
    e2e.lambda.reset();
  }, 180_000);

  it('100 concurrent Approve clicks from 10 approvers, 2 needed: two approvals, one execution', async () => {
    const approvers = Array.from({ length: 10 }, (_, i) => `UAPP${i}`);
    e2e = await setupE2E({
      configPath: configFile((d) => (d.environments.prod.approvals.deploy = 2)),
      groups: fixtureGroups({ SLEADS: approvers }),
    });
    // Half the approvers write Korean (learned earlier): their clicks read their locale on the click
    // path (bounded, src/edge/interactivity.ts), and none of their answers may be lost for it.
    for (const user of approvers.slice(0, 5)) await redisLocaleCache(e2e.rt.redis).set(user, 'ko-KR', 3600);
    const executed = standInExecuteJob();

    const req = await submitRequest(e2e.rt, {
      verb: 'deploy',
      environment: 'prod',
      service: 'web',
      plan: { verb: 'deploy', tag: 'v9' },
      summary: 'Deploy `v9` to `web`',
      requester: 'UDEV1',
      channel: 'CPROD',
      invocationId: 'cmd-load-approvals',
    });
    const clicks = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const user = approvers[i % 10]!;
        const res = await e2e.click({
          action_id: 'approval:approve',
          value: req.id,
          user_id: user,
          channel_id: 'CPROD',
          message_ts: req.messageTs,
          response_url: e2e.slack.responseUrl(`A${i}`),
        });
        return { i, user, status: res.statusCode };
      }),
    );
    expect(clicks.every((c) => c.status === 200)).toBe(true);

    const after = (await getRequest(e2e.rt.redis, req.id))!;
    expect(after.state).toBe('approved');
    expect(after.approvals).toHaveLength(2);
    const executeJobs = e2e.handedOff.filter((j) => (j as { kind: string }).kind === 'execute');
    expect(executeJobs).toHaveLength(1);
    // The two approving clicks went through silently (their approval is on the message); every other
    // click was told why, except a repeat by one of those two approvers arriving once the request is
    // approved: it is taken for a retry of their own click whose reply was lost (silent, no second
    // hand-off: see the execute jobs above). How many repeats land after the approval depends on timing.
    const answered = clicks.map((c) => e2e.slack.responses(`A${c.i}`).length);
    expect(answered.every((n) => n <= 1)).toBe(true);
    const silent = clicks.filter((c) => e2e.slack.responses(`A${c.i}`).length === 0).map((c) => c.user);
    expect(answered.filter((n) => n === 1).length).toBe(100 - silent.length);
    // Those whose language is not known are answered in the workspace's (English).
    const english = clicks.filter((c) => !approvers.slice(0, 5).includes(c.user));
    for (const c of english) for (const a of e2e.slack.responses(`A${c.i}`)) expect(JSON.stringify(a)).not.toMatch(/[\uac00-\ud7a3]/);
    expect([...new Set(silent)].sort()).toEqual(after.approvals.map((a) => a.user).sort());

    // The execute job, delivered three times: one execution.
    await Promise.all([workerHandler(executeJobs[0]), workerHandler(executeJobs[0]), workerHandler(executeJobs[0])]);
    expect(executed.runs).toBe(1);
    expect((await getRequest(e2e.rt.redis, req.id))!.state).toBe('succeeded');
    const events = (await readAudit(e2e.rt.redis, 'prod', { service: 'web', limit: 100 })).map((e) => e.event).sort();
    expect(events).toEqual(['approval', 'approved', 'created', 'started', 'succeeded']);
    expect(await allKeys(e2e.rt.redis, 'lock:*')).toEqual([]);
  }, 120_000);
});
