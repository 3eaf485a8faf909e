/**
 * A zod schema built the first time it is used instead of when its module is loaded.
 *
 * Every module of the bot is in dist/slack.js, and a module-level `z.object(...)` runs at every
 * cold start whether or not the request ever needs it: about 650 schema objects besides
 * chatops.yml's, a fifth of the Slack function's init (issue 11). `lazySchema(() => z.object(...))`
 * has the type of the schema it builds and behaves as it does (parse, safeParse, optional, extend,
 * use inside another schema, `z.infer<typeof x>`): every property read or check goes to the schema,
 * which `build` makes once, on the first of them.
 */
import type { z } from 'zod';

export function lazySchema<T extends z.core.$ZodType>(build: () => T): T {
  let schema: T | undefined;
  const real = (): T => (schema ??= build());
  return new Proxy({} as T, {
    get: (_target, key) => {
      const s = real();
      return Reflect.get(s, key, s);
    },
    set: (_target, key, value) => {
      const s = real();
      return Reflect.set(s, key, value, s);
    },
    has: (_target, key) => Reflect.has(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}
