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
import { BotError } from '../errors';
import { awsError, awsErrorName, awsActions } from './errors';
import { defineMessages } from '../i18n/catalog';

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

/** Cost Explorer failures a person can fix, then the common AWS mapping. */
function costError(err: unknown, permission: string): BotError {
  const name = awsErrorName(err);
  const detail = (err as Error)?.message ?? String(err);
  if (name === 'DataUnavailableException') {
    return new BotError('NOT_FOUND', `cost explorer data unavailable: ${detail}`, {
      userMessage: M.lazy('noData'),
      hint: M.lazy('noDataHint'),
      cause: err,
    });
  }
  if (/not enabled for cost explorer/i.test(detail)) {
    return new BotError('CONFIG', `cost explorer not enabled: ${detail}`, {
      userMessage: M.lazy('notEnabled'),
      hint: M.lazy('notEnabledHint'),
      cause: err,
    });
  }
  if (name === 'BillExpirationException') {
    return new BotError('BAD_INPUT', `bill expired: ${detail}`, {
      userMessage: M.lazy('expired'),
      hint: M.lazy('expiredHint'),
      cause: err,
    });
  }
  return awsError(err, { action: awsActions.lazy('readCosts'), permission });
}
