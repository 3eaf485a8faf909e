/**
 * Slack's limits on what an app may post, checked the way Slack checks them: a message over a
 * limit is refused with Slack's error (invalid_blocks with json-pointer messages, msg_too_long,
 * msg_blocks_too_long, no_text), never trimmed. Pure functions.
 *
 * Figures are Slack's documented ones (docs.slack.dev/reference/block-kit/…, chat.postMessage,
 * views.open); see /work/shared/reference/slack-aws-facts.md §1.5. The one undocumented ceiling,
 * the block text per message behind msg_blocks_too_long (observed between ~11.3k and ~13.3k
 * characters), is set at the 12,000 characters Slack documents for markdown blocks.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Block Kit JSON is open-ended; this walks it
type Json = Record<string, any>;

export const SLACK_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  /** chat.postMessage: "more than 40,000 characters" is the documented ceiling of `text`. */
  messageText: 40_000,
  /** Block text per message before msg_blocks_too_long (see the header). */
  messageBlockText: 12_000,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  blockId: 255,
  actionId: 255,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  markdownText: 12_000,
  imageUrl: 3000,
  altText: 2000,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  optionText: 75,
  options: 100,
} as const;

const BLOCK_TYPES = new Set([
  'section',
  'header',
  'context',
  'actions',
  'divider',
  'image',
  'input',
  'rich_text',
  'markdown',
  'file',
  'video',
]);
const INTERACTIVE = new Set([
  'button',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'overflow',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'plain_text_input',
  'number_input',
  'email_text_input',
  'url_text_input',
  'image',
]);

class Checker {
  readonly errors: string[] = [];
  constructor(private readonly base: string) {}
  add(message: string, pointer: string): void {
    this.errors.push(`${message} [json-pointer:${this.base}${pointer}]`);
  }
  maxLen(value: unknown, max: number, pointer: string): void {
    if (typeof value === 'string' && value.length > max) this.add(`must be less than ${max + 1} characters`, pointer);
  }
  maxItems(value: unknown, max: number, pointer: string): void {
    if (Array.isArray(value) && value.length > max) this.add(`no more than ${max} items allowed`, pointer);
  }
  /** A text object: {type: plain_text|mrkdwn, text}. */
  text(t: unknown, pointer: string, o: { max?: number; plainOnly?: boolean; required?: boolean } = {}): void {
    if (t === undefined) {
      if (o.required) this.add('missing required field: text', pointer);
      return;
    }
    if (t == null || typeof t !== 'object') return this.add('must be an object', pointer);
    const obj = t as Json;
    if (obj.type !== 'plain_text' && obj.type !== 'mrkdwn') this.add('must be one of plain_text, mrkdwn', `${pointer}/type`);
    else if (o.plainOnly && obj.type !== 'plain_text') this.add('must be plain_text', `${pointer}/type`);
    if (typeof obj.text !== 'string') this.add('missing required field: text', `${pointer}/text`);
    else if (obj.text.length === 0) this.add('must be more than 0 characters', `${pointer}/text`);
    else if (o.max !== undefined) this.maxLen(obj.text, o.max, `${pointer}/text`);
  }
  confirm(c: unknown, pointer: string): void {
    if (c === undefined) return;
    if (c == null || typeof c !== 'object') return this.add('must be an object', pointer);
    const obj = c as Json;
    this.text(obj.title, `${pointer}/title`, { max: SLACK_LIMITS.confirmTitle, plainOnly: true, required: true });
    this.text(obj.text, `${pointer}/text`, { max: SLACK_LIMITS.confirmText, required: true });
    this.text(obj.confirm, `${pointer}/confirm`, { max: SLACK_LIMITS.confirmButton, plainOnly: true, required: true });
    this.text(obj.deny, `${pointer}/deny`, { max: SLACK_LIMITS.confirmButton, plainOnly: true, required: true });
    if (obj.style !== undefined && obj.style !== 'primary' && obj.style !== 'danger')
      this.add('must be one of primary, danger', `${pointer}/style`);
  }
  options(list: unknown, pointer: string): void {
    if (list === undefined) return;
    if (!Array.isArray(list)) return this.add('must be an array', pointer);
    this.maxItems(list, SLACK_LIMITS.options, pointer);
    list.forEach((o: Json, i) => {
      this.text(o?.text, `${pointer}/${i}/text`, { max: SLACK_LIMITS.optionText, required: true });
      if (typeof o?.value !== 'string') this.add('missing required field: value', `${pointer}/${i}/value`);
    });
  }
  element(e: unknown, pointer: string, actionIds: Set<string>): void {
    if (e == null || typeof e !== 'object' || typeof (e as Json).type !== 'string')
      return this.add('missing required field: type', `${pointer}/type`);
    const el = e as Json;
    if (!INTERACTIVE.has(el.type)) return this.add(`unsupported type: ${el.type}`, `${pointer}/type`);
    if (el.type === 'image') {
      this.maxLen(el.image_url, SLACK_LIMITS.imageUrl, `${pointer}/image_url`);
      if (typeof el.alt_text !== 'string') this.add('missing required field: alt_text', `${pointer}/alt_text`);
      return;
    }
    if (typeof el.action_id === 'string') {
      this.maxLen(el.action_id, SLACK_LIMITS.actionId, `${pointer}/action_id`);
      if (actionIds.has(el.action_id)) this.add(`action_id must be unique within the block: ${el.action_id}`, `${pointer}/action_id`);
      actionIds.add(el.action_id);
    }
    this.confirm(el.confirm, `${pointer}/confirm`);
    if (el.placeholder !== undefined)
      this.text(el.placeholder, `${pointer}/placeholder`, { max: SLACK_LIMITS.placeholder, plainOnly: true });
    if (el.type === 'button') {
      this.text(el.text, `${pointer}/text`, { max: SLACK_LIMITS.buttonText, plainOnly: true, required: true });
      this.maxLen(el.value, SLACK_LIMITS.buttonValue, `${pointer}/value`);
      this.maxLen(el.url, SLACK_LIMITS.buttonUrl, `${pointer}/url`);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger')
        this.add('must be one of primary, danger', `${pointer}/style`);
    } else if (
      el.type === 'static_select' ||
      el.type === 'multi_static_select' ||
      el.type === 'overflow' ||
      el.type === 'radio_buttons' ||
      el.type === 'checkboxes'
    ) {
      if (el.options === undefined && el.option_groups === undefined) this.add('missing required field: options', `${pointer}/options`);
      this.options(el.options, `${pointer}/options`);
    }
  }
}

function blockText(value: unknown): number {
  let n = 0;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      for (const [k, val] of Object.entries(v)) {
        if (k === 'text' && typeof val === 'string') n += val.length;
        else visit(val);
      }
    }
  };
  visit(value);
  return n;
}

export type Surface = 'message' | 'modal' | 'home';

/** Block errors in Slack's wording (json-pointer included); empty when valid. */
export function validateBlocks(blocks: unknown, surface: Surface = 'message', pointer = '/blocks'): string[] {
  if (blocks === undefined) return [];
  const c = new Checker(pointer);
  if (!Array.isArray(blocks)) {
    c.add('must be an array', '');
    return c.errors;
  }
  c.maxItems(blocks, surface === 'message' ? SLACK_LIMITS.messageBlocks : SLACK_LIMITS.viewBlocks, '');
  const blockIds = new Set<string>();
  blocks.forEach((raw, i) => {
    const p = `/${i}`;
    if (raw == null || typeof raw !== 'object' || typeof (raw as Json).type !== 'string') return c.add('missing required field: type', p);
    const b = raw as Json;
    if (!BLOCK_TYPES.has(b.type)) return c.add(`unsupported type: ${b.type}`, `${p}/type`);
    if (typeof b.block_id === 'string') {
      c.maxLen(b.block_id, SLACK_LIMITS.blockId, `${p}/block_id`);
      if (blockIds.has(b.block_id)) c.add(`block_id must be unique: ${b.block_id}`, `${p}/block_id`);
      blockIds.add(b.block_id);
    }
    const actionIds = new Set<string>();
    switch (b.type) {
      case 'section':
        if (b.text === undefined && b.fields === undefined) c.add('must provide either text or fields', p);
        c.text(b.text, `${p}/text`, { max: SLACK_LIMITS.sectionText });
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields)) c.add('must be an array', `${p}/fields`);
          else {
            c.maxItems(b.fields, SLACK_LIMITS.sectionFields, `${p}/fields`);
            b.fields.forEach((f: unknown, j: number) => c.text(f, `${p}/fields/${j}`, { max: SLACK_LIMITS.fieldText, required: true }));
          }
        }
        if (b.accessory !== undefined) c.element(b.accessory, `${p}/accessory`, actionIds);
        break;
      case 'header':
        c.text(b.text, `${p}/text`, { max: SLACK_LIMITS.headerText, plainOnly: true, required: true });
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0) c.add('missing required field: elements', `${p}/elements`);
        else {
          c.maxItems(b.elements, SLACK_LIMITS.contextElements, `${p}/elements`);
          b.elements.forEach((e: Json, j: number) => {
            if (e?.type === 'image') c.element(e, `${p}/elements/${j}`, actionIds);
            else c.text(e, `${p}/elements/${j}`, { required: true });
          });
        }
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0) c.add('missing required field: elements', `${p}/elements`);
        else {
          c.maxItems(b.elements, SLACK_LIMITS.actionsElements, `${p}/elements`);
          b.elements.forEach((e: unknown, j: number) => c.element(e, `${p}/elements/${j}`, actionIds));
        }
        break;
      case 'image':
        if (typeof b.image_url !== 'string' && b.slack_file === undefined) c.add('missing required field: image_url', `${p}/image_url`);
        c.maxLen(b.image_url, SLACK_LIMITS.imageUrl, `${p}/image_url`);
        if (typeof b.alt_text !== 'string') c.add('missing required field: alt_text', `${p}/alt_text`);
        else c.maxLen(b.alt_text, SLACK_LIMITS.altText, `${p}/alt_text`);
        break;
      case 'input':
        c.text(b.label, `${p}/label`, { max: SLACK_LIMITS.inputLabel, plainOnly: true, required: true });
        if (b.hint !== undefined) c.text(b.hint, `${p}/hint`, { max: SLACK_LIMITS.inputHint, plainOnly: true });
        if (b.element === undefined) c.add('missing required field: element', `${p}/element`);
        else c.element(b.element, `${p}/element`, actionIds);
        break;
      case 'markdown':
        if (typeof b.text !== 'string') c.add('missing required field: text', `${p}/text`);
        else c.maxLen(b.text, SLACK_LIMITS.markdownText, `${p}/text`);
        break;
      default:
        break;
    }
  });
  return c.errors;
}

export interface SlackRefusal {
  ok: false;
  error: string;
  errors?: string[];
  response_metadata?: { messages: string[] };
}

function refusal(error: string, errors?: string[]): SlackRefusal {
  return errors && errors.length
    ? { ok: false, error, errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } }
    : { ok: false, error };
}

/**
 * A message (chat.postMessage / chat.update / chat.postEphemeral / response_url) against
 * Slack's limits. `requireContent` is false for chat.update, which may leave text or blocks as
 * they are.
 */
export function checkMessage(b: Json, requireContent = true): SlackRefusal | undefined {
  const hasText = typeof b.text === 'string' && b.text !== '';
  const hasBlocks = Array.isArray(b.blocks) && b.blocks.length > 0;
  const hasAttachments = Array.isArray(b.attachments) && b.attachments.length > 0;
  if (requireContent && !hasText && !hasBlocks && !hasAttachments) return refusal('no_text');
  if (b.blocks !== undefined && typeof b.blocks === 'string') return refusal('invalid_blocks_format');
  const errors = validateBlocks(b.blocks, 'message');
  if (errors.length) return refusal('invalid_blocks', errors);
  if (typeof b.text === 'string' && b.text.length > SLACK_LIMITS.messageText) return refusal('msg_too_long');
  if (hasBlocks && blockText(b.blocks) > SLACK_LIMITS.messageBlockText) return refusal('msg_blocks_too_long');
  return undefined;
}

/** A modal or Home tab view (views.open / push / update / publish, and response_action update/push). */
export function checkView(view: unknown, surface: 'modal' | 'home'): SlackRefusal | undefined {
  if (view == null || typeof view !== 'object') return refusal('invalid_arguments');
  const v = view as Json;
  const c = new Checker('/view');
  if (v.type !== surface) c.add(`must be ${surface}`, '/type');
  if (surface === 'modal') {
    c.text(v.title, '/title', { max: SLACK_LIMITS.viewTitle, plainOnly: true, required: true });
    if (v.submit !== undefined) c.text(v.submit, '/submit', { max: SLACK_LIMITS.viewButton, plainOnly: true });
    if (v.close !== undefined) c.text(v.close, '/close', { max: SLACK_LIMITS.viewButton, plainOnly: true });
    const hasInput = Array.isArray(v.blocks) && v.blocks.some((b: Json) => b?.type === 'input');
    if (hasInput && v.submit === undefined) c.add('must provide submit when the view has input blocks', '/submit');
  }
  c.maxLen(v.private_metadata, SLACK_LIMITS.privateMetadata, '/private_metadata');
  c.maxLen(v.callback_id, SLACK_LIMITS.callbackId, '/callback_id');
  if (!Array.isArray(v.blocks)) c.add('missing required field: blocks', '/blocks');
  const errors = [...c.errors, ...validateBlocks(v.blocks, surface, '/view/blocks')];
  return errors.length ? refusal('invalid_arguments', errors) : undefined;
}
