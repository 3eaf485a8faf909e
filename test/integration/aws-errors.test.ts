/**
 * Issue 9 §3/§4: what a person reads when AWS fails, with the bot's own clients (src/aws/clients.ts:
 * timeouts, budgets) and adapters against the loopback AWS endpoint, each failure produced for
 * real: a stalled call, a refused or cut connection, an endpoint that answers HTML or a bare 404
 * or lacks the operation, missing, expired or rejected credentials, access denied. Each gets its
 * own plain answer and hint; no SDK internals, parser messages or stack traces; AWS's own words
 * are escaped.
 */
import { createServer } from 'node:net';
import { startAwsEndpoint, type AwsEndpoint } from '../../src/loopback/aws/server';
import { AwsFault } from '../../src/loopback/aws/fault';
import { createAwsClients } from '../../src/aws/clients';
import { withBudget } from '../../src/aws/budget';
import { describeServices } from '../../src/aws/ecs';
import { listServiceDeployments } from '../../src/aws/ecs-write';
import { isUnavailableApi } from '../../src/aws/errors';
import { BotError } from '../../src/errors';

let aws: AwsEndpoint;
const saved = { ...process.env };

beforeAll(async () => {
  aws = await startAwsEndpoint();
  aws.handle('ecs', 'DescribeServices', () => ({ services: [], failures: [] }));
});
afterAll(() => aws.close());
beforeEach(() => {
  aws.reset();
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_ECS: aws.url,
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});
afterEach(() => {
  process.env = { ...saved };
});

/** The answer a person would get for DescribeServices failing this way. */
async function failure(
  run: () => Promise<unknown> = () => describeServices(createAwsClients().ecs('eu-west-1'), 'prod', ['web']),
): Promise<BotError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof BotError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

/** Nothing from the SDK's insides reaches the person. */
function expectClean(err: BotError): void {
  const shown = `${err.userMessage}\n${err.hint ?? ''}`;
  for (const bad of ['Deserialization', '$response', 'SyntaxError', 'Unexpected token', '@smithy', 'wrapper', 'hidden field', '    at '])
    expect(shown).not.toContain(bad);
}

it('a call that is accepted and never answered: "AWS did not answer within N s" once the budget runs out', async () => {
  aws.stallNext('ecs', '*', 10);
  const err = await failure(() => withBudget(1_500, () => describeServices(createAwsClients().ecs('eu-west-1'), 'prod', ['web'])));
  expect(err.code).toBe('AWS_TIMEOUT');
  expect(err.userMessage).toMatch(/^AWS did not answer within \d+ s while I tried to describe services in cluster prod\.$/);
  expect(err.hint).toContain('Nothing was changed');
  expectClean(err);
});

it('connection refused: nothing listens where the bot sends its calls', async () => {
  const closed = await new Promise<number>((res) => {
    const srv = createServer().listen(0, () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => res(p));
    });
  });
  process.env.AWS_ENDPOINT_URL_ECS = `http://127.0.0.1:${closed}`;
  const err = await failure();
  expect(err.code).toBe('AWS_UNREACHABLE');
  expect(err.userMessage).toBe(
    'AWS refused the connection while I tried to describe services in cluster prod: nothing answers at the AWS endpoint the bot uses.',
  );
  expect(err.hint).toContain('AWS_ENDPOINT_URL');
  expectClean(err);
});

it('connection reset: the connection was cut before AWS answered', async () => {
  aws.resetNext('ecs', '*', 3);
  const err = await failure();
  expect(err.code).toBe('AWS_UNREACHABLE');
  expect(err.userMessage).toBe('The connection to AWS was cut before AWS answered while I tried to describe services in cluster prod.');
  expectClean(err);
});

it.each([
  [
    'an HTML page with 200',
    { status: 200, body: '<html><body>Welcome to nginx</body></html>' },
    'with something that is not an AWS answer',
  ],
  ['an HTML error page (502)', { status: 502, body: '<html>Bad Gateway</html>' }, 'HTTP 502 with a page that is not an AWS answer'],
  ['a bare 404', { status: 404, body: 'Not Found', contentType: 'text/plain' }, 'HTTP 404 with a page that is not an AWS answer'],
])('%s: the endpoint does not support the operation', async (_name, raw, answered) => {
  aws.answerNext('ecs', '*', raw, 3);
  const err = await failure();
  expect(err.code).toBe('AWS_UNSUPPORTED');
  expect(err.userMessage).toBe(
    `The AWS endpoint does not support \`DescribeServices\` (it answered ${answered}), so I could not describe services in cluster prod.`,
  );
  expect(isUnavailableApi(err)).toBe(true);
  expectClean(err);
});

it('an operation the endpoint lacks (UnknownOperationException): unsupported, and callers may degrade', async () => {
  const err = await failure(() => listServiceDeployments(createAwsClients().ecs('eu-west-1'), 'prod', 'web-prod'));
  expect(err.code).toBe('AWS_UNSUPPORTED');
  expect(err.userMessage).toBe(
    'The AWS endpoint does not support `ListServiceDeployments` (it answered `UnknownOperationException`), so I could not list the deployment history of web-prod.',
  );
  expect(isUnavailableApi(err)).toBe(true);
});

it('no credentials at all', async () => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  const err = await failure();
  expect(err.code).toBe('AWS_CREDENTIALS');
  expect(err.userMessage).toBe('The bot has no AWS credentials, so I could not describe services in cluster prod.');
  expect(err.hint).toContain('AWS_PROFILE');
  expectClean(err);
});

it.each([
  ['expired', 'ExpiredTokenException', "The bot's AWS credentials have expired, so I could not describe services in cluster prod."],
  [
    'rejected',
    'UnrecognizedClientException',
    "AWS did not accept the bot's credentials (`UnrecognizedClientException`) while I tried to describe services in cluster prod.",
  ],
])('%s credentials', async (_name, code, message) => {
  aws.failNext('ecs', '*', new AwsFault(code, 'The security token included in the request is invalid.'));
  const err = await failure();
  expect(err.code).toBe('AWS_CREDENTIALS');
  expect(err.userMessage).toBe(message);
});

it('access denied names the permission the role needs', async () => {
  aws.failNext('ecs', '*', new AwsFault('AccessDeniedException', 'User: x is not authorized to perform: ecs:DescribeServices'));
  const err = await failure();
  expect(err.code).toBe('AWS_ACCESS_DENIED');
  expect(err.userMessage).toBe(
    "AWS denied access while I tried to describe services in cluster prod: the bot's role needs `ecs:DescribeServices`.",
  );
});

it("AWS's own words are shown escaped: a mention or a link in an error message neither pings nor links", async () => {
  aws.failNext('ecs', '*', new AwsFault('ValidationException', 'bad value <!channel> see <https://evil.example|docs>\nline two'));
  const err = await failure();
  expect(err.code).toBe('AWS');
  expect(err.userMessage).toBe(
    'AWS answered `ValidationException` while I tried to describe services in cluster prod: bad value &lt;!channel&gt; see &lt;https://evil.example|docs&gt; line two',
  );
  expect(err.userMessage).not.toContain('<!channel>');
});

it('an AWS server error says so plainly', async () => {
  aws.failNext('ecs', '*', new AwsFault('ServiceUnavailableException', 'down for maintenance <!here>', 503), 3);
  const err = await failure();
  expect(err.userMessage).toBe(
    'AWS had an internal error (`ServiceUnavailableException`) while I tried to describe services in cluster prod.',
  );
  expect(err.hint).toContain('Nothing was changed');
});
