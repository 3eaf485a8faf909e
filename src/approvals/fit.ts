/**
 * What a change request stores is bounded (issue 10, item 14; src/redis/bounds.ts): the summary,
 * the diff and the gate notes are shortened with a marker that says so, and a plan too big to
 * store is refused (it is structured, so it cannot be shortened). Pure.
 */
import { BotError } from '../errors';
import { defineMessages, type Locale } from '../i18n';
import {
  cutUtf8,
  REQUEST_DETAILS_MAX_BYTES,
  REQUEST_GATES_MAX_BYTES,
  REQUEST_PLAN_MAX_BYTES,
  REQUEST_SUMMARY_MAX_BYTES,
} from '../redis/bounds';
import type { GateNote } from './types';

export { cutUtf8 };

const text = defineMessages('approvals.fit', {
  summaryCut: {
    en: '… (shortened: the summary was {bytes} bytes, a request keeps {max})',
    ko: '… (줄임: 요약이 {bytes}바이트여서 요청에는 {max}바이트까지만 저장합니다)',
  },
  detailsCut: {
    en: '… ({lines} more lines not kept: a request keeps {max} bytes of the diff; `/ecs taskdef` shows all of it)',
    ko: '… (나머지 {lines}줄은 저장하지 않았습니다. 요청에는 변경 내용을 {max}바이트까지만 저장합니다. 전체는 `/ecs taskdef`로 보세요)',
  },
  gatesCut: {
    en: '{n} more gate notes not kept (a request keeps {max} bytes of them).',
    ko: '게이트 메모 {n}개는 저장하지 않았습니다(요청에는 {max}바이트까지만 저장합니다).',
  },
  planTooBig: {
    en: 'This change plan is {bytes} bytes; a request can keep at most {max}, so nothing was requested. Report this: a plan is normally well under 1 KB.',
    ko: '이 변경 계획은 {bytes}바이트입니다. 요청에는 최대 {max}바이트까지만 저장할 수 있어 아무것도 요청하지 않았습니다. 보통 계획은 1KB보다 훨씬 작으니 이 문제를 알려 주세요.',
  },
});

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** `s`, or its start plus `marker`, in at most `maxBytes` bytes. */
export function fitText(s: string, maxBytes: number, marker: (bytes: number) => string): string {
  if (utf8(s) <= maxBytes) return s;
  const tail = marker(utf8(s));
  return cutUtf8(s, maxBytes - utf8(tail) - 1) + '\n' + tail;
}

/** A diff kept to whole lines within `maxBytes`, the last line saying how many were left out. */
export function fitLines(s: string, maxBytes: number, marker: (lines: number) => string): string {
  if (utf8(s) <= maxBytes) return s;
  const lines = s.split('\n');
  const budget = maxBytes - utf8(marker(lines.length)) - 1;
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const n = utf8(line) + (kept.length ? 1 : 0);
    if (used + n > budget) break;
    kept.push(line);
    used += n;
  }
  // Not even one whole line fits: keep the start of the first.
  if (!kept.length) kept.push(cutUtf8(lines[0] ?? '', budget));
  return [...kept, marker(lines.length - kept.length)].join('\n');
}

export interface RequestTexts {
  summary: string;
  details?: string;
  gates?: GateNote[];
}

/** The summary, diff and gate notes of a request, each within its bound (src/redis/bounds.ts). */
export function fitRequestTexts(input: RequestTexts, locale: Locale): RequestTexts {
  const t = text.in(locale);
  const summary = fitText(input.summary, REQUEST_SUMMARY_MAX_BYTES, (bytes) => t('summaryCut', { bytes, max: REQUEST_SUMMARY_MAX_BYTES }));
  const details =
    input.details === undefined
      ? undefined
      : fitLines(input.details, REQUEST_DETAILS_MAX_BYTES, (lines) => t('detailsCut', { lines, max: REQUEST_DETAILS_MAX_BYTES }));
  let gates = input.gates;
  if (gates?.length && utf8(JSON.stringify(gates)) > REQUEST_GATES_MAX_BYTES) {
    const kept: GateNote[] = [];
    const note = (n: number): GateNote => ({ gate: gates![0]!.gate, text: t('gatesCut', { n, max: REQUEST_GATES_MAX_BYTES }) });
    for (const g of gates) {
      const one = { gate: g.gate, text: cutUtf8(g.text, 400) };
      if (utf8(JSON.stringify([...kept, one, note(gates.length)])) > REQUEST_GATES_MAX_BYTES) break;
      kept.push(one);
    }
    gates = kept.length < gates.length ? [...kept, note(gates.length - kept.length)] : kept;
  }
  return { summary, ...(details !== undefined ? { details } : {}), ...(gates ? { gates } : {}) };
}

/** Refuse a plan too big to store (a bug or a hostile input, never an ordinary change). */
export function assertPlanFits(plan: unknown, locale: Locale): void {
  const bytes = utf8(JSON.stringify(plan ?? null));
  if (bytes <= REQUEST_PLAN_MAX_BYTES) return;
  throw new BotError('BAD_INPUT', `plan of ${bytes} bytes`, {
    userMessage: text.in(locale)('planTooBig', { bytes, max: REQUEST_PLAN_MAX_BYTES }),
  });
}
