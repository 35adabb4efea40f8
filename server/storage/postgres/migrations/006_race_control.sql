-- What the race director decides and writes down while the race runs, kept per event by kind and id: a
-- runner's verdict (DNF, DSQ, DNS), an acknowledgement or note on a watchlist item, a message to runners,
-- who has seen it, the console's thresholds. The body is JSON the room reads (kept as text, opaque to the
-- store); `runner` names the runner a record is about, so that removing the runner removes it too.
CREATE TABLE controls (
  event text NOT NULL,
  kind text NOT NULL,
  id text NOT NULL,
  runner text,
  body text NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (event, kind, id)
);
CREATE INDEX controls_by_runner ON controls (event, runner);
