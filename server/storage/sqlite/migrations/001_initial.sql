-- The first schema. Databases made before schema versions were recorded have exactly these tables.
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  organiser_hash TEXT NOT NULL DEFAULT '',
  view_code_hash TEXT
);
CREATE TABLE IF NOT EXISTS runners (
  event TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  color TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  device_key_hash TEXT,
  joined_at INTEGER NOT NULL,
  stopped INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (event, id)
);
CREATE TABLE IF NOT EXISTS positions (
  event TEXT NOT NULL,
  runner TEXT NOT NULL,
  seq INTEGER NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  t INTEGER NOT NULL,
  acc REAL NOT NULL,
  alt REAL,
  spd REAL,
  hdg REAL,
  bat REAL,
  PRIMARY KEY (event, runner, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS skipped_seqs (
  event TEXT NOT NULL,
  runner TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (event, runner, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS share_links (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  token TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL,
  runners TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS moods (
  event TEXT NOT NULL,
  runner TEXT NOT NULL,
  value INTEGER NOT NULL,
  t INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS moods_by_runner ON moods (event, runner, t);
CREATE TABLE IF NOT EXISTS samples (
  event TEXT NOT NULL,
  t INTEGER NOT NULL,
  mean REAL,
  count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_by_event ON samples (event, t);
CREATE TABLE IF NOT EXISTS cheers (
  event TEXT NOT NULL,
  runner TEXT NOT NULL,
  sender TEXT NOT NULL,
  text TEXT NOT NULL,
  t INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cheers_by_runner ON cheers (event, runner, t);
