/**
 * A chart that cannot be drawn costs one line, never the answer, and the next chart is drawn: the
 * rasterizer's WebAssembly module is missing (a package without dist/charts/resvg.wasm, here: the
 * worker runs from a directory where none of its candidate paths exists). Its own file, so that the
 * rasterizer of this jest module registry has not started yet when the first chart is asked for.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { lastResponse, useDeployHarness } from '../helpers/deploy-e2e';
import { pngSize } from '../helpers/png';
import { stubMetrics } from '../helpers/cloudwatch';

const cwMock = mockClient(CloudWatchClient);
const h = useDeployHarness();

/** 14 days of hourly CPU and memory values for every query of /ecs rightsize. */
const hourly = (base: number) => Array.from({ length: 14 * 24 }, (_, i) => base + (i % 24) / 4);
const metrics = { cpu_avg: hourly(20), cpu_max: hourly(20), mem_avg: hourly(35), mem_max: hourly(35) };

const home = process.cwd();
let elsewhere: string;
beforeAll(() => (elsewhere = mkdtempSync(join(tmpdir(), 'chart-no-wasm-'))));
afterEach(() => {
  process.chdir(home);
  cwMock.reset();
});
afterAll(() => {
  cwMock.restore();
  rmSync(elsewhere, { recursive: true, force: true });
});

it('a chart that cannot be drawn is one line after the complete answer; the next one is drawn', async () => {
  stubMetrics(cwMock, metrics);
  process.chdir(elsewhere); // the WebAssembly module is found nowhere
  await h.e2e.slash('rightsize web', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  process.chdir(home);

  const answers = h.e2e.slack.responses();
  // The answer is whole, and then one line says the chart is missing; nothing is uploaded.
  expect(JSON.stringify(answers.at(-2))).toContain('Right-sizing web (prod), last 14 days');
  expect(answers.at(-1)!.response_type).toBe('in_channel');
  expect(answers.at(-1)!.text).toBe(':warning: The chart could not be drawn; the answer above has every number.');
  expect(h.e2e.slack.files()).toEqual([]);
  expect(h.e2e.slack.calls.map((c) => c.method)).not.toContain('files.getUploadURLExternal');

  // A failed start is not remembered: the same question again gets its chart.
  await h.e2e.slash('rightsize web', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  expect(lastResponse(h.e2e)).toContain('Right-sizing web (prod), last 14 days');
  const [chart] = h.e2e.slack.files();
  expect(chart).toMatchObject({ filename: 'rightsize-web-prod.png', channel_id: 'CPROD' });
  expect(pngSize(chart!.bytes!)).toEqual({ width: 800, height: 400 });
});
