/**
 * Wires the image announcements into the bot: an event consumer for ECR's push and scan events
 * (and Inspector's). The part that calls AWS is loaded on first use, so the Slack-facing function,
 * which also runs registerAll(), never loads it at cold start.
 */
import { registerEventConsumer } from '../hooks/events';

let registered = false;

export function registerImages(): void {
  if (registered) return;
  registered = true;
  registerEventConsumer('images', async (event, rt) => (await import('./announce')).onImageEvent(event, rt));
}
