/**
 * The AWS an alert reads for a failed task, stubbed for one test (aws-sdk-client-mock): the task's
 * definition (family web, revision 42, no containers, so no log location to read) and no log lines;
 * the alert pipeline's task-definition cache is cleared first, so an earlier test's answer is not reused.
 * `services`: what DescribeServices answers too (the scheduled check's services-down read), e.g. `[]`;
 * a function is asked again on every call (a service that goes down and comes back).
 */
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, type Service } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { clearTaskDefinitionCache } from '../../src/alerts/logs';

/** Stub them; call `restore()` after the test. */
export function stubAlertAws(opts: { services?: Service[] | (() => Service[]) } = {}): { restore(): void } {
  clearTaskDefinitionCache();
  const ecs = mockClient(ECSClient);
  const logs = mockClient(CloudWatchLogsClient);
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { family: 'web', revision: 42, containerDefinitions: [] } });
  const services = opts.services;
  if (typeof services === 'function') ecs.on(DescribeServicesCommand).callsFake(() => ({ services: services(), failures: [] }));
  else if (services) ecs.on(DescribeServicesCommand).resolves({ services, failures: [] });
  logs.on(GetLogEventsCommand).resolves({ events: [], nextForwardToken: 'f/1', nextBackwardToken: 'b/1' });
  return {
    restore() {
      ecs.restore();
      logs.restore();
    },
  };
}
