/**
 * The playground's demo workspace and chatops.yml: three people (a developer who requests, a team
 * lead who approves, a reader), three channels, and the services of the demo world (world.ts).
 * Production needs approvals from someone other than the requester, so one person tries the whole
 * flow by switching between Dana and Lee in the page's user menu.
 */
import { parseConfig } from '../../config/load';
import type { Config } from '../../config/schema';
import type { WorkspaceChannel, WorkspaceGroup, WorkspaceUser } from '../../loopback/slack/types';

export const DEMO_USERS: WorkspaceUser[] = [
  { id: 'U0DANA', name: 'dana', real_name: 'Dana Developer', title: 'Developer' },
  { id: 'U0LEE', name: 'lee', real_name: 'Lee Lead', title: 'Team lead' },
  { id: 'U0RILEY', name: 'riley', real_name: 'Riley Reader', title: 'Support engineer' },
];

export const DEMO_GROUPS: WorkspaceGroup[] = [
  { id: 'S0DEVS', handle: 'developers', name: 'Developers', users: ['U0DANA', 'U0LEE'] },
  { id: 'S0LEADS', handle: 'team-leads', name: 'Team leads', users: ['U0LEE'] },
];

export const DEMO_CHANNELS: WorkspaceChannel[] = [
  { id: 'C0DEPLOYS', name: 'deploys', topic: 'Production changes: deploy, scale, roll back (approvals needed)' },
  { id: 'C0ONCALL', name: 'oncall', topic: 'Alerts from production' },
  { id: 'C0STAGING', name: 'staging', topic: 'Staging: changes run at once' },
];

/** chatops.yml of the demo world, as the YAML would read. */
export const DEMO_CONFIG_DOC = {
  slack: { botId: 'B0PLAYBOT', botUserId: 'U0PLAYBOT' },
  environments: {
    staging: {
      region: 'eu-central-1',
      cluster: 'shop-staging',
      accountId: '111111111111',
      channels: ['C0STAGING'],
      readers: ['*'],
      requesters: ['*'],
      approvers: ['S0LEADS'],
      approvals: { deploy: 0, rollback: 0, scale: 0, restart: 0, run: 0 },
      approvalTtl: '30m',
      deployDeadline: '15m',
      alerts: { channel: 'C0STAGING', incidentWindow: '30m', downAfter: '5m' },
    },
    prod: {
      region: 'eu-west-1',
      cluster: 'shop-prod',
      accountId: '222222222222',
      channels: ['C0DEPLOYS', 'C0ONCALL'],
      readers: ['*'],
      requesters: ['S0DEVS'],
      approvers: ['S0LEADS'],
      approvals: { deploy: 1, rollback: 1, scale: 1, restart: 1, run: 1 },
      approvalTtl: '1h',
      deployDeadline: '20m',
      images: { blockCritical: true, requireScan: true },
      taskRoles: ['arn:aws:iam::222222222222:role/web-task', 'arn:aws:iam::222222222222:role/ecs-task-execution'],
      alerts: { channel: 'C0ONCALL', incidentWindow: '30m', downAfter: '3m' },
    },
  },
  services: {
    web: {
      environment: 'prod',
      service: 'web-prod',
      container: 'web',
      repository: 'shop/web',
      scale: { min: 2, max: 40 },
      // `/ecs run web migrate`: the demo world runs it (a few seconds, exit 0; src/loopback/aws/world/ecs.ts).
      tasks: { migrate: { command: ['npm', 'run', 'migrate'], description: 'Apply the database migrations', timeout: '15m' } },
    },
    worker: {
      environment: 'prod',
      service: 'worker-prod',
      container: 'worker',
      repository: 'shop/worker',
      scale: { min: 1, max: 20 },
      alertChannel: 'C0ONCALL',
    },
    'web-staging': {
      environment: 'staging',
      service: 'web-staging',
      container: 'web',
      repository: 'shop/web',
      scale: { min: 1, max: 4 },
    },
  },
};

export function demoConfig(): Config {
  return parseConfig(DEMO_CONFIG_DOC, 'the playground demo config');
}
