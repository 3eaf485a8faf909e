/**
 * The scheduled check (every minute): services down (desired > 0, running = 0 for longer than
 * environments.<env>.alerts.downAfter), recovery when running is back to desired, and the safety
 * net for messages that did not reach Slack (Slack was down, a worker died, a mute ended), for
 * thread replies left out in a storm (./backlog.ts) and for the messages of replaced incidents Slack
 * left behind (./behind.ts).
 */
import type { Service } from '@aws-sdk/client-ecs';
import { describeServices } from '../aws/ecs';
import { servicesIn } from '../config/load';
import type { ResolvedService } from '../config/schema';
import type { Logger } from '../log';
import type { Runtime } from '../runtime';
import { incidentText, type DownFacts } from './incident';
import { processRecover, processSignal, recoveryQuietMs } from './pipeline';
import { recoveredBy } from './replies';
import { claimForFlush, clearDown, markDown } from './signals';
import { syncIncident } from './sync';
import { postBacklog } from './backlog';
import { catchUpBehind } from './behind';

export async function runAlertsTick(rt: Runtime): Promise<void> {
  const now = rt.now();
  await Promise.all(Object.keys(rt.config.environments).map((env) => checkEnvironment(rt, env, now)));
}

async function checkEnvironment(rt: Runtime, envName: string, now: number): Promise<void> {
  const services = servicesIn(rt.config, envName);
  if (services.length === 0) return;
  const env = rt.config.environments[envName]!;
  const log = rt.log.child({ tick: 'services-down', environment: envName });
  let described: Service[] | undefined;
  try {
    const res = await describeServices(
      rt.aws.ecs(env.region, { ...env, name: envName }),
      env.cluster,
      services.map((s) => s.service),
      `environments.${envName}.cluster`,
    );
    described = res.services;
    for (const f of res.failures) log.warn('services-down check: ECS does not know a configured service', { arn: f.arn, reason: f.reason });
  } catch (err) {
    log.error('services-down check: cannot describe the services', { err });
  }
  for (const svc of services) {
    const slog = log.child({ service: svc.alias });
    try {
      const s = described?.find((x) => x.serviceName === svc.service || x.serviceArn?.endsWith(`/${svc.service}`));
      if (s && s.status === 'ACTIVE') await checkService(rt, svc, s, now, slog);
      await flush(rt, svc, now, slog);
      // Messages of replaced incidents that Slack left behind (src/alerts/behind.ts).
      await catchUpBehind(rt, svc, slog);
      // Thread replies that did not reach Slack when their events came (src/alerts/backlog.ts).
      await postBacklog(rt, svc, slog);
    } catch (err) {
      slog.warn('services-down check failed for this service', { err });
    }
  }
}

async function checkService(rt: Runtime, svc: ResolvedService, s: Service, now: number, log: Logger): Promise<void> {
  const desired = s.desiredCount ?? 0;
  const running = s.runningCount ?? 0;
  if (desired > 0 && running === 0) {
    const since = await markDown(rt.redis, svc, now);
    if (now - since < svc.env.alerts.downAfter) return;
    const facts: DownFacts = { since, desired, running };
    await processSignal(
      rt,
      svc,
      {
        kind: 'down',
        seenId: `down:${since}`,
        reasonKey: 'down',
        // A catalog token: shown in the reader's language (the Home tab's "last:").
        reasonLabel: incidentText.token('serviceDown'),
        facts,
        now,
        at: now,
        windowMs: svc.env.alerts.incidentWindow,
      },
      log,
    );
    return;
  }
  await clearDown(rt.redis, svc);
  if (running >= desired) {
    const by = desired === 0 ? recoveredBy.scaledToZero() : recoveredBy.running(running, desired);
    await processRecover(rt, svc, { now, at: now, quietMs: recoveryQuietMs(svc), by }, log);
  }
}

/** Post or update a message that is missing or behind. */
async function flush(rt: Runtime, svc: ResolvedService, now: number, log: Logger): Promise<void> {
  const claim = await claimForFlush(rt.redis, svc, now, svc.env.alerts.incidentWindow);
  if (claim.status !== 'post' && claim.status !== 'update') return;
  log.info('alert message catching up', { action: claim.status });
  await syncIncident(rt, svc, claim.gen, log);
}
