-- What the race director decides and writes down while the race runs, kept per event by kind and id: a
-- runner's verdict (DNF, DSQ, DNS), an acknowledgement or note on a watchlist item, a message to runners,
-- who has seen it, the console's thresholds. The body is JSON the room reads (opaque to the store); `runner`
-- names the runner a record is about, so that removing the runner removes it too.
CREATE TABLE controls (
  event TEXT NOT NULL,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  runner TEXT,
  body TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (event, kind, id)
) WITHOUT ROWID;
CREATE INDEX controls_by_runner ON controls (event, runner);
