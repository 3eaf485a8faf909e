import { messageBody, renderBlocks } from '../../src/playground/page/render/blocks';
import { formatSlackDate, mrkdwn } from '../../src/playground/page/render/mrkdwn';

const names = {
  user: (id: string) => ({ U1: 'dana' })[id],
  channel: (id: string) => ({ C1: 'deploys' })[id],
  group: (id: string) => ({ S1: 'team-leads' })[id],
};

describe('mrkdwn as a Slack client shows it', () => {
  it('bold, italic, strike, code, pre and quotes', () => {
    expect(mrkdwn('*bold* _it_ ~gone~ `a < b`')).toBe('<b>bold</b> <i>it</i> <s>gone</s> <code>a &lt; b</code>');
    expect(mrkdwn('before\n```line 1\n*not bold* &lt;x&gt;```\nafter')).toBe(
      'before<pre class="code">line 1\n*not bold* &lt;x&gt;</pre>after',
    );
    expect(mrkdwn('&gt; quoted *text*\nplain')).toBe('<blockquote>quoted <b>text</b></blockquote>plain');
    // Emphasis needs word boundaries: snake_case and 2*3*4 stay as they are.
    expect(mrkdwn('web_prod_task and 2*3*4')).toBe('web_prod_task and 2*3*4');
    // Emphasis around code, as the deploy card's title has it; markup inside code stays literal.
    expect(mrkdwn(':white_check_mark: *Deploy of `web`* → `v1.2.3` — *completed*')).toBe(
      '<span class="emoji" title=":white_check_mark:">✅</span> <b>Deploy of <code>web</code></b> → <code>v1.2.3</code> — <b>completed</b>',
    );
    expect(mrkdwn('`*not bold* <https://x.test>` and _`it`_')).toBe(
      '<code>*not bold* &lt;https://x.test&gt;</code> and <i><code>it</code></i>',
    );
    expect(mrkdwn('<https://x.test|the `web` service> `after`')).toBe(
      '<a href="https://x.test" target="_blank" rel="noopener noreferrer">the <code>web</code> service</a> <code>after</code>',
    );
  });

  it('links, mentions, special mentions; unsafe links stay text; HTML is escaped', () => {
    expect(mrkdwn('<https://example.com/a?b=1&amp;c=2|the *console*>')).toBe(
      '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the <b>console</b></a>',
    );
    expect(mrkdwn('<@U1> in <#C1> for <!subteam^S1> and <!here>', { names })).toBe(
      '<span class="mention" data-user="U1">@dana</span> in <span class="mention channel" data-channel="C1">#deploys</span> for <span class="mention group">@team-leads</span> and <span class="mention special">@here</span>',
    );
    expect(mrkdwn('<javascript:alert(1)|x>')).toBe('&lt;javascript:alert(1)|x&gt;');
    expect(mrkdwn('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(mrkdwn(':white_check_mark: done :not_an_emoji:')).toBe(
      '<span class="emoji" title=":white_check_mark:">✅</span> done :not_an_emoji:',
    );
  });

  it('date tokens in the reader’s time zone', () => {
    const now = Date.UTC(2025, 10, 25, 15, 0, 0);
    const ts = Date.UTC(2025, 10, 25, 13, 22, 0) / 1000;
    expect(formatSlackDate(ts, '{date_short_pretty} {time}', { now, timeZone: 'UTC' })).toBe('today 1:22 PM');
    expect(formatSlackDate(ts - 86400, '{date_short_pretty}', { now, timeZone: 'UTC' })).toBe('yesterday');
    expect(formatSlackDate(ts, '{date_long} {time_secs}', { now, timeZone: 'UTC' })).toBe('Tuesday, November 25th, 2025 1:22:00 PM');
    expect(formatSlackDate(ts, '{date_num} ({ago})', { now, timeZone: 'UTC' })).toBe('2025-11-25 (2 hours ago)');
    expect(mrkdwn(`Expires <!date^${ts}^{time}|13:22 UTC>`, { now, timeZone: 'Europe/Berlin' })).toBe(
      'Expires <time class="date" datetime="2025-11-25T13:22:00.000Z" title="2025-11-25T13:22:00.000Z">2:22 PM</time>',
    );
  });
});

describe('Block Kit layout', () => {
  it('renders every block the bot uses, with element references for clicks', () => {
    const html = renderBlocks(
      [
        { type: 'header', text: { type: 'plain_text', text: ':rocket: Deploy' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*web*' },
          fields: [{ type: 'mrkdwn', text: '*Env*\nprod' }],
          accessory: { type: 'button', text: { type: 'plain_text', text: 'Logs' }, action_id: 'logs', url: 'https://x.test/' },
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'by <@U1>' }] },
        { type: 'divider' },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'a', style: 'primary' },
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Reject' },
              action_id: 'r',
              style: 'danger',
              confirm: { title: { type: 'plain_text', text: 'Sure?' } },
            },
          ],
        },
      ],
      { names },
    );
    expect(html).toContain('<div class="b-header"><span class="emoji" title=":rocket:">🚀</span> Deploy</div>');
    expect(html).toContain('<div class="b-field"><b>Env</b><br>prod</div>');
    expect(html).toContain('<button type="button" class="btn" data-el="1:accessory" data-url="https://x.test/">Logs</button>');
    expect(html).toContain('<button type="button" class="btn primary" data-el="4:0">Approve</button>');
    expect(html).toContain('<button type="button" class="btn danger" data-el="4:1" data-confirm="1">Reject</button>');
    expect(html).toContain('@dana');
    expect(html).toContain('<hr class="b-divider">');
  });

  it('modal inputs keep their values and show field errors', () => {
    const html = renderBlocks(
      [
        {
          type: 'input',
          block_id: 'reason',
          label: { type: 'plain_text', text: 'Why?' },
          element: { type: 'plain_text_input', action_id: 'text', multiline: true, max_length: 500 },
        },
      ],
      { surface: 'modal', values: { reason: { text: { type: 'plain_text_input', value: 'a <b>' } } }, errors: { reason: 'Too short' } },
    );
    expect(html).toBe(
      '<div class="b-input has-error" data-block="reason"><label>Why?</label><textarea class="el-input" rows="4" data-el="0:0" data-input="reason|text|plain_text_input" maxlength="500">a &lt;b&gt;</textarea><div class="error">Too short</div></div>',
    );
  });

  it('a message without blocks shows its text as mrkdwn', () => {
    expect(messageBody({ text: '*hi*' })).toBe('<div class="b-text"><b>hi</b></div>');
    expect(renderBlocks([{ type: 'mystery' }])).toBe('<div class="unsupported">Unsupported block: mystery</div>');
  });
});
