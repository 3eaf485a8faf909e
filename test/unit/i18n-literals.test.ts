/**
 * Issue 12: every sentence a person reads comes from the catalog. This test reads every module of
 * src/ (the TypeScript syntax tree, not a regex over lines) and fails on an English sentence written
 * directly where a person reads it instead of a catalog lookup:
 *
 * - the value of a `userMessage`, `hint`, `text`, `title`, `placeholder`, `action` (what the bot was
 *   doing, in AWS error answers), `note`, `error` or `message` property (BotError options, Block Kit
 *   objects, message fallbacks, notes on a card),
 * - the arguments of `whisper`, `section`, `context`, `header`, `plainTextObject`, `badInput`,
 *   `new NotStarted` (a change that did not start, told to the channel),
 * - what is pushed onto a list a message is built from (`lines.push`, `notes.push`, …).
 *
 * A value counts as an English sentence when a string literal or the literal parts of a template
 * in it (also inside `a ? b : c`, `a ?? b` and `a + b`) hold two English words in a row, once
 * inline code (`…`), placeholders and URLs are taken out. The few deliberate ones are allow-listed
 * below, each with its reason.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SRC = path.join(__dirname, '../../src');
/** Not the bot's words: the loopback stand-ins for Slack and AWS, and the playground (its page and demo world are for the person running `npm start`, in English). */
const SKIP = /^(loopback\/|playground\/)/;

const PROPERTIES = new Set(['userMessage', 'hint', 'text', 'title', 'placeholder', 'action', 'note', 'error', 'message']);
const CALLS = new Set(['whisper', 'section', 'context', 'header', 'plainTextObject', 'badInput', 'NotStarted']);
/** Lists of lines a message is built from: `lines.push('…')`, `notes.push('…')`. */
const LISTS = new Set(['lines', 'notes', 'warnings', 'parts']);

/**
 * Deliberately English, `file:line-text` fragments with the reason. Keep this short.
 */
const ALLOWED: Array<{ file: string; contains: string; why: string }> = [
  // The operator's words, not the team's: chatops.yml validation (read in the deploy log and `npm start`'s terminal, next to the English config docs).
  ...['config/schema.ts', 'config/gates.ts', 'config/fields.ts', 'config/aliases.ts'].map((file) => ({
    file,
    contains: '',
    why: 'chatops.yml validation messages for the operator',
  })),
  { file: 'config/load.ts', contains: 'slack.teamId is not set', why: 'a startup warning in the log for the operator' },
  { file: 'handlers/local-server.ts', contains: '', why: "`npm start`'s terminal output for the person running it" },
  { file: 'handlers/local-playground.ts', contains: '', why: 'the playground page (English demo) for the person running `npm start`' },
  {
    file: 'charts/specs.ts',
    contains: '',
    why: 'chart labels are digits, units and a few Latin words: the embedded font has no Hangul (docs/charts.md); the caption next to the image is in the catalog',
  },
];

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return modules(full);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) && !SKIP.test(path.relative(SRC, full)) ? [full] : [];
  });
}

/** The literal text of an expression's string parts (template substitutions left out). */
function literalParts(node: ts.Expression): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
  if (ts.isParenthesizedExpression(node)) return literalParts(node.expression);
  if (ts.isConditionalExpression(node)) return [...literalParts(node.whenTrue), ...literalParts(node.whenFalse)];
  if (ts.isBinaryExpression(node)) return [...literalParts(node.left), ...literalParts(node.right)];
  return [];
}

/** Two English words in a row, outside inline code, placeholders, URLs and Slack tokens. */
export function looksEnglish(s: string): boolean {
  const prose = s
    .replace(/`[^`]*`/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/:[a-z0-9_+-]+:/g, ' ');
  return /\b[A-Za-z][a-z]+(?:'[a-z]+)?[ ,]+[a-z]{2,}\b/.test(prose);
}

interface Finding {
  file: string;
  line: number;
  where: string;
  literal: string;
}

function scan(file: string): Finding[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const rel = path.relative(SRC, file);
  const found: Finding[] = [];
  const check = (where: string, expr: ts.Expression) => {
    for (const literal of literalParts(expr)) {
      if (looksEnglish(literal)) {
        const line = source.getLineAndCharacterOfPosition(expr.getStart()).line + 1;
        found.push({ file: rel, line, where, literal });
      }
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && PROPERTIES.has(node.name.text)) {
      check(node.name.text, node.initializer);
    }
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments?.[0]) {
      const e = node.expression;
      const callee = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : '';
      if (CALLS.has(callee)) node.arguments.forEach((arg) => check(`${callee}(…)`, arg));
      if (callee === 'push' && ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && LISTS.has(e.expression.text)) {
        node.arguments.forEach((arg) => check(`${e.expression.getText()}.push(…)`, arg));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('no English sentence outside the catalog', () => {
  it('the detector sees English prose and not codes, placeholders or Korean', () => {
    expect(looksEnglish('The bot is missing required settings.')).toBe(true);
    expect(looksEnglish("I can't show these logs")).toBe(true);
    expect(looksEnglish('`/ecs deploy web v1`')).toBe(false);
    expect(looksEnglish('{icon} {message}')).toBe(false);
    expect(looksEnglish('ecs:DescribeServices')).toBe(false);
    expect(looksEnglish('<https://example.com/a|the link>')).toBe(false);
    expect(looksEnglish('봇 설정이 빠졌습니다.')).toBe(false);
  });

  it('every user-facing string in src/ is a catalog lookup (or allow-listed with a reason)', () => {
    const findings = modules(SRC)
      .flatMap(scan)
      .filter((f) => !ALLOWED.some((a) => f.file === a.file && f.literal.includes(a.contains)));
    // Each finding names the file, line, where it is used, and the English literal: move it into the module's catalog part.
    expect(findings.map((f) => `${f.file}:${f.line} ${f.where}: ${JSON.stringify(f.literal)}`)).toEqual([]);
  });

  it('every allow-list entry still matches something (no stale exceptions)', () => {
    const all = modules(SRC).flatMap(scan);
    const stale = ALLOWED.filter((a) => !all.some((f) => f.file === a.file && f.literal.includes(a.contains)));
    expect(stale).toEqual([]);
  });
});
