/**
 * Where a click on a request's button may come from (pure; the click path, ./actions.ts). The
 * buttons are shown on the request's own message (its card in its channel, whose ts the request
 * stores once posted) and in the clicker's Home tab; nowhere else. A click from another channel, or
 * from another message in the request's channel (an orphaned copy of the card, a message that was
 * not the bot's card for this request), acts on nothing. Before the card's ts is stored (the moment
 * between posting it and recording it) the channel alone decides.
 */
import type { ChangeRequest } from './types';

export type ClickPlace = 'ok' | 'otherChannel' | 'otherMessage';

/**
 * The same decision for a button bound to another message of the request (the status card's Abort,
 * a traffic-shift prompt: src/deploy/abort.ts): `messageTs` is that message's ts, `also` the other
 * messages that carry the same button; they are never in a Home tab (leave out `viewType`).
 */
export function clickPlace(
  req: Pick<ChangeRequest, 'channel' | 'messageTs'>,
  click: { channelId?: string; messageTs?: string; viewType?: string },
  also: readonly (string | undefined)[] = [],
): ClickPlace {
  if (!click.channelId && click.viewType === 'home') return 'ok';
  if (req.channel !== click.channelId) return 'otherChannel';
  if (req.messageTs && click.messageTs !== req.messageTs && !(click.messageTs && also.includes(click.messageTs))) return 'otherMessage';
  return 'ok';
}
