/**
 * Every catalog entry is used: a key left behind by a rewrite (its sentence no longer written
 * anywhere) fails here, so the catalog says what the bot really writes and the Korean translators
 * do not keep text nobody reads. Read from the syntax tree of every module of src/: a key counts as
 * used when its name is a string literal (or starts a template such as `exit${code}`) in the module
 * that defines the part, or in any module when the part is exported. Parts whose keys are picked by
 * a typed variable (every key a member of a union) are listed below with where they are picked.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SRC = path.join(__dirname, '../../src');

/** Parts whose keys are chosen by a value of a union type: the whole part is used by that one call. */
const PICKED_BY_VALUE: Record<string, string> = {
  'commands.args.nouns': 'positional(what) in commands/args.ts: NOUN.token(what)',
  'commands.cost': 'the --period value in commands/cost.ts: t(parsed.args.period)',
  'slack.text': 'verbTitle(verb) in slack/text.ts: M.in(locale)(verb)',
};

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return modules(full);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [full] : [];
  });
}

interface Def {
  file: string;
  part: string;
  key: string;
  exported: boolean;
}

function scan() {
  const defs: Def[] = [];
  const literals = new Map<string, Set<string>>();
  const prefixes = new Map<string, Set<string>>();
  for (const file of modules(SRC)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const lits = new Set<string>();
    const pres = new Set<string>();
    literals.set(file, lits);
    prefixes.set(file, pres);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'defineMessages') {
        const [name, entries] = node.arguments;
        if (name && ts.isStringLiteral(name) && entries && ts.isObjectLiteralExpression(entries)) {
          const decl = node.parent;
          const statement = ts.isVariableDeclaration(decl) ? decl.parent.parent : undefined;
          const exported =
            !!statement && ts.isVariableStatement(statement) && !!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
          for (const p of entries.properties)
            if (ts.isPropertyAssignment(p))
              defs.push({ file, part: name.text, key: p.name.getText(source).replace(/^['"]|['"]$/g, ''), exported });
        }
        return; // the entries themselves are not uses
      }
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) lits.add(node.text);
      if (ts.isTemplateExpression(node) && node.head.text) pres.add(node.head.text);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  const usedIn = (file: string, key: string) => literals.get(file)!.has(key) || [...prefixes.get(file)!].some((p) => key.startsWith(p));
  const files = [...literals.keys()];
  return {
    defs,
    unused: defs.filter((d) => !PICKED_BY_VALUE[d.part] && !(d.exported ? files.some((f) => usedIn(f, d.key)) : usedIn(d.file, d.key))),
  };
}

describe('the message catalog', () => {
  const { defs, unused } = scan();

  it('finds the catalog parts (the scan reads the modules)', () => {
    expect(defs.length).toBeGreaterThan(1000);
    expect(defs.some((d) => d.part === 'approvals.actions' && d.key === 'staleButton')).toBe(true);
  });

  it('has no entry that nothing writes', () => {
    expect(unused.map((d) => `${path.relative(SRC, d.file)} ${d.part}.${d.key}`)).toEqual([]);
  });

  it('lists only parts that exist as picked by a value', () => {
    const parts = new Set(defs.map((d) => d.part));
    for (const part of Object.keys(PICKED_BY_VALUE)) expect(parts).toContain(part);
  });
});
