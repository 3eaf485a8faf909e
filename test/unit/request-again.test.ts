/**
 * The Request again button under a note that says an approved change did not start
 * (src/approvals/again.ts): the same change as a command, which the router the Slack edge uses
 * reads back as the same verb, service and values, with the same reason. Pure: no Slack, AWS or Redis.
 */
import { join } from 'node:path';
import { requestAgainCommand, quoteWord, withRequestAgain } from '../../src/approvals/again';
import { route } from '../../src/commands/router';
import { loadConfigFile } from '../../src/config/load';
import { readCommandButton, COMMAND_ACTION } from '../../src/slack/command-button';
import { section } from '../../src/slack/blocks';
import { tokenize } from '../../src/commands/grammar';
import { DIGEST, deployPlanAt, planBase, tdArn } from '../helpers/aws-fixtures';
import { expiredNotice } from '../../src/approvals/expired.run';

const config = loadConfigFile(join(__dirname, '../fixtures/chatops.test.yml'));
const TD = (rev: number, family = 'web-prod') => tdArn(family, rev);
const base = planBase(1_700_000_000_000);
const plans = {
  deploy: deployPlanAt(1_700_000_000_000),
  resize: { verb: 'resize', ...base, from: { cpu: 256, memory: 512 }, to: { cpu: 1024, memory: 2048 } },
  scale: { verb: 'scale', ...base, from: 4, to: 6 },
  restart: { verb: 'restart', ...base },
  rollback: { verb: 'rollback', ...base, targetTaskDefinition: TD(39), source: 'history', container: 'web' },
} as const;

/** The command read back by the router, in the request's channel, as a requester. */
function readBack(command: string) {
  const { spec, parsed } = route({ config }, { text: command, channelId: 'CPROD', userId: 'UDEV1' });
  return { verb: spec.verb, args: parsed.args as Record<string, unknown> };
}

describe('the command that asks for the same change again', () => {
  it.each([
    ['deploy', `deploy web ${DIGEST}`, { alias: 'web', image: { digest: DIGEST } }],
    ['resize', 'resize web --cpu 1024 --memory 2048', { alias: 'web', cpu: 1024, memory: 2048 }],
    ['scale', 'scale web 6', { alias: 'web', count: 6 }],
    ['restart', 'restart web', { alias: 'web' }],
    ['rollback', 'rollback web --to 39', { alias: 'web', to: 39 }],
  ] as const)('%s: %s, read back as the same change', (verb, command, args) => {
    expect(requestAgainCommand({ plan: plans[verb] })).toBe(command);
    const back = readBack(command);
    expect(back.verb).toBe(verb);
    expect(back.args).toMatchObject({ ...args, dryRun: false });
    expect(back.args.at).toBeUndefined();
    expect(back.args.breakGlass).toBeUndefined();
  });

  it('asks for the next change window when the window closed before the start, read back as such', () => {
    const command = requestAgainCommand({ plan: plans.scale, reason: 'peak' }, true)!;
    expect(command).toBe('scale web 6 --reason "peak" --at next-window');
    expect(readBack(command).args).toMatchObject({ count: 6, reason: 'peak', at: 'next-window' });
  });

  it('deploys the digest that was approved, not the tag (which may point elsewhere now)', () => {
    expect(requestAgainCommand({ plan: plans.deploy })).not.toContain('v1.2.3');
  });

  it.each([
    'hotfix for checkout',
    'customer said "it is down"',
    `it's the "checkout" bug`,
    '결제 오류 긴급 수정',
    'reason with --flags and = signs',
  ])('keeps the reason %j, read back exactly', (reason) => {
    const command = requestAgainCommand({ plan: plans.scale, reason })!;
    expect(readBack(command).args.reason).toBe(reason);
  });

  it('has no command for a reason no quote can hold', () => {
    const reason = `"a" 'b' \u201cc\u201d \u2018d\u2019`;
    expect(quoteWord(reason)).toBeUndefined();
    expect(requestAgainCommand({ plan: plans.scale, reason })).toBeUndefined();
  });

  it('quotes a word so the grammar reads it back as one word', () => {
    for (const w of ['a b', 'a "b" c', `a 'b' "c"`, `a "b" 'c' \u201cd`]) {
      const q = quoteWord(w)!;
      expect(tokenize(`x ${q} y`)).toEqual(['x', w, 'y']);
    }
  });

  it('has no command for a rollback to another task definition family (--to names a revision of the current one)', () => {
    expect(requestAgainCommand({ plan: { ...plans.rollback, targetTaskDefinition: TD(7, 'web-old') } })).toBeUndefined();
  });

  it('has no command for a plan this version does not read', () => {
    expect(requestAgainCommand({ plan: { verb: 'deploy', alias: 'web' } })).toBeUndefined();
    expect(requestAgainCommand({ plan: undefined })).toBeUndefined();
    // A field that could not be typed back as one word of the command.
    expect(requestAgainCommand({ plan: { ...plans.scale, alias: 'web --break-glass x' } })).toBeUndefined();
    expect(requestAgainCommand({ plan: { ...plans.deploy, digest: 'sha256:zz' } })).toBeUndefined();
    expect(requestAgainCommand({ plan: { ...plans.scale, to: -1 } })).toBeUndefined();
  });
});

describe('the note with its button', () => {
  const note = { text: 'did not start', blocks: [section(':no_entry: did not start')] };

  it('adds one Request again button (in the note’s language) that runs the command in the note’s channel', () => {
    const msg = withRequestAgain(note, { plan: plans.scale, reason: 'peak' }, 'ko');
    expect(msg.text).toBe(note.text);
    expect(msg.blocks).toHaveLength(2);
    const block = msg.blocks[1] as { type: string; elements: Array<{ text: { text: string }; action_id: string; value: string }> };
    expect(block.type).toBe('actions');
    expect(block.elements).toHaveLength(1);
    const [button] = block.elements;
    expect(button!.text.text).toBe('다시 요청');
    expect(button!.action_id.startsWith(COMMAND_ACTION)).toBe(true);
    // No channel of its own: it runs where the note is, the request's channel.
    expect(readCommandButton(button!.value)).toEqual({ c: 'scale web 6 --reason "peak"' });
    expect((withRequestAgain(note, { plan: plans.scale }, 'en').blocks[1] as typeof block).elements[0]!.text.text).toBe('Request again');
  });

  it('leaves the note as it is when the change cannot be said as a command', () => {
    expect(withRequestAgain(note, { plan: { verb: 'nope' } }, 'en')).toBe(note);
  });
});

describe("the expiry tick's note", () => {
  const req = {
    verb: 'deploy' as const,
    service: 'web',
    requester: 'UDEV1',
    approvals: [{ user: 'ULEAD1', at: 1 }],
    approvalsNeeded: 2,
    createdAt: Date.UTC(2025, 10, 25, 12, 0),
    expiresAt: Date.UTC(2025, 10, 25, 14, 0),
  };
  it.each([
    [
      'en',
      ':hourglass: <@UDEV1> this Deploy of `web` expired <!date^1764079200^{date_short_pretty} {time}|2025-11-25 14:00 UTC> with 1 of the 2 approvals it needed (requests wait 2h). Nothing was changed.',
      'Deploy of web expired without enough approvals',
    ],
    [
      'ko',
      ':hourglass: <@UDEV1> 이 `web` 배포 요청은 필요한 승인 2개 중 1개만 받아 <!date^1764079200^{date_short_pretty} {time}|2025-11-25 14:00 UTC> 만료되었습니다(요청은 2시간 기다립니다). 아무것도 바뀌지 않았습니다.',
      'web 배포 요청이 승인을 다 받지 못해 만료됨',
    ],
  ] as const)('mentions the requester and says what it got (%s)', (locale, body, text) => {
    const msg = expiredNotice(req, locale);
    expect((msg.blocks[0] as { text: { text: string } }).text.text).toBe(body);
    expect(msg.text).toBe(text);
  });
});
