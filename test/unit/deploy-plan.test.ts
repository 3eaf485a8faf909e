import {
  assertChangeable,
  imagePolicyProblems,
  parsePlan,
  previousFromDeployments,
  previousFromHistory,
  type HistoryEntry,
} from '../../src/deploy/plan';
import { withThrottleRetry } from '../../src/deploy/retry';
import { passRoleDenied } from '../../src/aws/ecs-write';
import { isBotError, type BotError } from '../../src/errors';
import { awsException, deployment, imageDetail, service, tdArn } from '../helpers/aws-fixtures';
import { isDefiniteRefusal } from '../../src/deploy/apply';

const NOW = Date.parse('2025-11-25T10:00:00Z');

function refusal(fn: () => void): BotError {
  try {
    fn();
  } catch (err) {
    if (isBotError(err)) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('assertChangeable', () => {
  it('accepts an ACTIVE rolling-update service at rest', () => {
    expect(() => assertChangeable(service(), 'deploy', 'web', NOW)).not.toThrow();
  });

  it.each(['CODE_DEPLOY', 'EXTERNAL'] as const)(
    'refuses deploy/rollback/restart with the %s controller, explaining why; scale is allowed',
    (type) => {
      const s = service({ deploymentController: { type } });
      for (const verb of ['deploy', 'rollback', 'restart'] as const) {
        const e = refusal(() => assertChangeable(s, verb, 'web', NOW));
        expect(e.code).toBe('REFUSED');
        expect(e.userMessage).toContain(`the \`${type}\` deployment controller`);
        expect(e.hint).toContain('`/ecs scale` still works');
      }
      expect(() => assertChangeable(s, 'scale', 'web', NOW)).not.toThrow();
    },
  );

  it('refuses a DRAINING service', () => {
    expect(refusal(() => assertChangeable(service({ status: 'DRAINING' }), 'scale', 'web', NOW)).userMessage).toContain('is `DRAINING`');
  });

  it('refuses a change while another rollout runs, except a rollback', () => {
    const s = service({
      deployments: [
        deployment({
          id: 'ecs-svc/2',
          taskDefinition: tdArn('web-prod', 43),
          rolloutState: 'IN_PROGRESS',
          createdAt: new Date(NOW - 5 * 60_000),
        }),
        deployment({ id: 'ecs-svc/1', status: 'ACTIVE' }),
      ],
    });
    const e = refusal(() => assertChangeable(s, 'deploy', 'web', NOW));
    expect(e.code).toBe('CONFLICT');
    expect(e.userMessage).toContain('deployment `ecs-svc/2` to `web-prod:43` started 5m ago');
    expect(() => assertChangeable(s, 'rollback', 'web', NOW)).not.toThrow();
  });
});

describe('image policy', () => {
  const block = { blockCritical: true, requireScan: false };
  const require = { blockCritical: false, requireScan: true };
  it('allows a scanned image without critical findings', () => {
    expect(imagePolicyProblems(imageDetail(), { blockCritical: true, requireScan: true })).toEqual([]);
  });
  it('refuses critical findings when blockCritical, with the counts', () => {
    const img = imageDetail({ imageScanFindingsSummary: { findingSeverityCounts: { CRITICAL: 2, HIGH: 5 } } });
    expect(imagePolicyProblems(img, block)).toEqual([
      'The image has 2 critical findings (2 critical, 5 high), and this environment blocks critical findings.',
    ]);
    expect(imagePolicyProblems(img, { blockCritical: false, requireScan: false })).toEqual([]);
  });
  it('refuses unscanned, scanning and failed scans when requireScan', () => {
    expect(imagePolicyProblems(imageDetail({ imageScanStatus: undefined, imageScanFindingsSummary: undefined }), require)[0]).toContain(
      'has never been scanned',
    );
    expect(imagePolicyProblems(imageDetail({ imageScanStatus: { status: 'IN_PROGRESS' } }), require)[0]).toContain(
      'is still being scanned',
    );
    expect(
      imagePolicyProblems(imageDetail({ imageScanStatus: { status: 'UNSUPPORTED_IMAGE', description: 'not supported' } }), require)[0],
    ).toContain('UNSUPPORTED_IMAGE: not supported');
    expect(imagePolicyProblems(imageDetail({ imageScanStatus: { status: 'ACTIVE' } }), require)).toEqual([]);
  });
  it('refuses archived images whatever the policy', () => {
    expect(imagePolicyProblems(imageDetail({ imageStatus: 'ARCHIVED' }), { blockCritical: false, requireScan: false })[0]).toContain(
      'archived',
    );
  });
});

describe('previousFromHistory (what ran before the last deploy, not revision minus one)', () => {
  const cur = tdArn('web-prod', 45);
  const h = (minutesAgo: number, target: string, sources: string[], status = 'SUCCESSFUL'): HistoryEntry => ({
    createdAt: NOW - minutesAgo * 60_000,
    status,
    target,
    sources,
  });

  it('returns the source of the newest deployment that brought the current task definition in', () => {
    const history = [h(300, tdArn('web-prod', 40), [tdArn('web-prod', 39)]), h(100, cur, [tdArn('web-prod', 40)])];
    expect(previousFromHistory(cur, history)).toBe(tdArn('web-prod', 40));
  });

  it('skips restarts and scaling (same task definition) and failed, rolled-back deployments', () => {
    const history = [
      h(10, cur, [cur]), // restart
      h(20, tdArn('web-prod', 46), [cur], 'ROLLBACK_SUCCESSFUL'), // a bad deploy that was rolled back
      h(30, cur, [tdArn('web-prod', 38)]), // the deploy that brought 45 in, from 38 (44 was never deployed)
      h(60, tdArn('web-prod', 38), [tdArn('web-prod', 37)]),
    ];
    expect(previousFromHistory(cur, history)).toBe(tdArn('web-prod', 38));
  });

  it('is undefined when the history does not say', () => {
    expect(previousFromHistory(cur, [h(10, cur, [cur])])).toBeUndefined();
    expect(previousFromHistory(cur, [])).toBeUndefined();
  });

  it('during a rollout: the other deployment’s task definition', () => {
    const s = service({
      deployments: [
        deployment({ id: 'n', taskDefinition: cur, rolloutState: 'IN_PROGRESS', runningCount: 1 }),
        deployment({ id: 'o', status: 'ACTIVE', taskDefinition: tdArn('web-prod', 44), runningCount: 4 }),
      ],
    });
    expect(previousFromDeployments(s)).toBe(tdArn('web-prod', 44));
    expect(previousFromDeployments(service())).toBeUndefined();
  });
});

describe('parsePlan', () => {
  it('reads back a stored plan and rejects anything else', () => {
    const plan = {
      verb: 'scale',
      environment: 'prod',
      alias: 'web',
      region: 'eu-west-1',
      cluster: 'prod',
      serviceName: 'web-prod',
      serviceArn: 'arn',
      currentTaskDefinition: tdArn('web-prod', 42),
      desiredCount: 4,
      madeAt: NOW,
      from: 4,
      to: 8,
    };
    expect(parsePlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
    expect(parsePlan({ ...plan, to: 'eight' })).toBeUndefined();
    expect(parsePlan({ verb: 'nuke' })).toBeUndefined();
  });
});

describe('withThrottleRetry', () => {
  it('retries throttling with growing, jittered waits, then succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withThrottleRetry(
      async () => {
        calls++;
        if (calls < 3) throw awsException('ThrottlingException', 'Rate exceeded');
        return 'ok';
      },
      { sleep: async (ms) => void waits.push(ms), random: () => 1, baseMs: 100 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  it('gives up after the attempts and never retries other errors', async () => {
    let calls = 0;
    const sleep = async () => undefined;
    await expect(
      withThrottleRetry(
        async () => {
          calls++;
          throw awsException('ThrottlingException', 'Rate exceeded');
        },
        { sleep, attempts: 3 },
      ),
    ).rejects.toThrow('Rate exceeded');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      withThrottleRetry(
        async () => {
          calls++;
          throw awsException('InvalidParameterException', 'bad');
        },
        { sleep },
      ),
    ).rejects.toThrow('bad');
    expect(calls).toBe(1);
  });
});

describe('AWS error classification for the executor', () => {
  it('recognises an iam:PassRole denial relayed as AccessDeniedException or ClientException, and names the role', () => {
    const msg =
      'User: arn:aws:sts::222222222222:assumed-role/worker/x is not authorized to perform: iam:PassRole on resource: arn:aws:iam::222222222222:role/web-task because no identity-based policy allows the iam:PassRole action';
    expect(passRoleDenied(awsException('AccessDeniedException', msg))).toEqual({ role: 'arn:aws:iam::222222222222:role/web-task' });
    expect(passRoleDenied(awsException('ClientException', msg))).toEqual({ role: 'arn:aws:iam::222222222222:role/web-task' });
    expect(passRoleDenied(awsException('AccessDeniedException', 'not authorized to perform: ecs:RegisterTaskDefinition'))).toBeUndefined();
    expect(passRoleDenied(awsException('ThrottlingException', 'iam:PassRole'))).toBeUndefined();
  });

  it('tells refusals (the service did not change) from unknown outcomes (look, then retry)', () => {
    for (const name of [
      'InvalidParameterException',
      'ClientException',
      'ServiceNotActiveException',
      'AccessDeniedException',
      'PlatformTaskDefinitionIncompatibilityException',
    ]) {
      expect(isDefiniteRefusal(awsException(name, 'x'))).toBe(true);
    }
    for (const name of ['ServerException', 'ThrottlingException', 'TimeoutError', 'ECONNRESET']) {
      expect(isDefiniteRefusal(awsException(name, 'x', 'server', 500))).toBe(false);
    }
  });
});
