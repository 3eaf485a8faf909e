/**
 * The FilterLogEvents adapter's bounds (pages, time) and direction, with the SDK client stubbed
 * (aws-sdk-client-mock) and an injected clock, so the time bound is tested without waiting.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand, InvalidParameterException } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { filterLogEvents, NEWEST_FIRST_SINCE } from '../../src/aws/logs';
import { logEvent, MIN, NOW } from '../helpers/aws-fixtures';
import { FakeClock } from '../helpers/clock';

const logsMock = mockClient(CloudWatchLogsClient);
const client = new CloudWatchLogsClient({ region: 'eu-west-1' });
const ctx = { region: 'eu-west-1', groupSource: 'test' };
const query = { logGroupName: '/ecs/web', logStreamNamePrefix: 'ecs/web/', startTime: NOW - 15 * MIN, endTime: NOW, limit: 50 };

afterEach(() => logsMock.reset());
afterAll(() => logsMock.restore());

describe('filterLogEvents', () => {
  it('stops when the time bound is reached, and says the result may be incomplete', async () => {
    const clock = new FakeClock(0);
    logsMock.on(FilterLogEventsCommand).callsFake(() => {
      clock.advance(4_000); // each page takes 4 s
      return { events: [], nextToken: 'more' };
    });
    const res = await filterLogEvents(client, query, ctx, { maxPages: 50, maxMs: 10_000, clock: clock.now });
    expect(res.incomplete).toBe('time');
    expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(3);
  });

  it('follows tokens, asks only for what is still needed, and returns oldest first', async () => {
    logsMock
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [logEvent(NOW - MIN, 'newest'), logEvent(NOW - 2 * MIN, 'middle')], nextToken: 't1' })
      .resolvesOnce({ events: [], nextToken: 't2' })
      .resolvesOnce({ events: [logEvent(NOW - 3 * MIN, 'oldest')] });
    const res = await filterLogEvents(client, { ...query, limit: 5 }, ctx, { maxPages: 5, maxMs: 10_000, clock: () => 0 });
    expect(res.events.map((e) => e.message)).toEqual(['oldest', 'middle', 'newest']);
    expect(res).toMatchObject({ pages: 3, more: false, newestFirst: true });
    const inputs = logsMock.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.limit)).toEqual([5, 3, 3]);
    expect(inputs[0]!.startFromHead).toBe(false);
    expect(inputs[1]).toMatchObject({ nextToken: 't1' });
    expect(inputs[1]!.startFromHead).toBeUndefined(); // the token carries the direction
  });

  it('reports more when the limit was reached with a token left', async () => {
    logsMock.on(FilterLogEventsCommand).resolves({ events: [logEvent(NOW - MIN, 'a'), logEvent(NOW - 2 * MIN, 'b')], nextToken: 'x' });
    const res = await filterLogEvents(client, { ...query, limit: 2 }, ctx);
    expect(res).toMatchObject({ more: true, pages: 1 });
    expect(res.incomplete).toBeUndefined();
  });

  it('reads oldest first for ranges that start before 2024 (newest first is refused there)', async () => {
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    const res = await filterLogEvents(client, { ...query, startTime: NEWEST_FIRST_SINCE - MIN, endTime: NEWEST_FIRST_SINCE + MIN }, ctx);
    expect(res.newestFirst).toBe(false);
    expect(logsMock.commandCalls(FilterLogEventsCommand)[0]!.args[0].input.startFromHead).toBe(true);
  });

  it('blames a rejected filter pattern on the pattern, with the syntax link', async () => {
    logsMock.on(FilterLogEventsCommand).rejects(new InvalidParameterException({ message: 'Invalid filter pattern', $metadata: {} }));
    await expect(filterLogEvents(client, { ...query, filterPattern: '{ $.x = ' }, ctx)).rejects.toMatchObject({
      code: 'BAD_INPUT',
      hint: expect.stringContaining('FilterAndPatternSyntax'),
    });
  });
});
