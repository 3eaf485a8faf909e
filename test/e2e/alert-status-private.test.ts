/**
 * Where an environment's reads are private (chatops.yml `visibility`), an alert's Status button
 * answers only the clicker, as a typed `/ecs status` does: nothing is said in the alert's thread
 * (test/e2e/alert-status-thread.test.ts is the public case).
 */
import { configFile, fixtureGroups } from '../helpers/config';
import { textOf, useDeployHarness, webDeployedFrom39 } from '../helpers/deploy-e2e';
import { alertButton, clickAlertButton } from '../helpers/e2e';
import { taskStopped } from '../fixtures/events/samples';

const h = useDeployHarness({
  configPath: configFile((d) => {
    delete d.services.worker.alertChannel;
    d.environments.prod.visibility = { reads: 'private' };
  }),
  groups: fixtureGroups(),
  before: ({ world, clock }) => webDeployedFrom39(world, clock),
});

it('the Status button of an alert answers only the clicker (nothing in the thread or the channel)', async () => {
  await h.e2e.event(taskStopped({ time: h.clock.now(), taskId: 'aaaaaaaa1f4fe4a2971f76ae5a47ad00', exitCode: 1, service: 'web-prod' }));
  const alert = h.e2e.slack.messages('CALERTS').find((m) => !m.thread_ts || m.thread_ts === m.ts)!;
  await clickAlertButton(h.e2e, alert, alertButton(alert, 'alert:status'), 'UDEV1', 'CALERTS');
  await h.e2e.drain();
  expect(h.e2e.slack.messages().filter((m) => textOf(m).includes('web-prod:42'))).toHaveLength(0);
  const answers = h.e2e.slack.responses().filter((r) => JSON.stringify(r).includes('web-prod:42'));
  expect(answers.map((r) => r.response_type)).toEqual(['ephemeral']);
});
