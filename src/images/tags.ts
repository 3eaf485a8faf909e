/**
 * Which digest an announced tag points at (keys.imageTagDigest, `<event time ms>|<digest>`): the
 * one pushed last with it, as ECR moves a tag on each push. The move is one Lua script
 * (lua/move-tag-1.lua), so two deliveries handled at once cannot both take the tag; and the tags a
 * digest's message lists are its recorded tags that the index does not give to another digest, so
 * a tag added to a digest's record just after a concurrent push moved it elsewhere is not shown.
 */
import { keys } from '../redis/keys';
import type { RedisClient } from '../redis/client';
import { luaScript, runScript } from '../redis/scripts';
import moveTagLua from './lua/move-tag-1.lua';

const MOVE_TAG = luaScript('image_move_tag', 1, moveTagLua);

export type TagMove = { status: 'skip' } | { status: 'kept' } | { status: 'took'; from: string };

/** Give `tag` to `digest` if the event may (a push not older than the tag's current push; a scan only a tag nobody has). */
export async function moveTag(
  redis: RedisClient,
  input: { repository: string; tag: string; digest: string; at: number; kind: 'push' | 'scan'; ttlSeconds: number },
): Promise<TagMove> {
  const reply = (await runScript(
    redis,
    MOVE_TAG,
    [keys.imageTagDigest(input.repository, input.tag)],
    [input.digest, Math.max(0, Math.floor(input.at)), input.kind, input.ttlSeconds],
  )) as string[];
  if (reply[0] === 'took') return { status: 'took', from: reply[1] ?? '' };
  return { status: reply[0] === 'skip' ? 'skip' : 'kept' };
}

/** The digest `value` (of keys.imageTagDigest) names, or undefined for none or a value not in that form. */
function ownerOf(value: string | null): string | undefined {
  const i = value?.indexOf('|') ?? -1;
  return value && i >= 0 ? value.slice(i + 1) : undefined;
}

/** Of a digest's recorded tags, the ones it still has: the index names it, or names nobody (expired). One MGET, one slot. */
export async function tagsStillAt(redis: RedisClient, repository: string, digest: string, tags: readonly string[]): Promise<string[]> {
  if (!tags.length) return [];
  const owners = await redis.mget(...tags.map((t) => keys.imageTagDigest(repository, t)));
  return tags.filter((_t, i) => {
    const owner = ownerOf(owners[i] ?? null);
    return owner === undefined || owner === digest;
  });
}
