/**
 * The body of a fetch answer as text, never more than `maxBytes`: the Content-Length is checked
 * first, then what arrives, and past the bound the stream is cancelled. Used by the worker's plain
 * HTTPS reads (an image config's presigned download, src/aws/ecr.ts; the Git host's API,
 * src/deploy/git-api.ts), whose answers come from elsewhere and could be of any size; and the one rule
 * of where such a read may go (httpsOrLoopback).
 */
export async function boundedText(
  res: Response,
  maxBytes: number,
  errors: { failed: (status: number) => Error; tooLarge: () => Error },
): Promise<string> {
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw errors.failed(res.status);
  }
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body.cancel().catch(() => undefined);
    throw errors.tooLarge();
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw errors.tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether a URL may be fetched: https, or plain http on the loopback only (the local stand-ins of tests and the playground). */
export function httpsOrLoopback(u: URL): boolean {
  return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname));
}
