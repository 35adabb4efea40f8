-- Start lists, timing mats and satellite trackers. A runner from the start list carries their entry (JSON)
-- and no token until a phone claims it; SQLite cannot drop NOT NULL in place, so an empty token_hash means
-- none. Passings are kept once per point, chip and time, and numbered with the arrivals of positions.
ALTER TABLE runners ADD COLUMN entry TEXT;

CREATE TABLE timing_points (
  event TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  at REAL NOT NULL,
  key_hash TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (event, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX timing_points_by_key ON timing_points (key_hash);

CREATE TABLE passings (
  event TEXT NOT NULL,
  point TEXT NOT NULL,
  chip TEXT NOT NULL,
  t INTEGER NOT NULL,
  loop TEXT,
  lap INTEGER,
  battery REAL,
  rewind INTEGER NOT NULL DEFAULT 0,
  received_at INTEGER NOT NULL,
  arrival INTEGER NOT NULL,
  PRIMARY KEY (event, point, chip, t)
) WITHOUT ROWID;
CREATE INDEX passings_by_arrival ON passings (event, arrival);

CREATE TABLE trackers (
  event TEXT NOT NULL,
  id TEXT NOT NULL,
  runner TEXT NOT NULL,
  kind TEXT NOT NULL,
  feed TEXT NOT NULL,
  password TEXT,
  added_at INTEGER NOT NULL,
  polled_at INTEGER,
  last_t INTEGER,
  error TEXT,
  PRIMARY KEY (event, id)
) WITHOUT ROWID;
