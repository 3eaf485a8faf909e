/**
 * The Home tab's worker part: read every environment's services from ECS (exactly what
 * `/ecs status <environment>` reads) and cache one line of data per service in Redis, where the
 * Slack-facing function reads it (./home-data.ts). Loaded with `await import` by ./home-publish.ts.
 */
import { readEnvironment } from '../commands/status.run';
import { parseImage } from '../commands/render/common';
import { containerImage, healthOf, tagOfDigest } from '../commands/render/status';
import type { EnvironmentRow } from '../commands/render/status-env';
import { shortDigest } from '../deploy/refs';
import { isBotError } from '../errors';
import { keys } from '../redis/keys';
import type { Runtime } from '../runtime';
import { plainText } from '../slack/text';
import type { StatusRow } from './home';
import type { EnvStatus } from './home-data';
import { defineMessages } from '../i18n/catalog';

const M = defineMessages('surfaces.home.run', {
  ecsSilent: { en: 'ECS did not answer', ko: 'ECS가 응답하지 않았습니다' },
});

/** The cached health is kept this long (shown with its time), then dropped. */
const STATUS_TTL_SECONDS = 3600;

export function statusRow(row: EnvironmentRow): StatusRow {
  const img = parseImage(containerImage(row.taskDefinition, row.container));
  const image = img.tag ?? tagOfDigest(row.imageTags) ?? (img.digest ? `@${shortDigest(img.digest)}` : undefined);
  return {
    alias: row.alias,
    health: row.service ? healthOf(row.service) : 'missing',
    running: row.service?.runningCount ?? 0,
    desired: row.service?.desiredCount ?? 0,
    pending: row.service?.pendingCount ?? 0,
    ...(image ? { image } : {}),
  };
}

/** Read and cache every environment (one at a time: ECS read APIs throttle per account). */
export async function refreshEnvironmentStatus(rt: Runtime): Promise<void> {
  for (const env of Object.keys(rt.config.environments)) {
    let status: EnvStatus;
    try {
      // A deployed image is pinned by digest: named by its tag, as /ecs status <environment> names it.
      const { rows } = await readEnvironment(rt, env, { imageTags: true });
      status = { at: rt.now(), rows: rows.map(statusRow) };
    } catch (err) {
      rt.log.warn('home: could not read an environment from ECS', { env, err });
      status = {
        at: rt.now(),
        rows: [],
        error: isBotError(err) ? plainText(err.userMessageIn(rt.people.workspace)) : M.in(rt.people.workspace)('ecsSilent'),
      };
    }
    await rt.redis.set(keys.envStatus(env), JSON.stringify(status), 'EX', STATUS_TTL_SECONDS);
  }
}
