/**
 * Which push service addresses the server will send to. A subscription's endpoint comes from a browser,
 * so it is a URL anybody could type: without a rule the server would POST wherever it is told (to its own
 * network, say). Only the browsers' push services are allowed, over HTTPS, plus origins the operator
 * lists in PUSH_ENDPOINTS (a self-hosted push service, or a local one in tests).
 */

/** Hosts (and their subdomains) of the push services of Chrome, Firefox, Safari and Edge. */
export const KNOWN_PUSH_HOSTS = ['fcm.googleapis.com', 'updates.push.services.mozilla.com', 'push.apple.com', 'notify.windows.com'] as const;

export const MAX_ENDPOINT_LENGTH = 1024;

export type EndpointVerdict = { ok: true } | { ok: false; reason: string };

export function checkEndpoint(endpoint: string, extraOrigins: readonly string[]): EndpointVerdict {
  if (endpoint.length > MAX_ENDPOINT_LENGTH) return { ok: false, reason: `A push endpoint is at most ${MAX_ENDPOINT_LENGTH} characters.` };
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return { ok: false, reason: 'The push endpoint is not a URL.' };
  }
  if (url.username || url.password) return { ok: false, reason: 'A push endpoint carries no user name or password.' };
  if (extraOrigins.includes(url.origin)) return { ok: true };
  if (url.protocol !== 'https:') return { ok: false, reason: 'A push endpoint must be an https:// URL of a push service.' };
  const host = url.hostname.toLowerCase();
  if (KNOWN_PUSH_HOSTS.some((h) => host === h || host.endsWith(`.${h}`))) return { ok: true };
  return { ok: false, reason: `${url.host} is not a push service this server sends to (an operator may add it to PUSH_ENDPOINTS).` };
}
