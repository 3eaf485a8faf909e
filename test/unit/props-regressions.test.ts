/**
 * Issue 10, item 16: the counterexamples the property tests found (props-grammar, props-builders),
 * kept as ordinary regression tests. Each failed before its fix.
 */
import { join } from 'node:path';
import { parseIncident } from '../../src/alerts/incident';
import { alertMessage } from '../../src/alerts/messages';
import { logsReply, newReasonReply, recoveredReply, signalReply } from '../../src/alerts/replies';
import { serviceUrl, taskUrl } from '../../src/aws/console';
import { fitMessage } from '../../src/slack/blocks';
import { route } from '../../src/commands/router';
import { errorReply } from '../../src/slack/reply';
import { costMessage } from '../../src/commands/render/cost';
import { circuitBreakerLine, serviceStatusMessage } from '../../src/commands/render/status';
import { helpForVerb, helpOverview } from '../../src/commands/help';
import { findCommand, verbNames } from '../../src/commands/registry';
import { findService, loadConfigFile } from '../../src/config/load';
import { abortMilestone } from '../../src/deploy/card';
import type { ScalePlan } from '../../src/deploy/plan';
import { BotError, isBotError } from '../../src/errors';
import type { Logger } from '../../src/log';
import { assertSafe, slackProblems } from '../helpers/blockkit-props';
import { deploymentWith, NOW, serviceWith } from '../helpers/aws-fixtures';

/** The command table, in order, as the help verb sees it. */
const commands = verbNames().map((v) => findCommand(v)!);

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const web = findService(config, 'web')!;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

describe('help', () => {
  it('the overview writes `/ecs help &lt;verb&gt;`, not a raw <verb> Slack would read as a link', () => {
    const msg = helpOverview(commands);
    expect(JSON.stringify(msg)).toContain('/ecs help &lt;verb&gt;');
    assertSafe(msg);
  });

  it('the fallback text of a verb’s help is escaped (its usage has <service>)', () => {
    const msg = helpForVerb(findCommand('history')!);
    expect(msg.text).toContain('&lt;service&gt;');
    assertSafe(msg);
  });
});

describe('error replies', () => {
  it("`rollback web --to <!channel>`: the hint names the service's own commands", () => {
    let err: unknown;
    try {
      route({ config }, { text: 'rollback web --to <!channel>', channelId: 'CPROD', userId: 'UDEV1' });
    } catch (e) {
      err = e;
    }
    expect(isBotError(err)).toBe(true);
    const msg = errorReply(err, quiet);
    expect(JSON.stringify(msg)).toContain('`/ecs taskdef web` shows the revision it runs');
    assertSafe(msg);
  });

  it('a hint longer than a context element allows is cut by fitMessage', () => {
    const msg = errorReply(new BotError('BAD_INPUT', 'x', { userMessage: 'No.', hint: 'h'.repeat(3001) }), quiet);
    const ctx = fitMessage(msg).blocks.find((b) => b.type === 'context') as { elements: Array<{ text: string }> };
    expect(ctx.elements[0]!.text.length).toBeLessThanOrEqual(3000);
    expect(slackProblems(msg)).toEqual([]);
  });
});

describe('alerts', () => {
  const T = Date.parse('2026-03-02T10:00:00Z');
  const first = {
    taskId: 'a1b2c3d4',
    taskArn: 'arn:aws:ecs:eu-west-1:1:task/prod/a1b2c3d4',
    region: 'eu-west-1',
    cluster: 'prod',
    container: 'web',
    exitCode: 1,
    stoppedReason: 'Essential container in task exited',
    stoppedAt: T,
    kind: 'exit',
    reasonKey: 'exit:1',
    reasonLabel: 'boom <!channel>',
  };
  const view = parseIncident({
    gen: '1',
    state: 'open',
    openedAt: String(T),
    lastAt: String(T),
    firstFailAt: String(T),
    lastFailAt: String(T),
    count: '1',
    'r:exit:1': '1',
    'l:exit:1': 'boom <!channel>',
    'k:exit:1': 'task',
    first: JSON.stringify(first),
    rev: '1',
    shown: '0',
  })!;

  it('AWS reasons are escaped in the fallback (notification) text too', () => {
    for (const msg of [
      alertMessage(view, web),
      newReasonReply(view.first!, undefined),
      recoveredReply(view, 'ECS <!here>'),
      signalReply('❌ Deployment <!channel> failed.'),
      logsReply({ alias: 'web', taskId: '<!here>', region: 'eu-west-1', group: 'g', stream: 's', userId: 'UDEV1' }, ['x']),
    ]) {
      expect(msg.text).not.toMatch(/<!(channel|here)/);
      assertSafe(msg);
    }
  });

  it('console links never throw on a lone surrogate (URIError) in an AWS string', () => {
    expect(() => taskUrl('eu-west-1', 'prod', 'task\ud800')).not.toThrow();
    expect(serviceUrl('eu-west-1', '\udc00', 'web')).toContain('%EF%BF%BD');
  });
});

describe('the read verbs', () => {
  it('status: an AWS rollout state or deployment controller cannot ping', () => {
    const svc = serviceWith({
      name: 'web-prod',
      revision: 1,
      deployments: [
        deploymentWith({
          id: 'ecs-svc/1',
          taskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/web-prod:1',
          rolloutState: '<!channel>' as never,
        }),
      ],
    });
    svc.deploymentController = { type: '<!here>' as never };
    expect(circuitBreakerLine(svc)).toContain('&lt;!here&gt;');
    const msg = serviceStatusMessage({
      alias: 'web',
      environment: 'prod',
      cluster: 'prod',
      region: 'eu-west-1',
      container: 'web',
      service: svc,
      taskDefinitions: {},
      tasks: [],
      guards: {},
      now: NOW,
    });
    assertSafe(msg);
  });

  it('cost: a day label from Cost Explorer is escaped in the chart', () => {
    const msg = costMessage({
      scopeLabel: 'prod',
      periodLabel: 'month to date',
      daily: [{ date: '2025-<!channel>', amount: 1 }],
      estimated: false,
      cached: false,
      now: NOW,
    });
    assertSafe(msg);
  });
});

describe('change milestones', () => {
  it('abort of a scale: the count it returns to is escaped', () => {
    const plan: ScalePlan = {
      verb: 'scale',
      environment: 'prod',
      alias: 'web',
      region: 'eu-west-1',
      cluster: 'prod',
      serviceName: 'web-prod',
      serviceArn: 'arn',
      currentTaskDefinition: 'td',
      desiredCount: 4,
      madeAt: NOW,
      from: 4,
      to: 8,
    };
    assertSafe(abortMilestone(plan, 'ULEAD1', 'update', '<!channel>'));
  });
});
