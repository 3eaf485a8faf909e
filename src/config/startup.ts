/**
 * What `npm start` says when chatops.yml cannot be used (src/handlers/local*.ts only; not in the Lambda
 * bundles). The file never reaches Slack then: on Lambda the function fails INIT and the Lambda log has the
 * error's English message with every field path; Slack only shows that the app did not answer.
 * Here the person starting the bot reads it in their terminal: the sentence of the catalog (en + ko) in
 * the language the file asks for (`language: ko`, read from the raw text since the file did not load),
 * then every problem, each with its exact path (`services.web.aliases.0: …`).
 */
import { readFileSync } from 'node:fs';
import { isBotError } from '../errors';
import type { Locale } from '../i18n/locale';
import { formatIssues } from './load';

/** The language chatops.yml asks for, read from its raw text (it may not be valid YAML): `ko` or `en`. */
export function rawLanguage(text: string): Locale {
  return /^\s*language:\s*["']?ko["']?\s*(#.*)?$/m.test(text) ? 'ko' : 'en';
}

/** The message for an error of loadConfigFile(path): the catalog sentence, then the problems or the cause. */
export function configProblem(err: unknown, path: string): string {
  if (!isBotError(err)) return `cannot load ${path}: ${(err as Error).message}`;
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // Unreadable: the workspace's language is unknown.
  }
  const cause = err.cause as { issues?: Parameters<typeof formatIssues>[0] } | undefined;
  return `${err.userMessageIn(rawLanguage(text))}\n${cause?.issues ? formatIssues(cause.issues) : err.message}`;
}
