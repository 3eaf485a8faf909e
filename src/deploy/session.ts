/**
 * Which credentials a change runs with. In an environment reached through a role (chatops.yml
 * `roleArn`), the session that carries out an approved change (and one that aborts it) is its own
 * short role session naming the request, the requester and the approvers (source identity and
 * session tags, src/aws/session.ts), so CloudTrail's UpdateService and RegisterTaskDefinition
 * records say who asked and who approved. Without a role, the function's own credentials are used.
 */
import type { AwsAccess } from '../aws/clients';
import { envAccess } from '../config/load';
import type { Runtime } from '../runtime';
import type { ChangeRequest } from '../approvals/types';
import type { ChangePlan } from './plan';

export function changeAccess(
  rt: Pick<Runtime, 'config'>,
  req: Pick<ChangeRequest, 'id' | 'requester' | 'approvals' | 'verb'>,
  plan: Pick<ChangePlan, 'environment'>,
  action: 'execute' | 'abort' = 'execute',
  actor?: string,
): AwsAccess {
  const env = envAccess(rt.config, plan.environment);
  if (!env.roleArn) return env;
  return {
    ...env,
    session: {
      requestId: req.id,
      requester: req.requester,
      approvers: req.approvals.map((a) => a.user),
      environment: plan.environment,
      verb: req.verb,
      action,
      ...(actor ? { actor } : {}),
    },
  };
}
