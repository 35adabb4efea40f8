/** One message of a satellite tracker's feed, whichever service it came from. */
export interface FeedMessage {
  /** ms since the epoch. */
  t: number;
  lat: number;
  lon: number;
  /** Metres, m/s, degrees; null when the feed does not say. */
  alt: number | null;
  spd: number | null;
  hdg: number | null;
  /** The device had a GPS fix for this message. */
  valid: boolean;
  /** The device is in emergency (SOS) mode, or sent a help message. */
  emergency: boolean;
  /** The device it came from (an inReach's IMEI, a SPOT's messenger id), when the feed says. */
  device: string | null;
  text: string | null;
}
