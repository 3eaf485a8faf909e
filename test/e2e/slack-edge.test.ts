import { SIGNING_SECRET, useE2E } from '../helpers/e2e';
import { signedSlashEvent } from '../helpers/signing';
import { dbSize } from '../helpers/redis';
import { handler } from '../../src/handlers/slack';

describe('Slack edge through the Lambda handler', () => {
  const e2e = useE2E(() => ({}));

  it('answers a signed /ecs help with 200 and the generated help', async () => {
    const res = await e2e.slash('help', { channel_id: 'CPROD', user_id: 'UDEV1' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('/ecs help [verb]');
    expect(e2e.handedOff).toHaveLength(0);
  });

  it('rejects a wrong signature with 401 and records nothing', async () => {
    const res = await handler(signedSlashEvent(SIGNING_SECRET, 'help', {}, { badSignature: true }) as never, {});
    expect(res.statusCode).toBe(401);
    expect(await dbSize(e2e.rt.redis)).toBe(0);
  });

  it('rejects a timestamp older than 5 minutes with 401', async () => {
    const old = Math.floor(Date.now() / 1000) - 301;
    const res = await handler(signedSlashEvent(SIGNING_SECRET, 'help', {}, { timestamp: old }) as never, {});
    expect(res.statusCode).toBe(401);
  });

  it('suggests the closest verb for a typo', async () => {
    const res = await e2e.slash('hlep', { channel_id: 'CPROD' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('There is no command');
    expect(res.text).toContain('help');
  });
});
