/**
 * Korean particles after a value (src/i18n/catalog.ts particleAfter, format): a template writes both
 * forms (`{td}이(가)`), and the message says the one the value takes, where that can be told.
 */
import { catalogParts, format, particleAfter, type ParamValue } from '../../src/i18n/catalog';
import { explainFailure } from '../../src/aws/task-stop-explain';
import { lateStartReason } from '../../src/approvals/start-refused';
// Modules whose catalog parts the tests below render.
import '../../src/alerts/buttons';
import '../../src/deploy/tracker';
import '../../src/commands/rollback-note.run';
import '../../src/deploy/traffic-text';
import '../../src/deploy/render';
import '../../src/deploy/taskdef';
import '../../src/approvals/codes';
import '../../src/approvals/gates-text';
import '../../src/commands/promote';
import '../../src/commands/promote.run';
import '../../src/commands/change-gates';
import '../../src/deploy/planner';

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

/** A catalog part's Korean translator, by the part's name (the module that defines it is imported above). */
function korean(part: string): (key: string, params?: Record<string, ParamValue>) => string {
  const found = catalogParts().find((p) => p.name === part);
  if (!found) throw new Error(`no catalog part ${part}`);
  return found.in('ko') as unknown as (key: string, params?: Record<string, ParamValue>) => string;
}

describe('messages that wrote a fixed particle after a value read right whatever the value', () => {
  it('a container that exited: the particle follows 컨테이너, not the name (was "컨테이너 web는")', () => {
    const f = { kind: 'exit' as const, reasonKey: 'exit code 143', reasonLabel: 'exit code 143', container: 'web', exitCode: 143 };
    expect(explainFailure(f, 'ko')).toBe(
      '필수 web 컨테이너가 종료 코드 143으로 종료되어 ECS가 작업을 중지했습니다. 종료 코드의 뜻: 프로세스가 종료됨 (SIGTERM). 대개 마지막 로그에 이유가 있습니다.',
    );
    expect(explainFailure({ ...f, container: '웹', exitCode: 3 }, 'ko')).toBe(
      '필수 웹 컨테이너가 종료 코드 3으로 종료되어 ECS가 작업을 중지했습니다. 대개 마지막 로그에 이유가 있습니다.',
    );
    expect(explainFailure({ ...f, container: undefined, exitCode: 3 }, 'ko')).toMatch(/^필수 컨테이너가 종료 코드 3으로 종료되어 /);
  });

  it('a slash command or a name is followed by a noun, and the noun takes the particle', () => {
    const buttons = korean('alerts.buttons');
    expect(buttons('notReader', { env: '`prod`' })).toBe('`prod` 환경을 조회할 권한이 없어 이 로그를 보여 드릴 수 없습니다.');
    expect(buttons('notReader', { env: '`운영`' })).toBe('`운영` 환경을 조회할 권한이 없어 이 로그를 보여 드릴 수 없습니다.');
    expect(korean('deploy.tracker')('gaveUp', { duration: '2시간', service: 'web' })).toBe(
      '2시간 동안 끝나지 않아 추적을 멈추고 서비스의 변경 잠금을 풀었습니다. `/ecs status web` 명령으로 확인하세요.',
    );
    const note = korean('commands.rollback-note')('other', {
      user: '<@U1>',
      service: '`web`',
      to: '`web-prod:41`',
      request: '요청 r1',
      channel: '<#C1>',
    });
    expect(note).toBe('↩️ <@U1> 님이 `web` 서비스를 `web-prod:41`로 롤백해 달라고 요청했습니다: <#C1>의 요청 r1.');
    expect(korean('deploy.traffic')('notRollbacker', { env: 'prod', who: '<!subteam^S1>' })).toBe(
      ':no_entry: 여기서 `prod` 배포를 롤백하려면 요청자, 승인자 또는 다음 권한이 필요합니다: <!subteam^S1>. ECS에 아무것도 보내지 않았습니다.',
    );
  });

  it('a value that ends in Hangul or a digit gets the particle format() picks', () => {
    expect(lateStartReason(30_000, 'ko')).toMatch(/^시작하지 않음: 작업이 승인 후 30초가 지나 승인이 /);
    expect(lateStartReason(3_600_000, 'ko')).toMatch(/^시작하지 않음: 작업이 승인 후 1시간이 지나 승인이 /);
    const render = korean('deploy.render');
    expect(render('detailRestart', { td: '`web-prod:42`', n: 3 })).toBe(
      '• 같은 작업 정의 `web-prod:42`로 새 배포: 작업 3개 모두 롤링 교체',
    );
    expect(render('detailRestart', { td: '`web-prod:43`', n: 3 })).toBe(
      '• 같은 작업 정의 `web-prod:43`으로 새 배포: 작업 3개 모두 롤링 교체',
    );
    const roleChange = korean('deploy.taskdef');
    expect(roleChange('roleChange', { which: '작업 역할', from: '`a`', to: '`b`' })).toMatch(/^작업 역할이 바뀝니다 \(`a` → `b`\)\./);
    expect(roleChange('roleChange', { which: 'role', from: '`a`', to: '`b`' })).toMatch(/^role이\(가\) 바뀝니다 /);
  });

  it('an optional aside after a word is moved off the particle (the particle went by the aside)', () => {
    const codes = korean('approvals.codes');
    expect(codes('changeLock', { target: '`web`', request: ' (요청 `r1`)' })).toBe(
      '`web` 서비스는 수동 잠금이 아니라 실행 중인 변경이 잡고 있습니다 (요청 `r1`). 변경이 끝나면 풀립니다.',
    );
    expect(codes('changeLock', { target: '`web`', request: '' })).toBe(
      '`web` 서비스는 수동 잠금이 아니라 실행 중인 변경이 잡고 있습니다. 변경이 끝나면 풀립니다.',
    );
    const params = { user: '<@U1>', channel: 'C1', what: '`web`', reason: '점검' };
    expect(korean('approvals.gates')('dmTakenOver', { ...params, prevReason: ' (“배포 보류”)' })).toContain(
      '회원님의 잠금은 해제되었습니다 (“배포 보류”). 다시',
    );
    expect(korean('approvals.gates')('dmTakenOver', { ...params, prevReason: '' })).toContain('회원님의 잠금은 해제되었습니다. 다시');
  });
});

describe('no particle in both forms after a value that ends in Latin or code (the playground showed them as written)', () => {
  const BOTH = /\uC774\(\uAC00\)|\uC744\(\uB97C\)|\uC740\(\uB294\)|\uC640\(\uACFC\)|\(\uC73C\)\uB85C/;
  it.each([
    ['commands.promote', 'ack', { from: 'staging', env: 'prod', service: '`web`', what: '승격할 준비 중' }],
    ['commands.promote', 'sameEnv', { service: '`web`', env: 'prod' }],
    ['commands.promote', 'unknownEnv', { from: 'qa', list: '`prod`' }],
    ['commands.promote', 'didYouMean', { near: '`staging`' }],
    [
      'commands.promote.run',
      'notThere',
      { from: 'staging', digest: '`sha256:3ec5`', env: 'prod', region: 'eu-west-1', repository: 'shop/web' },
    ],
    ['commands.promote.run', 'noUpstream', { service: '`web`', from: 'staging', repository: 'shop/web' }],
    ['commands.gates', 'scheduledAt', { at: '2026-12-05 04:06', asked: '`--at +1m`' }],
    [
      'commands.gates',
      'requestedScheduled',
      { service: '`web`', verb: '스케일', id: '`prod.web.mx9vobhi5sjw`', channel: 'C1', approvals: '', at: 'x' },
    ],
    ['commands.gates', 'atPast', { at: '`--at 02:00`' }],
    ['commands.gates', 'atTooFar', { at: '`--at +999h`', max: '14일' }],
    ['deploy-resize', 'same', { alias: '`web`', size: '`0.5 vCPU / 1 GB`' }],
  ])('%s %s', (part, key, params) => {
    const said = korean(part)(key, params as Record<string, ParamValue>);
    expect(said).not.toMatch(BOTH);
    expect(said).not.toMatch(/\{[a-z]+\}/i);
  });
});
