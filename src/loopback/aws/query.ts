/**
 * The AWS query protocol (STS): a form-encoded request (`Action=AssumeRole&Version=…&Tags.member.1.Key=…`)
 * read as the operation's input (lists from `.member.N`), and the XML answers: `<ActionResponse>` with
 * `<ActionResult>` and `<ResponseMetadata>`, or `<ErrorResponse>` with the error's code and message.
 */

type Tree = { [k: string]: Tree | string };

function listify(node: Tree | string): unknown {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === 'member' && typeof node.member === 'object') {
    const members = node.member;
    return Object.keys(members)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => listify(members[k]!));
  }
  return Object.fromEntries(keys.map((k) => [k, listify(node[k]!)]));
}

/** `{ Action, Version, ...input }` from a form-encoded body. */
export function parseQueryForm(body: string): { action: string; input: Record<string, unknown> } {
  const root: Tree = {};
  let action = '';
  for (const [name, value] of new URLSearchParams(body)) {
    if (name === 'Action') {
      action = value;
      continue;
    }
    if (name === 'Version') continue;
    const path = name.split('.');
    let node = root;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      node = typeof next === 'object' ? next : (node[part] = {});
    }
    node[path.at(-1)!] = value;
  }
  return { action, input: listify(root) as Record<string, unknown> };
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

const XMLNS: Record<string, string> = { sts: 'https://sts.amazonaws.com/doc/2011-06-15/' };

export function queryResponseXml(service: string, action: string, output: unknown, requestId: string): string {
  return `<${action}Response xmlns="${XMLNS[service] ?? ''}"><${action}Result>${toXml(output)}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function queryErrorXml(service: string, code: string, message: string, status: number, requestId: string): string {
  return `<ErrorResponse xmlns="${XMLNS[service] ?? ''}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
