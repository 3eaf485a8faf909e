/**
 * Cost Explorer read adapter. The API lives in us-east-1 (rt.aws.costExplorer()), each request
 * (each page) costs $0.01, and the data refreshes a few times a day: callers cache results
 * (src/commands/cost.run.ts). Pages are bounded so a large grouping never runs up a bill.
 */
import {
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  type CostExplorerClient,
  type GetCostAndUsageRequest,
  type GetCostAndUsageResponse,
  type GetCostForecastRequest,
  type GetCostForecastResponse,
} from '@aws-sdk/client-cost-explorer';
import { BotError, isBotError, type ErrorCode } from '../errors';
import { awsError, awsErrorName, awsActions, awsErrorText, waitedSeconds } from './errors';
import { defineMessages, type Localized } from '../i18n/catalog';
import { escapeMrkdwn } from '../slack/text';
import { roleOfError, roleParts } from './session';

const M = defineMessages('aws.cost-explorer', {
  noData: {
    en: 'Cost Explorer has no data for this account yet (`DataUnavailableException`).',
    ko: 'Cost Explorer에 아직 이 계정의 데이터가 없습니다 (`DataUnavailableException`).',
  },
  noDataHint: {
    en: 'If Cost Explorer was just enabled, data appears within about 24 hours. In an AWS Organization the management account enables Cost Explorer for member accounts (Billing and Cost Management → Cost Explorer → Launch Cost Explorer).',
    ko: 'Cost Explorer를 방금 켰다면 24시간쯤 뒤에 데이터가 나옵니다. AWS Organization에서는 관리 계정이 멤버 계정의 Cost Explorer를 켭니다 (Billing and Cost Management → Cost Explorer → Launch Cost Explorer).',
  },
  notEnabled: { en: 'Cost Explorer is not enabled for this AWS account.', ko: '이 AWS 계정에는 Cost Explorer가 켜져 있지 않습니다.' },
  notEnabledHint: {
    en: 'Open Billing and Cost Management → Cost Explorer and choose Launch Cost Explorer (in an Organization, the management account does this). Data appears within about 24 hours.',
    ko: 'Billing and Cost Management → Cost Explorer에서 Launch Cost Explorer를 누르세요 (Organization에서는 관리 계정이 합니다). 24시간쯤 뒤에 데이터가 나옵니다.',
  },
  expired: {
    en: 'Cost Explorer no longer has billing data for that period (it keeps 13 months).',
    ko: 'Cost Explorer에 그 기간의 청구 데이터가 더 이상 없습니다 (13개월까지만 보관합니다).',
  },
  expiredHint: { en: 'Pick a more recent period, e.g. `--period 30d`.', ko: '더 최근 기간을 고르세요. 예: `--period 30d`' },
  failedNamed: { en: 'Cost Explorer could not answer ({name}).', ko: 'Cost Explorer가 응답하지 못했습니다 ({name}).' },
  failed: { en: 'Cost Explorer could not answer.', ko: 'Cost Explorer가 응답하지 못했습니다.' },
});

const MAX_COST_PAGES = 5;

/** GetCostAndUsage, following NextPageToken up to `maxPages` pages (merged into one response). */
export async function getCostAndUsage(
  ce: CostExplorerClient,
  input: GetCostAndUsageRequest,
  maxPages = MAX_COST_PAGES,
): Promise<GetCostAndUsageResponse & { pages: number; truncated: boolean }> {
  const merged: GetCostAndUsageResponse = { ResultsByTime: [] };
  let token: string | undefined;
  let pages = 0;
  do {
    let res: GetCostAndUsageResponse;
    try {
      res = await ce.send(new GetCostAndUsageCommand({ ...input, ...(token ? { NextPageToken: token } : {}) }));
    } catch (err) {
      throw costError(err, 'ce:GetCostAndUsage');
    }
    pages++;
    merged.GroupDefinitions ??= res.GroupDefinitions;
    merged.DimensionValueAttributes = [...(merged.DimensionValueAttributes ?? []), ...(res.DimensionValueAttributes ?? [])];
    // Pages split a period's groups: merge results that share a TimePeriod.
    for (const r of res.ResultsByTime ?? []) {
      const same = merged.ResultsByTime!.find(
        (m) => m.TimePeriod?.Start === r.TimePeriod?.Start && m.TimePeriod?.End === r.TimePeriod?.End,
      );
      if (same) same.Groups = [...(same.Groups ?? []), ...(r.Groups ?? [])];
      else merged.ResultsByTime!.push({ ...r, Groups: [...(r.Groups ?? [])] });
    }
    token = res.NextPageToken;
  } while (token && pages < maxPages);
  return { ...merged, pages, truncated: Boolean(token) };
}

export async function getCostForecast(ce: CostExplorerClient, input: GetCostForecastRequest): Promise<GetCostForecastResponse> {
  try {
    return await ce.send(new GetCostForecastCommand(input));
  } catch (err) {
    throw costError(err, 'ce:GetCostForecast');
  }
}

/**
 * Why a Cost Explorer call failed, in no language: what a failed call leaves for the callers that
 * waited for the same call (src/commands/cost-spend.ts), each of whom reads it in their own
 * language (costFailureError). The error's code, a reason, and its parameters only: no AWS message,
 * request id or stack.
 */
export interface CostFailure {
  code: ErrorCode;
  reason: CostFailureReason;
  /** The AWS error name (throttled, unknown). */
  name?: string;
  /** The IAM action AWS refused (accessDenied). */
  perm?: string;
  /** The role the bot used in the target account (accessDenied). */
  role?: string;
  /** Seconds AWS was waited for (timeout). */
  s?: number;
}

const REASONS = ['noData', 'notEnabled', 'expired', 'accessDenied', 'throttled', 'timeout', 'unknown'] as const;
export type CostFailureReason = (typeof REASONS)[number];

/** The failures costError mapped, by the error it returned. */
const mapped = new WeakMap<BotError, CostFailure>();

/** Cost Explorer failures a person can fix, then the common AWS mapping; either way its CostFailure is kept. */
function costError(err: unknown, permission: string): BotError {
  const name = awsErrorName(err);
  const detail = (err as Error)?.message ?? String(err);
  const own: CostFailure | undefined =
    name === 'DataUnavailableException'
      ? { code: 'NOT_FOUND', reason: 'noData' }
      : /not enabled for cost explorer/i.test(detail)
        ? { code: 'CONFIG', reason: 'notEnabled' }
        : name === 'BillExpirationException'
          ? { code: 'BAD_INPUT', reason: 'expired' }
          : undefined;
  if (own) {
    const e = costFailureError(own, `cost explorer ${own.reason}: ${detail}`, err);
    mapped.set(e, own);
    return e;
  }
  const ctx = { action: awsActions.lazy('readCosts'), permission };
  const e = awsError(err, ctx);
  const role = roleOfError(err)?.roleArn;
  const waited = e.code === 'AWS_TIMEOUT' ? waitedSeconds(ctx) : undefined;
  const failure: CostFailure =
    e.code === 'AWS_ACCESS_DENIED'
      ? { code: e.code, reason: 'accessDenied', perm: permission, ...(role ? { role } : {}) }
      : e.code === 'AWS_THROTTLED'
        ? { code: e.code, reason: 'throttled', name }
        : e.code === 'AWS_TIMEOUT'
          ? { code: e.code, reason: 'timeout', ...(waited ? { s: waited } : {}) }
          : { code: e.code, reason: 'unknown', ...(name !== 'Error' ? { name } : {}) };
  mapped.set(e, failure);
  return e;
}

/** What a failed Cost Explorer call leaves for those who waited on it (any error: one costError did not map is `unknown`). */
export function costFailureOf(err: unknown): CostFailure {
  if (!isBotError(err)) return { code: 'AWS', reason: 'unknown' };
  const known = mapped.get(err);
  if (known) return known;
  const cause = err.cause === undefined ? undefined : awsErrorName(err.cause);
  const name = cause && cause !== 'Error' ? cause : undefined;
  if (err.code === 'AWS_THROTTLED') return { code: err.code, reason: 'throttled', ...(name ? { name } : {}) };
  if (err.code === 'AWS_TIMEOUT') return { code: err.code, reason: 'timeout' };
  if (err.code === 'AWS_ACCESS_DENIED') return { code: err.code, reason: 'accessDenied' };
  return { code: err.code, reason: 'unknown', ...(name ? { name } : {}) };
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const PERM = /^[a-z0-9-]+:[A-Za-z0-9*]{1,64}$/;
const ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** A stored CostFailure read back, keeping only well-formed parameters; undefined when it is none. */
export function readCostFailure(v: unknown): CostFailure | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const f = v as Record<string, unknown>;
  if (typeof f.code !== 'string' || !/^[A-Z_]{2,32}$/.test(f.code) || !(REASONS as readonly unknown[]).includes(f.reason)) return undefined;
  const ok = (x: unknown, re: RegExp): x is string => typeof x === 'string' && re.test(x);
  return {
    code: f.code as ErrorCode,
    reason: f.reason as CostFailureReason,
    ...(ok(f.name, NAME) ? { name: f.name } : {}),
    ...(ok(f.perm, PERM) ? { perm: f.perm } : {}),
    ...(ok(f.role, ROLE) ? { role: f.role } : {}),
    ...(typeof f.s === 'number' && Number.isInteger(f.s) && f.s > 0 && f.s < 3600 ? { s: f.s } : {}),
  };
}

/** The failure as an error written in whichever language its reader reads, with what to do next. */
export function costFailureError(
  f: CostFailure,
  message = `a shared Cost Explorer request failed: ${f.reason}`,
  cause?: unknown,
): BotError {
  const A = awsErrorText.lazy;
  const action = awsActions.lazy('readCosts');
  const tick = (s: string) => `\`${escapeMrkdwn(s)}\``;
  let userMessage: Localized;
  let hint: Localized | undefined;
  switch (f.reason) {
    case 'noData':
      [userMessage, hint] = [M.lazy('noData'), M.lazy('noDataHint')];
      break;
    case 'notEnabled':
      [userMessage, hint] = [M.lazy('notEnabled'), M.lazy('notEnabledHint')];
      break;
    case 'expired':
      [userMessage, hint] = [M.lazy('expired'), M.lazy('expiredHint')];
      break;
    case 'accessDenied':
      if (f.role) {
        const { account } = roleParts(f.role);
        const perm = f.perm ? tick(f.perm) : awsErrorText.lazy('somePermission');
        [userMessage, hint] = [A('roleDenied', { action, role: tick(f.role), account: tick(account), perm }), A('roleHint')];
      } else {
        [userMessage, hint] = [f.perm ? A('deniedNeeds', { action, perm: tick(f.perm) }) : A('denied', { action }), A('deniedHint')];
      }
      break;
    case 'throttled':
      userMessage = A('throttled', { action, name: tick(f.name ?? 'ThrottlingException') });
      break;
    case 'timeout':
      [userMessage, hint] = [f.s ? A('timeoutWithin', { action, s: f.s }) : A('timeout', { action }), A('timeoutHint')];
      break;
    case 'unknown':
      [userMessage, hint] = [f.name ? M.lazy('failedNamed', { name: tick(f.name) }) : M.lazy('failed'), A('failedBeforeHint')];
      break;
  }
  return new BotError(f.code, message, { userMessage, ...(hint ? { hint } : {}), ...(cause === undefined ? {} : { cause }) });
}
