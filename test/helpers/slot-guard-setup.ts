/**
 * jest setupFilesAfterEnv (both configs): every test file runs with the hash-slot guard
 * (./slot-guard.ts) and fails if the code under test sent a command, pipeline or transaction whose
 * keys span hash slots — what Redis Cluster refuses — even when the test ran on a single node.
 */
import { installSlotGuard } from './slot-guard';

const guard = installSlotGuard();

afterAll(() => {
  const found = guard.violations.splice(0);
  if (!found.length) return;
  const lines = found.map((v) => `  ${v.what} ${v.commands.join(' ')}: ${v.keys.join(' ')} (slots ${v.slots.join(', ')})`);
  throw new Error(`Redis operations across hash slots (a Redis Cluster refuses them):\n${lines.join('\n')}`);
});
