/**
 * A self-signed certificate for the TLS tests and the bench (bench/fixtures/world.ts re-exports it), made with openssl in `dir`: `cert.pem` (which is also
 * the CA to trust) and `key.pem`, valid one day for CN=localhost with the given subjectAltName.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export function selfSignedCert(dir: string, subjectAltName: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    `subjectAltName=${subjectAltName}`,
  ]);
  if (made.status !== 0) throw new Error(`openssl could not make a self-signed certificate (apt-get install openssl): ${made.stderr}`);
  return { cert, key };
}
