-- The race: start time, unit and course summary on the event, bibs on runners, the course line apart
-- (it can be large, and only a loaded room needs it).
ALTER TABLE events ADD COLUMN race TEXT;
ALTER TABLE runners ADD COLUMN bib TEXT;
CREATE TABLE courses (
  event TEXT PRIMARY KEY,
  course TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
