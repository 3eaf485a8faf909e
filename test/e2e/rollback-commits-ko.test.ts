/**
 * The commits line of a rollback request in a Korean workspace (test/e2e/rollback-commits.test.ts has
 * the English card and the failures): the commit now, the one it goes back to and the link to what it
 * undoes; for a target whose image has no commit label, the commit now alone.
 */
import { REGISTRY } from '../helpers/aws-fixtures';
import { configFile } from '../helpers/config';
import { requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';
import { FROM_SHA, PINNED_TARGET, TO_SHA, rollbackTo39, shopLabels, useBlobServer, stubLabels } from '../helpers/commits-e2e';

const blobs = useBlobServer();
const h = useDeployHarness({
  configPath: configFile((d) => (d.slack.language = 'ko')),
  before: async (x) => {
    // Running 9f8e7d6 now; web-prod:39 is 1a2b3c4.
    stubLabels(x.ecrMock, blobs(), { to: shopLabels(FROM_SHA), from: shopLabels(TO_SHA) });
  },
});

async function card(): Promise<string> {
  await h.e2e.slash('rollback web', { channel_id: 'CPROD', user_id: 'UDEV2' });
  await h.e2e.drain();
  return textOf(requestMessage(h.e2e, 'CPROD').message);
}

it('a Korean workspace: 커밋 now, back to the target (되돌림), and the link to what it undoes (되돌릴 커밋)', async () => {
  rollbackTo39(h.world, h.clock, PINNED_TARGET);
  expect(await card()).toContain(
    `:memo: 커밋: \`9f8e7d6\` → \`1a2b3c4\`로 되돌림 (<https://github.com/acme/shop/compare/${FROM_SHA}...${TO_SHA}|되돌릴 커밋>)`,
  );
});

it('a Korean workspace, a target whose image (the one its tag names now) has no commit label: the commit now alone (지금 커밋)', async () => {
  rollbackTo39(h.world, h.clock, `${REGISTRY}/shop/web:v1.1.9`);
  const text = await card();
  expect(text).toContain(':memo: 지금 커밋: `9f8e7d6` (되돌아갈 커밋은 알 수 없음)');
  expect(text).not.toContain('1a2b3c4');
});
