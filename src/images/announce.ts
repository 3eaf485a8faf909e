/**
 * Images from CI: ECR's push and scan events (EventBridge) for the repositories chatops.yml lists
 * under `repositories` become ONE message per digest in the repository's channel, updated as more
 * arrives (another tag, the size, the scan result), never one message per event. EventBridge
 * delivers at least once and in no particular order: each event id is handled once, what an event
 * says is merged into the digest's record in Redis first, and then the one message is posted (by
 * whoever claims it) or updated from that record. A tag points at one digest, the one pushed last
 * with it (keys.imageTagDigest, moved by one script: ./tags.ts): a push that moves a tag updates the
 * message of the digest that had it.
 */
import { findImageByDigest } from '../aws/ecr';
import type { EcsEvent } from '../aws/ecs-events';
import { findService } from '../config/load';
import type { ResolvedService } from '../config/schema';
import { keys } from '../redis/keys';
import type { Logger } from '../log';
import type { Runtime } from '../runtime';
import { parseImageEvent, tagMatches, type ImageEvent } from './event';
import { imageMessage, type ImageState } from './message';
import { moveTag, tagsStillAt } from './tags';

/** How long a digest's record (and so its message's updates) is kept. */
const KEEP_SECONDS = 30 * 86_400;
/** A claim to post a digest's message older than this was left by an invocation that stopped (the events function runs at most 60 s). */
const POSTING_STALE_MS = 5 * 60_000;

function servicesOf(rt: Runtime, repository: string): ResolvedService[] {
  return Object.keys(rt.config.services)
    .map((a) => findService(rt.config, a)!)
    .filter((s) => s.repository === repository);
}

/** The environment whose account the event came from (for the ECR lookup's credentials). */
function accessFor(services: readonly ResolvedService[], ev: ImageEvent): ResolvedService['env'] | undefined {
  return (services.find((s) => ev.account && s.env.accountId === ev.account) ?? services.find((s) => !s.env.accountId) ?? services[0])?.env;
}

/**
 * A write to the digest's record that cannot outlive it: the record may expire between two of its
 * writes (30 days after the last event), and a bare HSET would then recreate it without a TTL. Each
 * write carries its EXPIRE in the same MULTI. Returns the write's own reply.
 */
async function keptWrite(rt: Runtime, key: string, write: (m: ReturnType<Runtime['redis']['multi']>) => unknown): Promise<unknown> {
  const m = rt.redis.multi();
  write(m);
  const replies = await m.expire(key, KEEP_SECONDS).exec();
  const [err, reply] = replies?.[0] ?? [];
  if (err) throw err;
  return reply;
}

async function readState(rt: Runtime, repository: string, digest: string): Promise<{ state: ImageState; ts?: string; channel?: string }> {
  const [h, recorded] = await Promise.all([
    rt.redis.hgetall(keys.imageMessage(repository, digest)),
    rt.redis.smembers(keys.imageDigestTags(repository, digest)),
  ]);
  // A tag recorded here just after a concurrent push moved it to another digest is not shown.
  const tags = await tagsStillAt(rt.redis, repository, digest, recorded);
  return {
    state: {
      repository,
      digest,
      tags: tags.sort(),
      ...(h.size ? { size: Number(h.size) } : {}),
      ...(h.pushedAt ? { pushedAt: Number(h.pushedAt) } : {}),
      ...(h.scan ? { scan: JSON.parse(h.scan) as ImageState['scan'] } : {}),
    },
    ...(h.ts ? { ts: h.ts } : {}),
    ...(h.channel ? { channel: h.channel } : {}),
  };
}

export async function onImageEvent(event: EcsEvent, rt: Runtime): Promise<void> {
  if (event.source !== 'aws.ecr' && event.source !== 'aws.inspector2') return;
  const log = rt.log.child({ consumer: 'images', eventId: event.id });
  const parsed = parseImageEvent(event);
  if (!parsed.ok) {
    log.debug('ECR event ignored', { why: parsed.skip, detailType: event['detail-type'] });
    return;
  }
  const ev = parsed.event;
  const repo = rt.config.repositories[ev.repository];
  const services = servicesOf(rt, ev.repository);
  if (!repo || !services.length) {
    log.debug('ECR event of a repository chatops.yml does not list', { repository: ev.repository });
    return;
  }
  const key = keys.imageMessage(ev.repository, ev.digest);
  const matching = ev.tags.filter((t) => tagMatches(t, repo.tags));
  const known = (await rt.redis.exists(key)) === 1 && !!(await rt.redis.hget(key, 'announce'));
  // A push of a tag the patterns leave out is noise; a scan is kept for a digest that may be announced later.
  if (ev.kind === 'push' && !matching.length && !known) {
    log.debug('pushed tag not announced (tag patterns)', { repository: ev.repository, tags: ev.tags });
    return;
  }
  const seenKey = keys.imageEventSeen(ev.id);
  if ((await rt.redis.set(seenKey, '1', 'EX', 7 * 86_400, 'NX')) !== 'OK') {
    log.info('duplicate ECR event ignored');
    return;
  }
  try {
    await announce(rt, ev, services, repo.channel ?? services[0]!.env.channels[0]!, matching, log);
  } catch (err) {
    // Not done: forget the event, so Lambda's retry of this invocation (the same event id) does it.
    await rt.redis.del(seenKey).catch(() => undefined);
    throw err;
  }
}

/** Merge what `ev` says into its digest's record, then post or update the digest's one message in `channel`. */
async function announce(
  rt: Runtime,
  ev: ImageEvent,
  services: ResolvedService[],
  channel: string,
  matching: string[],
  log: Logger,
): Promise<void> {
  const key = keys.imageMessage(ev.repository, ev.digest);
  const tagsKey = keys.imageDigestTags(ev.repository, ev.digest);
  const locale = rt.config.slack.language;
  const { tags, took } = await claimTags(rt, ev, matching);
  // 1. Merge what this event says into the digest's record.
  const m = rt.redis.multi();
  if (tags.length) m.sadd(tagsKey, ...tags);
  if (ev.kind === 'push' || matching.length) m.hset(key, 'announce', '1');
  if (ev.scan) {
    const prev = Number((await rt.redis.hget(key, 'scanAt')) ?? 0);
    if (!prev || (ev.time ?? 0) >= prev) m.hset(key, 'scan', JSON.stringify(ev.scan), 'scanAt', String(ev.time ?? 0));
  }
  m.expire(key, KEEP_SECONDS).expire(tagsKey, KEEP_SECONDS);
  await m.exec();
  // The digests this push took a tag from no longer list it.
  for (const t of took) await releaseTag(rt, ev.repository, t, services, channel, log);
  if (!(await rt.redis.hget(key, 'announce'))) {
    log.info('scan result kept until the image is pushed with an announced tag', { repository: ev.repository });
    return;
  }
  // 2. Size, push time (and a scan summary ECR already has) once per digest.
  if (!(await rt.redis.hexists(key, 'size'))) {
    const env = accessFor(services, ev);
    try {
      // The pushed image is in the registry of the event's account and region (a shared registry included).
      const img = await findImageByDigest(
        rt.aws.ecr(ev.region ?? env?.region ?? services[0]!.env.region, env),
        ev.repository,
        ev.digest,
        ev.account,
      );
      const fields: string[] = ['size', String(img?.imageSizeInBytes ?? '')];
      if (img?.imagePushedAt) fields.push('pushedAt', String(img.imagePushedAt.getTime()));
      await keptWrite(rt, key, (m) => m.hset(key, ...fields));
    } catch (err) {
      log.warn('image details unavailable; announcing without size', { repository: ev.repository, err });
    }
  }
  // 3. One message: the first to claim it posts, everyone else (and the poster, once more) updates.
  const current = await readState(rt, ev.repository, ev.digest);
  if (current.ts) {
    await rt.slack.update(current.channel ?? channel, current.ts, imageMessage(current.state, services, locale));
    return;
  }
  const claim = `${rt.now()}|${ev.id}`;
  if ((await keptWrite(rt, key, (m) => m.hsetnx(key, 'posting', claim))) !== 1) {
    // Another delivery is posting (it re-reads after), unless its invocation stopped mid-post (a Lambda
    // timeout while Slack was slow): then its claim would keep every later event from posting.
    const held = (await rt.redis.hget(key, 'posting')) ?? '';
    const since = held.includes('|') ? Number(held.slice(0, held.indexOf('|'))) : 0;
    if (Number.isFinite(since) && rt.now() - since <= POSTING_STALE_MS) return;
    log.warn('image announcement: taking over a claim to post that was never completed', { repository: ev.repository, claim: held });
    await keptWrite(rt, key, (m) => m.hset(key, 'posting', claim));
  }
  let posted;
  try {
    posted = await rt.slack.post(channel, imageMessage(current.state, services, locale));
  } catch (err) {
    // Nothing was posted: give the claim back, or no later event of this digest would ever post it.
    await rt.redis.hdel(key, 'posting').catch(() => undefined);
    throw err;
  }
  await keptWrite(rt, key, (m) => m.hset(key, 'ts', posted.ts, 'channel', posted.channel));
  const after = await readState(rt, ev.repository, ev.digest);
  if (JSON.stringify(after.state) !== JSON.stringify(current.state))
    await rt.slack.update(posted.channel, posted.ts, imageMessage(after.state, services, locale));
}

/**
 * A tag points at one digest: the one pushed last with it (ECR moves a tag on each push). A push
 * takes its tags, and says which digests had them; a tag pushed since to another digest is not
 * added by a late delivery of an older push, nor by a scan result that still lists it. Each tag's
 * move is one script (./tags.ts): deliveries handled at the same time cannot both take it.
 */
async function claimTags(
  rt: Runtime,
  ev: ImageEvent,
  matching: readonly string[],
): Promise<{ tags: string[]; took: Array<{ tag: string; digest: string }> }> {
  const tags: string[] = [];
  const took: Array<{ tag: string; digest: string }> = [];
  for (const tag of matching) {
    const move = await moveTag(rt.redis, {
      repository: ev.repository,
      tag,
      digest: ev.digest,
      at: ev.time ?? 0,
      kind: ev.kind === 'push' ? 'push' : 'scan',
      ttlSeconds: KEEP_SECONDS,
    });
    if (move.status === 'skip') continue;
    tags.push(tag);
    if (move.status === 'took') took.push({ tag, digest: move.from });
  }
  return { tags, took };
}

/** The digest a tag moved away from: drop the tag from its record and show it on its message. A failure is logged, not retried. */
async function releaseTag(
  rt: Runtime,
  repository: string,
  t: { tag: string; digest: string },
  services: readonly ResolvedService[],
  channel: string,
  log: Logger,
): Promise<void> {
  try {
    await rt.redis.srem(keys.imageDigestTags(repository, t.digest), t.tag);
    const before = await readState(rt, repository, t.digest);
    if (before.ts)
      await rt.slack.update(before.channel ?? channel, before.ts, imageMessage(before.state, services, rt.config.slack.language));
    log.info('tag moved to another digest', { repository, tag: t.tag, from: t.digest });
  } catch (err) {
    log.warn('tag moved to another digest; the old message still lists it', { repository, tag: t.tag, from: t.digest, err });
  }
}
