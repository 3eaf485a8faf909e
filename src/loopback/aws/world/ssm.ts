/**
 * SSM Parameter Store of the fake world: String and SecureString parameters, GetParameters and
 * GetParameter as SSM answers them (names SSM does not have in InvalidParameters; a SecureString
 * without WithDecryption comes back encrypted). Each SecureString has a KMS key: `alias/aws/ssm`
 * (the AWS managed key, SSM's default) or a key ARN of your own, which the loopback IAM asks
 * kms:Decrypt for (src/loopback/aws/iam.ts, through `keyOf`).
 */
import { AwsFault } from '../fault';
import type { AwsHandler } from '../server';
import { context, type WorldContext, type WorldOptions } from './common';

export interface ParameterSeed {
  type?: 'String' | 'SecureString';
  /** KMS key of a SecureString: a key ARN, or alias/aws/ssm (default). */
  keyId?: string;
}

interface Parameter {
  name: string;
  value: string;
  type: 'String' | 'SecureString';
  keyId: string;
  version: number;
  modified: Date;
}

export const AWS_MANAGED_SSM_KEY = 'alias/aws/ssm';

export class SsmWorld {
  private readonly ctx: WorldContext;
  private readonly params = new Map<string, Parameter>();

  constructor(o: WorldOptions) {
    this.ctx = context(o);
  }

  /** Creates or overwrites a parameter (a new version). */
  put(name: string, value: string, seed: ParameterSeed = {}): void {
    const prev = this.params.get(name);
    this.params.set(name, {
      name,
      value,
      type: seed.type ?? 'SecureString',
      keyId: seed.keyId ?? prev?.keyId ?? AWS_MANAGED_SSM_KEY,
      version: (prev?.version ?? 0) + 1,
      modified: new Date(this.ctx.now()),
    });
  }

  /** A parameter's value (decrypted), or undefined. */
  value(name: string): string | undefined {
    return this.params.get(name)?.value;
  }

  delete(name: string): void {
    this.params.delete(name);
  }

  /** The KMS key a SecureString is encrypted with (undefined for a String or an unknown name). */
  keyOf(name: string): string | undefined {
    const p = this.params.get(name);
    return p?.type === 'SecureString' ? p.keyId : undefined;
  }

  arnOf(name: string): string {
    return `arn:aws:ssm:${this.ctx.region}:${this.ctx.account}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
  }

  private output(p: Parameter, decrypt: boolean) {
    const encrypted = p.type === 'SecureString' && !decrypt;
    return {
      Name: p.name,
      Type: p.type,
      Value: encrypted ? Buffer.from(`kms:${p.keyId}:${p.version}`).toString('base64') : p.value,
      Version: p.version,
      LastModifiedDate: p.modified,
      ARN: this.arnOf(p.name),
      DataType: 'text',
    };
  }

  handlers(): Record<string, AwsHandler> {
    return {
      GetParameters: (call) => {
        const names = (call.input.Names ?? []) as string[];
        if (!names.length || names.length > 10)
          throw new AwsFault(
            'ValidationException',
            `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`,
          );
        const decrypt = call.input.WithDecryption === true;
        const found = names.map((n) => this.params.get(n)).filter((p): p is Parameter => !!p);
        return {
          Parameters: found.map((p) => this.output(p, decrypt)),
          InvalidParameters: names.filter((n) => !this.params.has(n)),
        };
      },
      GetParameter: (call) => {
        const p = this.params.get(String(call.input.Name ?? ''));
        if (!p) throw new AwsFault('ParameterNotFound', '');
        return { Parameter: this.output(p, call.input.WithDecryption === true) };
      },
    };
  }
}
