-- Rooms are loaded lazily from a checkpoint plus what arrived after it; tracks are read in time order,
-- page by page; tracking apps are found by their key's hash without loading every runner.
ALTER TABLE positions ADD COLUMN arrival INTEGER NOT NULL DEFAULT 0;
ALTER TABLE skipped_seqs ADD COLUMN arrival INTEGER NOT NULL DEFAULT 0;
CREATE INDEX positions_by_arrival ON positions (event, arrival);
CREATE INDEX positions_by_time ON positions (event, runner, t, seq);
CREATE INDEX skipped_by_arrival ON skipped_seqs (event, arrival);
CREATE INDEX runners_by_device_key ON runners (device_key_hash) WHERE device_key_hash IS NOT NULL;

CREATE TABLE checkpoints (
  event TEXT NOT NULL,
  runner TEXT NOT NULL,
  through INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (event, runner)
) WITHOUT ROWID;

-- Per-event limits as JSON; NULL means the defaults.
ALTER TABLE events ADD COLUMN quotas TEXT;
-- Latest fix, mood or cheer time, kept with each write so retention and archiving need no scan.
ALTER TABLE events ADD COLUMN last_activity INTEGER NOT NULL DEFAULT 0;
UPDATE events SET last_activity = max(
  coalesce((SELECT max(t) FROM positions p WHERE p.event = events.id), 0),
  coalesce((SELECT max(t) FROM moods m WHERE m.event = events.id), 0),
  coalesce((SELECT max(t) FROM cheers c WHERE c.event = events.id), 0)
);
