/**
 * Korean particles after a value (src/i18n/catalog.ts particleAfter, format): a template writes both
 * forms (`{td}이(가)`), and the message says the one the value takes, where that can be told.
 */
import { format, particleAfter } from '../../src/i18n/catalog';

describe('particleAfter', () => {
  it.each([
    // Hangul: with a final consonant, without, and ㄹ for (으)로.
    ['서비스', '이(가)', '가'],
    ['작업', '이(가)', '이'],
    ['작업', '을(를)', '을'],
    ['배포', '을(를)', '를'],
    ['리전', '은(는)', '은'],
    ['스케일', '은(는)', '은'],
    ['이미지', '와(과)', '와'],
    ['작업', '와(과)', '과'],
    ['파일', '(으)로', '로'],
    ['작업', '(으)로', '으로'],
    ['배포', '(으)로', '로'],
    // Digits as they are read: 이 (2), 삼 (3), 일 (1: ㄹ), 십/백 (0).
    ['`web-prod:42`', '이(가)', '가'],
    ['`web-prod:43`', '이(가)', '이'],
    ['`web-prod:41`', '(으)로', '로'],
    ['`web-prod:43`', '(으)로', '으로'],
    ['`web-prod:40`', '을(를)', '을'],
    ['*12*', '은(는)', '는'],
    // A quoted word.
    ['“배포”', '은(는)', '는'],
  ])('%s + %s → %s', (value, written, said) => {
    expect(particleAfter(value, written)).toBe(said);
  });

  it('keeps both forms where the sound cannot be told (a Latin letter, nothing)', () => {
    expect(particleAfter('`web`', '이(가)')).toBe('이(가)');
    expect(particleAfter('sha256:abc', '을(를)')).toBe('을(를)');
    expect(particleAfter('', '은(는)')).toBe('은(는)');
    // What Slack draws in place of a token (a person's name, a channel's, a date, a link's label) is not its id.
    expect(particleAfter('<@U0DANA2>', '이(가)')).toBe('이(가)');
    expect(particleAfter('<#C0123>', '을(를)')).toBe('을(를)');
    expect(particleAfter('<!date^1796386151^{time}|2026-12-04 12:09 UTC>', '은(는)')).toBe('은(는)');
    expect(particleAfter('<https://example.com|요청>', '을(를)')).toBe('을(를)');
  });
});

describe('format in Korean', () => {
  it('says the particle the value takes, right after a placeholder', () => {
    expect(
      format('작업 정의 {td}이(가) 없습니다(서비스는 {now}을(를) 실행 중입니다).', { td: '`web-prod:999`', now: '`web-prod:42`' }, 'ko'),
    ).toBe('작업 정의 `web-prod:999`가 없습니다(서비스는 `web-prod:42`를 실행 중입니다).');
    expect(format('{a}(으)로 되돌립니다', { a: () => '`web-prod:41`' }, 'ko')).toBe('`web-prod:41`로 되돌립니다');
    expect(format('{c}이(가) 없습니다', { c: '`nosuch`' }, 'ko')).toBe('`nosuch`이(가) 없습니다');
    // The placeholder closed by a backtick or a star in the template itself.
    expect(format('`--at {at}`은(는) 읽을 수 있는 시각이 아닙니다.', { at: '25:00' }, 'ko')).toBe(
      '`--at 25:00`은 읽을 수 있는 시각이 아닙니다.',
    );
    expect(format('*{n}*이(가) 남았습니다', { n: 2 }, 'ko')).toBe('*2*가 남았습니다');
    expect(format('`{n}` {n|task|tasks}', { n: 1 }, 'en')).toBe('`1` task');
    // Not after a placeholder, or a placeholder not given: as written.
    expect(format('컨테이너이(가) {x}', {}, 'ko')).toBe('컨테이너이(가) {x}');
  });
});
