import type { Cluster, Command, Redis } from 'ioredis';

/**
 * Never sends a command whose caller already has its answer (a command timeout, a
 * max-retries failure). ioredis keeps such a command in its offline queue (issued while
 * disconnected) or in the queue of unanswered commands it resends after a reconnect, and writes
 * it once Redis is back: a click already told "nothing was changed" would then approve, a tick
 * already run without its lock would take it and the next ticks would skip. Only a plain
 * command is dropped: one of a pipeline or a transaction (`stream` given) goes with the others.
 */
export function sendUnsettledOnly<C extends Pick<Redis, 'sendCommand'> | Pick<Cluster, 'sendCommand'>>(client: C): C {
  const send = client.sendCommand.bind(client) as (command: Command, ...rest: unknown[]) => unknown;
  (client as { sendCommand: (command: Command, ...rest: unknown[]) => unknown }).sendCommand = (command, ...rest) =>
    command.isSettled && rest[0] === undefined ? command.promise : send(command, ...rest);
  return client;
}

type Queued = { command: Command };
type Queues = { commandQueue?: { length: number; shift(): Queued | undefined }; prevCommandQueue?: unknown; resetCommandQueue(): void };

/**
 * Fails the commands a replaced connection left unanswered, unless ioredis keeps them to resend.
 * Each connection starts with a handshake (HELLO, SELECT); when Redis is unreachable behind
 * something that accepts and cuts (a proxy, a load balancer), the connection is gone before the
 * handshake is answered, and ioredis's next attempt dropped that queue without settling it: every
 * attempt left its commands waiting out the command timeout (a live 5 s timer each), after quit too.
 */
export function settleReplacedQueue(client: Redis): Redis {
  const c = client as unknown as Queues;
  const reset = c.resetCommandQueue.bind(c);
  c.resetCommandQueue = () => {
    const old = c.commandQueue;
    reset();
    if (old === c.prevCommandQueue) return;
    for (let q = old?.shift(); q; q = old?.shift()) q.command.reject(new Error('Connection is closed.'));
  };
  return client;
}
