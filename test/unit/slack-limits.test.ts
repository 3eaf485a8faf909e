import { checkMessage, checkView, SLACK_LIMITS, validateBlocks } from '../../src/loopback/slack/limits';
import { fitMessage, section } from '../../src/slack/blocks';

const text = (t: string) => ({ type: 'mrkdwn', text: t });
const plain = (t: string) => ({ type: 'plain_text', text: t });

describe("Slack's limits, answered with Slack's errors", () => {
  it('accepts a typical bot message', () => {
    const msg = {
      text: 'Deploy request',
      blocks: [
        { type: 'header', text: plain('✋ Deploy request: web → prod') },
        { type: 'section', text: text('*web* `v1.2.3`'), fields: [text('*Env*\nprod'), text('*By*\n<@U1>')] },
        { type: 'context', elements: [text('Request prod.web.1')] },
        { type: 'divider' },
        {
          type: 'actions',
          block_id: 'approval',
          elements: [
            { type: 'button', text: plain('Approve'), action_id: 'approve', value: 'x', style: 'primary' },
            {
              type: 'button',
              text: plain('Reject'),
              action_id: 'reject',
              value: 'x',
              style: 'danger',
              confirm: { title: plain('Sure?'), text: text('Really'), confirm: plain('Yes'), deny: plain('No') },
            },
          ],
        },
      ],
    };
    expect(checkMessage(msg)).toBeUndefined();
  });

  it('refuses instead of trimming: too many blocks, long section text, long header, bad button', () => {
    const many = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(checkMessage({ text: 'x', blocks: many })).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
      errors: ['no more than 50 items allowed [json-pointer:/blocks]'],
    });
    const long = checkMessage({ text: 'x', blocks: [{ type: 'section', text: text('a'.repeat(3001)) }] });
    expect(long).toMatchObject({
      error: 'invalid_blocks',
      response_metadata: { messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'] },
    });
    expect(checkMessage({ text: 'x', blocks: [{ type: 'header', text: text('mrkdwn header') }] })?.errors).toEqual([
      'must be plain_text [json-pointer:/blocks/0/text/type]',
    ]);
    expect(
      checkMessage({
        text: 'x',
        blocks: [{ type: 'actions', elements: [{ type: 'button', text: plain('b'.repeat(76)), action_id: 'a', style: 'green' }] }],
      })?.errors,
    ).toEqual([
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
      'must be one of primary, danger [json-pointer:/blocks/0/elements/0/style]',
    ]);
  });

  it('refuses duplicate block_ids and action_ids, unknown block types, and empty texts', () => {
    const dup = checkMessage({
      text: 'x',
      blocks: [
        { type: 'section', block_id: 'a', text: text('1') },
        {
          type: 'actions',
          block_id: 'a',
          elements: [
            { type: 'button', text: plain('x'), action_id: 'go' },
            { type: 'button', text: plain('y'), action_id: 'go' },
          ],
        },
        { type: 'carousel' },
        { type: 'context', elements: [text('')] },
      ],
    });
    expect(dup?.errors).toEqual([
      'block_id must be unique: a [json-pointer:/blocks/1/block_id]',
      'action_id must be unique within the block: go [json-pointer:/blocks/1/elements/1/action_id]',
      'unsupported type: carousel [json-pointer:/blocks/2/type]',
      'must be more than 0 characters [json-pointer:/blocks/3/elements/0/text]',
    ]);
  });

  it('no_text, msg_too_long and msg_blocks_too_long', () => {
    expect(checkMessage({})).toEqual({ ok: false, error: 'no_text' });
    expect(checkMessage({ text: 'x'.repeat(SLACK_LIMITS.messageText + 1) })).toEqual({ ok: false, error: 'msg_too_long' });
    const blocks = Array.from({ length: 5 }, () => ({ type: 'section', text: text('y'.repeat(2600)) }));
    expect(checkMessage({ text: 'x', blocks })).toEqual({ ok: false, error: 'msg_blocks_too_long' });
    // chat.update may leave text and blocks as they are.
    expect(checkMessage({}, false)).toBeUndefined();
  });

  it("what the bot's fitMessage produces always passes", () => {
    const huge = { text: 'z'.repeat(10_000), blocks: Array.from({ length: 80 }, (_, i) => section(`${i} ${'w'.repeat(2900)}`)) };
    expect(checkMessage(fitMessage(huge))).toBeUndefined();
  });

  it('views: title, submit, 100 blocks, inputs need a submit button', () => {
    const input = { type: 'input', block_id: 'r', label: plain('Why?'), element: { type: 'plain_text_input', action_id: 'v' } };
    expect(checkView({ type: 'modal', title: plain('Reject request'), submit: plain('Reject'), blocks: [input] }, 'modal')).toBeUndefined();
    expect(checkView({ type: 'modal', title: plain('A title that is too long'), blocks: [input] }, 'modal')?.errors).toEqual([
      'must provide submit when the view has input blocks [json-pointer:/view/submit]',
    ]);
    expect(checkView({ type: 'modal', title: plain('x'.repeat(25)), blocks: [] }, 'modal')?.errors).toEqual([
      'must be less than 25 characters [json-pointer:/view/title/text]',
    ]);
    expect(checkView({ type: 'home', blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }, 'home')).toMatchObject({
      error: 'invalid_arguments',
      errors: ['no more than 100 items allowed [json-pointer:/view/blocks]'],
    });
    expect(validateBlocks([{ type: 'input', label: plain('x') }], 'modal')).toEqual([
      'missing required field: element [json-pointer:/blocks/0/element]',
    ]);
  });
});
