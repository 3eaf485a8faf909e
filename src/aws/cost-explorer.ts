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
import { awsError, awsErrorName } from './errors';

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
      userMessage: 'Cost Explorer has no data for this account yet (`DataUnavailableException`).',
      hint: 'If Cost Explorer was just enabled, data appears within about 24 hours. In an AWS Organization the management account enables Cost Explorer for member accounts (Billing and Cost Management → Cost Explorer → Launch Cost Explorer).',
      cause: err,
    });
  }
  if (/not enabled for cost explorer/i.test(detail)) {
    return new BotError('CONFIG', `cost explorer not enabled: ${detail}`, {
      userMessage: 'Cost Explorer is not enabled for this AWS account.',
      hint: 'Open Billing and Cost Management → Cost Explorer and choose Launch Cost Explorer (in an Organization, the management account does this). Data appears within about 24 hours.',
      cause: err,
    });
  }
  if (name === 'BillExpirationException') {
    return new BotError('BAD_INPUT', `bill expired: ${detail}`, {
      userMessage: 'Cost Explorer no longer has billing data for that period (it keeps 13 months).',
      hint: 'Pick a more recent period, e.g. `--period 30d`.',
      cause: err,
    });
  }
  return awsError(err, { action: 'read costs from Cost Explorer', permission });
}
