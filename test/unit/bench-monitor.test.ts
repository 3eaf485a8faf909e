/**
 * The bench's MONITOR reader: a monitor line in the same TCP read as MONITOR's OK is a command the
 * server ran, not a reply (ioredis's monitor() threw "Command queue state error" on that in CI).
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { monitorRedis, parseMonitorLine } from '../../bench/fixtures/monitor';

describe('parseMonitorLine', () => {
  it('reads time, source and arguments, unescaping quotes, backslashes and hex bytes', () => {
    expect(parseMonitorLine('1796240062.158938 [0 127.0.0.1:40130] "hello" "3"')).toEqual({
      time: '1796240062.158938',
      source: '127.0.0.1:40130',
      args: ['hello', '3'],
    });
    expect(parseMonitorLine('1.5 [0 lua] "SET" "k" "a \\"b\\" c\\\\d\\x41\\n"')).toEqual({
      time: '1.5',
      source: 'lua',
      args: ['SET', 'k', 'a "b" c\\dA\n'],
    });
    expect(parseMonitorLine('not a monitor line')).toBeNull();
  });
});

describe('monitorRedis', () => {
  let server: Server;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((socket) => {
      socket.on('data', (d) => {
        received.push(d.toString());
        if (d.toString().includes('MONITOR')) {
          // The OK and the first monitored command in one write, as a busy server sends them.
          socket.write('+OK\r\n+1796240062.158938 [0 127.0.0.1:40130] "hello" "3"\r\n');
          setTimeout(() => socket.write('+1796240062.2 [0 127.0.0.1:40131] "GET" "cost:{x}"\r\n'), 5);
        } else socket.write('+OK\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('emits the line that came with the OK and the ones after it', async () => {
    const { port } = server.address() as AddressInfo;
    const monitor = await monitorRedis(`redis://127.0.0.1:${port}`);
    const seen: Array<[string[], string]> = [];
    const two = new Promise<void>((resolve) => {
      monitor.on('monitor', (_t, args, source) => {
        seen.push([args, source]);
        if (seen.length === 2) resolve();
      });
    });
    // The first line may have been emitted before a listener was attached: it is held for the first one.
    await two;
    monitor.disconnect();
    expect(seen).toEqual([
      [['hello', '3'], '127.0.0.1:40130'],
      [['GET', 'cost:{x}'], '127.0.0.1:40131'],
    ]);
  });

  it('authenticates first when the URL carries a password (RESP, so any byte goes through)', async () => {
    received.length = 0;
    const { port } = server.address() as AddressInfo;
    const monitor = await monitorRedis(`redis://bench:p%20w@127.0.0.1:${port}`);
    monitor.disconnect();
    expect(received.join('')).toContain('*3\r\n$4\r\nAUTH\r\n$5\r\nbench\r\n$3\r\np w\r\n');
  });
});
