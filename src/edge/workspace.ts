/**
 * Requests from the configured Slack workspace (and Enterprise Grid org) only. The signature proves
 * a request comes from Slack for this app; it does not prove it comes from the workspace the bot
 * serves (an app can be installed elsewhere, and in a Slack Connect channel users of other
 * workspaces click the bot's buttons). With `slack.teamId` / `slack.enterpriseId` in chatops.yml,
 * anything else is refused before parsing, authorization or Redis.
 */
import type { Middleware, AnyMiddlewareArgs } from '@slack/bolt';
import type { Config } from '../config/schema';
import type { Runtime } from '../runtime';

/** A JSON-ish body: the fields Slack puts the team and org in, by payload type. */
type Body = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Body | undefined => (v && typeof v === 'object' ? (v as Body) : undefined);

/** The workspace ids a request names: the request's team, the acting user's team, a modal's installing team. */
function teamIds(body: Body): string[] {
  return [
    str(body.team_id),
    str(obj(body.team)?.id),
    str(obj(body.user)?.team_id),
    str(obj(body.view)?.team_id),
    str(obj(body.view)?.app_installed_team_id),
  ].filter((t): t is string => !!t);
}

/** The Enterprise Grid org ids a request names. */
function enterpriseIds(body: Body): string[] {
  return [
    str(body.enterprise_id),
    str(obj(body.enterprise)?.id),
    str(obj(body.team)?.enterprise_id),
    str(obj(body.user)?.enterprise_id),
  ].filter((e): e is string => !!e);
}

/**
 * Why this request comes from elsewhere, or undefined when it may go on. Every team id the body
 * names must be the configured one, unless the org is configured and matches (on Grid, users of the
 * org's other workspaces are the org's people); with an org configured, the body must name it.
 */
export function foreignWorkspace(
  slack: Pick<Config['slack'], 'teamId' | 'enterpriseId'>,
  body: Body,
): { teamId?: string; enterpriseId?: string } | undefined {
  const teams = teamIds(body);
  const orgs = enterpriseIds(body);
  if (slack.enterpriseId) {
    if (!orgs.length || orgs.some((e) => e !== slack.enterpriseId))
      return { enterpriseId: orgs.find((e) => e !== slack.enterpriseId) ?? '(none)', teamId: teams[0] };
    // Same org: the request's own workspace must still be the configured one, if one is configured.
    const own = str(body.team_id) ?? str(obj(body.team)?.id);
    if (slack.teamId && own && own !== slack.teamId) return { teamId: own };
    return undefined;
  }
  if (slack.teamId) {
    const other = teams.find((t) => t !== slack.teamId);
    if (other || !teams.length) return { teamId: other ?? '(none)' };
  }
  return undefined;
}

const REFUSAL = ':no_entry: This bot only answers the Slack workspace it was set up for.';

/** Bolt global middleware: refuse (ack with a short answer, log) requests from another workspace or org. */
export function workspaceGuard(rt: Runtime): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as unknown as Body;
    const foreign = foreignWorkspace(rt.config.slack, body);
    if (!foreign) {
      await args.next();
      return;
    }
    rt.log.warn('request from another workspace refused', {
      ...foreign,
      type: str(body.type) ?? (str(body.command) ? 'command' : undefined),
    });
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    if (!ack) return;
    if (str(body.command)) await ack({ response_type: 'ephemeral', text: REFUSAL });
    else await ack();
  };
}
