/**
 * scripts/target-role.cjs: the parameters of cloudformation/target-account-role.yml for an
 * environment behind a role, scoped from chatops.yml as the bot's own roles are.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { targetRoleParameters } from '../helpers/iam';

const fixture = () => parse(readFileSync(join(__dirname, '../fixtures/chatops.topology.yml'), 'utf8'));

describe('npm run target-role', () => {
  it('names staging’s cluster, services, repositories and task roles in the account of its roleArn', () => {
    const p = targetRoleParameters(fixture(), 'staging');
    const ecs = (rest: string) => `arn:aws:ecs:eu-west-1:123456789012:${rest}`;
    expect(p).toMatchObject({
      ClusterArns: ecs('cluster/staging'),
      TaskArns: ecs('task/staging/*'),
      ExternalId: 'ecs-chatops-staging',
      TaskRoleArns: 'arn:aws:iam::123456789012:role/web-task,arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    });
    expect(p.ServiceArns!.split(',')).toEqual(expect.arrayContaining([ecs('service/staging/web-staging')]));
    expect(p.ServiceArns).not.toContain('prod');
    expect(p.ServiceDeploymentArns!.split(',')).toContain(ecs('service-deployment/staging/web-staging/*'));
    // The registry chatops.yml names (its top-level `registry`), not "*"; logs held to staging's logGroupPrefix.
    expect(p.RepositoryArns!.split(',')).toEqual([
      'arn:aws:ecr:eu-west-1:123456789012:repository/shop/web',
      'arn:aws:ecr:eu-west-1:123456789012:repository/shop/worker',
    ]);
    expect(p.LogGroupArns).toBe('arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/*');
  });

  it('takes the partition and account from roleArn, and narrows logs to the named groups', () => {
    const doc = {
      environments: {
        cn: { region: 'cn-north-1', cluster: 'main', roleArn: 'arn:aws-cn:iam::222233334444:role/ecs-chatops-target', taskRoles: [] },
      },
      services: { api: { environment: 'cn', service: 'api', logGroup: '/ecs/api' } },
    };
    const p = targetRoleParameters(doc, 'cn');
    expect(p.ServiceArns).toBe('arn:aws-cn:ecs:cn-north-1:222233334444:service/main/api');
    expect(p.LogGroupArns).toBe('arn:aws-cn:logs:cn-north-1:222233334444:log-group:/ecs/api');
    expect(p.LogStreamArns).toBe('arn:aws-cn:logs:cn-north-1:222233334444:log-group:/ecs/api:log-stream:*');
    expect(p.TaskRoleArns).toBe('');
    expect(p).not.toHaveProperty('ExternalId');
  });

  it('refuses an unknown environment, one in the bot’s own account, a bad roleArn and a list too long for a parameter', () => {
    expect(() => targetRoleParameters(fixture(), 'qa')).toThrow('no environment `qa` (environments: staging, prod)');
    expect(() => targetRoleParameters(fixture(), 'prod')).toThrow("has no roleArn: it runs in the bot's own account");
    const bad = { environments: { x: { region: 'eu-west-1', cluster: 'c', roleArn: 'ecs-chatops-target' } } };
    expect(() => targetRoleParameters(bad, 'x')).toThrow('environments.x.roleArn must be the ARN of the role the bot assumes there');
    const many = {
      environments: { x: { region: 'eu-west-1', cluster: 'c', roleArn: 'arn:aws:iam::222233334444:role/r' } },
      services: Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`s${i}`, { environment: 'x', service: `service-number-${i}` }])),
    };
    expect(() => targetRoleParameters(many, 'x')).toThrow(
      /ServiceArns for `x` is \d+ characters, more than a CloudFormation parameter holds \(4096\)/,
    );
  });
});
