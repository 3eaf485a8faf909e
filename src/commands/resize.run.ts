/** `/ecs resize`, worker part: read what runs, plan the new size, then dry-run answer or deploy request. */
import { planResize } from '../deploy/planner';
import type { Runtime } from '../runtime';
import type { Invocation } from '../slack/invocation';
import { submitPrepared } from './change.run';
import type { ResizeArgs } from './resize';
import type { Parsed } from './types';

export async function runResize(parsed: Parsed<ResizeArgs>, rt: Runtime, inv: Invocation): Promise<void> {
  const prepared = await planResize(rt, parsed.service!, { cpu: parsed.args.cpu, memory: parsed.args.memory });
  await submitPrepared(rt, inv, prepared, parsed.args);
}
