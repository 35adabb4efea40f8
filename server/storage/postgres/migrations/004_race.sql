-- The race: start time, unit and course summary on the event, bibs on runners, the course line apart
-- (it can be large, and only a loaded room needs it; null once removed).
ALTER TABLE events ADD COLUMN race jsonb;
ALTER TABLE runners ADD COLUMN bib text;
CREATE TABLE courses (
  event text PRIMARY KEY,
  course jsonb,
  updated_at bigint NOT NULL
);
