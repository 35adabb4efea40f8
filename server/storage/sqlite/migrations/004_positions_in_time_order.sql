-- Positions are read in time order (rooms coming back, track pages, exports, GPX): keep them in that order
-- on disk, so such a read is one sequential scan instead of a look-up per fix. Sequence numbers stay unique
-- per runner through their own index. The next arrival number is kept apart, so start-up needs no scan.
CREATE TABLE positions_in_time_order (
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
  arrival INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (event, runner, t, seq)
) WITHOUT ROWID;
INSERT INTO positions_in_time_order (event, runner, seq, lat, lon, t, acc, alt, spd, hdg, bat, arrival)
  SELECT event, runner, seq, lat, lon, t, acc, alt, spd, hdg, bat, arrival FROM positions;
DROP TABLE positions;
ALTER TABLE positions_in_time_order RENAME TO positions;
CREATE UNIQUE INDEX positions_by_seq ON positions (event, runner, seq);
CREATE INDEX positions_by_arrival ON positions (event, arrival);

CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('arrival', max(
  coalesce((SELECT max(arrival) FROM positions), 0),
  coalesce((SELECT max(arrival) FROM skipped_seqs), 0)
));
