/**
 * STS AssumeRole for the loopback world: every session gets its own access key (ASIA…), secret and
 * token, remembered with what it was asked for (role, session name, source identity, session tags,
 * external id, who asked) so a test can check what CloudTrail would show, and so the endpoint can
 * verify the session's signatures and authorize its calls against the assumed role. Whether the
 * caller may assume the role (identity policy and trust policy) is the endpoint's `authorize` hook,
 * as for every other call.
 */
import { randomBytes } from 'node:crypto';
import { AwsFault } from '../fault';
import type { AwsCall, AwsHandler } from '../server';

export interface StsSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  roleArn: string;
  sessionName: string;
  sourceIdentity?: string;
  tags: Record<string, string>;
  externalId?: string;
  /** The access key that called AssumeRole. */
  assumedBy: string | undefined;
}

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

export class StsWorld {
  readonly sessions = new Map<string, StsSession>();

  constructor(private readonly opts: { now?: () => number } = {}) {}

  /** The session an access key belongs to (undefined: not a session this world issued). */
  session(accessKeyId: string | undefined): StsSession | undefined {
    return accessKeyId ? this.sessions.get(accessKeyId) : undefined;
  }

  handlers(): Record<string, AwsHandler> {
    return {
      AssumeRole: (call: AwsCall) => {
        const roleArn = String(call.input.RoleArn ?? '');
        const m = ROLE_ARN.exec(roleArn);
        if (!m) throw new AwsFault('ValidationError', `${roleArn} is invalid`);
        const sessionName = String(call.input.RoleSessionName ?? '');
        if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
          throw new AwsFault(
            'ValidationError',
            `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`,
          );
        }
        const duration = Number(call.input.DurationSeconds ?? 3600);
        if (!(duration >= 900 && duration <= 43_200)) {
          throw new AwsFault(
            'ValidationError',
            `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint`,
          );
        }
        const tags = Object.fromEntries(((call.input.Tags ?? []) as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value]));
        const now = this.opts.now?.() ?? Date.now();
        const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
        const session: StsSession = {
          accessKeyId,
          secretAccessKey: randomBytes(20).toString('base64'),
          sessionToken: randomBytes(32).toString('base64'),
          expiration: new Date(now + duration * 1000),
          roleArn,
          sessionName,
          ...(call.input.SourceIdentity ? { sourceIdentity: String(call.input.SourceIdentity) } : {}),
          tags,
          ...(call.input.ExternalId ? { externalId: String(call.input.ExternalId) } : {}),
          assumedBy: call.accessKeyId,
        };
        this.sessions.set(accessKeyId, session);
        return {
          Credentials: {
            AccessKeyId: session.accessKeyId,
            SecretAccessKey: session.secretAccessKey,
            SessionToken: session.sessionToken,
            Expiration: session.expiration,
          },
          AssumedRoleUser: {
            AssumedRoleId: `AROA${m[1]}EXAMPLE:${sessionName}`,
            Arn: `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/${sessionName}`,
          },
          PackedPolicySize: Object.keys(tags).length ? 6 : undefined,
          ...(session.sourceIdentity ? { SourceIdentity: session.sourceIdentity } : {}),
        };
      },
    };
  }
}
