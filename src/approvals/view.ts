/**
 * How a request's change is shown on its message: the change in one line and the checks made when
 * it was requested, one line each; and the full plan behind the message's Details button. The
 * approval workflow treats plans as opaque, so the feature that makes them (src/deploy/) provides
 * this view (registered by src/deploy/register.ts). Without one, the stored summary and details are
 * shown as they are.
 */
import type { Locale } from '../i18n/locale';
import type { SlackMessage } from '../slack/blocks';
import type { ChangeRequest } from './types';

export interface RequestView {
  /** What changes, in one line, e.g. `shop/web v1.2.2 → v1.2.3 (sha256:3f1c7e5a)`. */
  change: string;
  /** What was checked when it was requested, one line each (scan, roles, task count, warnings). */
  checks: string[];
}

export interface RequestViewProvider {
  /** The one-line view, or undefined when the plan is not one the provider reads. */
  view(req: ChangeRequest, locale: Locale): RequestView | undefined;
  /** Every fact of the plan and its diff, for one reader. */
  details(req: ChangeRequest, locale: Locale, now: number): SlackMessage | undefined;
}

let provider: RequestViewProvider | undefined;

/** Set by the feature whose plans the requests carry (src/deploy/register.ts). */
export function registerRequestView(p: RequestViewProvider): void {
  provider = p;
}

export function requestView(req: ChangeRequest, locale: Locale): RequestView | undefined {
  return provider?.view(req, locale);
}

export function requestDetails(req: ChangeRequest, locale: Locale, now: number): SlackMessage | undefined {
  return provider?.details(req, locale, now);
}
