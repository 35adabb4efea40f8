-- Start lists, timing mats and satellite trackers. A runner from the start list carries their entry and no
-- token until a phone claims it. Passings are kept once per point, chip and time, and numbered with the
-- arrivals of positions.
ALTER TABLE runners ADD COLUMN entry jsonb;
ALTER TABLE runners ALTER COLUMN token_hash DROP NOT NULL;

CREATE TABLE timing_points (
  event text NOT NULL,
  id text NOT NULL,
  name text NOT NULL,
  at double precision NOT NULL,
  key_hash text NOT NULL,
  time_zone text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (event, id)
);
CREATE UNIQUE INDEX timing_points_by_key ON timing_points (key_hash);

CREATE TABLE passings (
  event text NOT NULL,
  point text NOT NULL,
  chip text NOT NULL,
  t bigint NOT NULL,
  loop text,
  lap integer,
  battery double precision,
  rewind boolean NOT NULL DEFAULT false,
  received_at bigint NOT NULL,
  arrival bigint NOT NULL DEFAULT nextval('arrivals'),
  PRIMARY KEY (event, point, chip, t)
);
CREATE INDEX passings_by_arrival ON passings (event, arrival);

CREATE TABLE trackers (
  event text NOT NULL,
  id text NOT NULL,
  runner text NOT NULL,
  kind text NOT NULL,
  feed text NOT NULL,
  password text,
  added_at bigint NOT NULL,
  polled_at bigint,
  last_t bigint,
  error text,
  PRIMARY KEY (event, id)
);
