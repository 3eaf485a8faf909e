/**
 * The local Slack Web API server lives in production code (src/loopback/slack/) because `npm start`'s
 * playground uses it too; tests import it from here as before.
 */
export * from '../../src/loopback/slack/server';
import { checkView, validateBlocks as validateBlocksOn } from '../../src/loopback/slack/limits';

/** Slack's block errors for a message (at most 50 blocks) or a view (100), in Slack's wording. */
export function validateBlocks(blocks: unknown, maxBlocks: 50 | 100 = 50, pointer = '/blocks'): string[] {
  return validateBlocksOn(blocks, maxBlocks === 50 ? 'message' : 'modal', pointer);
}

/** What Slack refuses in a modal or a Home tab (views.open / push / update / publish), in Slack's wording. */
export function validateView(view: unknown, type: 'modal' | 'home'): string[] {
  return checkView(view, type)?.errors ?? [];
}
