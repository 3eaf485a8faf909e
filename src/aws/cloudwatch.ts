/**
 * CloudWatch metrics adapter (GetMetricData), for `/ecs rightsize`: many series in one call, paged,
 * bounded. The installed @aws-sdk/client-cloudwatch speaks AWS JSON 1.0 (awsQueryCompatible:
 * `X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`), no longer the query protocol.
 */
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { callAws } from './errors';

export interface Series {
  timestamps: number[];
  values: number[];
}

/** One series to read: a metric with its dimensions and statistic, named by `id` (lower-case start). */
export interface MetricQuery {
  id: string;
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  stat: 'Average' | 'Maximum' | 'Minimum' | 'Sum' | 'SampleCount';
}

const MAX_PAGES = 10;
const TIMEOUT_MS = 15_000;

/** Every query's datapoints between `start` and `end` at `periodSeconds`, oldest first; absent metrics come back empty. */
export async function getMetricData(
  cw: CloudWatchClient,
  queries: readonly MetricQuery[],
  start: number,
  end: number,
  periodSeconds: number,
): Promise<Record<string, Series>> {
  const input: MetricDataQuery[] = queries.map((q) => ({
    Id: q.id,
    MetricStat: {
      Metric: {
        Namespace: q.namespace,
        MetricName: q.metric,
        Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: periodSeconds,
      Stat: q.stat,
    },
    ReturnData: true,
  }));
  const out: Record<string, Series> = Object.fromEntries(queries.map((q) => [q.id, { timestamps: [], values: [] }]));
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await callAws({ action: 'read CloudWatch metrics', permission: 'cloudwatch:GetMetricData' }, () =>
      cw.send(
        new GetMetricDataCommand({
          MetricDataQueries: input,
          StartTime: new Date(start),
          EndTime: new Date(end),
          ScanBy: 'TimestampAscending',
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
        { abortSignal: AbortSignal.timeout(TIMEOUT_MS) },
      ),
    );
    for (const r of res.MetricDataResults ?? []) {
      const s = out[r.Id ?? ''];
      if (!s) continue;
      (r.Timestamps ?? []).forEach((t, i) => {
        const v = r.Values?.[i];
        if (v === undefined || !Number.isFinite(v)) return;
        s.timestamps.push(t.getTime());
        s.values.push(v);
      });
    }
    nextToken = res.NextToken;
    if (!nextToken) break;
  }
  // Pages may interleave: keep each series in time order.
  for (const s of Object.values(out)) {
    const order = s.timestamps.map((_, i) => i).sort((a, b) => s.timestamps[a]! - s.timestamps[b]!);
    s.timestamps = order.map((i) => s.timestamps[i]!);
    s.values = order.map((i) => s.values[i]!);
  }
  return out;
}
