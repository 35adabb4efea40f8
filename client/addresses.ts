/** Which addresses of this server other devices can open. */

/** True for addresses only this device can reach: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * The origin to put in links and QR codes meant for another device. A page opened on loopback is
 * no use to a phone, so the first address the server is reachable at from the network is used instead,
 * when there is one.
 */
export function shareableOrigin(pageOrigin: string, reachable: readonly string[]): { origin: string; loopback: boolean; others: string[] } {
  const page = new URL(pageOrigin);
  const loopback = isLoopbackHost(page.hostname);
  const others = reachable.filter((u) => {
    try {
      return !isLoopbackHost(new URL(u).hostname);
    } catch {
      return false;
    }
  });
  return { origin: loopback && others[0] ? new URL(others[0]).origin : page.origin, loopback, others };
}
