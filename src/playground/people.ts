/**
 * Who can act in the playground, derived from chatops.yml's roles: every user and user group the
 * config names becomes a person of the local workspace (a group gets a member), everyone in "*"
 * gets a reader, and the user menu says what each person may do where. Approvals need someone
 * other than the requester, so there is always a requester and a different approver when the
 * config has approvers. Pure.
 */
import type { Config } from '../config/schema';
import type { WorkspaceChannel, WorkspaceGroup, WorkspaceUser } from '../loopback/slack/types';

export interface PlaygroundPerson extends WorkspaceUser {
  /** e.g. ["requester in prod", "approver in prod", "reader in staging"] */
  roles: string[];
  /** The strongest role anywhere: what the menu groups by. */
  kind: 'approver' | 'requester' | 'reader' | 'none';
}

export interface People {
  users: WorkspaceUser[];
  groups: WorkspaceGroup[];
  channels: WorkspaceChannel[];
  menu: PlaygroundPerson[];
}

const ROLE_ORDER = ['approver', 'requester', 'reader', 'none'] as const;

function holds(list: readonly string[], user: string, groups: WorkspaceGroup[]): boolean {
  return list.some((p) => p === '*' || p === user || groups.some((g) => g.id === p && g.users.includes(user)));
}

/** What `user` may do in each environment. */
export function rolesOf(config: Config, user: string, groups: WorkspaceGroup[]): { roles: string[]; kind: PlaygroundPerson['kind'] } {
  const roles: string[] = [];
  let best = 3;
  for (const [name, env] of Object.entries(config.environments)) {
    if (holds(env.approvers, user, groups)) {
      roles.push(`approver in ${name}`);
      best = Math.min(best, 0);
    }
    if (holds(env.requesters, user, groups)) {
      roles.push(`requester in ${name}`);
      best = Math.min(best, 1);
    }
    if (holds(env.readers, user, groups)) {
      roles.push(`reader in ${name}`);
      best = Math.min(best, 2);
    }
  }
  return { roles, kind: ROLE_ORDER[best]! };
}

/** A user id for a made-up member of a group or role, within chatops.yml's U… pattern. */
function syntheticId(seed: string, taken: Set<string>): string {
  const base = `U${seed.replace(/[^A-Z0-9]/gi, '').toUpperCase()}`.slice(0, 20);
  let id = base.length >= 3 ? base : `${base}XX`;
  for (let i = 2; taken.has(id); i++) id = `${base}${i}`;
  taken.add(id);
  return id;
}

/**
 * The workspace for a config. `known` supplies real people (the demo's); otherwise people are
 * made up from the ids in the config.
 */
export function peopleFor(
  config: Config,
  known?: { users: WorkspaceUser[]; groups: WorkspaceGroup[]; channels: WorkspaceChannel[] },
): People {
  const users: WorkspaceUser[] = [...(known?.users ?? [])];
  const groups: WorkspaceGroup[] = (known?.groups ?? []).map((g) => ({ ...g, users: [...g.users] }));
  const taken = new Set(users.map((u) => u.id));
  const principals = new Set<string>();
  for (const env of Object.values(config.environments))
    for (const p of [...env.readers, ...env.requesters, ...env.approvers]) principals.add(p);

  if (!known) {
    for (const p of principals) {
      if (/^[UW]/.test(p) && !taken.has(p)) {
        users.push({ id: p, name: p.toLowerCase(), real_name: `User ${p}` });
        taken.add(p);
      }
    }
    for (const p of principals) {
      if (!p.startsWith('S') || groups.some((g) => g.id === p)) continue;
      const member = syntheticId(`${p.slice(1)}M`, taken);
      users.push({ id: member, name: `member-of-${p.toLowerCase()}`, real_name: `A member of ${p}` });
      groups.push({ id: p, handle: p.toLowerCase(), name: `Group ${p}`, users: [member] });
    }
    if (principals.has('*')) {
      const reader = syntheticId('READER', taken);
      users.push({ id: reader, name: 'reader', real_name: 'Someone in the channel' });
    }
    // Approvals need a second person: if the only approver is also the only requester, add one.
    for (const env of Object.values(config.environments)) {
      if (env.approvers.length === 0) continue;
      const approvers = users.filter((u) => holds(env.approvers, u.id, groups));
      const requesters = users.filter((u) => holds(env.requesters, u.id, groups));
      if (approvers.length > 0 && requesters.length > 0 && approvers.every((a) => requesters.length === 1 && requesters[0]!.id === a.id)) {
        const second = syntheticId('SECONDAPPROVER', taken);
        users.push({ id: second, name: 'second-approver', real_name: 'A second approver' });
        const group = env.approvers.find((p) => p.startsWith('S'));
        if (group) groups.find((g) => g.id === group)!.users.push(second);
      }
    }
  }

  const channelIds = new Set<string>();
  for (const env of Object.values(config.environments)) {
    for (const c of env.channels) channelIds.add(c);
    if (env.alerts.channel) channelIds.add(env.alerts.channel);
  }
  for (const s of Object.values(config.services)) if (s.alertChannel) channelIds.add(s.alertChannel);
  // The known channels in their own order (the demo's #deploys first), then any others the config names.
  const channels: WorkspaceChannel[] = [
    ...(known?.channels ?? []).filter((c) => channelIds.has(c.id)),
    ...[...channelIds].filter((id) => !known?.channels.some((c) => c.id === id)).map((id) => ({ id, name: id.toLowerCase() })),
  ];

  const menu = users
    .map((u) => ({ ...u, ...rolesOf(config, u.id, groups) }))
    .sort((a, b) => ROLE_ORDER.indexOf(a.kind) - ROLE_ORDER.indexOf(b.kind));
  return { users, groups, channels, menu };
}
