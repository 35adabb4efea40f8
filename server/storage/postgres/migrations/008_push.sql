-- Web Push: who asked to be told about a runner (or, with runner '', the organiser about every SOS), the
-- push service's address and the browser's keys, and what gave them access (checked again at every push);
-- and the cluster's one VAPID key pair, made by whichever instance starts first.
CREATE TABLE push_subscriptions (
  id text PRIMARY KEY,
  event text NOT NULL,
  runner text NOT NULL,
  endpoint text NOT NULL,
  p256dh text NOT NULL,
  auth text NOT NULL,
  via text NOT NULL,
  grant_hash text,
  page text NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX push_subscriptions_by_runner ON push_subscriptions (event, runner);
CREATE INDEX push_subscriptions_by_endpoint ON push_subscriptions (endpoint);

CREATE TABLE push_keys (
  id integer PRIMARY KEY CHECK (id = 1),
  public_key text NOT NULL,
  private_key text NOT NULL,
  created_at bigint NOT NULL
);
