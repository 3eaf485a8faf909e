/**
 * A stand-in for the executor's 'execute' job, registered over it: the same contract
 * (startExecution first, finishExecution at the end), without AWS. `runs` counts the jobs that
 * were allowed to start.
 */
import { z } from 'zod';
import { finishExecution, startExecution } from '../../src/approvals/execution';
import { registerJobKind } from '../../src/hooks/jobs';

export function standInExecuteJob(): { runs: number } {
  const executed = { runs: 0 };
  registerJobKind('execute', {
    schema: z.object({ kind: z.literal('execute'), id: z.string(), requestId: z.string() }),
    once: false,
    async handle(job, rt) {
      const started = await startExecution(rt, job.requestId);
      if (!started.ok) return;
      executed.runs += 1;
      await finishExecution(rt, job.requestId, 'succeeded', 'done');
    },
  });
  return executed;
}
