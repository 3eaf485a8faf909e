/**
 * Which of the stopped tasks ECS lists were stopped for running out of memory (pure, as the alerts
 * classify a stop): the ones /ecs status, /ecs tasks --stopped and /ecs rightsize add to the record
 * /ecs rightsize reads.
 */
import { memoryKillsOf } from '../../src/alerts/memory-kills.run';
import { stoppedForMemory } from '../../src/aws/task-stop';
import { stoppedTask } from '../helpers/aws-fixtures';

const NOW = Date.parse('2025-11-25T11:00:00Z');
const oomContainer = {
  name: 'web',
  lastStatus: 'STOPPED',
  exitCode: 137,
  reason: 'OutOfMemoryError: Container killed due to memory usage',
};

describe('tasks stopped for running out of memory', () => {
  it('an OutOfMemoryError, or exit 137 the task was not told to stop with; with when it stopped', () => {
    const tasks = [
      stoppedTask('a0000000000000000000000000000001', { containers: [oomContainer] }),
      stoppedTask('a0000000000000000000000000000002', {}, 137),
      stoppedTask('a0000000000000000000000000000003', {}, 1),
      stoppedTask('a0000000000000000000000000000004', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity' }, 137),
      stoppedTask('a0000000000000000000000000000005', { stopCode: 'UserInitiated' }, 137),
      // OutOfMemory wins over whoever stopped it.
      stoppedTask('a0000000000000000000000000000006', { stopCode: 'ServiceSchedulerInitiated', containers: [oomContainer] }),
    ];
    expect(memoryKillsOf(tasks, NOW)).toEqual([
      { taskId: 'a0000000000000000000000000000001', at: Date.parse('2025-11-25T10:01:05Z') },
      { taskId: 'a0000000000000000000000000000002', at: Date.parse('2025-11-25T10:01:05Z') },
      { taskId: 'a0000000000000000000000000000006', at: Date.parse('2025-11-25T10:01:05Z') },
    ]);
  });

  it('a task not stopped yet is none; without stoppedAt, stoppingAt, else now; never after now', () => {
    const running = stoppedTask('b0000000000000000000000000000001', { lastStatus: 'RUNNING', containers: [oomContainer] });
    expect(memoryKillsOf([running], NOW)).toEqual([]);
    const stopping = stoppedTask('b0000000000000000000000000000002', { stoppedAt: undefined, containers: [oomContainer] });
    expect(memoryKillsOf([stopping], NOW)).toEqual([
      { taskId: 'b0000000000000000000000000000002', at: Date.parse('2025-11-25T10:01:00Z') },
    ]);
    const neither = stoppedTask('b0000000000000000000000000000003', {
      stoppedAt: undefined,
      stoppingAt: undefined,
      containers: [oomContainer],
    });
    expect(memoryKillsOf([neither], NOW)).toEqual([{ taskId: 'b0000000000000000000000000000003', at: NOW }]);
    const future = stoppedTask('b0000000000000000000000000000004', { stoppedAt: new Date(NOW + 60_000), containers: [oomContainer] });
    expect(memoryKillsOf([future], NOW)[0]!.at).toBe(NOW);
  });

  it('stoppedForMemory reads an event detail as it reads a Task', () => {
    expect(stoppedForMemory({ stopCode: 'EssentialContainerExited', containers: [{ name: 'web', exitCode: 137 }] })).toBe(true);
    expect(stoppedForMemory({ stopCode: 'EssentialContainerExited', containers: [{ name: 'web', exitCode: 1 }] })).toBe(false);
    expect(stoppedForMemory({ containers: [{ name: 'web', reason: 'OutOfMemoryError: Container killed due to memory usage' }] })).toBe(
      true,
    );
    expect(stoppedForMemory({})).toBe(false);
  });
});
