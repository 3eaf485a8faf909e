/**
 * STS adapter: AssumeRole for an environment's role, with the change's people as source identity and
 * session tags when a session carries out (or aborts) an approved change. A refusal becomes an
 * answer that names the role, its account, the bot's role that asked, and what is missing: the
 * trust policy (or the ExternalId), sts:AssumeRole on the bot's side, sts:TagSession or
 * sts:SetSourceIdentity in the trust policy.
 */
import { AssumeRoleCommand, type Credentials, type STSClient } from '@aws-sdk/client-sts';
import { BotError } from '../errors';
import { defineMessages, type Locale } from '../i18n';
import { code } from '../slack/text';
import { awsError, awsErrorName, isAccessDenied } from './errors';
import { roleParts, roleSessionName, sessionTags, sourceIdentity, type RoleTarget, type SessionIdentity } from './session';

const text = defineMessages('aws-roles', {
  denied: {
    en: 'AWS refused to let the bot assume role {role} in account {account}{caller}.',
    ko: 'AWS가 봇이 계정 {account}의 역할 {role}을(를) 맡는 것을 거부했습니다{caller}.',
  },
  caller: { en: ' (asked by {principal})', ko: ' (요청한 주체: {principal})' },
  deniedAssume: {
    en: "Either the role's trust policy does not trust the bot's role (or asks for another ExternalId), or the bot's role lacks `sts:AssumeRole` on it.",
    ko: '역할의 신뢰 정책이 봇의 역할을 신뢰하지 않거나(또는 다른 ExternalId를 요구하거나), 봇의 역할에 이 역할에 대한 `sts:AssumeRole` 권한이 없습니다.',
  },
  hintAssume: {
    en: "Add the bot's role to the trust policy of {role} (cloudformation/target-account-role.yml does it; check ExternalId against `environments.{env}.externalId`), and package and deploy the bot again after adding `roleArn` to chatops.yml: serverless.yml grants `sts:AssumeRole` on exactly the roles listed there.",
    ko: '{role}의 신뢰 정책에 봇의 역할을 추가하세요(cloudformation/target-account-role.yml이 해 줍니다. ExternalId는 `environments.{env}.externalId`와 같은지 확인하세요). chatops.yml에 `roleArn`을 추가한 뒤에는 봇을 다시 패키징하고 배포하세요. serverless.yml은 거기 적힌 역할에만 `sts:AssumeRole`을 허용합니다.',
  },
  deniedTagging: {
    en: "The role's trust policy does not allow {action} for the bot's role, and the session that carries out an approved change names the requester and the approvers with it (so CloudTrail shows who asked and who approved).",
    ko: '역할의 신뢰 정책이 봇의 역할에 {action}을(를) 허용하지 않습니다. 승인된 변경을 실행하는 세션은 이것으로 요청자와 승인자를 남깁니다(CloudTrail에 누가 요청하고 누가 승인했는지 보이도록).',
  },
  hintTagging: {
    en: "Allow `sts:AssumeRole`, `sts:TagSession` and `sts:SetSourceIdentity` for the bot's worker role in the trust policy of {role} (cloudformation/target-account-role.yml does it), and `sts:TagSession` / `sts:SetSourceIdentity` on the bot's side (serverless.yml grants them with `sts:AssumeRole`).",
    ko: '{role}의 신뢰 정책에서 봇의 worker 역할에 `sts:AssumeRole`, `sts:TagSession`, `sts:SetSourceIdentity`를 허용하세요(cloudformation/target-account-role.yml이 해 줍니다). 봇 쪽에도 `sts:TagSession` / `sts:SetSourceIdentity`가 필요합니다(serverless.yml이 `sts:AssumeRole`과 함께 허용합니다).',
  },
  regionDisabled: {
    en: 'STS is not activated in this region for account {account}, so the bot cannot assume role {role} there.',
    ko: '계정 {account}에서 이 리전의 STS가 활성화되어 있지 않아 봇이 역할 {role}을(를) 맡을 수 없습니다.',
  },
  hintRegionDisabled: {
    en: 'Activate the STS regional endpoint in IAM → Account settings of that account.',
    ko: '해당 계정의 IAM → 계정 설정에서 STS 리전 엔드포인트를 활성화하세요.',
  },
  tooLarge: {
    en: 'AWS rejected the session tags for role {role} in account {account} as too large ({detail}).',
    ko: 'AWS가 계정 {account}의 역할 {role}에 대한 세션 태그가 너무 크다며 거부했습니다({detail}).',
  },
  action: { en: 'assume role {role}', ko: '역할 {role} 맡기' },
  noCredentials: { en: 'STS answered without credentials for {role}.', ko: 'STS가 {role}에 대한 자격 증명 없이 응답했습니다.' },
});

/** One AssumeRole call's result: the credentials and when they expire. */
export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Per-change sessions only live for the change: 15 minutes, STS's minimum. */
const CHANGE_SESSION_SECONDS = 900;
/** Read sessions: one hour, the most a role chained from the Lambda role may get. */
const READ_SESSION_SECONDS = 3600;
/** Every STS call is bounded (the client also has connection and request timeouts). */
const STS_TIMEOUT_MS = 6_000;

/** The bot's own principal named in an STS refusal ("User: arn:aws:sts::…:assumed-role/… is not authorized…"). */
function callerOf(message: string): string | undefined {
  return /User: (arn:aws[\w-]*:[^\s]+)/.exec(message)?.[1];
}

/** An STS failure as an answer naming the role, its account and what is missing. */
export function assumeRoleError(err: unknown, target: RoleTarget, envName: string, locale: Locale): BotError {
  const t = text.in(locale);
  const { account } = roleParts(target.roleArn);
  const role = code(target.roleArn);
  const name = awsErrorName(err);
  const message = (err as Error)?.message ?? '';
  const principal = callerOf(message);
  const head = t('denied', { role, account: code(account), caller: principal ? t('caller', { principal: code(principal) }) : '' });
  if (isAccessDenied(err)) {
    const action = /sts:(TagSession|SetSourceIdentity)/.exec(message)?.[0];
    if (action) {
      return new BotError('AWS_ACCESS_DENIED', `assume ${target.roleArn}: ${action} denied (${message})`, {
        userMessage: `${head} ${t('deniedTagging', { action: code(action) })}`,
        hint: t('hintTagging', { role }),
        cause: err,
      });
    }
    return new BotError('AWS_ACCESS_DENIED', `assume ${target.roleArn}: denied (${message})`, {
      userMessage: `${head} ${t('deniedAssume')}`,
      hint: t('hintAssume', { role, env: envName }),
      cause: err,
    });
  }
  if (name === 'RegionDisabledException') {
    return new BotError('CONFIG', `assume ${target.roleArn}: STS region disabled`, {
      userMessage: t('regionDisabled', { account: code(account), role }),
      hint: t('hintRegionDisabled'),
      cause: err,
    });
  }
  if (name === 'PackedPolicyTooLargeException') {
    return new BotError('AWS', `assume ${target.roleArn}: session tags too large`, {
      userMessage: t('tooLarge', { role, account: code(account), detail: message.slice(0, 200) }),
      cause: err,
    });
  }
  return awsError(err, { action: t('action', { role: target.roleArn }), permission: 'sts:AssumeRole' });
}

/**
 * AssumeRole: a read session for the environment, or, with `identity`, a short session for one
 * change that carries the requester as SourceIdentity and the request, requester and approvers as
 * session tags.
 */
export async function assumeRole(
  sts: STSClient,
  target: RoleTarget,
  envName: string,
  locale: Locale,
  identity?: SessionIdentity,
): Promise<RoleCredentials> {
  let creds: Credentials | undefined;
  try {
    const res = await sts.send(
      new AssumeRoleCommand({
        RoleArn: target.roleArn,
        RoleSessionName: roleSessionName(identity),
        DurationSeconds: identity ? CHANGE_SESSION_SECONDS : READ_SESSION_SECONDS,
        ...(target.externalId ? { ExternalId: target.externalId } : {}),
        ...(identity ? { SourceIdentity: sourceIdentity(identity), Tags: sessionTags(identity) } : {}),
      }),
      { abortSignal: AbortSignal.timeout(STS_TIMEOUT_MS) },
    );
    creds = res.Credentials;
  } catch (err) {
    throw assumeRoleError(err, target, envName, locale);
  }
  if (!creds?.AccessKeyId || !creds.SecretAccessKey || !creds.SessionToken || !creds.Expiration) {
    throw new BotError('AWS', `AssumeRole ${target.roleArn} answered without credentials`, {
      userMessage: text.in(locale)('noCredentials', { role: code(target.roleArn) }),
    });
  }
  return {
    accessKeyId: creds.AccessKeyId,
    secretAccessKey: creds.SecretAccessKey,
    sessionToken: creds.SessionToken,
    expiration: creds.Expiration,
  };
}
