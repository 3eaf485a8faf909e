/**
 * A REDIS_URL as text: its password (registered as a secret by src/handlers/compose.ts) and a
 * description that never shows the user or password, for configuration errors (./client.ts,
 * ./cluster.ts).
 */

/** The scheme and what follows the last '@' (the host, usually), never the user or password. */
export function describeRedisUrl(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1] ?? '?';
  const at = url.lastIndexOf('@');
  return at < 0 ? `${scheme}://…` : `${scheme}://…@${url.slice(at + 1).replace(/[/?#].*$/, '')}`;
}

/**
 * The password in a Redis URL, decoded (undefined when there is none or the URL does not parse).
 * A cluster's comma-separated seed list shares one user: the first password given.
 */
export function redisPassword(url: string): string | undefined {
  for (const candidate of [url, ...url.split(',')]) {
    try {
      const password = decodeURIComponent(new URL(candidate.trim()).password);
      if (password) return password;
    } catch {
      // not a URL (or not this part of a seed list): try the next
    }
  }
  return undefined;
}
