/** Where a request's buttons may be clicked (src/approvals/click-place.ts, pure). */
import { clickPlace } from '../../src/approvals/click-place';

const req = { channel: 'CPROD', messageTs: '1700000000.000100' };

describe('where a request button may be clicked', () => {
  it('on the request card in its channel', () => {
    expect(clickPlace(req, { channelId: 'CPROD', messageTs: '1700000000.000100' })).toBe('ok');
  });

  it('in the clicker’s Home tab (no channel)', () => {
    expect(clickPlace(req, { viewType: 'home' })).toBe('ok');
  });

  it('not from another channel', () => {
    expect(clickPlace(req, { channelId: 'CSTAGING', messageTs: '1700000000.000100' })).toBe('otherChannel');
    expect(clickPlace(req, { channelId: 'CSTAGING', viewType: 'home' })).toBe('otherChannel');
  });

  it('not from another message of the request channel, nor from one that names no message', () => {
    expect(clickPlace(req, { channelId: 'CPROD', messageTs: '1700000000.000999' })).toBe('otherMessage');
    expect(clickPlace(req, { channelId: 'CPROD' })).toBe('otherMessage');
  });

  it('before the card’s ts is recorded, the channel alone decides', () => {
    expect(clickPlace({ channel: 'CPROD' }, { channelId: 'CPROD', messageTs: '1700000000.000999' })).toBe('ok');
    expect(clickPlace({ channel: 'CPROD' }, { channelId: 'COTHER', messageTs: '1700000000.000999' })).toBe('otherChannel');
  });
});
