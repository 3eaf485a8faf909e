/**
 * lazySchema (src/config/lazy-schema.ts): a module-level zod schema that is built on first use, not
 * when its module loads (the Slack function's cold start), and then behaves as the schema itself.
 */
import * as z from 'zod';
import { lazySchema } from '../../src/config/lazy-schema';

describe('lazySchema', () => {
  it('builds nothing until first used, then builds once', () => {
    let built = 0;
    const s = lazySchema(() => {
      built++;
      return z.object({ n: z.number().int() });
    });
    expect(built).toBe(0);
    expect(s.parse({ n: 2 })).toEqual({ n: 2 });
    expect(s.safeParse({ n: 2.5 }).success).toBe(false);
    expect(built).toBe(1);
  });

  it('refuses what the schema refuses, with the same messages', () => {
    const lazy = lazySchema(() => z.string().min(3, 'too short'));
    const plain = z.string().min(3, 'too short');
    expect(lazy.safeParse('ab').error?.issues).toEqual(plain.safeParse('ab').error?.issues);
    expect(() => lazy.parse(1)).toThrow(z.ZodError);
  });

  it('composes: inside another schema, optional, extended, spread from a shape, in a discriminated union', () => {
    const inner = lazySchema(() => z.object({ a: z.string() }));
    const outer = z.object({ inner, maybe: inner.optional(), list: z.array(inner) });
    expect(outer.parse({ inner: { a: 'x' }, list: [{ a: 'y' }] })).toEqual({ inner: { a: 'x' }, list: [{ a: 'y' }] });
    expect(outer.safeParse({ inner: { a: 1 }, list: [] }).success).toBe(false);

    const extended = inner.extend({ b: z.number() });
    expect(extended.parse({ a: 'x', b: 1 })).toEqual({ a: 'x', b: 1 });

    const shape = { flag: lazySchema(() => z.literal(true).optional()) };
    const flags = z.object({ ...shape }).strict();
    expect(flags.parse({})).toEqual({});
    expect(flags.parse({ flag: true })).toEqual({ flag: true });
    expect(flags.safeParse({ flag: 'yes' }).success).toBe(false);

    const one = lazySchema(() => z.object({ kind: z.literal('one'), n: z.number() }));
    const two = lazySchema(() => z.object({ kind: z.literal('two'), s: z.string() }));
    const either = z.discriminatedUnion('kind', [one, two]);
    expect(either.parse({ kind: 'two', s: 'x' })).toEqual({ kind: 'two', s: 'x' });
    expect(either.safeParse({ kind: 'one', s: 'x' }).success).toBe(false);
  });

  it('is a schema to instanceof and to type inference', () => {
    const s = lazySchema(() => z.object({ id: z.string() }));
    expect(s instanceof z.ZodObject).toBe(true);
    expect(s instanceof z.ZodType).toBe(true);
    const value: z.infer<typeof s> = { id: 'x' };
    expect(s.parse(value)).toEqual(value);
  });
});
