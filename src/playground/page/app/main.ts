/**
 * The playground page: a Slack-like client of the local Slack (src/loopback/slack/). It reads the
 * state once (/_client/state), then follows the change feed (/_client/feed, Server-Sent Events),
 * and sends each gesture (slash command, click, modal submit/close, opening the Home tab) to the
 * local Slack, which delivers it to the app signed, as Slack does. Vanilla TypeScript, no framework.
 */
import { messageBody, renderBlocks } from '../render/blocks';
import { escapeHtml, mrkdwn, plainTextHtml, type Names } from '../render/mrkdwn';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Slack JSON is open-ended
type Json = Record<string, any>;

interface Message {
  channel: string;
  ts: string;
  user: string;
  bot_id?: string;
  text?: string;
  blocks?: Json[];
  thread_ts?: string;
  reply_count?: number;
  latest_reply?: string;
  update_count: number;
}
interface Ephemeral {
  channel: string;
  user: string;
  message_ts: string;
  text?: string;
  blocks?: Json[];
  thread_ts?: string;
  source?: string;
  command?: string;
}
interface SharedFile {
  id: string;
  filename: string;
  title?: string;
  length: number;
  content?: string;
  channel_id?: string;
  thread_ts?: string;
  initial_comment?: string;
  shared_ts?: string;
}
interface Person {
  id: string;
  name: string;
  real_name?: string;
  title?: string;
  roles: string[];
  kind: string;
}
interface Meta {
  aws: { mode: 'demo' | 'real'; label: string; note?: string };
  app: { name: string; command: string; botUserId: string };
  people: Person[];
  defaultUser?: string;
  defaultChannel?: string;
  simulations: Simulation[];
  /** The app's global shortcuts, as its manifest names them (the composer's ⚡ menu). */
  shortcuts?: Shortcut[];
}
interface Shortcut {
  callback_id: string;
  name: string;
  description?: string;
}
interface Simulation {
  id: string;
  label: string;
  description: string;
  disabled?: boolean;
}
interface Notice {
  channel?: string;
  user?: string;
  ts: string;
  html: string;
  kind: 'refused' | 'failed';
}

const state = {
  workspace: { team: { name: '' }, bot: { user_id: '', name: '' }, users: [] as Json[], channels: [] as Json[], groups: [] as Json[] },
  meta: undefined as Meta | undefined,
  messages: new Map<string, Message>(),
  ephemerals: [] as Ephemeral[],
  files: [] as SharedFile[],
  modals: {} as Record<string, Json[]>,
  homes: {} as Record<string, Json>,
  notices: [] as Notice[],
  user: '',
  view: '' as string, // a channel id, or 'home'
  thread: undefined as { channel: string; ts: string } | undefined,
  modalErrors: {} as Record<string, Record<string, string>>,
  lastDelivery: '',
};

const $ = <T extends HTMLElement>(sel: string): T => document.querySelector(sel) as T;
const key = (channel: string, ts: string) => `${channel}/${ts}`;

const names: Names = {
  user: (id) => state.workspace.users.find((u) => u.id === id)?.name,
  channel: (id) => state.workspace.channels.find((c) => c.id === id)?.name,
  group: (id) => state.workspace.groups.find((g) => g.id === id)?.handle,
};
const opts = () => ({ names });

async function post(path: string, body: Json): Promise<Json> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: state.user, ...body }),
  });
  return (await res.json()) as Json;
}

function timeOf(ts: string): string {
  const d = new Date(Number(ts) * 1000);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function nowTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

// ---------------------------------------------------------------------------------------------
// Rendering

function avatar(user: string): string {
  if (user === 'USLACKBOT') return '<div class="avatar slackbot">🤖</div>';
  if (user === state.workspace.bot.user_id) return '<div class="avatar bot">EC</div>';
  const name = names.user?.(user) ?? user;
  return `<div class="avatar">${escapeHtml(name.slice(0, 2).toUpperCase())}</div>`;
}

function messageHtml(m: Message, inThread: boolean): string {
  const bot = m.user === state.workspace.bot.user_id || m.bot_id !== undefined;
  const who = bot ? (state.meta?.app.name ?? 'App') : (names.user?.(m.user) ?? m.user);
  const replies =
    !inThread && m.reply_count
      ? `<button class="thread-link" data-thread="${escapeHtml(m.ts)}">${m.reply_count} ${m.reply_count === 1 ? 'reply' : 'replies'}</button><span class="thread-last">Last reply ${timeOf(m.latest_reply ?? m.ts)}</span>`
      : '';
  const edited = m.update_count > 0 ? `<span class="edited" title="updated ${m.update_count}× with chat.update">(edited)</span>` : '';
  return `<div class="msg" data-channel="${escapeHtml(m.channel)}" data-ts="${escapeHtml(m.ts)}">${avatar(m.user)}<div class="msg-body"><div class="msg-head"><span class="who">${escapeHtml(who)}</span>${bot ? '<span class="app-badge">APP</span>' : ''}<time>${timeOf(m.ts)}</time>${edited}</div><div class="blocks">${messageBody(m, opts())}</div>${replies ? `<div class="thread-summary">${replies}</div>` : ''}</div></div>`;
}

function ephemeralHtml(e: Ephemeral): string {
  const slackbot = e.source === 'slackbot';
  const who = slackbot ? 'Slackbot' : (state.meta?.app.name ?? 'App');
  const cmd = e.command ? `<div class="ran">You ran <code>${escapeHtml(e.command)}</code></div>` : '';
  return `<div class="msg ephemeral" data-channel="${escapeHtml(e.channel)}" data-ts="${escapeHtml(e.message_ts)}" data-ephemeral="1">${avatar(slackbot ? 'USLACKBOT' : state.workspace.bot.user_id)}<div class="msg-body"><div class="msg-head"><span class="who">${who}</span>${slackbot ? '' : '<span class="app-badge">APP</span>'}<time>${timeOf(e.message_ts)}</time></div><div class="only-you">👁 Only visible to you · <button class="link" data-dismiss="${escapeHtml(e.message_ts)}">Dismiss</button></div>${cmd}<div class="blocks">${messageBody(e, opts())}</div></div></div>`;
}

function fileHtml(f: SharedFile): string {
  const lines = (f.content ?? '').split('\n');
  const preview = lines.slice(0, 12).join('\n');
  const more = lines.length > 12 ? `<div class="file-more">… ${lines.length - 12} more lines</div>` : '';
  const comment = f.initial_comment ? `<div class="b-text">${mrkdwn(f.initial_comment, opts())}</div>` : '';
  const src = `/_client/files/${encodeURIComponent(f.id)}`;
  // A chart (PNG): the picture itself, as Slack shows an uploaded image.
  const body = /\.png$/i.test(f.filename)
    ? `<img class="file-image" src="${src}" alt="${escapeHtml(f.title ?? f.filename)}" style="max-width:100%;height:auto">`
    : `<pre class="code">${escapeHtml(preview)}</pre>${more}`;
  return `<div class="msg file-msg" data-file="${escapeHtml(f.id)}">${avatar(state.workspace.bot.user_id)}<div class="msg-body"><div class="msg-head"><span class="who">${escapeHtml(state.meta?.app.name ?? 'App')}</span><span class="app-badge">APP</span><time>${timeOf(f.shared_ts ?? nowTs())}</time></div>${comment}<div class="file"><div class="file-head">📄 <b>${escapeHtml(f.title ?? f.filename)}</b> <span class="file-size">${escapeHtml(f.filename)} · ${f.length.toLocaleString()} bytes</span> <a href="/_client/files/${encodeURIComponent(f.id)}" target="_blank" rel="noopener">Open</a></div>${body}</div></div></div>`;
}

function noticeHtml(n: Notice): string {
  return `<div class="notice ${n.kind}">${n.html}</div>`;
}

type Item = { ts: string; html: string };

function timeline(channel: string, threadTs: string | undefined): Item[] {
  const items: Item[] = [];
  for (const m of state.messages.values()) {
    if (m.channel !== channel) continue;
    if (threadTs === undefined ? m.thread_ts === undefined || m.thread_ts === m.ts : m.ts === threadTs || m.thread_ts === threadTs) {
      items.push({ ts: m.ts, html: messageHtml(m, threadTs !== undefined) });
    }
  }
  for (const e of state.ephemerals) {
    if (e.channel === channel && e.user === state.user && (e.thread_ts ?? undefined) === threadTs)
      items.push({ ts: e.message_ts, html: ephemeralHtml(e) });
  }
  for (const f of state.files) {
    if (f.channel_id === channel && (f.thread_ts ?? undefined) === threadTs) items.push({ ts: f.shared_ts ?? '0', html: fileHtml(f) });
  }
  if (threadTs === undefined) {
    for (const n of state.notices)
      if (n.channel === channel && (n.user === undefined || n.user === state.user)) items.push({ ts: n.ts, html: noticeHtml(n) });
  }
  return items.sort((a, b) => Number(a.ts) - Number(b.ts));
}

function renderSidebar(): void {
  const channels = state.workspace.channels
    .map(
      (c) => `<button class="nav${state.view === c.id ? ' active' : ''}" data-nav="${escapeHtml(c.id)}"># ${escapeHtml(c.name)}</button>`,
    )
    .join('');
  const app = `<button class="nav${state.view === 'home' ? ' active' : ''}" data-nav="home">🤖 ${escapeHtml(state.meta?.app.name ?? 'App')} · Home</button>`;
  $('#channels').innerHTML = channels;
  $('#apps').innerHTML = app;
}

function atBottom(el: HTMLElement): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight < 40;
}

function renderMain(): void {
  const list = $('#messages');
  const stick = atBottom(list);
  if (state.view === 'home') {
    const home = state.homes[state.user];
    $('#title').innerHTML = `🤖 ${escapeHtml(state.meta?.app.name ?? 'App')} <span class="topic">Home tab</span>`;
    list.innerHTML = home
      ? `<div class="home" data-view-id="${escapeHtml(home.id)}">${renderBlocks(home.blocks, { ...opts(), surface: 'home' })}</div>`
      : `<div class="empty">This app has not published a Home tab for you yet (views.publish). Opening it sent <code>app_home_opened</code>.</div>`;
    $('#composer').classList.add('hidden');
    return;
  }
  const channel = state.workspace.channels.find((c) => c.id === state.view);
  $('#title').innerHTML =
    `# ${escapeHtml(channel?.name ?? state.view)} ${channel?.topic ? `<span class="topic">${escapeHtml(channel.topic)}</span>` : ''}`;
  $('#composer').classList.remove('hidden');
  const items = timeline(state.view, undefined);
  list.innerHTML = items.length
    ? items.map((i) => i.html).join('')
    : `<div class="empty">Nothing here yet. Type <code>/ecs help</code> below.</div>`;
  if (stick) list.scrollTop = list.scrollHeight;
  ($('#input') as HTMLTextAreaElement).placeholder = `Message #${channel?.name ?? ''} — try ${state.meta?.app.command ?? '/ecs'} help`;
}

function renderThread(): void {
  const pane = $('#thread');
  if (!state.thread || state.view === 'home') {
    pane.classList.add('hidden');
    return;
  }
  pane.classList.remove('hidden');
  const list = $('#thread-messages');
  const stick = atBottom(list);
  list.innerHTML = timeline(state.thread.channel, state.thread.ts)
    .map((i) => i.html)
    .join('');
  if (stick) list.scrollTop = list.scrollHeight;
}

function renderModal(): void {
  const stack = state.modals[state.user] ?? [];
  const root = $('#modal');
  const view = stack.at(-1);
  if (!view) {
    root.classList.add('hidden');
    root.innerHTML = '';
    return;
  }
  if (root.dataset.viewId === view.id && root.dataset.hash === view.hash && !root.classList.contains('hidden') && !root.dataset.dirty)
    return;
  delete root.dataset.dirty;
  // What the person typed survives a re-render of the same view (errors shown, another user and back).
  const typed = root.dataset.viewId === view.id ? readModalValues() : undefined;
  root.dataset.viewId = view.id;
  root.dataset.hash = view.hash;
  const errors = state.modalErrors[view.id] ?? {};
  const values = typed ?? view.state?.values ?? {};
  const submit = view.submit
    ? `<button type="button" class="btn primary" data-modal-submit>${plainTextHtml(view.submit.text)}</button>`
    : '';
  const close = `<button type="button" class="btn" data-modal-close>${view.close ? plainTextHtml(view.close.text) : 'Cancel'}</button>`;
  const back = stack.length > 1 ? '<span class="stack">(' + stack.length + ' views)</span>' : '';
  root.innerHTML = `<div class="modal-box" role="dialog" aria-modal="true" data-view-id="${escapeHtml(view.id)}"><div class="modal-head"><span>${plainTextHtml(view.title?.text ?? '')}</span>${back}<button type="button" class="x" data-modal-close aria-label="Close">×</button></div><div class="modal-body">${renderBlocks(view.blocks, { ...opts(), surface: 'modal', errors, values })}${errors._ ? `<div class="error">${escapeHtml(errors._)}</div>` : ''}</div><div class="modal-foot">${close}${submit}</div></div>`;
  root.classList.remove('hidden');
}

function renderFooter(): void {
  $('#status').textContent = state.lastDelivery;
}

function render(): void {
  renderSidebar();
  renderMain();
  renderThread();
  renderModal();
  renderFooter();
}

function renderUserMenu(): void {
  const menu = $('#user') as HTMLSelectElement;
  const people = state.meta?.people ?? [];
  menu.innerHTML = people
    .map(
      (p) =>
        `<option value="${escapeHtml(p.id)}"${p.id === state.user ? ' selected' : ''}>${escapeHtml(p.real_name ?? p.name)} (@${escapeHtml(p.name)}) — ${escapeHtml(p.kind)}</option>`,
    )
    .join('');
  const me = people.find((p) => p.id === state.user);
  $('#roles').textContent = me ? (me.roles.length ? me.roles.join(' · ') : 'no role in chatops.yml') : '';
}

function renderChrome(): void {
  const m = state.meta!;
  const badge = $('#aws');
  badge.className = `aws ${m.aws.mode}`;
  badge.textContent = m.aws.mode === 'demo' ? 'Demo world' : 'Real AWS account';
  badge.title = m.aws.label + (m.aws.note ? ` (${m.aws.note})` : '');
  $('#aws-label').textContent = m.aws.label;
  $('#team').textContent = state.workspace.team.name;
  renderSimulations(m.simulations);
  renderShortcuts(m.shortcuts ?? []);
  const examples =
    m.aws.mode === 'demo'
      ? ['help', 'status', 'status web', 'deploy web v1.2.3', 'images web', 'logs web --since 1h', 'cost prod']
      : ['help', 'status'];
  $('#examples').innerHTML = examples
    .map(
      (e) =>
        `<button type="button" class="chip" data-example="${escapeHtml(`${m.app.command} ${e}`)}">${escapeHtml(`${m.app.command} ${e}`)}</button>`,
    )
    .join('');
  renderUserMenu();
}

/** The composer's shortcut menu: the app's global shortcuts, as in Slack's ⚡ menu. */
function renderShortcuts(list: Shortcut[]): void {
  const menu = $('#shortcuts') as HTMLSelectElement;
  menu.classList.toggle('hidden', list.length === 0);
  menu.innerHTML =
    '<option value="">⚡ Shortcuts</option>' +
    list
      .map((s) => `<option value="${escapeHtml(s.callback_id)}" title="${escapeHtml(s.description ?? '')}">${escapeHtml(s.name)}</option>`)
      .join('');
}

/** The simulate menu: what can happen to the demo world now (a rollout item names the deployment in progress). */
function renderSimulations(list: Simulation[]): void {
  const sim = $('#simulate') as HTMLSelectElement;
  sim.classList.toggle('hidden', list.length === 0);
  const html =
    '<option value="">Simulate an ECS event…</option>' +
    list
      .map(
        (s) =>
          `<option value="${escapeHtml(s.id)}" title="${escapeHtml(s.description)}"${s.disabled ? ' disabled' : ''}>${escapeHtml(s.label)}</option>`,
      )
      .join('');
  if (sim.innerHTML !== html) sim.innerHTML = html;
}

let simulationsTimer: ReturnType<typeof setTimeout> | undefined;
/** Asks again what the menu offers (soon after the app changed something: a deploy may have started a rollout). */
function refreshSimulations(delayMs = 300): void {
  if (!state.meta?.simulations.length) return;
  clearTimeout(simulationsTimer);
  simulationsTimer = setTimeout(async () => {
    const out = (await (await fetch('/_playground/simulations')).json()) as { simulations: Simulation[] };
    state.meta!.simulations = out.simulations;
    renderSimulations(out.simulations);
  }, delayMs);
}

function toast(html: string): void {
  const t = document.createElement('div');
  t.className = 'toast';
  t.innerHTML = html;
  $('#toasts').appendChild(t);
  setTimeout(() => t.remove(), 6000);
}

// ---------------------------------------------------------------------------------------------
// State from the feed

function applyEvent(e: Json): void {
  switch (e.type) {
    case 'message':
    case 'message_changed':
      state.messages.set(key(e.message.channel, e.message.ts), e.message);
      break;
    case 'message_deleted':
      state.messages.delete(key(e.channel, e.ts));
      break;
    case 'ephemeral':
      state.ephemerals.push(e.ephemeral);
      break;
    case 'ephemeral_changed':
      state.ephemerals = state.ephemerals.map((x) => (x.message_ts === e.ephemeral.message_ts ? e.ephemeral : x));
      break;
    case 'ephemeral_deleted':
      state.ephemerals = state.ephemerals.filter((x) => x.message_ts !== e.message_ts);
      break;
    case 'file':
      state.files = [...state.files.filter((f) => f.id !== e.file.id), e.file];
      break;
    case 'views':
      state.modals[e.user] = e.stack;
      break;
    case 'home':
      state.homes[e.user] = e.view;
      break;
    case 'refused': {
      const msgs = (e.messages as string[]).map((x) => `<li>${escapeHtml(x)}</li>`).join('');
      const html = `<b>Slack refused <code>${escapeHtml(e.method)}</code> from the app: <code>${escapeHtml(e.error)}</code></b>${msgs ? `<ul>${msgs}</ul>` : ''}`;
      state.notices.push({ channel: e.channel, user: e.user, ts: String(e.at / 1000), html, kind: 'refused' });
      if (!e.channel || e.channel !== state.view) toast(html);
      break;
    }
    case 'delivery':
      state.lastDelivery = `${e.summary} → ${typeof e.status === 'number' ? `HTTP ${e.status}` : e.status} in ${e.ms} ms`;
      break;
    case 'reset':
      void load();
      return;
    default:
      return;
  }
  render();
}

async function load(): Promise<void> {
  const s = (await (await fetch('/_client/state')).json()) as Json;
  state.workspace = s.workspace;
  state.meta = s.playground;
  state.messages = new Map((s.messages as Message[]).map((m) => [key(m.channel, m.ts), m]));
  state.ephemerals = s.ephemerals;
  state.files = s.files;
  state.modals = s.modals;
  state.homes = s.homes;
  const params = new URLSearchParams(location.hash.slice(1));
  state.user ||= params.get('user') ?? state.meta?.defaultUser ?? state.workspace.users[0]?.id ?? '';
  state.view ||= params.get('channel') ?? state.meta?.defaultChannel ?? state.workspace.channels[0]?.id ?? '';
  renderChrome();
  render();
  document.body.dataset.ready = '1';
}

function follow(): void {
  const feed = new EventSource('/_client/feed');
  let opened = false;
  feed.onopen = () => {
    if (opened) void load();
    opened = true;
  };
  feed.onmessage = (m) => {
    applyEvent(JSON.parse(m.data) as Json);
    refreshSimulations();
  };
}

// ---------------------------------------------------------------------------------------------
// Gestures

function remember(): void {
  location.hash = new URLSearchParams({ user: state.user, channel: state.view }).toString();
}

async function sendLine(line: string): Promise<void> {
  const text = line.trim();
  if (!text) return;
  if (!text.startsWith('/')) {
    toast(`Only slash commands reach the app here. Try <code>${escapeHtml(state.meta?.app.command ?? '/ecs')} help</code>.`);
    return;
  }
  const out = await post('/_client/slash', { channel: state.view, text });
  if (!out.ok && out.error && out.error !== 'invalid_command') toast(`<code>${escapeHtml(text)}</code>: ${escapeHtml(out.error)}`);
}

function elementAt(container: HTMLElement, ref: string): Json | undefined {
  const [b, e] = ref.split(':');
  let blocks: Json[] | undefined;
  const viewId = container.dataset.viewId;
  if (viewId) {
    blocks =
      (state.modals[state.user] ?? []).find((v) => v.id === viewId)?.blocks ??
      (state.homes[state.user]?.id === viewId ? state.homes[state.user]!.blocks : undefined);
  } else if (container.dataset.ephemeral) {
    blocks = state.ephemerals.find((x) => x.message_ts === container.dataset.ts)?.blocks;
  } else {
    blocks = state.messages.get(key(container.dataset.channel ?? '', container.dataset.ts ?? ''))?.blocks;
  }
  const block = blocks?.[Number(b)];
  if (!block) return undefined;
  return e === 'accessory' ? block.accessory : Array.isArray(block.elements) ? block.elements[Number(e)] : block.element;
}

function confirmDialog(c: Json): Promise<boolean> {
  return new Promise((resolve) => {
    const root = $('#confirm');
    const style = c.style === 'danger' ? 'danger' : 'primary';
    root.innerHTML = `<div class="modal-box small" role="alertdialog"><div class="modal-head"><span>${plainTextHtml(c.title?.text ?? 'Are you sure?')}</span></div><div class="modal-body">${c.text?.type === 'mrkdwn' ? mrkdwn(c.text.text, opts()) : plainTextHtml(c.text?.text ?? '')}</div><div class="modal-foot"><button type="button" class="btn" data-deny>${plainTextHtml(c.deny?.text ?? 'Cancel')}</button><button type="button" class="btn ${style}" data-ok>${plainTextHtml(c.confirm?.text ?? 'Yes')}</button></div></div>`;
    root.classList.remove('hidden');
    const done = (v: boolean) => {
      root.classList.add('hidden');
      root.innerHTML = '';
      resolve(v);
    };
    (root.querySelector('[data-ok]') as HTMLElement).onclick = () => done(true);
    (root.querySelector('[data-deny]') as HTMLElement).onclick = () => done(false);
  });
}

async function act(target: HTMLElement, selected?: string): Promise<void> {
  const container = target.closest<HTMLElement>('[data-view-id], [data-ts]');
  const ref = target.dataset.el;
  if (!container || !ref) return;
  const el = elementAt(container, ref);
  if (el?.confirm && !(await confirmDialog(el.confirm))) return;
  if (target.dataset.url) window.open(target.dataset.url, '_blank', 'noopener');
  const [block, element] = ref.split(':');
  const where = container.dataset.viewId
    ? { viewId: container.dataset.viewId, ...(container.closest('#modal') ? { values: readModalValues() ?? {} } : {}) }
    : { channel: container.dataset.channel, ts: container.dataset.ts, ephemeral: container.dataset.ephemeral === '1' };
  target.classList.add('pending');
  try {
    const out = await post('/_client/action', {
      ...where,
      block: Number(block),
      element: element === 'accessory' ? 'accessory' : Number(element),
      ...(selected !== undefined ? { selected } : {}),
    });
    if (!out.ok) {
      target.classList.add('failed');
      toast(`⚠️ The app did not answer the click: ${escapeHtml(out.error ?? String(out.status))}`);
    }
  } finally {
    target.classList.remove('pending');
  }
}

function readModalValues(): Json | undefined {
  const root = document.querySelector('#modal .modal-body');
  if (!root) return undefined;
  const values: Json = {};
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('[data-input]'))) {
    const [blockId, actionId, type] = (el.dataset.input ?? '').split('|') as [string, string, string];
    let v: Json;
    if (type === 'static_select' || type === 'external_select') {
      const s = el as HTMLSelectElement;
      const label = s.selectedOptions[0]?.textContent ?? '';
      v = { type, selected_option: s.value ? { text: { type: 'plain_text', text: label }, value: s.value } : null };
    } else if (type === 'radio_buttons') {
      const c = el.querySelector<HTMLInputElement>('input:checked');
      v = {
        type,
        selected_option: c ? { value: c.value, text: { type: 'plain_text', text: c.parentElement?.textContent?.trim() ?? '' } } : null,
      };
    } else if (type === 'checkboxes') {
      v = {
        type,
        selected_options: Array.from(el.querySelectorAll<HTMLInputElement>('input:checked')).map((c) => ({
          value: c.value,
          text: { type: 'plain_text', text: c.parentElement?.textContent?.trim() ?? '' },
        })),
      };
    } else if (type === 'datepicker') {
      v = { type, selected_date: (el as HTMLInputElement).value || null };
    } else if (type === 'timepicker') {
      v = { type, selected_time: (el as HTMLInputElement).value || null };
    } else {
      v = { type, value: (el as HTMLInputElement).value || null };
    }
    (values[blockId] ??= {})[actionId] = v;
  }
  return values;
}

async function submitModal(): Promise<void> {
  const root = $('#modal');
  const viewId = root.dataset.viewId;
  if (!viewId) return;
  const values = readModalValues() ?? {};
  const out = await post('/_client/view/submit', { viewId, values });
  if (!out.ok) {
    state.modalErrors[viewId] = out.errors ?? { _: out.error ?? 'The app did not accept the submission.' };
    root.dataset.dirty = '1';
    renderModal();
  } else delete state.modalErrors[viewId];
}

async function closeModal(): Promise<void> {
  const viewId = $('#modal').dataset.viewId;
  if (viewId) await post('/_client/view/close', { viewId });
}

function wire(): void {
  document.addEventListener('click', (ev) => {
    const t = ev.target as HTMLElement;
    const nav = t.closest<HTMLElement>('[data-nav]');
    if (nav) {
      state.view = nav.dataset.nav!;
      state.thread = undefined;
      remember();
      if (state.view === 'home') void post('/_client/home', {});
      render();
      return;
    }
    const thread = t.closest<HTMLElement>('[data-thread]');
    if (thread) {
      state.thread = { channel: state.view, ts: thread.dataset.thread! };
      render();
      return;
    }
    if (t.closest('[data-close-thread]')) {
      state.thread = undefined;
      render();
      return;
    }
    const dismiss = t.closest<HTMLElement>('[data-dismiss]');
    if (dismiss) {
      state.ephemerals = state.ephemerals.filter((e) => e.message_ts !== dismiss.dataset.dismiss);
      render();
      return;
    }
    const example = t.closest<HTMLElement>('[data-example]');
    if (example) {
      const input = $('#input') as HTMLTextAreaElement;
      input.value = example.dataset.example!;
      input.focus();
      return;
    }
    if (t.closest('[data-modal-submit]')) return void submitModal();
    if (t.closest('[data-modal-close]')) return void closeModal();
    const button = t.closest<HTMLElement>('button[data-el]');
    if (button) void act(button);
  });
  document.addEventListener('change', (ev) => {
    const t = ev.target as HTMLElement;
    if (t.matches('select[data-el]') && !t.dataset.input) {
      const s = t as HTMLSelectElement;
      if (s.value) void act(s, s.value).then(() => (s.value = ''));
    } else if (t.matches('select[data-el][data-dispatch]')) {
      // An input with dispatch_action: the choice goes to the app at once, with the form's state.
      const s = t as HTMLSelectElement;
      if (s.value) void act(s, s.value);
    }
  });
  const input = $('#input') as HTMLTextAreaElement;
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      const line = input.value;
      input.value = '';
      void sendLine(line);
    }
  });
  $('#send').addEventListener('click', () => {
    const line = input.value;
    input.value = '';
    void sendLine(line);
  });
  ($('#user') as HTMLSelectElement).addEventListener('change', (ev) => {
    state.user = (ev.target as HTMLSelectElement).value;
    remember();
    renderUserMenu();
    if (state.view === 'home') void post('/_client/home', {});
    $('#modal').dataset.dirty = '1';
    render();
  });
  ($('#shortcuts') as HTMLSelectElement).addEventListener('change', async (ev) => {
    const s = ev.target as HTMLSelectElement;
    const callbackId = s.value;
    s.value = '';
    if (!callbackId) return;
    const out = await post('/_client/shortcut', { callbackId });
    if (!out.ok) toast(`⚠️ The app did not answer the shortcut: ${escapeHtml(out.error ?? String(out.status))}`);
  });
  ($('#simulate') as HTMLSelectElement).addEventListener('change', async (ev) => {
    const s = ev.target as HTMLSelectElement;
    const id = s.value;
    s.value = '';
    if (!id) return;
    const out = (await (
      await fetch('/_playground/simulate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id }),
      })
    ).json()) as Json;
    if (!out.ok) toast(`Simulation failed: ${escapeHtml(out.error ?? (out.failed ?? []).join(', '))}`);
    refreshSimulations(0);
  });
  for (const ev of ['focus', 'pointerdown']) ($('#simulate') as HTMLSelectElement).addEventListener(ev, () => refreshSimulations(0));
}

wire();
void load().then(follow);
