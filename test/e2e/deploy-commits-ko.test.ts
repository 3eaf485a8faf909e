/**
 * The commits line of a deploy request in a Korean workspace (test/e2e/deploy-commits.test.ts has the
 * English card and the failures): both commits and the compare link, in Korean.
 */
import { configFile } from '../helpers/config';
import { requestMessage, textOf, useDeployHarness } from '../helpers/deploy-e2e';
import { FROM_SHA, TO_SHA, runningOldImage, shopLabels, useBlobServer, stubLabels } from '../helpers/commits-e2e';

const blobs = useBlobServer();
const h = useDeployHarness({
  configPath: configFile((d) => (d.slack.language = 'ko')),
  before: async (x) => {
    stubLabels(x.ecrMock, blobs(), { to: shopLabels(TO_SHA), from: shopLabels(FROM_SHA) });
    runningOldImage(x.world);
  },
});

it('a Korean workspace: 커밋 with both commits and the compare link (비교)', async () => {
  await h.e2e.slash('deploy web v1.2.3', { channel_id: 'CPROD', user_id: 'UDEV1' });
  await h.e2e.drain();
  const text = textOf(requestMessage(h.e2e, 'CPROD').message);
  expect(text).toContain(`:memo: 커밋: \`1a2b3c4\` → \`9f8e7d6\` (<https://github.com/acme/shop/compare/${FROM_SHA}...${TO_SHA}|비교>)`);
});
