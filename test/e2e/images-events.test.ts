/**
 * Images from CI end to end through the events and Slack functions: ECR's documented EventBridge
 * samples (push, basic scan, Inspector2 scan; test/fixtures/events/aws-doc) moved to the test
 * config's repository. One message per digest, updated in place; duplicates and unordered delivery;
 * tag patterns; and the Deploy to staging / Request prod buttons making exactly the request
 * `/ecs deploy` makes.
 */
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import push from '../fixtures/events/aws-doc/ecr-image-push.json';
import scan from '../fixtures/events/aws-doc/ecr-image-scan.json';
import inspector from '../fixtures/events/aws-doc/inspector2-scan.json';
import { keys } from '../../src/redis/keys';
import { configFile } from '../helpers/config';
import { ACCOUNT, DIGEST, REGION, REGISTRY } from '../helpers/aws-fixtures';
import { requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';
import type { StoredMessage } from '../helpers/slack-server';
import { Redis, type Command } from 'ioredis';

/**
 * Run `deliveries` at once, each reaching the tag index (its first Redis command carrying an
 * `imgtag:` key) at the same moment: every delivery's first such command is held until all of them
 * have sent theirs, as two Lambda invocations may. What each does after that is up to Redis.
 */
async function atTheTagIndexTogether(deliveries: Array<() => Promise<unknown>>): Promise<void> {
  const proto = Redis.prototype as unknown as { sendCommand: (this: Redis, c: Command, s?: unknown) => unknown };
  const original = proto.sendCommand;
  const held: Array<() => void> = [];
  proto.sendCommand = function (this: Redis, command: Command, stream?: unknown): unknown {
    const touchesIndex = command.args.some((a) => String(a).startsWith('imgtag:'));
    if (!touchesIndex || held.length >= deliveries.length) return original.call(this, command, stream);
    held.push(() => void original.call(this, command, stream));
    if (held.length === deliveries.length) for (const send of held) send();
    return command.promise;
  };
  try {
    await Promise.all(deliveries.map((d) => d()));
  } finally {
    proto.sendCommand = original;
  }
}

const h = useDeployHarness({
  configPath: configFile((doc) => {
    doc.repositories = { 'shop/web': { tags: ['v*'] } };
  }),
});

let seq = 0;
/** A documented sample moved to shop/web in the test account, with its own event id. */
function moved<T extends { id: string; account: string; region: string; resources: string[]; detail: Record<string, unknown> }>(
  sample: T,
  detail: Record<string, unknown>,
): T {
  return {
    ...structuredClone(sample),
    id: `${sample.id}-${++seq}`,
    account: ACCOUNT,
    region: REGION,
    resources: sample.resources.length ? [`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/shop/web`] : [],
    detail: { ...structuredClone(sample.detail), ...detail },
  };
}

const pushOf = (tag: string, digest = DIGEST) => moved(push, { 'repository-name': 'shop/web', 'image-digest': digest, 'image-tag': tag });
const scanOf = (digest = DIGEST, tags: string[] = []) =>
  moved(scan, { 'repository-name': 'shop/web', 'image-digest': digest, 'image-tags': tags });

function announcements(): StoredMessage[] {
  return h.e2e.slack.messages('CPROD').filter((m) => textOf(m).includes('New image'));
}

function buttons(m: StoredMessage): Array<{ action_id: string; value: string; text: { text: string } }> {
  return (m.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string; text: { text: string } }> }>)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? []);
}

describe('ECR events → one message per digest', () => {
  it('announces a push once, adds the scan to the same message, and ignores duplicate deliveries', async () => {
    const first = pushOf('v1.2.3');
    await h.e2e.event(first);
    await h.e2e.event(first); // EventBridge delivered it twice
    const [msg, ...more] = announcements();
    expect(more).toEqual([]);
    const t0 = textOf(msg);
    expect(t0).toContain('New image: shop/web v1.2.3');
    expect(t0).toContain('*Tags* `v1.2.3` · *Digest* `sha256:3f1c7e5a9b2d` · *Size* 94 MB');
    expect(t0).toContain('*Scan:* waiting for the result');
    expect(buttons(msg!).map((b) => b.text.text)).toEqual(['Request prod', 'Deploy to staging']);
    expect(h.ecrMock.commandCalls(DescribeImagesCommand)).toHaveLength(1);

    await h.e2e.event(scanOf(DIGEST));
    expect(announcements()).toHaveLength(1);
    expect(textOf(h.e2e.slack.message('CPROD', msg!.ts))).toContain(':red_circle: *Scan* (basic): 10 critical, 9 medium');
    await h.e2e.event(
      moved(inspector, {
        'repository-name': `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/shop/web`,
        'image-digest': DIGEST,
        'image-tags': ['v1.2.3'],
      }),
    );
    expect(announcements()).toHaveLength(1);
    expect(textOf(h.e2e.slack.message('CPROD', msg!.ts))).toContain('*Scan* (Inspector): 7 critical, 61 high, 62 medium');

    // Another tag of the same digest: the same message lists both.
    await h.e2e.event(pushOf('v1.2.3-rc1'));
    expect(announcements()).toHaveLength(1);
    expect(textOf(h.e2e.slack.message('CPROD', msg!.ts))).toContain('*Tags* `v1.2.3` `v1.2.3-rc1`');
    expect(h.ecrMock.commandCalls(DescribeImagesCommand)).toHaveLength(1);
  });

  it('tag patterns keep other pushes out; a scan that arrives first is shown when the push comes', async () => {
    await h.e2e.event(pushOf('latest', 'sha256:' + 'b'.repeat(64)));
    expect(announcements()).toEqual([]);
    await h.e2e.event(scanOf(DIGEST));
    expect(announcements()).toEqual([]);
    await h.e2e.event(pushOf('v1.2.3'));
    const [msg] = announcements();
    expect(textOf(msg)).toContain('10 critical, 9 medium');
  });

  it('a push whose announcement Slack refused is announced by its redelivery, or by the next event of the digest', async () => {
    const first = pushOf('v1.2.3');
    h.e2e.slack.failNext('chat.postMessage', 'fatal_error');
    // The invocation fails, so Lambda retries it.
    await expect(h.e2e.event(first)).rejects.toThrow('event consumers failed: images');
    expect(announcements()).toEqual([]);
    // Lambda's retry of the failed invocation (the same event id) posts it.
    await h.e2e.event(first);
    expect(announcements()).toHaveLength(1);
    expect(textOf(announcements()[0])).toContain('*Tags* `v1.2.3`');

    // Another digest: Slack fails its push, and no redelivery comes; its scan result posts the message.
    const other = 'sha256:' + 'c'.repeat(64);
    h.e2e.slack.failNext('chat.postMessage', 'fatal_error');
    await expect(h.e2e.event(pushOf('v1.2.4', other))).rejects.toThrow('images');
    expect(announcements()).toHaveLength(1);
    await h.e2e.event(scanOf(other));
    expect(announcements()).toHaveLength(2);
    expect(textOf(announcements()[1])).toContain('New image: shop/web v1.2.4');
    expect(textOf(announcements()[1])).toContain('10 critical, 9 medium');
  });

  it('a push Slack refuses for good (channel_not_found, not_in_channel) is not retried: the log says what to fix', async () => {
    for (const code of ['channel_not_found', 'not_in_channel']) {
      const ev = pushOf(`v2.0.${code.length}`, 'sha256:' + String(code.length % 10).repeat(64));
      h.e2e.slack.failNext('chat.postMessage', code);
      // The invocation returns: Lambda's two retries would only post into the same wall.
      await expect(h.e2e.event(ev)).resolves.toEqual({ ok: false });
      const line = h.e2e.logs.filter((l) => l.name === 'images' && l.eventId === ev.id && l.level === 'error').at(-1);
      expect(line).toMatchObject({ msg: expect.stringContaining('not retried'), why: `Slack answered ${code}` });
      expect(String(line!.fix)).toContain('invite the bot');
    }
    expect(announcements()).toEqual([]);
  });

  it('a claim to post left by an invocation that stopped mid-post (a Lambda timeout) is taken over by the next event of the digest', async () => {
    const redis = h.e2e.rt.redis;
    const record = keys.imageMessage('shop/web', DIGEST);
    // What a push leaves when its invocation is killed while Slack is slow: the record, its tag, a claim, no message.
    await redis.hset(record, 'announce', '1', 'size', '1000', 'posting', `${h.clock.now() - 60_000}|push-that-died`);
    await redis.sadd(keys.imageDigestTags('shop/web', DIGEST), 'v1.2.3');
    // A minute old: it may still be posting; the scan only updates the record.
    await h.e2e.event(scanOf(DIGEST));
    expect(announcements()).toEqual([]);
    // Older than any invocation can run: the next event posts the message, once.
    h.clock.advance(10 * 60_000);
    await h.e2e.event(scanOf(DIGEST));
    expect(announcements()).toHaveLength(1);
    expect(textOf(announcements()[0])).toContain('10 critical, 9 medium');
    await h.e2e.event(pushOf('v1.2.3'));
    expect(announcements()).toHaveLength(1);
  });

  it('a tag moved to another digest leaves the old message; a late delivery of the older push does not take it back', async () => {
    const other = 'sha256:' + 'd'.repeat(64);
    const at = (e: ReturnType<typeof pushOf>, iso: string) => ({ ...e, time: iso });
    await h.e2e.event(at(pushOf('v1.2.3'), '2026-03-02T10:00:00Z'));
    await h.e2e.event(at(pushOf('v1.2.4'), '2026-03-02T10:00:05Z'));
    const [old] = announcements();
    expect(textOf(old)).toContain('*Tags* `v1.2.3` `v1.2.4`');

    // CI pushes a new image as v1.2.4: ECR moves the tag.
    await h.e2e.event(at(pushOf('v1.2.4', other), '2026-03-02T11:00:00Z'));
    expect(announcements()).toHaveLength(2);
    expect(textOf(h.e2e.slack.message('CPROD', old!.ts))).toContain('*Tags* `v1.2.3` ·');
    expect(textOf(announcements()[1])).toContain('*Tags* `v1.2.4` ·');

    // A push of v1.2.4 to the first digest from before the move, delivered late (its own event id), and a
    // scan of the first digest still listing it: the tag stays with the digest pushed last.
    await h.e2e.event(at(pushOf('v1.2.4'), '2026-03-02T10:30:00Z'));
    await h.e2e.event(scanOf(DIGEST, ['v1.2.3', 'v1.2.4']));
    expect(announcements()).toHaveLength(2);
    expect(textOf(h.e2e.slack.message('CPROD', old!.ts))).toContain('*Tags* `v1.2.3` ·');
    expect(textOf(h.e2e.slack.message('CPROD', announcements()[1]!.ts))).toContain('*Tags* `v1.2.4` ·');
  });

  it('deliveries handled at the same time move a tag once: a new push and a late older push of it, two pushes of one tag', async () => {
    const other = 'sha256:' + 'e'.repeat(64);
    const third = 'sha256:' + 'f'.repeat(64);
    const at = (e: ReturnType<typeof pushOf>, iso: string) => ({ ...e, time: iso });
    const tagsOf = (m: StoredMessage | undefined) => /\*Tags\* ([^·]*)·/.exec(textOf(h.e2e.slack.message('CPROD', m!.ts)))?.[1]?.trim();
    await h.e2e.event(at(pushOf('v1.2.3'), '2026-03-02T10:00:00Z'));
    // CI pushes a new image as v1.2.4 while EventBridge delivers, late, an older push of v1.2.4 to the first digest.
    await atTheTagIndexTogether([
      () => h.e2e.event(at(pushOf('v1.2.4', other), '2026-03-02T11:00:00Z')),
      () => h.e2e.event(at(pushOf('v1.2.4'), '2026-03-02T10:30:00Z')),
    ]);
    const [first, second] = announcements();
    expect(tagsOf(first)).toBe('`v1.2.3`');
    expect(tagsOf(second)).toBe('`v1.2.4`');
    expect(await h.e2e.rt.redis.get(keys.imageTagDigest('shop/web', 'v1.2.4'))).toBe(`${Date.parse('2026-03-02T11:00:00Z')}|${other}`);

    // Two pushes of a new tag to two digests, handled at once: the later push has it, the other message does not list it.
    await atTheTagIndexTogether([
      () => h.e2e.event(at(pushOf('v1.3.0', third), '2026-03-02T12:00:05Z')),
      () => h.e2e.event(at(pushOf('v1.3.0', other), '2026-03-02T12:00:00Z')),
    ]);
    expect(tagsOf(announcements()[2])).toBe('`v1.3.0`');
    expect(tagsOf(announcements()[1])).toBe('`v1.2.4`');

    // A delivery that recorded the tag on its digest (another slot) just after the move took it away: not shown.
    await h.e2e.rt.redis.sadd(keys.imageDigestTags('shop/web', other), 'v1.3.0');
    await h.e2e.event(scanOf(other));
    expect(tagsOf(announcements()[1])).toBe('`v1.2.4`');
  });

  it('a record that expires while ECR is asked is not recreated without a TTL (every later write carries its EXPIRE)', async () => {
    const redis = h.e2e.rt.redis;
    const record = keys.imageMessage('shop/web', DIGEST);
    // The record's 30 days run out while the size is being looked up: the write after it must not
    // leave a key that never expires (it would outlive every bound in docs/redis.md).
    h.ecrMock.on(DescribeImagesCommand).callsFake(async () => {
      await redis.del(record);
      return { imageDetails: [] };
    });
    await h.e2e.event(pushOf('v1.2.3'));
    expect(await redis.exists(record)).toBe(1);
    const ttl = await redis.ttl(record);
    expect(ttl).toBeGreaterThan(29 * 86_400);
    expect(await redis.ttl(keys.imageDigestTags('shop/web', DIGEST))).toBeGreaterThan(29 * 86_400);
  });

  it('Deploy to staging runs /ecs deploy in staging as the clicker: the same plan, run at once (no approval there)', async () => {
    await h.e2e.event(pushOf('v1.2.3'));
    const staging = buttons(announcements()[0]!).find((b) => b.text.text === 'Deploy to staging')!;
    expect(JSON.parse(staging.value)).toEqual({ c: `deploy web-staging ${DIGEST}`, ch: 'CSTAGING' });
    const res = await h.e2e.click({ action_id: staging.action_id, value: staging.value, user_id: 'UANY', channel_id: 'CPROD' });
    expect(res.statusCode).toBe(200);
    await h.e2e.drain();
    const reg = h.ecsMock.commandCalls(RegisterTaskDefinitionCommand);
    expect(reg).toHaveLength(1);
    expect(reg[0]!.args[0].input.containerDefinitions!.find((c) => c.name === 'web')!.image).toBe(`${REGISTRY}/shop/web@${DIGEST}`);
    expect(h.ecsMock.commandCalls(UpdateServiceCommand)[0]!.args[0].input.service).toBe('web-staging');
    expect(textOf(requestMessage(h.e2e, 'CSTAGING').message)).toContain(`→ ${DIGEST.slice(0, 15)}`); // the one-line card; the full pin is under Details
  });

  it('Request prod opens the request /ecs deploy would, in prod, waiting for approval; the same authorization applies', async () => {
    await h.e2e.event(pushOf('v1.2.3'));
    const prod = buttons(announcements()[0]!).find((b) => b.text.text === 'Request prod')!;
    // UANY is not a prod requester: refused as if typed.
    await h.e2e.click({ action_id: prod.action_id, value: prod.value, user_id: 'UANY', channel_id: 'CPROD' });
    await h.e2e.drain();
    expect(h.e2e.slack.messages('CPROD').filter((m) => textOf(m).includes('approval:approve'))).toEqual([]);
    await h.e2e.click({ action_id: prod.action_id, value: prod.value, user_id: 'UDEV1', channel_id: 'CPROD' });
    await h.e2e.drain();
    const req = requestMessage(h.e2e, 'CPROD');
    expect(textOf(req.message)).toContain(`→ ${DIGEST.slice(0, 15)}`); // the one-line card; the full pin is under Details
    expect(textOf(req.message)).toContain('approval:approve');
    expect(h.ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });
});
