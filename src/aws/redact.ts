/**
 * Log lines go to a Slack channel, so anything that looks like a credential is masked before it
 * leaves the worker, and terminal colour codes are stripped. Pure; no SDK import.
 *
 * The patterns are a table (PATTERNS below), each for one credential format, most of them the
 * provider's documented token prefix as listed by the maintained scanners (gitleaks' default
 * config, secretlint's recommended rules); then three generic rules: the password in a URL's
 * userinfo, `Authorization` schemes, and key/value pairs (`key=value`, `key: value`,
 * `"key": "value"`, `--key value`) whose key names a password, secret, token or key.
 * Over-masking is preferred to leaking; test/fixtures/redact-corpus.ts is the corpus both ways.
 *
 * Why not secretlint's rule preset itself: measured for issue 10 (v12, the last for Node 20), it
 * adds 60 KB (16 KB gzip) to every bundle that reads logs, takes ~5× longer per line, and on the
 * corpus it missed 43 of 62 secrets on its own (it scans source files: no password pairs, JWTs,
 * Authorization headers or payment keys; private keys only when the DER is complete and valid;
 * AWS key ids off by default) and 16 even on top of the old hand-written rules.
 */

export const MASK = '[masked]';

/** CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks), other C0 controls except tab and newline. */
/* eslint-disable no-control-regex -- matching control characters is the point of these three */
const ANSI_CSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const ANSI_OSC = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
/* eslint-enable no-control-regex */

export function stripAnsi(text: string): string {
  return text.replace(ANSI_OSC, '').replace(ANSI_CSI, '').replace(CONTROL, '');
}

type Replacer = (match: string, ...groups: string[]) => string;

interface Pattern {
  /** What it finds (for reading the table; tests name the corpus cases). */
  name: string;
  re: RegExp;
  /** What replaces the match; default: the first capture group (a visible prefix), then MASK. */
  mask?: Replacer;
}

/** Keep the first group (the token's public prefix) and mask the rest. */
const keepPrefix: Replacer = (_m, prefix) => `${prefix ?? ''}${MASK}`;
/** Not a word character before the match (a lookbehind is cheaper than \b for prefixed tokens). */
const B = '(?<![A-Za-z0-9_])';
/** Not a token character after it. */
const E = '(?![A-Za-z0-9_-])';

/**
 * Formats with a recognisable shape, checked first. Sources: gitleaks' default rules
 * (config/gitleaks.toml) and secretlint's recommended preset, for the prefixes and lengths.
 */
const PATTERNS: Pattern[] = [
  {
    // Whole blocks, including JSON-escaped ones ("-----BEGIN PRIVATE KEY-----\nMII…"), and cut-off ones.
    name: 'PEM private key',
    re: /(-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----)[\s\S]*?(?:(-----END \2PRIVATE KEY(?: BLOCK)?-----)|$)/g,
    mask: (_m, begin, _kind, end) => `${begin} ${MASK}${end ? ` ${end}` : ''}`,
  },
  {
    // scheme://user:password@host — the password may contain '@' (the last one before the host counts); the user may be empty (redis://:pw@).
    name: 'password in a URL',
    re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@?#]*):([^\s/?#]*)@(?=[^\s@/?#]*(?:[/?#\s"'`),;]|$))/gi,
    mask: (_m, head) => `${head}:${MASK}@`,
  },
  { name: 'Slack incoming webhook', re: /(https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]+/g },
  { name: 'Slack token', re: new RegExp(`${B}(xox[abposre]-|xapp-)[A-Za-z0-9-]{10,}`, 'g') },
  { name: 'GitHub token', re: new RegExp(`${B}(gh[pousr]_)[A-Za-z0-9]{30,255}${E}`, 'g') },
  { name: 'GitHub fine-grained token', re: new RegExp(`${B}(github_pat_)[A-Za-z0-9_]{22,255}`, 'g') },
  { name: 'GitLab token', re: new RegExp(`${B}(gl(?:pat|dt|rt|ptt|cbt|ft|imt|soat|oas)-)[A-Za-z0-9_-]{20,}`, 'g') },
  { name: 'payment provider secret key', re: new RegExp(`${B}((?:sk|rk)_(?:live|test)_)[A-Za-z0-9]{10,}`, 'g') },
  { name: 'payment provider webhook secret', re: new RegExp(`${B}(whsec_)[A-Za-z0-9+/=]{20,}`, 'g') },
  { name: 'Google API key', re: new RegExp(`${B}(AIza)[0-9A-Za-z_-]{35}${E}`, 'g') },
  { name: 'Google OAuth token or client secret', re: new RegExp(`${B}(ya29\\.|GOCSPX-)[0-9A-Za-z_-]{20,}`, 'g') },
  { name: 'npm token', re: new RegExp(`${B}(npm_)[A-Za-z0-9]{36}${E}`, 'g') },
  { name: 'SendGrid key', re: new RegExp(`${B}(SG\\.)[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${E}`, 'g') },
  { name: 'Twilio API key', re: new RegExp(`${B}(SK)[0-9a-fA-F]{32}${E}`, 'g') },
  { name: 'OpenAI / Anthropic key', re: new RegExp(`${B}(sk-(?:ant-|proj-|svcacct-|admin-)?)[A-Za-z0-9_-]{20,}`, 'g') },
  { name: 'HashiCorp Vault token', re: new RegExp(`${B}(hv[sbr]\\.)[A-Za-z0-9_-]{24,}`, 'g') },
  { name: 'Shopify token', re: new RegExp(`${B}(shp(?:at|ca|pa|ss)_)[a-fA-F0-9]{32}${E}`, 'g') },
  {
    name: 'other provider token',
    re: new RegExp(
      `${B}(hf_|gsk_|dapi|dckr_pat_|figd_|lin_api_|ntn_|dop_v1_|doo_v1_|pypi-AgEIcHlwaS5vcmc|glsa_|glc_|ATATT3|xkeysib-)[A-Za-z0-9_=-]{20,}`,
      'g',
    ),
  },
  {
    name: 'AWS access key id',
    re: /\b(AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|A3T[A-Z0-9])[A-Z0-9]{16}\b/g,
  },
  {
    // The 40-character secret right after its name, whatever joins them ("=", ": ", "\": \"", a space).
    name: 'AWS secret access key',
    re: /((?:aws_?)?secret_?access_?key|secret access key|SecretAccessKey)([^A-Za-z0-9/+=\n]{1,6})[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
    mask: (_m, name, sep) => `${name}${sep}${MASK}`,
  },
  { name: 'JSON Web Token', re: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, mask: () => MASK },
];

/** The credential after an HTTP auth scheme. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token|Digest|Negotiate)(\s+)([A-Za-z0-9._~+/=-]{6,})/gi;
const AUTH_HEADER_NEAR = /authori[sz]ation["']?\s*[:=]\s*["']?\s*$/i;

/** A value that looks generated (a digit, or mixed case, or token punctuation), not an English word. */
function looksGenerated(v: string): boolean {
  return v.length >= 8 && (/\d/.test(v) || (/[a-z]/.test(v) && /[A-Z]/.test(v)) || /[+/=._~-]/.test(v));
}

function maskAuthScheme(match: string, scheme: string, space: string, cred: string, offset: number, whole: string): string {
  const header = AUTH_HEADER_NEAR.test(whole.slice(Math.max(0, offset - 40), offset));
  return header || looksGenerated(cred) ? `${scheme}${space}${MASK}` : match;
}

/** Key words that may end any key: `db_password`, `dbPassword`, `X-Api-Key`, `SessionToken`, `AccountKey`. */
const LONG_WORDS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'api[_-]?key',
  'access[_-]?key',
  'account[_-]?key',
  'private[_-]?key',
  'signing[_-]?key',
  'encryption[_-]?key',
  'credentials?',
  'authorization',
  'session[_-]?id',
  'signature',
  'cookie',
].join('|');

/** Short words that count only as a whole key or after a separator (`pass=`, `DB_PASS=`, `sig=`, `"auth":`), so `bypass=` and `author=` do not. */
const SHORT_WORDS = ['pass', 'pwd', 'pw', 'sig', 'auth', 'psk'].join('|');

/** An unquoted value ends at whitespace, `,;"'}])`, or at `&` that starts the next `name=` of a query string. */
const UNQUOTED = String.raw`(?:\[masked\]|[^\s&,;"'}\]\)]|&(?![A-Za-z0-9_.\-\[\]]+=))+`;
const VALUE = String.raw`(\\"(?:[^"\\\n]|\\[^"\n])*\\"|"[^"\n]*"|'[^'\n]*'|${UNQUOTED})`;

/**
 * `key=value`, `key: value`, `"key": "value"`, `key='value'`, `\"key\":\"value\"` (JSON in JSON).
 * Not after `:` or `/`, so ARNs (`…:secret:prod/db-password-AbCdEf`) and paths are left alone.
 */
const KEY_VALUE = new RegExp(
  String.raw`(?<![A-Za-z0-9:/])(\\?["']?)((?:[A-Za-z0-9_.-]*?(?:${LONG_WORDS})|(?:[A-Za-z0-9_.-]*[_.-])?(?:${SHORT_WORDS}))s?)\1(\s*[:=]\s*)${VALUE}`,
  'gi',
);

/** `--password hunter2`, `-password hunter2`: a flag naming a secret, then its value as the next word. */
const FLAG_VALUE = new RegExp(String.raw`(?<![A-Za-z0-9])(--?[A-Za-z0-9_-]*(?:${LONG_WORDS}))(\s+)(?![-\[])(\S+)`, 'gi');

const NOT_A_SECRET =
  /^(?:null|nil|true|false|undefined|none|empty|bearer|basic|token|digest|negotiate|\[masked\]|\*+|x+|<[^>]*>|\$\{[^}]*\}|%s)$/i;

function maskKeyValue(match: string, q: string, key: string, sep: string, value: string): string {
  const quote = value.startsWith('\\"') ? '\\"' : value.startsWith('"') || value.startsWith("'") ? value[0]! : '';
  const inner = quote ? value.slice(quote.length, -quote.length) : value;
  if (inner.trim() === '' || NOT_A_SECRET.test(inner.trim())) return match;
  return `${q}${key}${q}${sep}${quote}${MASK}${quote}`;
}

function maskFlagValue(match: string, flag: string, space: string, value: string): string {
  return NOT_A_SECRET.test(value) ? match : `${flag}${space}${MASK}`;
}

/** Mask credentials in one log message (which may span several lines). Idempotent. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const p of PATTERNS) {
    p.re.lastIndex = 0;
    out = out.replace(p.re, (p.mask ?? keepPrefix) as (m: string, ...rest: unknown[]) => string);
  }
  return out
    .replace(AUTH_SCHEME, maskAuthScheme as (m: string, ...rest: unknown[]) => string)
    .replace(KEY_VALUE, maskKeyValue as (m: string, ...rest: unknown[]) => string)
    .replace(FLAG_VALUE, maskFlagValue as (m: string, ...rest: unknown[]) => string);
}

/** What the bot does to every log message before showing it: strip colour codes, mask secrets. */
export function cleanLogMessage(text: string): string {
  return redactSecrets(stripAnsi(text));
}

const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----/;
const PEM_END = /-----END ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----/;
/** A line of a PEM body (base64, or a header such as `Proc-Type: 4,ENCRYPTED`). */
const PEM_BODY_LINE = /^\s*(?:[A-Za-z0-9+/=]{16,}|[A-Za-z-]+: .*)\s*$/;

/**
 * `cleanLogMessage` for a run of consecutive messages of one stream. A log driver without a
 * multi-line pattern (awslogs' default) sends every line of a PEM key as its own event, so a key
 * is masked across messages: everything after a BEGIN line until its END line, and, when the
 * window starts inside a key, the base64 lines before an END line.
 */
export function cleanLogMessages(messages: readonly string[]): string[] {
  const out = messages.map(stripAnsi);
  let inside = false;
  for (let i = 0; i < out.length; i++) {
    const m = out[i]!;
    if (inside) {
      const end = PEM_END.exec(m);
      if (end) {
        out[i] = MASK + ' ' + m.slice(end.index);
        inside = false;
      } else out[i] = MASK;
      continue;
    }
    const begin = PEM_BEGIN.exec(m);
    if (begin && !PEM_END.test(m.slice(begin.index))) inside = true;
    else if (!begin && PEM_END.test(m)) {
      for (let j = i - 1; j >= 0 && out[j] !== MASK && PEM_BODY_LINE.test(out[j]!); j--) out[j] = MASK;
    }
  }
  return out.map(redactSecrets);
}
