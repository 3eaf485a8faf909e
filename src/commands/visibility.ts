/**
 * Who sees a read-only answer (status, logs, cost, images, history, tasks, taskdef, rightsize): the channel, or only the
 * person who asked. `--private` / `--public` decide for one command; otherwise the environment's
 * `visibility` in chatops.yml (`reads` default public, `logs` default private). A private answer is written in the reader's
 * own language, a public one in the workspace's.
 */
import * as z from 'zod';
import { lazySchema } from '../config/lazy-schema';
import type { Config, ResolvedService } from '../config/schema';
import { badInput } from '../errors';
import { defineMessages } from '../i18n/catalog';
import type { Parsed } from './types';

const M = defineMessages('commands.visibility', {
  noValue: { en: 'takes no value: write just `--{flag}`', ko: '값을 받지 않습니다. `--{flag}`만 쓰세요' },
  both: {
    en: '`--private` and `--public` contradict each other: use one of them.',
    ko: '`--private`, `--public` 옵션은 함께 쓸 수 없습니다. 하나만 쓰세요.',
  },
});

export type Visibility = 'public' | 'private';

/** The flags every read-only verb takes (spread into its flags schema). */
export const visibilityFlags = {
  private: lazySchema(() => z.literal(true, { error: M.token('noValue', { flag: 'private' }) }).optional()),
  public: lazySchema(() => z.literal(true, { error: M.token('noValue', { flag: 'public' }) }).optional()),
};

/** Their names (for "takes --…" answers and booleanFlags, so `--private web` does not eat "web"). */
export const VISIBILITY_FLAGS = ['private', 'public'] as const;

/** `--private` / `--public`, else the environment's setting for this kind of answer. */
export function visibilityOf(
  config: Config,
  environment: string,
  flags: { private?: true; public?: true },
  usage: string,
  kind: 'reads' | 'logs' = 'reads',
): Visibility {
  if (flags.private && flags.public) throw badInput(M.lazy('both'), usage);
  if (flags.private) return 'private';
  if (flags.public) return 'public';
  return config.environments[environment]?.visibility[kind] ?? (kind === 'logs' ? 'private' : 'public');
}

/** A read-only verb's parse result: what it reads (an environment, or a service in it) and who sees the answer. */
export function readParsed<A>(
  config: Config,
  target: { environment: string; service?: ResolvedService },
  flags: { private?: true; public?: true },
  usage: string,
  args: A,
  kind: 'reads' | 'logs' = 'reads',
): Parsed<A> {
  return {
    args,
    environment: target.environment,
    service: target.service,
    visibility: visibilityOf(config, target.environment, flags, usage, kind),
  };
}
