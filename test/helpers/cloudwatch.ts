/**
 * CloudWatch GetMetricData as documented, on an aws-sdk-client-mock stub: one result per query id
 * with `series[id]` as hourly values from StartTime, timestamps ascending.
 */
import { GetMetricDataCommand, type CloudWatchClient, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import type { AwsClientStub } from 'aws-sdk-client-mock';

export function stubMetrics(cw: AwsClientStub<CloudWatchClient>, series: Record<string, number[]>): void {
  cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const start = input.StartTime!.getTime();
    return {
      MetricDataResults: input.MetricDataQueries!.map((q) => {
        const values = series[q.Id!] ?? [];
        return {
          Id: q.Id,
          Label: q.MetricStat!.Metric!.MetricName,
          Timestamps: values.map((_, i) => new Date(start + i * 3600_000)),
          Values: values,
          StatusCode: 'Complete',
        };
      }),
      Messages: [],
    };
  });
}
