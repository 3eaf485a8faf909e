/**
 * The BotError a promise is refused with (the test fails when it resolves, or rejects with
 * anything else), for assertions on its code and the words the person reads.
 */
import { BotError } from '../../src/errors';

export async function refusalOf(p: Promise<unknown>): Promise<BotError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BotError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}
