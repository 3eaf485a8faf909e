/**
 * Service aliases end to end (chatops.yml `services.<name>.aliases`): `/ecs status 웹` through a signed
 * slash command is answered for the service the alias names (the channel's environment decides an
 * alias two environments use), and a change typed with an alias is audited under the service's name.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { readAudit } from '../../src/approvals/audit';
import { readGuards } from '../../src/approvals/guards';
import { configFile } from '../helpers/config';
import { lastAnswer, useE2E } from '../helpers/e2e';
import type { SlackBody } from '../helpers/slack-server';
import { NOW, REGISTRY, serviceWith, taskDefinitionWith } from '../helpers/aws-fixtures';

const ecsMock = mockClient(ECSClient);

describe('service aliases through the Lambda handlers', () => {
  const configPath = configFile((d) => {
    d.services.web.aliases = ['웹', 'Front'];
    d.services['web-staging'].aliases = ['웹'];
  });
  const e2e = useE2E(() => ({ now: () => NOW, configPath }), [ecsMock]);

  it('answers `/ecs status 웹` for the service the alias names, with its name', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [serviceWith({ name: 'web-prod', revision: 50 })], failures: [] });
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: taskDefinitionWith({ family: 'web-prod', revision: 50, image: `${REGISTRY}/shop/web:v2.0.0` }),
      tags: [],
    });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });

    const ack = await e2e.slash('status 웹', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.status).toBe(200);
    expect(ack.text).toContain('Looking up `web` in `prod`…');
    await e2e.drain();
    expect(ecsMock.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ cluster: 'prod', services: ['web-prod'] }),
    ]);
    expect(lastAnswer(e2e)).toContain('"text":"web in prod"');
    expect(lastAnswer(e2e)).toContain('`web-prod:50` `v2.0.0`');
    expect(lastAnswer(e2e)).not.toContain('웹');
  });

  it("reads an alias two environments use as the channel's environment's service", async () => {
    const ack = await e2e.slash('status 웹', { channel_id: 'CSTAGING', user_id: 'UDEV1' });
    expect(ack.text).toContain('Looking up `web-staging` in `staging`…');
  });

  it('suggests each service once for a mistyped alias, by its name with the alias beside it', async () => {
    const ack = await e2e.slash('status 웹서', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.text).toContain("I don't know a service or environment called `웹서`. Did you mean `web` (`웹`), `web-staging` (`웹`)?");
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('shows the aliases beside each name in `/ecs status prod` and in the deploy form', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [serviceWith({ name: 'web-prod', revision: 50 }), serviceWith({ name: 'worker-prod', revision: 7 })],
      failures: [],
    });
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: taskDefinitionWith({ family: 'web-prod', revision: 50, image: `${REGISTRY}/shop/web:v2.0.0` }),
      tags: [],
    });
    await e2e.slash('status prod', { channel_id: 'CPROD', user_id: 'UDEV1' });
    await e2e.drain();
    expect(lastAnswer(e2e)).toMatch(/\|web>\* \(웹, Front\) steady/);
    expect(lastAnswer(e2e)).toMatch(/\|worker>\* steady/);

    await e2e.slash('deploy', { channel_id: 'CPROD', user_id: 'UDEV1' });
    const view = (e2e.slack.callsTo('views.open').at(-1)!.response as SlackBody).view as SlackBody;
    const select = (view.blocks as SlackBody[]).find((b) => b.block_id === 'service:prod')!.element as SlackBody;
    expect((select.options as SlackBody[]).map((o) => [o.text.text, o.value])).toEqual([
      ['web (웹, Front)', 'web'],
      ['worker', 'worker'],
    ]);
  });

  it('locks the service an alias names and audits it under its name', async () => {
    const ack = await e2e.slash('lock ＦＲＯＮＴ --reason "db migration"', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(ack.text).toContain('`web`');
    expect((await readGuards(e2e.rt.redis, 'prod', ['web'])).locks.web).toBeDefined();
    const audit = await readAudit(e2e.rt.redis, 'prod', { service: 'web', limit: 5 });
    expect(audit.map((a) => [a.event, a.service, a.actor])).toEqual([['locked', 'web', 'UDEV1']]);
  });
});
