/** `/ecs images` builders: pure functions of ECR image details. No mocks. */
import { fitMessage } from '../../src/slack/blocks';
import { repositoryUrl } from '../../src/aws/console';
import { imagesMessage, scanSummary, type ImagesView } from '../../src/commands/render/images';
import { runningFromTasks } from '../../src/commands/images.run';
import { images } from '../../src/commands/images';
import { parseArgs } from '../../src/commands/grammar';
import { parseConfig } from '../../src/config/load';
import { prodOnlyDoc } from '../helpers/config';
import { digestOf, expectWithinSlackLimits, image, NOW, task, tdArn, taskIdOf } from '../helpers/aws-fixtures';

describe('scanSummary', () => {
  it.each([
    [image({ tag: 'a', pushedDaysAgo: 1, critical: 2, high: 5 }), ':red_circle: 2 critical, 5 high'],
    [image({ tag: 'a', pushedDaysAgo: 1, high: 1 }), ':large_orange_circle: 1 high'],
    [image({ tag: 'a', pushedDaysAgo: 1 }), ':white_check_mark: no critical or high'],
    [image({ tag: 'a', pushedDaysAgo: 1, scan: 'none' }), ':grey_question: not scanned'],
    [image({ tag: 'a', pushedDaysAgo: 1, scan: 'IN_PROGRESS' }), ':hourglass: scan in progress'],
    [image({ tag: 'a', pushedDaysAgo: 1, scan: 'FAILED' }), ':grey_question: scan FAILED'],
  ])('%#', (img, expected) => {
    expect(scanSummary(img)).toBe(expected);
  });
});

describe('runningFromTasks', () => {
  it('counts digests of the named container', () => {
    const td = tdArn('web-prod', 1);
    const tasks = [
      task({ id: taskIdOf(1), td, digest: digestOf('a') }),
      task({ id: taskIdOf(2), td, digest: digestOf('a') }),
      task({ id: taskIdOf(3), td, digest: digestOf('b') }),
      task({ id: taskIdOf(4), td, container: 'sidecar', digest: digestOf('c') }),
    ];
    expect(runningFromTasks(tasks, 'web')).toEqual([
      { digest: digestOf('a'), tasks: 2 },
      { digest: digestOf('b'), tasks: 1 },
    ]);
  });
});

const view = (over: Partial<ImagesView> = {}): ImagesView => ({
  alias: 'web',
  environment: 'prod',
  repositoryName: 'shop/web',
  region: 'eu-west-1',
  consoleUrl: repositoryUrl('eu-west-1', '222222222222', 'shop/web'),
  images: [
    image({ tag: ['v1.4.3', 'latest'], pushedDaysAgo: 0.5, critical: 1, high: 2, sizeMb: 182 }),
    image({ tag: 'v1.4.2', pushedDaysAgo: 2, sizeMb: 1500 }),
    image({ tag: 'v1.4.1', pushedDaysAgo: 9, scan: 'none' }),
  ],
  limit: 10,
  running: [{ digest: digestOf('v1.4.2'), tasks: 3 }],
  now: NOW,
  ...over,
});

describe('imagesMessage', () => {
  it('renders recent images and the running one (snapshot)', () => {
    const msg = imagesMessage(view());
    expect(msg).toMatchSnapshot();
    expectWithinSlackLimits(msg);
  });
  it('falls back to the tag of the task definition when tasks report no digest', () => {
    const text = JSON.stringify(imagesMessage(view({ running: [{ tag: 'v1.4.1', ref: 'x/shop/web:v1.4.1', tasks: 2 }] })).blocks);
    expect(text).toMatch(/`v1\.4\.1`[^•]*:arrow_left: \*running now\* \(2 tasks\)/);
  });
  it('an empty repository', () => {
    expect(JSON.stringify(imagesMessage(view({ images: [], running: [] })).blocks)).toContain(
      'ECR repository `shop/web` in `eu-west-1` has no tagged images.',
    );
  });
  it('stays within Slack limits with 30 images of 50 long tags each', () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      image({ tag: Array.from({ length: 50 }, (_, j) => `release-${i}-${j}-${'t'.repeat(100)}`), pushedDaysAgo: i }),
    );
    const msg = imagesMessage(
      view({
        images: many,
        limit: 30,
        running: [
          { digest: digestOf('not-there'), tasks: 1 },
          { digest: many[999]!.imageDigest!, tasks: 2 },
        ],
      }),
    );
    for (const b of msg.blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
    expectWithinSlackLimits(fitMessage(msg));
  });
});

describe('images parse', () => {
  const config = parseConfig(prodOnlyDoc());
  it('service and limit', () => {
    expect(images.parse(parseArgs('images WEB --limit 5'), { config, channelId: 'CPROD', userId: 'U1' })).toMatchObject({
      environment: 'prod',
      args: { alias: 'web', limit: 5 },
    });
    expect(images.parse(parseArgs('images web'), { config, channelId: 'CPROD', userId: 'U1' }).args.limit).toBe(10);
  });
});
