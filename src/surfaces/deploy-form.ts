/**
 * The deploy form (a modal), pure: environment → service (only those the reader may deploy) →
 * image (the service's recent ECR tags with push time and scan status) → reason. Opened at once by
 * the Slack-facing function with what it knows; the tags arrive later (`views.update` from the
 * worker). Submitting it runs `/ecs deploy <service> <tag> --reason …` through the slash-command
 * path (./deploy-modal.ts). Also: the view shown while the request is prepared, the view for
 * someone who may deploy nowhere, and the answer when the form could not open in time.
 */
import type { KnownBlock } from '@slack/types';
import { aliasNote } from '../config/aliases';
import { defineMessages, formatDuration, type Locale } from '../i18n';
import { context, section, type SlackMessage } from '../slack/blocks';
import { VIEW_LIMITS } from '../slack/modal';
import { code, escapeMrkdwn, truncate } from '../slack/text';

export const text = defineMessages('deploy-form', {
  title: { en: 'Deploy to ECS', ko: 'ECS에 배포' },
  submit: { en: 'Request deploy', ko: '배포 요청' },
  cancel: { en: 'Cancel', ko: '취소' },
  close: { en: 'Close', ko: '닫기' },
  intro: {
    en: 'Deploy an image from ECR to a service. The request gets the same checks and approvals as `/ecs deploy`.',
    ko: 'ECR의 이미지를 서비스에 배포합니다. 요청은 `/ecs deploy`와 같은 검사와 승인을 거칩니다.',
  },
  envLabel: { en: 'Environment', ko: '환경' },
  envPlaceholder: { en: 'Choose an environment', ko: '환경 선택' },
  envNeedsApproval: { en: '{env} · needs {n} {n|approval|approvals}', ko: '{env} · 승인 {n}건 필요' },
  envNoApproval: { en: '{env} · runs without approval', ko: '{env} · 승인 없이 실행' },
  serviceLabel: { en: 'Service', ko: '서비스' },
  servicePlaceholder: { en: 'Choose a service', ko: '서비스 선택' },
  pickEnvFirst: {
    en: 'Choose an environment to see the services you may deploy there.',
    ko: '환경을 고르면 배포할 수 있는 서비스가 표시됩니다.',
  },
  imageLabel: { en: 'Image tag', ko: '이미지 태그' },
  imagePlaceholder: { en: 'Choose a tag', ko: '태그 선택' },
  imageHint: {
    en: 'Newest first. The tag is pinned to its digest when you submit.',
    ko: '최신순입니다. 제출할 때 태그가 다이제스트로 고정됩니다.',
  },
  loadingTags: {
    en: ':hourglass_flowing_sand: Loading the recent tags of {repo} from ECR…',
    ko: ':hourglass_flowing_sand: ECR에서 {repo}의 최근 태그를 불러오는 중…',
  },
  noTags: { en: 'ECR repository {repo} has no tagged images.', ko: 'ECR 저장소 {repo}에 태그된 이미지가 없습니다.' },
  tagsError: { en: ':warning: Could not list the tags: {error}', ko: ':warning: 태그 목록을 가져오지 못했습니다: {error}' },
  tagPushed: { en: 'pushed {age} ago', ko: '{age} 전 푸시' },
  scanClean: { en: ':white_check_mark: no critical or high', ko: ':white_check_mark: 심각·높음 없음' },
  scanCritical: { en: ':red_circle: {critical} critical, {high} high', ko: ':red_circle: 심각 {critical}, 높음 {high}' },
  scanHigh: { en: ':large_orange_circle: {high} high', ko: ':large_orange_circle: 높음 {high}' },
  scanPending: { en: ':hourglass: scan in progress', ko: ':hourglass: 스캔 중' },
  scanNone: { en: ':grey_question: not scanned', ko: ':grey_question: 스캔 안 됨' },
  scanOther: { en: ':grey_question: scan {status}', ko: ':grey_question: 스캔 {status}' },
  reasonLabel: { en: 'Reason', ko: '사유' },
  reasonHint: { en: 'Shown to the approvers and kept in the audit trail.', ko: '승인자에게 보이고 감사 기록에 남습니다.' },
  reasonPlaceholder: { en: 'e.g. checkout fix', ko: '예: 결제 버그 수정' },
  whereNeedsApproval: {
    en: 'In {env} a deploy needs {n} {n|approval|approvals} from an approver other than you; the request is posted in {channel}.',
    ko: '{env}에서는 본인이 아닌 승인자의 승인 {n}건이 필요합니다. 요청은 {channel}에 게시됩니다.',
  },
  whereNoApproval: {
    en: 'In {env} a deploy starts as soon as you submit; it is posted in {channel}.',
    ko: '{env}에서는 제출하는 즉시 배포가 시작되며 {channel}에 게시됩니다.',
  },
  moreServices: { en: '{n} more services are not listed (the menu holds 100).', ko: '서비스 {n}개는 목록에 없습니다(메뉴는 100개까지).' },
  noRepository: {
    en: '{n} {n|service has|services have} no ECR repository configured and cannot be deployed from here.',
    ko: '서비스 {n}개는 ECR 저장소가 설정되지 않아 여기서 배포할 수 없습니다.',
  },
  preparingDeploy: {
    en: 'Checking {tag} in ECR and preparing the deploy of {service} in {env}. This view shows the outcome in a moment.',
    ko: 'ECR에서 {tag}을(를) 확인하고 {env}의 {service} 배포를 준비하고 있습니다. 잠시 후 이 화면에 결과가 표시됩니다.',
  },
  nowhere: {
    en: 'You may not request deploys in any environment, so there is nothing to choose here. Ask an admin to add you as a requester in chatops.yml (`environments.<name>.requesters`).',
    ko: '배포를 요청할 수 있는 환경이 없어 고를 것이 없습니다. 관리자에게 chatops.yml의 요청자(`environments.<name>.requesters`)로 추가해 달라고 하세요.',
  },
  expired: {
    en: 'The deploy form could not open in time (Slack allows 3 seconds for that). Try again, or type the command in one line: {usage}',
    ko: '배포 양식을 제때 열지 못했습니다(Slack은 3초를 허용합니다). 다시 시도하거나 명령을 한 줄로 입력하세요: {usage}',
  },
  notConfirmed: {
    en: 'Slack did not confirm in time that the deploy form opened. If it does not appear, try again, or type the command in one line: {usage}',
    ko: 'Slack이 배포 양식을 열었는지 제때 확인해 주지 않았습니다. 양식이 나타나지 않으면 다시 시도하거나 명령을 한 줄로 입력하세요: {usage}',
  },
  refusedOpen: {
    en: 'Slack refused to open the deploy form ({code}). Try again, or type the command in one line: {usage}',
    ko: 'Slack이 배포 양식 열기를 거부했습니다({code}). 다시 시도하거나 명령을 한 줄로 입력하세요: {usage}',
  },
  updateNotConfirmed: {
    en: 'Slack did not confirm in time that the form was updated. If it does not show your choice, choose again.',
    ko: 'Slack이 양식을 고쳤는지 제때 확인해 주지 않았습니다. 양식에 고른 항목이 보이지 않으면 다시 고르세요.',
  },
  updateRefused: {
    en: 'Slack refused to update the form ({code}). Choose again, or close the form and open it again.',
    ko: 'Slack이 양식 고치기를 거부했습니다({code}). 다시 고르거나, 양식을 닫고 다시 여세요.',
  },
  tagsNotAsked: {
    en: 'The deploy form is open, but I could not start loading the image tags, so it will keep saying they are loading. Close it and open it again.',
    ko: '배포 양식은 열렸지만 이미지 태그 불러오기를 시작하지 못해 계속 불러오는 중으로 표시됩니다. 양식을 닫고 다시 여세요.',
  },
  unchecked: {
    en: 'Slack did not answer in time about your user groups in {envs}, so {n|it is|they are} not listed. Close the form and open it again to see {n|it|them}.',
    ko: '환경 {n}곳({envs})은 Slack이 사용자 그룹을 제때 알려 주지 않아 목록에 없습니다. 양식을 닫고 다시 열면 보입니다.',
  },
  nowhereUnchecked: {
    en: 'Slack did not answer in time about your user groups, so I cannot tell where you may deploy. Close this and try again in a moment.',
    ko: 'Slack이 사용자 그룹을 제때 알려 주지 않아 어디에 배포할 수 있는지 알 수 없습니다. 이 창을 닫고 잠시 후 다시 시도하세요.',
  },
  errPickEnv: { en: 'Choose an environment.', ko: '환경을 고르세요.' },
  errUnchecked: {
    en: 'Slack did not answer in time about your user groups; submit again in a moment.',
    ko: 'Slack이 사용자 그룹을 제때 알려 주지 않았습니다. 잠시 후 다시 제출하세요.',
  },
  errEnvNotAllowed: { en: 'You may not request deploys in {env}.', ko: '{env}에는 배포를 요청할 수 없습니다.' },
  errPickService: { en: 'Choose a service.', ko: '서비스를 고르세요.' },
  errServiceNotAllowed: {
    en: '{service} cannot be deployed from here in {env}.',
    ko: '{env}의 {service}은(는) 여기서 배포할 수 없습니다.',
  },
  errTagsLoading: {
    en: 'The tags are still loading; submit again in a moment.',
    ko: '태그를 아직 불러오는 중입니다. 잠시 후 다시 제출하세요.',
  },
  errPickTag: { en: 'Choose a tag.', ko: '태그를 고르세요.' },
  errTagGone: {
    en: '{tag} is no longer in ECR (deleted since the list was loaded). Choose another tag.',
    ko: '{tag}은(는) 더 이상 ECR에 없습니다(목록을 불러온 뒤 삭제됨). 다른 태그를 고르세요.',
  },
  errReasonLong: { en: 'Keep the reason under {n} characters.', ko: '사유는 {n}자 이내로 적으세요.' },
});

type T = ReturnType<typeof text.in>;

export const FORM = {
  callbackId: 'deploy-form',
  /** Prefix of every action id of the form (selects). */
  actionPrefix: 'deployform:',
  envAction: 'deployform:env',
  serviceAction: 'deployform:service',
  imageAction: 'deployform:image',
  reasonAction: 'deployform:reason',
  envBlock: 'env',
  reasonBlock: 'reason',
  /** The global shortcut's callback_id (slack-manifest.yml). */
  shortcut: 'deploy_to_ecs',
} as const;

/** block_id of the service select: per environment, so switching environments clears it. */
export const serviceBlock = (env: string) => `service:${env}`;
/** block_id of the tag select: per service, so switching services clears it. */
export const imageBlock = (env: string, service: string) => `image:${env}:${service}`;

export const REASON_MAX = 500;
/** Options Slack allows in one static select. */
const MAX_OPTIONS = 100;
/** Tags offered. */
export const MAX_TAGS = 50;

export type Scan =
  | { kind: 'clean' }
  | { kind: 'findings'; critical: number; high: number }
  | { kind: 'pending' }
  | { kind: 'none' }
  | { kind: 'other'; status: string };

export interface TagOption {
  tag: string;
  digest: string;
  pushedAt?: number;
  scan: Scan;
}

export type TagsState =
  | { state: 'loading'; repository: string }
  | { state: 'loaded'; repository: string; at: number; tags: TagOption[] }
  | { state: 'error'; repository: string; message: string };

export interface FormEnvironment {
  name: string;
  /** Approvals a deploy needs there (0: runs at once). */
  approvals: number;
  /** Where the request is posted. */
  channel: string;
  /** Services the reader may deploy there (with an ECR repository), sorted. */
  services: string[];
  /** Their aliases in chatops.yml, shown beside their names (`web (웹, 프론트)`). */
  aliases?: ReadonlyMap<string, readonly string[]>;
  /** Services without a repository (not offered). */
  withoutRepository: number;
}

export interface FormState {
  locale: Locale;
  now: number;
  environments: FormEnvironment[];
  env?: string;
  service?: string;
  tags?: TagsState;
  /** The channel the form was opened from (the request goes there when it is one of the environment's). */
  originChannel?: string;
  /** Environments left out because the reader's user groups could not be checked in time. */
  unchecked?: string[];
}

const plain = (t: string, max: number) => ({ type: 'plain_text' as const, text: truncate(t, max), emoji: true });

/** A select option: text ≤ 75, value ≤ 150, description ≤ 75. */
function option(label: string, value: string, description?: string) {
  return {
    text: plain(label, 75),
    value: value.slice(0, 150),
    ...(description ? { description: plain(description, 75) } : {}),
  };
}

/** A select that the form reacts to at once (dispatch_action): the first MAX_OPTIONS options, `selected` chosen. */
function choice(
  blockId: string,
  actionId: string,
  label: string,
  placeholder: string,
  options: ReturnType<typeof option>[],
  selected: string | undefined,
): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    dispatch_action: true,
    label: plain(label, 2000),
    element: {
      type: 'static_select',
      action_id: actionId,
      placeholder: plain(placeholder, 150),
      options: options.slice(0, MAX_OPTIONS),
      ...(selected ? { initial_option: options.find((o) => o.value === selected) } : {}),
    },
  } as KnownBlock;
}

export function scanText(scan: Scan, t: T): string {
  switch (scan.kind) {
    case 'clean':
      return t('scanClean');
    case 'findings':
      return scan.critical ? t('scanCritical', { critical: scan.critical, high: scan.high }) : t('scanHigh', { high: scan.high });
    case 'pending':
      return t('scanPending');
    case 'none':
      return t('scanNone');
    case 'other':
      return t('scanOther', { status: scan.status });
  }
}

function tagDescription(tag: TagOption, now: number, locale: Locale, t: T): string {
  const parts = [];
  if (tag.pushedAt) parts.push(t('tagPushed', { age: formatDuration(Math.max(0, now - tag.pushedAt), locale) }));
  parts.push(scanText(tag.scan, t));
  return parts.join(' · ');
}

/** The private_metadata of the form: where it was opened (JSON, well under 3,000 characters). */
export interface FormMeta {
  c?: string;
}

export function formMeta(view: { private_metadata?: string }): FormMeta {
  try {
    const m = JSON.parse(view.private_metadata || '{}') as FormMeta;
    return typeof m.c === 'string' ? { c: m.c } : {};
  } catch {
    return {};
  }
}

/** The form, as far as it can be filled. */
export function deployForm(s: FormState): Record<string, unknown> {
  const t = text.in(s.locale);
  const env = s.environments.find((e) => e.name === s.env);
  const blocks: KnownBlock[] = [section(t('intro'))];
  const envOptions = s.environments.map((e) =>
    option(e.approvals > 0 ? t('envNeedsApproval', { env: e.name, n: e.approvals }) : t('envNoApproval', { env: e.name }), e.name),
  );
  blocks.push(choice(FORM.envBlock, FORM.envAction, t('envLabel'), t('envPlaceholder'), envOptions, env?.name));
  if (s.unchecked?.length)
    blocks.push(context(`:warning: ${t('unchecked', { envs: s.unchecked.map(code).join(', '), n: s.unchecked.length })}`));

  if (!env) {
    blocks.push(context(t('pickEnvFirst')));
  } else {
    const serviceOptions = env.services.map((a) => option(a + aliasNote(env.aliases?.get(a), 75 - a.length), a));
    const service = env.services.includes(s.service ?? '') ? s.service : undefined;
    blocks.push(choice(serviceBlock(env.name), FORM.serviceAction, t('serviceLabel'), t('servicePlaceholder'), serviceOptions, service));
    const notes: string[] = [];
    if (serviceOptions.length > MAX_OPTIONS) notes.push(t('moreServices', { n: serviceOptions.length - MAX_OPTIONS }));
    if (env.withoutRepository) notes.push(t('noRepository', { n: env.withoutRepository }));
    if (notes.length) blocks.push(context(notes.join(' ')));

    if (service && s.tags) {
      const repo = code(s.tags.repository);
      if (s.tags.state === 'loading') blocks.push(context(t('loadingTags', { repo })));
      else if (s.tags.state === 'error') blocks.push(context(truncate(t('tagsError', { error: escapeMrkdwn(s.tags.message) }), 2000)));
      else if (!s.tags.tags.length) blocks.push(context(t('noTags', { repo })));
      else {
        const tags = s.tags.tags.slice(0, MAX_TAGS);
        blocks.push({
          type: 'input',
          block_id: imageBlock(env.name, service),
          label: plain(t('imageLabel'), 2000),
          hint: plain(t('imageHint'), 2000),
          element: {
            type: 'static_select',
            action_id: FORM.imageAction,
            placeholder: plain(t('imagePlaceholder'), 150),
            options: tags.map((tag) => option(tag.tag, tag.tag, tagDescription(tag, s.now, s.locale, t))),
          },
        } as KnownBlock);
      }
    }
    const channel = `<#${env.channel}>`;
    blocks.push(
      context(
        env.approvals > 0
          ? t('whereNeedsApproval', { env: code(env.name), n: env.approvals, channel })
          : t('whereNoApproval', { env: code(env.name), channel }),
      ),
    );
  }

  blocks.push({
    type: 'input',
    block_id: FORM.reasonBlock,
    optional: true,
    label: plain(t('reasonLabel'), 2000),
    hint: plain(t('reasonHint'), 2000),
    element: {
      type: 'plain_text_input',
      action_id: FORM.reasonAction,
      multiline: true,
      max_length: REASON_MAX,
      placeholder: plain(t('reasonPlaceholder'), 150),
    },
  } as KnownBlock);

  return {
    type: 'modal',
    callback_id: FORM.callbackId,
    private_metadata: JSON.stringify(s.originChannel ? { c: s.originChannel } : {}),
    title: plain(t('title'), VIEW_LIMITS.title),
    submit: plain(t('submit'), VIEW_LIMITS.button),
    close: plain(t('cancel'), VIEW_LIMITS.button),
    blocks: blocks.slice(0, VIEW_LIMITS.blocks),
  };
}

/** Pushed on top of the form when it was submitted: the worker replaces it with the outcome (by external_id). */
export function preparingView(
  locale: Locale,
  externalId: string,
  what: { tag: string; service: string; env: string },
): Record<string, unknown> {
  const t = text.in(locale);
  return {
    type: 'modal',
    external_id: externalId,
    title: plain(t('title'), VIEW_LIMITS.title),
    close: plain(t('close'), VIEW_LIMITS.button),
    clear_on_close: true,
    blocks: [
      section(
        `:hourglass_flowing_sand: ${t('preparingDeploy', { tag: code(what.tag), service: code(what.service), env: code(what.env) })}`,
      ),
    ],
  };
}

/** For someone who may request deploys nowhere. */
export function nowhereView(locale: Locale, unchecked: readonly string[] = []): Record<string, unknown> {
  const t = text.in(locale);
  return {
    type: 'modal',
    title: plain(t('title'), VIEW_LIMITS.title),
    close: plain(t('close'), VIEW_LIMITS.button),
    blocks: [section(unchecked.length ? `:warning: ${t('nowhereUnchecked')}` : t('nowhere'))],
  };
}

const USAGE = '`/ecs deploy <service> <tag> --reason "…"`';

/** Why the form did not open (src/slack/view-calls.ts): the trigger expired, no answer in time, or Slack's error code. */
export type NotOpened = { why: 'expired' | 'notConfirmed' } | { why: 'refused'; code: string };

/** The one answer when the form did not open, whichever way it was asked for (typed, shortcut, Home tab). */
export function notOpenedMessage(outcome: NotOpened, locale: Locale): SlackMessage {
  const t = text.in(locale);
  const body =
    outcome.why === 'refused'
      ? t('refusedOpen', { usage: USAGE, code: code(outcome.code) })
      : t(outcome.why === 'expired' ? 'expired' : 'notConfirmed', { usage: USAGE });
  return { text: body.replace(/`/g, ''), blocks: [section(`:hourglass: ${body}`)] };
}

/** The answer when the form opened but its tags could not be asked for (the hand-off failed). */
export function tagsNotAskedMessage(locale: Locale): SlackMessage {
  const body = text.in(locale)('tagsNotAsked');
  return { text: body, blocks: [section(`:warning: ${body}`)] };
}

/** What the person is told when a choice in the form could not be shown (views.update not done). */
export function notUpdatedText(outcome: NotOpened, locale: Locale): string {
  const t = text.in(locale);
  return outcome.why === 'refused' ? t('updateRefused', { code: code(outcome.code) }) : t('updateNotConfirmed');
}

/** Messages for the form's own validation (./deploy-modal.ts). */
export function formText(locale: Locale): T {
  return text.in(locale);
}
