-- The whole schema as of the async store contract. Times are milliseconds since the epoch (bigint),
-- coordinates and measurements double precision, so that every value comes back exactly as written.

-- One counter for positions and refused sequence numbers alike: a room's checkpoint says up to which
-- arrival it is, whichever kind came last. CACHE 1 keeps numbers increasing across connections.
CREATE SEQUENCE arrivals AS bigint CACHE 1;

-- last_activity changes with nearly every batch: it is in no index, so the update stays a HOT update,
-- and the free space left in each page lets it be one.
CREATE TABLE events (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at bigint NOT NULL,
  status text NOT NULL,
  organiser_hash text NOT NULL DEFAULT '',
  view_code_hash text,
  quotas jsonb NOT NULL DEFAULT '{}',
  last_activity bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 70);
CREATE INDEX events_by_creation ON events (created_at, id);

CREATE TABLE runners (
  event text NOT NULL,
  id text NOT NULL,
  name text NOT NULL,
  color text NOT NULL,
  token_hash text NOT NULL,
  device_key_hash text,
  joined_at bigint NOT NULL,
  stopped boolean NOT NULL DEFAULT false,
  PRIMARY KEY (event, id)
);
CREATE INDEX runners_by_device_key ON runners (device_key_hash) WHERE device_key_hash IS NOT NULL;

-- The primary key keeps a fix once per (runner, seq); tracks are read in (t, seq) order page by page,
-- and rooms replay what arrived after their checkpoint.
CREATE TABLE positions (
  event text NOT NULL,
  runner text NOT NULL,
  seq bigint NOT NULL,
  lat double precision NOT NULL,
  lon double precision NOT NULL,
  t bigint NOT NULL,
  acc double precision NOT NULL,
  alt double precision,
  spd double precision,
  hdg double precision,
  bat double precision,
  arrival bigint NOT NULL DEFAULT nextval('arrivals'),
  PRIMARY KEY (event, runner, seq)
);
CREATE INDEX positions_by_time ON positions (event, runner, t, seq);
CREATE INDEX positions_by_arrival ON positions (event, arrival);

CREATE TABLE skipped_seqs (
  event text NOT NULL,
  runner text NOT NULL,
  seq bigint NOT NULL,
  arrival bigint NOT NULL DEFAULT nextval('arrivals'),
  PRIMARY KEY (event, runner, seq)
);
CREATE INDEX skipped_by_arrival ON skipped_seqs (event, arrival);

CREATE TABLE share_links (
  id text PRIMARY KEY,
  event text NOT NULL,
  token text NOT NULL UNIQUE,
  label text NOT NULL,
  -- The runners a link shows, as a JSON array; NULL for all of them.
  runners jsonb,
  created_at bigint NOT NULL,
  expires_at bigint,
  revoked_at bigint
);
CREATE INDEX share_links_by_event ON share_links (event, created_at, id);

-- Moods, cheers and samples are kept in the order they were written: `id` breaks ties in time, and the
-- primary key is the index every read of them walks (latest first for rooms, oldest first for pages).
CREATE TABLE moods (
  event text NOT NULL,
  runner text NOT NULL,
  t bigint NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  value integer NOT NULL,
  PRIMARY KEY (event, runner, t, id)
);

CREATE TABLE cheers (
  event text NOT NULL,
  runner text NOT NULL,
  t bigint NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  sender text NOT NULL,
  text text NOT NULL,
  PRIMARY KEY (event, runner, t, id)
);

CREATE TABLE samples (
  event text NOT NULL,
  t bigint NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  mean double precision,
  count integer NOT NULL,
  PRIMARY KEY (event, t, id)
);

CREATE TABLE checkpoints (
  event text NOT NULL,
  runner text NOT NULL,
  through bigint NOT NULL,
  state text NOT NULL,
  PRIMARY KEY (event, runner)
);
