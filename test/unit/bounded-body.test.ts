/**
 * The bounded read of a fetch answer (src/aws/bounded-body.ts): an image config's presigned download
 * and the Git host's API come from elsewhere and could be of any size.
 */
import { boundedText } from '../../src/aws/bounded-body';

const errors = { failed: (status: number) => new Error(`failed ${status}`), tooLarge: () => new Error('too large') };

/** A body that arrives in chunks with no Content-Length (chunked transfer). */
function streamed(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
}

it('reads a body within the bound', async () => {
  await expect(boundedText(new Response('{"ok":true}'), 100, errors)).resolves.toBe('{"ok":true}');
  await expect(boundedText(new Response(streamed(['ab', 'cd'])), 4, errors)).resolves.toBe('abcd');
});

it('refuses a body over the bound, by its Content-Length or as it arrives', async () => {
  await expect(boundedText(new Response('x'.repeat(10), { headers: { 'content-length': '10' } }), 5, errors)).rejects.toThrow('too large');
  await expect(boundedText(new Response(streamed(['abc', 'def'])), 5, errors)).rejects.toThrow('too large');
});

it('refuses an answer that is not a success, with its status', async () => {
  await expect(boundedText(new Response('nope', { status: 404 }), 100, errors)).rejects.toThrow('failed 404');
  await expect(boundedText(new Response(null, { status: 204 }), 100, errors)).rejects.toThrow('failed 204');
});
