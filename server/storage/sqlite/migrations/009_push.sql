-- Web Push: who asked to be told about a runner (or, with runner '', the organiser about every SOS), the
-- push service's address and the browser's keys, and what gave them access (checked again at every push);
-- and the server's VAPID key pair, made once and kept here so that subscriptions outlive a restart.
CREATE TABLE push_subscriptions (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  runner TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  via TEXT NOT NULL,
  grant_hash TEXT,
  page TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX push_subscriptions_by_runner ON push_subscriptions (event, runner);
CREATE INDEX push_subscriptions_by_endpoint ON push_subscriptions (endpoint);

CREATE TABLE push_keys (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  public_key TEXT NOT NULL,
  private_key TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
