-- Alarms from tracking apps (kept by id; acknowledging one writes it again) and the pictures apps send.
CREATE TABLE alerts (
  event text NOT NULL,
  id text NOT NULL,
  runner text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL,
  raised_at bigint NOT NULL,
  lat double precision,
  lon double precision,
  t bigint,
  acc double precision,
  source text NOT NULL,
  acked_at bigint,
  PRIMARY KEY (event, id)
);
CREATE INDEX alerts_by_time ON alerts (event, raised_at, id);

-- The picture is kept as base64 text: it goes in and out as such, and stays small (one per runner).
CREATE TABLE avatars (
  event text NOT NULL,
  runner text NOT NULL,
  name text,
  mime text NOT NULL,
  data text NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (event, runner)
);
