/**
 * CloudWatch GetMetricData for the world's ECS services: AWS/ECS CPUUtilization and MemoryUtilization
 * (percent of the reservation) by ClusterName/ServiceName, one datapoint per period, a steady daily
 * wave (CPU 10–30 %, memory 30–40 %); other metrics (Container Insights when it is off) come back empty,
 * as CloudWatch answers for a metric that has no data.
 */
import type { AwsCall, AwsHandler } from '../server';

interface Query {
  Id: string;
  MetricStat?: {
    Metric?: { Namespace?: string; MetricName?: string; Dimensions?: Array<{ Name: string; Value: string }> };
    Period?: number;
    Stat?: string;
  };
}

export class MetricsWorld {
  handlers(): Record<string, AwsHandler> {
    return {
      GetMetricData: (call: AwsCall) => {
        const start = Number(call.input.StartTime) * 1000;
        const end = Number(call.input.EndTime) * 1000;
        const queries = (call.input.MetricDataQueries ?? []) as Query[];
        return {
          MetricDataResults: queries.map((q) => {
            const m = q.MetricStat?.Metric;
            const period = (q.MetricStat?.Period ?? 3600) * 1000;
            const range = m?.MetricName === 'CPUUtilization' ? [10, 30] : m?.MetricName === 'MemoryUtilization' ? [30, 40] : undefined;
            const timestamps: Date[] = [];
            const values: number[] = [];
            if (m?.Namespace === 'AWS/ECS' && range) {
              for (let t = start, i = 0; t < end; t += period, i++) {
                timestamps.push(new Date(t));
                values.push(range[0]! + ((range[1]! - range[0]!) * (1 + Math.sin((i / 24) * 2 * Math.PI))) / 2);
              }
            }
            return { Id: q.Id, Label: m?.MetricName, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
          }),
          Messages: [],
        };
      },
    };
  }
}
