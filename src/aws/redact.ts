/**
 * Log lines go to a Slack channel, so anything that looks like a credential is masked before it
 * leaves the worker, and terminal colour codes are stripped. Pure; no SDK import.
 *
 * Masked: AWS access key ids (AKIA…/ASIA…), `aws_secret_access_key=…` and other key=value or
 * "key": "value" pairs whose key names a password, secret, token or key, `Authorization: Bearer …`
 * (and Basic), Slack tokens (xoxb-…, xoxp-…, xapp-…), `://user:password@` in URLs, JSON Web
 * Tokens and PEM private key blocks. Over-masking is preferred to leaking.
 */

const MASK = '[masked]';

/** CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks), other C0 controls except tab and newline. */
/* eslint-disable no-control-regex -- matching control characters is the point of these three */
const ANSI_CSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const ANSI_OSC = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
/* eslint-enable no-control-regex */

export function stripAnsi(text: string): string {
  return text.replace(ANSI_OSC, '').replace(ANSI_CSI, '').replace(CONTROL, '');
}

const PRIVATE_KEY = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;
const AUTH_SCHEME = /\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{6,}/gi;
const SLACK_TOKEN = /\bxox[abposr]-[A-Za-z0-9-]{6,}|\bxapp-[A-Za-z0-9-]{6,}/g;
const AWS_KEY_ID = /\b(AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/:@]+):([^\s/@]+)@/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g;

const SECRET_KEY_WORDS = [
  'password',
  'passwd',
  'secret',
  'token',
  'api[_-]?key',
  'apikey',
  'access[_-]?key',
  'private[_-]?key',
  'credentials?',
  'authorization',
  'auth',
  'session[_-]?id',
].join('|');

/**
 * `key=value`, `key: value`, `"key": "value"`, `key='value'`; the key may carry a prefix
 * (`db_password`, `X-Api-Key`) but must end in one of the words above.
 */
const KEY_VALUE = new RegExp(
  `(?<![A-Za-z0-9])(["']?)([A-Za-z0-9_.-]*?(?:${SECRET_KEY_WORDS})s?)\\1(\\s*[:=]\\s*)("[^"\\n]*"|'[^'\\n]*'|[^\\s&,;"'}\\]]+)`,
  'gi',
);

const NOT_A_SECRET = /^(?:null|true|false|undefined|none|bearer|basic|token|\[masked\]|\*+)$/i;

function maskKeyValue(match: string, q: string, key: string, sep: string, value: string): string {
  const quote = value.startsWith('"') || value.startsWith("'") ? value[0]! : '';
  const inner = quote ? value.slice(1, -1) : value;
  if (inner === '' || NOT_A_SECRET.test(inner)) return match;
  return `${q}${key}${q}${sep}${quote}${MASK}${quote}`;
}

/** Mask credentials in one log message (which may span several lines). */
export function redactSecrets(text: string): string {
  return text
    .replace(PRIVATE_KEY, `-----BEGIN $1PRIVATE KEY----- ${MASK}`)
    .replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${MASK}`)
    .replace(SLACK_TOKEN, (m) => `${m.slice(0, 5)}${MASK}`)
    .replace(AWS_KEY_ID, (_m, prefix: string) => `${prefix}${MASK}`)
    .replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${MASK}@`)
    .replace(JWT, MASK)
    .replace(KEY_VALUE, maskKeyValue);
}

/** What the bot does to every log message before showing it: strip colour codes, mask secrets. */
export function cleanLogMessage(text: string): string {
  return redactSecrets(stripAnsi(text));
}
