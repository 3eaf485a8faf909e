/**
 * Shared pieces of the model tests (test/e2e/*-model*.test.ts): fast-check steps every model uses.
 */
import fc from 'fast-check';

/** Time passes by one of `ms` (repeat a value to weigh it), with the scheduled tick after it or not (an event or click arriving before the next tick). */
export function timeStep(...ms: number[]): fc.Arbitrary<{ t: 'time'; ms: number; tick: boolean }> {
  return fc.record({ t: fc.constant('time' as const), ms: fc.constantFrom(...ms), tick: fc.boolean() });
}
