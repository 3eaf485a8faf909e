/**
 * What UpdateService means for a plan, pure: the call a plan makes, whether a (crashed) earlier
 * attempt already applied it, and which ECS errors certainly changed nothing.
 */
import type { Service } from '@aws-sdk/client-ecs';
import { awsErrorName, isAccessDenied } from '../aws/errors';
import type { BotError } from '../errors';
import type { UpdateServiceChange } from '../aws/ecs-write';
import { primaryDeployment, type ChangePlan } from './plan';
import type { ExecFacts } from './tracker';

/** ECS errors after which the service certainly did not change. */
const REFUSALS = new Set([
  'InvalidParameterException',
  'ClientException',
  'ServiceNotActiveException',
  'ServiceNotFoundException',
  'ClusterNotFoundException',
  'PlatformUnknownException',
  'PlatformTaskDefinitionIncompatibilityException',
  'AccessDeniedException',
  'UnsupportedFeatureException',
  'NamespaceNotFoundException',
]);

/** Everything else (5xx, timeouts, throttling past the retries, network) may or may not have applied. */
export function isDefiniteRefusal(err: unknown): boolean {
  return REFUSALS.has(awsErrorName(err)) || isAccessDenied(err);
}

/** AWS did not answer, could not be reached, or kept throttling: the SDK's own retries are spent. */
export function isAwsUnanswered(err: BotError): boolean {
  return err.code === 'AWS_TIMEOUT' || err.code === 'AWS_UNREACHABLE' || err.code === 'AWS_THROTTLED';
}

/** Throttling and 5xx that outlasted the retries, Redis or Slack: the job is retried; refusals fail the change (or the run). */
export function isRetryable(err: BotError): boolean {
  return isAwsUnanswered(err) || err.code === 'STORE_UNAVAILABLE' || err.code === 'SLACK';
}

/** True when UpdateService for `plan` has already taken effect on `service` (a crashed attempt's work). */
export function updateApplied(plan: ChangePlan, service: Service, ex: ExecFacts, startedAt: number): boolean {
  const primary = primaryDeployment(service);
  switch (plan.verb) {
    case 'deploy':
    case 'resize':
      return !!ex.registeredTaskDefinition && service.taskDefinition === ex.registeredTaskDefinition;
    case 'rollback':
      return service.taskDefinition === plan.targetTaskDefinition && plan.targetTaskDefinition !== plan.currentTaskDefinition;
    case 'scale':
      return service.desiredCount === plan.to;
    case 'restart':
      return (
        !!primary?.createdAt && primary.createdAt.getTime() >= startedAt - 5_000 && primary.taskDefinition === plan.currentTaskDefinition
      );
  }
}

/** The UpdateService call that carries out `plan` (`registered`: the task definition a deploy registered). */
export function changeFor(plan: ChangePlan, registered: string | undefined): UpdateServiceChange {
  const where = { cluster: plan.cluster, service: plan.serviceName };
  switch (plan.verb) {
    case 'deploy':
    case 'resize':
      return { ...where, taskDefinition: registered! };
    case 'rollback':
      return { ...where, taskDefinition: plan.targetTaskDefinition };
    case 'scale':
      return { ...where, desiredCount: plan.to };
    case 'restart':
      return { ...where, forceNewDeployment: true };
  }
}
