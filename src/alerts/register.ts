/**
 * Wires alerts into the app: the ECS event consumer, the scheduled services-down check, the alert
 * buttons and the Logs job. The parts that call AWS are loaded on first use (await import), so the
 * Slack-facing function, which also runs registerAll() (src/handlers/compose.ts), never loads the SDK at cold start.
 */
import { registerAction } from '../hooks/actions';
import { registerEventConsumer, registerTick } from '../hooks/events';
import { registerJobKind } from '../hooks/jobs';
import { handleAlertButton, logsJobSchema } from './buttons';

let registered = false;

export function registerAlerts(): void {
  if (registered) return;
  registered = true;
  registerEventConsumer('alerts', async (event, rt) => {
    const { handleAlertEvent } = await import('./pipeline');
    await handleAlertEvent(event, rt);
  });
  registerTick('services-down', async (rt) => {
    const { runAlertsTick } = await import('./tick');
    await runAlertsTick(rt);
  });
  registerAction({ actionId: 'alert:', handle: handleAlertButton });
  registerJobKind('alert-logs', {
    schema: logsJobSchema,
    async handle(job, rt) {
      const { runLogsJob } = await import('./logs-job');
      await runLogsJob(job, rt);
    },
  });
}
