/**
 * The confirmation dialog of the Approve button (on the request message and in the Home tab):
 * names the service, the image (or what else changes) and the environment, so nobody approves the
 * wrong thing by a misplaced click. Pure; reads the stored plan leniently (it is the deploy
 * feature's JSON, opaque to the approval store).
 */
import { arnTail } from '../aws/arn';
import { defineMessages, type Locale } from '../i18n';
import type { ConfirmSpec } from '../slack/blocks';
import { code, escapeMrkdwn } from '../slack/text';
import type { ChangeRequest } from './types';

const text = defineMessages('approvals-confirm', {
  title: { en: 'Approve this change?', ko: '이 변경을 승인할까요?' },
  deploy: {
    en: 'Deploy {image} to {service} in {env}. It starts as soon as the last approval is in.',
    ko: '{env}의 {service}에 {image}을(를) 배포합니다. 마지막 승인이 들어오는 즉시 시작됩니다.',
  },
  rollback: {
    en: 'Roll {service} in {env} back to {image}. It starts as soon as the last approval is in.',
    ko: '{env}의 {service}을(를) {image}(으)로 롤백합니다. 마지막 승인이 들어오는 즉시 시작됩니다.',
  },
  scale: {
    en: 'Scale {service} in {env} from {from} to {to} tasks. It starts as soon as the last approval is in.',
    ko: '{env}의 {service} 작업 수를 {from}개에서 {to}개로 바꿉니다. 마지막 승인이 들어오는 즉시 시작됩니다.',
  },
  restart: {
    en: 'Restart {service} in {env} with the same image ({image}). It starts as soon as the last approval is in.',
    ko: '{env}의 {service}을(를) 같은 이미지({image})로 재시작합니다. 마지막 승인이 들어오는 즉시 시작됩니다.',
  },
  run: {
    en: 'Run {task} once as a task of {service} in {env} ({td}). It starts as soon as the last approval is in.',
    ko: '{env}의 {service} 작업으로 {task} 명령을 한 번 실행합니다 ({td}). 마지막 승인이 들어오는 즉시 시작됩니다.',
  },
  imageUnknown: { en: 'the planned image', ko: '계획된 이미지' },
  approve: { en: 'Approve', ko: '승인' },
  deny: { en: 'Not yet', ko: '아직 아니요' },
});

/** A stored plan's field as a non-empty string (plans are opaque JSON here; src/deploy/plan.ts types them). */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** "v1.2.3 (sha256:3f1c7e5a9b2d)" from a tag and a digest; either may be missing. */
function imageText(tag: string | undefined, digest: string | undefined): string | undefined {
  const short = digest ? `sha256:${digest.replace(/^sha256:/, '').slice(0, 12)}` : undefined;
  // Escaped: the digest comes from the request's plan, and the dialog's text is mrkdwn.
  if (tag && short) return `${code(tag)} (${escapeMrkdwn(short)})`;
  if (tag) return code(tag);
  return short ? code(short) : undefined;
}

/** The tag of an image reference `<repo>:<tag>[@digest]`, if it has one. */
function tagOf(image: string | undefined): string | undefined {
  const noDigest = image?.split('@')[0] ?? '';
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  return last.includes(':') ? last.slice(last.indexOf(':') + 1) : undefined;
}

function digestOf(image: string | undefined): string | undefined {
  const at = image?.indexOf('@sha256:') ?? -1;
  return at >= 0 ? image!.slice(at + 1) : undefined;
}

/** The confirmation of the Approve button for `req`, in `locale`. */
export function approveConfirm(req: Pick<ChangeRequest, 'verb' | 'service' | 'environment' | 'plan'>, locale: Locale): ConfirmSpec {
  const t = text.in(locale);
  const plan = (req.plan && typeof req.plan === 'object' ? req.plan : {}) as Record<string, unknown>;
  const service = code(req.service);
  const env = code(req.environment);
  let body: string;
  switch (req.verb) {
    case 'deploy':
      body = t('deploy', { image: imageText(str(plan.tag), str(plan.digest)) ?? t('imageUnknown'), service, env });
      break;
    case 'rollback': {
      const target = str(plan.targetImage);
      const image =
        imageText(tagOf(target), digestOf(target)) ??
        (str(plan.targetTaskDefinition) ? code(arnTail(str(plan.targetTaskDefinition))) : undefined);
      body = t('rollback', { image: image ?? t('imageUnknown'), service, env });
      break;
    }
    case 'scale':
      body = t('scale', { service, env, from: num(plan.from) ?? '?', to: num(plan.to) ?? '?' });
      break;
    case 'restart':
      body = t('restart', {
        image: str(plan.currentTaskDefinition) ? code(arnTail(str(plan.currentTaskDefinition))) : t('imageUnknown'),
        service,
        env,
      });
      break;
    case 'run':
      body = t('run', {
        task: code(str(plan.task) ?? '?'),
        service,
        env,
        td: code(arnTail(str(plan.taskDefinition)) || '?'),
      });
      break;
    default:
      body = t('deploy', { image: t('imageUnknown'), service, env });
  }
  return { title: t('title'), text: body, confirm: t('approve'), deny: t('deny'), style: 'primary' };
}
