-- Alarms from tracking apps (kept by id; acknowledging one writes it again) and the pictures apps send.
CREATE TABLE alerts (
  event TEXT NOT NULL,
  id TEXT NOT NULL,
  runner TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  raised_at INTEGER NOT NULL,
  lat REAL,
  lon REAL,
  t INTEGER,
  acc REAL,
  source TEXT NOT NULL,
  acked_at INTEGER,
  PRIMARY KEY (event, id)
) WITHOUT ROWID;
CREATE INDEX alerts_by_time ON alerts (event, raised_at, id);

CREATE TABLE avatars (
  event TEXT NOT NULL,
  runner TEXT NOT NULL,
  name TEXT,
  mime TEXT NOT NULL,
  data TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (event, runner)
);
