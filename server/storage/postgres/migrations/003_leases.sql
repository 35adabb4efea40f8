-- Leases of the instances sharing this database: who owns each event (and who runs each job) until when.
-- `epoch` rises every time a key changes hands; it is the fencing token a write batch is checked against.
-- Times are the database server's own clock, the one clock every instance shares.
CREATE TABLE leases (
  key text PRIMARY KEY,
  holder text NOT NULL,
  epoch bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
