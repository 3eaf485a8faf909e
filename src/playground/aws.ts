/**
 * The playground's AWS: either the demo world (./demo/seed.ts on the loopback AWS endpoint of
 * src/loopback/aws/, reached through the AWS SDK's own AWS_ENDPOINT_URL), or the real account the
 * SDK finds credentials for (read-only unless --allow-changes). The bot's AWS adapters are the
 * same in both.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AwsClients } from '../aws/clients';
import { BotError } from '../errors';
import { defineMessages, type Locale } from '../i18n';
import { startAwsEndpoint } from '../loopback/aws/server';
import { DemoAws } from './demo/seed';
import { DEMO_WORLD } from './demo/world';

const text = defineMessages('playground', {
  readOnly: {
    en: 'The playground is read-only against a real AWS account, so I did not send `{operation}`.',
    ko: '플레이그라운드는 실제 AWS 계정에 대해 읽기 전용이라 `{operation}` 요청을 보내지 않았습니다.',
  },
  readOnlyHint: {
    en: 'Restart it with `npm start -- --allow-changes` to make changes from the playground.',
    ko: '플레이그라운드에서 변경하려면 `npm start -- --allow-changes`로 다시 시작하세요.',
  },
});

export type AwsMode = 'demo' | 'real';

/** Where the SDK would find credentials: the environment, or the shared files of ~/.aws. */
export function awsCredentialsFound(env: NodeJS.ProcessEnv, home: string = env.HOME || homedir()): boolean {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE) return true;
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) return true;
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const config = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  return existsSync(credentials) || existsSync(config);
}

export interface AwsSide {
  mode: AwsMode;
  /** For the page and the start-up line. */
  label: string;
  /** Environment variables the bot's process must have (the SDK reads process.env). */
  env: Record<string, string>;
  /** The demo world (demo mode only): what the simulate menu acts on, and where ECS events come from. */
  demo?: DemoAws;
  stop(): Promise<void>;
}

export interface AwsSideOptions {
  /** How often the demo world moves on (a rollout starts or stops one task per service per step). Default 2000 ms. */
  stepMs?: number;
}

/** Calls the endpoint remembers (it records every call; the playground runs for hours). */
const KEEP_CALLS = 200;

export async function startAwsSide(mode: AwsMode, allowChanges: boolean, opts: AwsSideOptions = {}): Promise<AwsSide> {
  if (mode === 'real') {
    return {
      mode,
      label: allowChanges
        ? 'your AWS account (changes allowed: --allow-changes)'
        : 'your AWS account (read-only; --allow-changes to make changes)',
      env: {},
      stop: async () => undefined,
    };
  }
  const demo = new DemoAws(DEMO_WORLD);
  const endpoint = await startAwsEndpoint({
    onCall: () => {
      if (endpoint.calls.length > 2 * KEEP_CALLS) endpoint.calls.splice(0, endpoint.calls.length - KEEP_CALLS);
    },
  });
  endpoint.handleAll(demo.handlers());
  const timer = setInterval(() => demo.tick(), opts.stepMs ?? 2000);
  timer.unref();
  const region = DEMO_WORLD.clusters[0]!.region;
  return {
    mode,
    label: 'demo world (made-up clusters; nothing leaves this machine)',
    env: {
      AWS_ENDPOINT_URL: endpoint.url,
      AWS_ACCESS_KEY_ID: 'playground',
      AWS_SECRET_ACCESS_KEY: 'playground',
      AWS_REGION: region,
      // The demo world is the only AWS: never read ~/.aws for it.
      AWS_SDK_LOAD_CONFIG: '0',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    demo,
    async stop() {
      clearInterval(timer);
      await endpoint.close();
    },
  };
}

/** API calls that only read: the playground sends these to a real account without --allow-changes. */
export function isReadOnlyCall(commandName: string): boolean {
  const op = commandName.replace(/Command$/, '');
  // Logs Insights queries read: StartQuery / StopQuery change nothing in the account.
  return /^(Describe|List|Get|BatchGet|Filter|Search|Lookup)/.test(op) || op === 'StartQuery' || op === 'StopQuery';
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      mw: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
      opts: { step: 'initialize'; name: string },
    ): void;
  };
}

/** AWS clients that refuse every call that would change something, with an answer a person can act on (in the workspace's language). */
export function readOnlyAwsClients(inner: AwsClients, locale: Locale = 'en'): AwsClients {
  const t = text.in(locale);
  const guarded = new WeakSet<object>();
  const guard = <T>(client: T): T => {
    const c = client as unknown as MiddlewareClient & object;
    if (!guarded.has(c)) {
      guarded.add(c);
      c.middlewareStack.add(
        (next, context) => async (args) => {
          const name = context.commandName ?? 'UnknownCommand';
          if (!isReadOnlyCall(name)) {
            const op = name.replace(/Command$/, '');
            throw new BotError('REFUSED', `playground read-only: ${op} not sent`, {
              userMessage: t('readOnly', { operation: op }),
              hint: t('readOnlyHint'),
            });
          }
          return next(args);
        },
        { step: 'initialize', name: 'playgroundReadOnly' },
      );
    }
    return client;
  };
  return {
    ecs: (r, a) => guard(inner.ecs(r, a)),
    ecr: (r, a) => guard(inner.ecr(r, a)),
    logs: (r, a) => guard(inner.logs(r, a)),
    cloudwatch: (r, a) => guard(inner.cloudwatch(r, a)),
    costExplorer: (a) => guard(inner.costExplorer(a)),
    autoScaling: (r, a) => guard(inner.autoScaling(r, a)),
  };
}
