/**
 * The organiser token on this device. It arrives in the organiser link's #fragment (never sent to the server's
 * logs) and is kept in this browser; the address bar loses it so it is not left in the history or on screen.
 */

const tokenKey = (eventId: string) => `trackside:${eventId}:organiser`;
/** Set by the landing page for the event it just created: the organiser link is shown once, big. */
const createdKey = (eventId: string) => `trackside:${eventId}:created`;

/** The token from the link this page was opened with (kept from now on), else the one kept before. */
export function takeToken(eventId: string): { token: string | null; fresh: boolean } {
  const fromLink = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromLink) {
    keepToken(eventId, fromLink);
    history.replaceState(null, '', window.location.pathname);
    return { token: fromLink, fresh: sessionStorage.getItem(createdKey(eventId)) === '1' };
  }
  return { token: localStorage.getItem(tokenKey(eventId)), fresh: false };
}

export function keepToken(eventId: string, token: string): void {
  localStorage.setItem(tokenKey(eventId), token);
}

/** This device just created the event: its organiser page shows the link once, big. */
export function markCreated(eventId: string): void {
  sessionStorage.setItem(createdKey(eventId), '1');
}

/** The organiser said they kept the link. */
export function forgetCreated(eventId: string): void {
  sessionStorage.removeItem(createdKey(eventId));
}

/** The token in a pasted organiser link (or a bare token). */
export function tokenFromLink(text: string): string | null {
  const t = text.trim();
  const m = /[#&?]token=([A-Za-z0-9_-]+)/.exec(t);
  const token = m ? m[1]! : t;
  return /^[A-Za-z0-9_-]{16,128}$/.test(token) ? token : null;
}
