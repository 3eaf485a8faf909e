/** What a PNG says about itself: the 8-byte signature, then the IHDR chunk's width and height (PNG spec §5.2, §11.2.2). */
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const b = Buffer.from(bytes);
  if (b.length < 33 || !SIGNATURE.every((v, i) => b[i] === v)) throw new Error('not a PNG: bad signature');
  if (b.readUInt32BE(8) !== 13 || b.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG: the first chunk is not IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}
