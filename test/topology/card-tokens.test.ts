/**
 * A request's warnings are catalog tokens the worker writes into the plan; the Slack function
 * renders them again when a click updates the card. The functions run the built bundles (each holds
 * only what it imports), so the Slack function must know every catalog a plan's warning comes from.
 */
import { useSeededTopology } from '../helpers/topology';
import { requestIn, textOf } from '../helpers/topology/slack';

const t = useSeededTopology({ afterEach: 'no failures' });

it("a warning written by the worker's planner reads as words on the card the Slack function re-renders after a click", async () => {
  // First deploy v1.2.3 (web-prod:43 pins its digest); then ask for exactly that image again.
  await t.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await t.settle();
  const first = requestIn(t.slack, 'CPROD');
  await t.click({ action_id: 'approval:approve', value: first.id, user_id: 'ULEAD1', channel_id: 'CPROD', message_ts: first.ts });
  await t.settle();
  t.world.ecs.complete('prod', 'web-prod');
  await t.settle();

  await t.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await t.settle();
  const again = requestIn(t.slack, 'CPROD');
  expect(again.id).not.toBe(first.id);
  const warning = 'The service already runs exactly this image';
  expect(textOf(again.message)).toContain(warning);

  const res = await t.click({
    action_id: 'approval:approve',
    value: again.id,
    user_id: 'ULEAD1',
    channel_id: 'CPROD',
    message_ts: again.ts,
  });
  expect(res.status).toBe(200);
  const card = textOf(requestIn(t.slack, 'CPROD').message);
  expect(card).toContain(warning);
  expect(card).not.toContain('\u0000');
});
