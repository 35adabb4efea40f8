import { WS_PATH } from '../lib/protocol';

/** The live endpoint on the host that served the page (wss:// when the page is https://). */
export function liveUrl(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${WS_PATH}`;
}
