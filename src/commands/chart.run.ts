/**
 * Worker side of the charts on `/ecs cost` and `/ecs rightsize`: after the text answer (which stays
 * complete on its own, for screen readers and notifications), the chart is drawn (src/charts/: pure
 * SVG, then PNG through the rasterizer loaded with `await import` only now) and uploaded with a
 * caption in the reader's language: in the channel for a channel answer, in a direct message with
 * the requester for a private one. A chart that cannot be drawn or uploaded costs one short line,
 * never the answer.
 */
import type { ChartSpec } from '../charts/svg';
import { chartSvg } from '../charts/svg';
import { defineMessages } from '../i18n/catalog';
import type { Locale } from '../i18n/locale';
import { context } from '../slack/blocks';
import { slackErrorCodeOf } from '../slack/gateway';
import type { Invocation } from '../slack/invocation';
import { escapeMrkdwn } from '../slack/text';
import type { Runtime } from '../runtime';
import { answer, type Audience } from './readers.run';

export const chartText = defineMessages('commands.chart', {
  costTitle: { en: 'ECS cost per day, {scope}', ko: '일별 ECS 비용, {scope}' },
  costCaption: {
    en: 'Chart: daily ECS cost of {scope} in USD (filled bars){forecast}. Every number is in the answer above.',
    ko: '차트: {scope}의 일별 ECS 비용, USD (채운 막대){forecast}. 모든 숫자는 위 답변에 있습니다.',
  },
  costForecast: {
    en: '; outlined bars: the month-end forecast spread evenly over the days left',
    ko: '; 테두리만 있는 막대: 월말 예측을 남은 날에 고르게 나눈 값',
  },
  costAlt: {
    en: 'Bar chart of the daily ECS cost of {scope}, {from} to {to}, highest {max} a day{forecast}.',
    ko: '{scope}의 일별 ECS 비용 막대 차트, {from}부터 {to}까지, 하루 최고 {max}{forecast}.',
  },
  costAltForecast: {
    en: ', with the forecast of about {perDay} a day until the month ends',
    ko: ', 월말까지 하루 약 {perDay}의 예측 포함',
  },
  rightsizeTitle: { en: 'CPU and memory of {scope}', ko: '{scope}의 CPU와 메모리' },
  rightsizeCaption: {
    en: 'Chart: hourly CPU (blue) and memory (orange) utilization of {scope} over {days} days in percent of the reservation (grey dashed line at 100%); thick lines are hourly peaks, thin lines averages{next}.',
    ko: '차트: {scope}의 최근 {days}일 시간별 CPU(파랑)·메모리(주황) 사용률, 예약량 대비 % (회색 점선이 100%). 굵은 선은 시간별 최고치, 가는 선은 평균{next}.',
  },
  rightsizeNext: { en: '; green dashed lines: the recommended size', ko: '; 초록 점선: 권장 크기' },
  rightsizeAlt: {
    en: 'Line chart of the CPU and memory utilization of {scope} over {days} days: CPU peaks up to {cpu}, memory up to {memory} of the reservation.',
    ko: '{scope}의 최근 {days}일 CPU·메모리 사용률 선 차트: 예약량 대비 CPU 최고 {cpu}, 메모리 최고 {memory}.',
  },
  drawFailed: {
    en: ':warning: The chart could not be drawn; the answer above has every number.',
    ko: ':warning: 차트를 그리지 못했습니다. 모든 숫자는 위 답변에 있습니다.',
  },
  uploadFailed: {
    en: ':warning: The chart could not be uploaded ({reason}); the answer above has every number.',
    ko: ':warning: 차트를 올리지 못했습니다 ({reason}). 모든 숫자는 위 답변에 있습니다.',
  },
});

/** Pixels per SVG unit: 800 × 400 PNGs (Slack shows them at most about 480 px wide; 2× costs about 4× the rendering, docs/charts.md). */
export const CHART_ZOOM = 1;

export interface Chart {
  spec: ChartSpec;
  /** e.g. "cost-prod-2026-12-14.png" */
  filename: string;
  title: string;
  /** The upload's comment: how to read the chart, in the reader's language. */
  caption: string;
  /** Said by screen readers for the image. */
  alt: string;
}

/** Slack's error code of a failed upload (e.g. not_in_channel), or "Slack" when Slack answered none (never the SDK's text). */
function uploadReason(err: unknown): string {
  return slackErrorCodeOf(err) ?? 'Slack';
}

/**
 * Draw and upload `chart` after the text answer. Never throws: a failure is logged and said in
 * one line where the answer went.
 */
export async function attachChart(rt: Runtime, inv: Invocation, audience: Audience, chart: Chart): Promise<void> {
  const log = rt.log.child({ invocation: inv.id });
  const t = chartText.in(audience.locale);
  let bytes: Uint8Array;
  try {
    const started = Date.now();
    const svg = chartSvg(chart.spec);
    const { svgToPng } = await import('../charts/png');
    bytes = await svgToPng(svg, CHART_ZOOM);
    log.info('chart drawn', { file: chart.filename, bytes: bytes.length, ms: Date.now() - started });
  } catch (err) {
    log.warn('chart not drawn', { file: chart.filename, err });
    await say(rt, inv, audience, t('drawFailed'), audience.locale);
    return;
  }
  try {
    const where = audience.inChannel ? inv.channelId : await rt.slack.openDm(inv.userId);
    await rt.slack.uploadFile(where, { filename: chart.filename, bytes, title: chart.title, altText: chart.alt, comment: chart.caption });
  } catch (err) {
    log.warn('chart not uploaded', { file: chart.filename, err });
    await say(rt, inv, audience, t('uploadFailed', { reason: escapeMrkdwn(uploadReason(err)) }), audience.locale);
  }
}

async function say(rt: Runtime, inv: Invocation, audience: Audience, line: string, locale: Locale): Promise<void> {
  try {
    // Not into a form's modal: that holds the answer itself.
    await answer(rt, { ...inv, view: undefined }, { text: line, blocks: [context(line)], locale }, audience);
  } catch (err) {
    rt.log.warn('could not say that the chart is missing', { invocation: inv.id, err });
  }
}
