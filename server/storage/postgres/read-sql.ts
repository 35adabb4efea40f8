/** The statements the PostgreSQL store reads with (the writes are planned in write-plan.ts). */
import type { Entry } from '../../../lib/entries/entry';

export const POSITION_COLUMNS = 'seq, lat, lon, t, acc, alt, spd, hdg, bat';
export const ALERT_COLUMNS = 'id, runner, name, kind, raised_at, lat, lon, t, acc, source, acked_at';



// Everything a room comes back from, in one statement: one round trip and one snapshot, so the runners,
// their checkpoints and maxArrival agree with each other. The latest mood and cheers of each runner are
// a LIMIT per runner down the (event, runner, t, id) key, which reads only the rows kept, where a window
// over the event would read every mood and cheer it ever had.
export const LOAD_ROOM = `
SELECT e.*,
  (SELECT coalesce(json_agg(json_build_array(r.id, r.name, r.color, r.token_hash, r.device_key_hash, r.joined_at, r.stopped,
            m.value, m.t, k.through, k.state, ch.list, av.updated_at, r.bib, r.entry) ORDER BY r.joined_at, r.id), '[]')
     FROM runners r
     LEFT JOIN LATERAL (SELECT value, t FROM moods WHERE event = r.event AND runner = r.id ORDER BY t DESC, id DESC LIMIT 1) m ON true
     LEFT JOIN checkpoints k ON k.event = r.event AND k.runner = r.id
     LEFT JOIN avatars av ON av.event = r.event AND av.runner = r.id
     LEFT JOIN LATERAL (SELECT json_agg(json_build_array(c.sender, c.text, c.t) ORDER BY c.t, c.id) AS list
       FROM (SELECT sender, text, t, id FROM cheers WHERE event = r.event AND runner = r.id ORDER BY t DESC, id DESC LIMIT $2) c) ch ON true
     WHERE r.event = e.id) AS room_runners,
  (SELECT coalesce(json_agg(json_build_array(s.t, s.mean, s.count) ORDER BY s.t, s.id), '[]')
     FROM (SELECT t, mean, count, id FROM samples WHERE event = e.id ORDER BY t DESC, id DESC LIMIT $3) s) AS room_samples,
  (SELECT coalesce(json_agg(l.* ORDER BY l.created_at, l.id), '[]') FROM share_links l WHERE l.event = e.id) AS room_links,
  (SELECT coalesce(json_agg(json_build_object(${ALERT_COLUMNS.split(', ').map((c) => `'${c}', a.${c}`).join(', ')}) ORDER BY a.raised_at, a.id), '[]')
     FROM alerts a WHERE a.event = e.id AND a.acked_at IS NULL) AS room_alerts,
  (SELECT course FROM courses WHERE event = e.id) AS room_course,
  (SELECT coalesce(json_agg(p.* ORDER BY p.at, p.created_at, p.id), '[]') FROM timing_points p WHERE p.event = e.id) AS room_timing_points,
  (SELECT coalesce(json_agg(k.* ORDER BY k.added_at, k.id), '[]') FROM trackers k WHERE k.event = e.id) AS room_trackers,
  (SELECT coalesce(json_agg(o.* ORDER BY o.updated_at, o.kind, o.id), '[]') FROM controls o WHERE o.event = e.id) AS room_controls,
  greatest(coalesce((SELECT max(arrival) FROM positions WHERE event = e.id), 0),
           coalesce((SELECT max(arrival) FROM skipped_seqs WHERE event = e.id), 0)) AS max_arrival
FROM events e WHERE e.id = $1`;

/** One runner of LOAD_ROOM's room_runners, as a JSON array. */
export type RoomRunnerJson = [
  id: string,
  name: string,
  color: string,
  tokenHash: string,
  deviceKeyHash: string | null,
  joinedAt: number,
  stopped: boolean,
  mood: number | null,
  moodAt: number | null,
  through: number | null,
  state: string | null,
  cheers: Array<[from: string, text: string, t: number]> | null,
  avatarAt: number | null,
  bib: string | null,
  entry: Entry | null,
];

// Both halves walk an (event, arrival) index and are merged in arrival order.
export const REPLAY = `
(SELECT 'position' AS kind, arrival, runner, ${POSITION_COLUMNS} FROM positions WHERE event = $1 AND arrival > $2 ORDER BY arrival LIMIT $3)
UNION ALL
(SELECT 'skip', arrival, runner, seq, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM skipped_seqs
   WHERE event = $1 AND arrival > $2 ORDER BY arrival LIMIT $3)
ORDER BY arrival LIMIT $3`;

export const TRACK_FROM_START = `SELECT ${POSITION_COLUMNS} FROM positions
  WHERE event = $1 AND runner = $2 AND t >= $3 AND t <= $4 ORDER BY t, seq LIMIT $5`;
export const TRACK_AFTER = `SELECT ${POSITION_COLUMNS} FROM positions
  WHERE event = $1 AND runner = $2 AND (t, seq) > ($6::bigint, $7::bigint) AND t >= $3 AND t <= $4 ORDER BY t, seq LIMIT $5`;
