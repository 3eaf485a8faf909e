/**
 * The harness of the tests about Roll back on an alert (test/e2e/alert-thread-notes.test.ts,
 * alert-rollback-note-late.test.ts): the deploy harness (useDeployHarness) on the fixture's config
 * with worker's own alert channel removed, the fixture's user groups, and web-prod last deployed from
 * task definition 39 to 42 (webDeployedFrom39; :39 registered, so a rollback returns there);
 * web-prod's alerts go to CALERTS and prod needs 1 approval. The alert is about a task of what
 * web-prod runs, web-prod:42 (a Roll back from an alert rolls back away from its revision only).
 */
import { taskDefinition } from './aws-fixtures';
import { configFile, fixtureGroups } from './config';
import { textOf, thread, useDeployHarness, webDeployedFrom39, type DeployHarness } from './deploy-e2e';
import type { StoredMessage } from './slack-server';
import { taskStopped } from '../fixtures/events/samples';

export interface WebAlertHarness {
  h: DeployHarness;
  /** A failed task of web-prod:42 (exit code 1, or as `stop` says) through the events function: its alert in CALERTS. */
  webAlert(stop?: { exitCode?: number; containerReason?: string }): Promise<StoredMessage>;
  /** The replies in `alert`'s thread that speak of a rollback. */
  rollbackNotes(alert: StoredMessage): StoredMessage[];
}

/** `env`: the handlers' environment (useDeployHarness's), e.g. a short Slack bound (./slack-bound.ts). */
export function useWebAlertHarness(opts: { env?: () => Record<string, string> } = {}): WebAlertHarness {
  const h = useDeployHarness({
    ...opts,
    configPath: configFile((d) => {
      delete d.services.worker.alertChannel;
    }),
    groups: fixtureGroups(),
    before: ({ world, clock }) => {
      world.addTaskDefinition(taskDefinition(39, {}, '222222222222.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1.1.9'));
      webDeployedFrom39(world, clock);
    },
  });
  return {
    h,
    async webAlert(stop = {}) {
      await h.e2e.event(
        taskStopped({
          time: h.clock.now(),
          taskId: 'aaaaaaaa1f4fe4a2971f76ae5a47ad00',
          exitCode: 1,
          service: 'web-prod',
          taskDefinition: 'web-prod:42',
          ...stop,
        }),
      );
      const alert = h.e2e.slack.messages('CALERTS').find((m) => !m.thread_ts || m.thread_ts === m.ts);
      if (!alert) throw new Error('no alert');
      return alert;
    },
    rollbackNotes: (alert) => thread(h.e2e, 'CALERTS', alert.ts).filter((m) => textOf(m).includes('roll')),
  };
}
