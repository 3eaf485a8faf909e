/**
 * Block Kit as HTML, the way a Slack client lays it out: header, section (text, fields,
 * accessory), context, divider, actions (buttons with styles and confirm dialogs, selects,
 * overflow, date pickers), image, input (modals), markdown and rich_text. Interactive elements
 * carry data-el="<block index>:<element index | accessory>" so the page can say which one was
 * used; inputs carry data-input="<block_id>|<action_id>|<type>" so a modal's values can be read.
 * Pure string in, string out.
 */
import { escapeHtml, mrkdwn, plainTextHtml, type MrkdwnOptions } from './mrkdwn';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Block Kit JSON is open-ended
type Json = Record<string, any>;

export interface BlockOptions extends MrkdwnOptions {
  surface?: 'message' | 'modal' | 'home';
  /** A modal's field errors by block_id (response_action: errors). */
  errors?: Record<string, string>;
  /** A modal's current values (view.state.values), kept across re-renders. */
  values?: Json;
}

export function textObject(t: unknown, o: MrkdwnOptions): string {
  if (t == null || typeof t !== 'object') return '';
  const obj = t as Json;
  if (typeof obj.text !== 'string') return '';
  return obj.type === 'mrkdwn' ? mrkdwn(obj.text, o) : plainTextHtml(obj.text, obj.emoji !== false);
}

const attr = (s: unknown): string => escapeHtml(String(s ?? ''));

function optionLabel(opt: Json, o: MrkdwnOptions): string {
  return textObject(opt?.text, o).replace(/<[^>]+>/g, '');
}

function selectHtml(el: Json, ref: string, o: BlockOptions, input?: string, current?: Json): string {
  const options: Json[] = [
    ...((el.options as Json[] | undefined) ?? []),
    ...((el.option_groups as Json[] | undefined) ?? []).flatMap((g) => (g.options as Json[]) ?? []),
  ];
  const chosen = current?.selected_option?.value ?? el.initial_option?.value;
  const placeholder = el.type === 'overflow' ? '⋯' : el.placeholder ? optionLabel({ text: el.placeholder }, o) : 'Select an item';
  const opts = options
    .map((opt) => `<option value="${attr(opt.value)}"${opt.value === chosen ? ' selected' : ''}>${optionLabel(opt, o)}</option>`)
    .join('');
  const cls = el.type === 'overflow' ? 'el-select overflow' : 'el-select';
  return `<select class="${cls}"${ref}${input}><option value=""${chosen === undefined ? ' selected' : ''}${el.type === 'overflow' ? '' : ' disabled'}>${placeholder}</option>${opts}</select>`;
}

function choicesHtml(el: Json, ref: string, o: BlockOptions, input: string, current?: Json): string {
  const multi = el.type === 'checkboxes';
  const chosen = new Set<string>(
    multi
      ? ((current?.selected_options ?? el.initial_options ?? []) as Json[]).map((x) => String(x.value))
      : [current?.selected_option?.value ?? el.initial_option?.value].filter((v) => v !== undefined).map(String),
  );
  const name = `n${Math.random().toString(36).slice(2, 9)}`;
  return `<div class="el-choices"${ref}${input}>${((el.options as Json[]) ?? [])
    .map(
      (opt) =>
        `<label class="choice"><input type="${multi ? 'checkbox' : 'radio'}" name="${name}" value="${attr(opt.value)}"${chosen.has(String(opt.value)) ? ' checked' : ''}> <span>${textObject(opt.text, o)}</span>${opt.description ? `<small>${textObject(opt.description, o)}</small>` : ''}</label>`,
    )
    .join('')}</div>`;
}

/** One element (button, select, input, image…). `ref` is " data-el=…"; `input` is " data-input=…" in input blocks. */
export function elementHtml(el: Json, ref: string, o: BlockOptions, input = '', current?: Json): string {
  switch (el?.type) {
    case 'button': {
      const style = el.style === 'primary' || el.style === 'danger' ? ` ${el.style}` : '';
      const url = typeof el.url === 'string' ? ` data-url="${attr(el.url)}"` : '';
      const confirm = el.confirm ? ' data-confirm="1"' : '';
      return `<button type="button" class="btn${style}"${ref}${url}${confirm}>${textObject(el.text, o)}</button>`;
    }
    case 'static_select':
    case 'external_select':
    case 'overflow':
      return selectHtml(el, ref, o, input, current);
    case 'multi_static_select':
      return selectHtml({ ...el, type: 'static_select' }, ref, o, input, current);
    case 'radio_buttons':
    case 'checkboxes':
      return choicesHtml(el, ref, o, input, current);
    case 'datepicker': {
      const v = current?.selected_date ?? el.initial_date ?? '';
      return `<input type="date" class="el-input"${ref}${input} value="${attr(v)}">`;
    }
    case 'timepicker': {
      const v = current?.selected_time ?? el.initial_time ?? '';
      return `<input type="time" class="el-input"${ref}${input} value="${attr(v)}">`;
    }
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input': {
      const v = current?.value ?? el.initial_value ?? '';
      const ph = el.placeholder ? ` placeholder="${attr(el.placeholder.text)}"` : '';
      const lim = `${typeof el.max_length === 'number' ? ` maxlength="${el.max_length}"` : ''}`;
      if (el.multiline) return `<textarea class="el-input" rows="4"${ref}${input}${ph}${lim}>${escapeHtml(String(v))}</textarea>`;
      const type =
        el.type === 'number_input' ? 'number' : el.type === 'email_text_input' ? 'email' : el.type === 'url_text_input' ? 'url' : 'text';
      return `<input type="${type}" class="el-input"${ref}${input}${ph}${lim} value="${attr(v)}">`;
    }
    case 'image':
      return `<img class="el-image" src="${attr(el.image_url)}" alt="${attr(el.alt_text)}" loading="lazy">`;
    case 'users_select':
    case 'conversations_select':
    case 'channels_select':
    case 'multi_users_select':
    case 'multi_conversations_select':
    case 'multi_channels_select':
      return `<span class="unsupported" title="${attr(el.type)}">[${attr(el.type)}]</span>`;
    default:
      return `<span class="unsupported">[${attr(el?.type ?? 'element')}]</span>`;
  }
}

function richText(el: Json, o: BlockOptions): string {
  const inline = (x: Json): string => {
    const st = (x.style ?? {}) as Json;
    let h: string;
    if (x.type === 'text') h = escapeHtml(String(x.text ?? '')).replace(/\n/g, '<br>');
    else if (x.type === 'link')
      h = `<a href="${attr(x.url)}" target="_blank" rel="noopener">${escapeHtml(String(x.text ?? x.url ?? ''))}</a>`;
    else if (x.type === 'user') h = mrkdwn(`<@${x.user_id}>`, o);
    else if (x.type === 'channel') h = mrkdwn(`<#${x.channel_id}>`, o);
    else if (x.type === 'usergroup') h = mrkdwn(`<!subteam^${x.usergroup_id}>`, o);
    else if (x.type === 'emoji')
      h = x.unicode
        ? String.fromCodePoint(
            ...String(x.unicode)
              .split('-')
              .map((c) => parseInt(c, 16)),
          )
        : mrkdwn(`:${x.name}:`, o);
    else if (x.type === 'date') h = mrkdwn(`<!date^${x.timestamp}^${x.format}|${x.fallback ?? ''}>`, o);
    else h = escapeHtml(String(x.text ?? ''));
    if (st.code) h = `<code>${h}</code>`;
    if (st.bold) h = `<b>${h}</b>`;
    if (st.italic) h = `<i>${h}</i>`;
    if (st.strike) h = `<s>${h}</s>`;
    return h;
  };
  const part = (p: Json): string => {
    const inner = ((p.elements as Json[]) ?? []).map((x) => (x.type?.startsWith('rich_text_') ? part(x) : inline(x))).join('');
    if (p.type === 'rich_text_preformatted') return `<pre class="code">${inner}</pre>`;
    if (p.type === 'rich_text_quote') return `<blockquote>${inner}</blockquote>`;
    if (p.type === 'rich_text_list') {
      const tag = p.style === 'ordered' ? 'ol' : 'ul';
      return `<${tag}>${((p.elements as Json[]) ?? []).map((x) => `<li>${((x.elements as Json[]) ?? []).map(inline).join('')}</li>`).join('')}</${tag}>`;
    }
    return `<div>${inner}</div>`;
  };
  return ((el.elements as Json[]) ?? []).map(part).join('');
}

export function blockHtml(b: Json, i: number, o: BlockOptions): string {
  const ref = (el: number | 'accessory') => ` data-el="${i}:${el}"`;
  switch (b?.type) {
    case 'header':
      return `<div class="b-header">${textObject(b.text, o)}</div>`;
    case 'section': {
      const text = b.text ? `<div class="b-text">${textObject(b.text, o)}</div>` : '';
      const fields = Array.isArray(b.fields)
        ? `<div class="b-fields">${b.fields.map((f: Json) => `<div class="b-field">${textObject(f, o)}</div>`).join('')}</div>`
        : '';
      const acc = b.accessory ? `<div class="b-accessory">${elementHtml(b.accessory, ref('accessory'), o)}</div>` : '';
      return `<div class="b-section"><div class="b-main">${text}${fields}</div>${acc}</div>`;
    }
    case 'context':
      return `<div class="b-context">${((b.elements as Json[]) ?? [])
        .map((e) =>
          e?.type === 'image'
            ? `<img class="ctx-img" src="${attr(e.image_url)}" alt="${attr(e.alt_text)}">`
            : `<span>${textObject(e, o)}</span>`,
        )
        .join('')}</div>`;
    case 'divider':
      return '<hr class="b-divider">';
    case 'actions':
      return `<div class="b-actions">${((b.elements as Json[]) ?? []).map((e, j) => elementHtml(e, ref(j), o)).join('')}</div>`;
    case 'image':
      return `<figure class="b-image">${b.title ? `<figcaption>${textObject(b.title, o)}</figcaption>` : ''}<img src="${attr(b.image_url)}" alt="${attr(b.alt_text)}" loading="lazy"></figure>`;
    case 'input': {
      const el = (b.element ?? {}) as Json;
      const blockId = String(b.block_id ?? `b${i}`);
      const dispatch = b.dispatch_action === true ? ' data-dispatch="1"' : '';
      const input = ` data-input="${attr(`${blockId}|${el.action_id ?? ''}|${el.type ?? ''}`)}"${dispatch}`;
      const current = o.values?.[blockId]?.[el.action_id ?? ''];
      const error = o.errors?.[blockId];
      return `<div class="b-input${error ? ' has-error' : ''}" data-block="${attr(blockId)}"><label>${textObject(b.label, o)}${b.optional ? ' <span class="optional">(optional)</span>' : ''}</label>${elementHtml(el, ref(0), o, input, current)}${b.hint ? `<div class="hint">${textObject(b.hint, o)}</div>` : ''}${error ? `<div class="error">${escapeHtml(error)}</div>` : ''}</div>`;
    }
    case 'markdown':
      return `<div class="b-markdown">${mrkdwn(String(b.text ?? '').replace(/\*\*(.+?)\*\*/g, '*$1*'), o)}</div>`;
    case 'rich_text':
      return `<div class="b-rich">${richText(b, o)}</div>`;
    case 'file':
      return `<div class="b-file">📄 remote file ${attr(b.external_id)}</div>`;
    default:
      return `<div class="unsupported">Unsupported block: ${attr(b?.type)}</div>`;
  }
}

export function renderBlocks(blocks: unknown, o: BlockOptions = {}): string {
  if (!Array.isArray(blocks)) return '';
  return blocks.map((b, i) => blockHtml(b as Json, i, o)).join('');
}

/** A message body: its blocks, or its text as mrkdwn when it has none (as Slack shows it). */
export function messageBody(m: { text?: string; blocks?: unknown[] }, o: BlockOptions = {}): string {
  if (Array.isArray(m.blocks) && m.blocks.length > 0) return renderBlocks(m.blocks, o);
  return `<div class="b-text">${mrkdwn(m.text ?? '', o)}</div>`;
}
