/** Schemas of the results and finish-line answers (lib/routes.ts, the OpenAPI document and docs/api.md). */
import { z } from 'zod';

const place = (what: string) => z.number().int().nullable().describe(what);

export const ResultRowSchema = z
  .object({
    place: place('Place overall (the race order); null before the runner is seen on the course.'),
    categoryPlace: place("Place within the runner's category."),
    sexPlace: place('Place among runners of the same sex.'),
    ageGroupPlace: place('Place within the age group.'),
    id: z.string(),
    bib: z.string().nullable(),
    name: z.string(),
    sex: z.enum(['F', 'M', 'X']).nullable(),
    ageGroup: z.string().nullable().describe('As the start list gives it, else from the birth year (F40, M20, U20 …).'),
    category: z.string().nullable(),
    club: z.string().nullable(),
    wave: z.string().nullable(),
    status: z.string().describe('finished, running or not-started; DNF, DSQ or DNS for a runner given that verdict (unplaced, listed last).'),
    gunTime: z.number().nullable().describe("Seconds from the runner's wave gun to the finish."),
    chipTime: z.number().nullable().describe("Seconds from the runner's own crossing of the start line to the finish."),
    start: z.number().nullable().describe("The runner's own start (ms)."),
    finish: z.number().nullable().describe('The finish (ms).'),
    splits: z.array(z.number().nullable()).describe('Seconds from the runner\'s own start at each of `splits`; null where not passed.'),
  })
  .meta({ id: 'ResultRow' });

export const ResultsAnswer = z.object({
  event: z.object({ id: z.string(), name: z.string(), status: z.enum(['live', 'finished']), startsAt: z.number().nullable(), order: z.enum(['chip', 'gun']) }),
  generatedAt: z.number(),
  splits: z.array(z.object({ label: z.string(), at: z.number().describe('Metres from the start.') })).describe('Every checkpoint and every kilometre or mile of the event\'s unit.'),
  results: z.array(ResultRowSchema),
});

const FinishLineRunnerSchema = z.object({
  id: z.string(),
  bib: z.string().nullable(),
  name: z.string(),
  club: z.string().nullable(),
  category: z.string().nullable(),
  pos: z.number().int().nullable(),
  cat: z.number().int().nullable().describe('Place within the category.'),
  toGo: z.number().nullable().describe('Metres to the finish (approaching runners).'),
  t: z.number().describe('Likely arrival (approaching) or the finish (finished), ms.'),
  lo: z.number().nullable().describe('Earliest plausible arrival (approaching), ms.'),
  time: z.number().nullable().describe('Chip time in seconds (finished).'),
});

export const FinishLineAnswer = z.object({
  event: z.object({ id: z.string(), name: z.string(), status: z.enum(['live', 'finished']) }),
  now: z.number(),
  approaching: z.array(FinishLineRunnerSchema).describe('Expected within 15 minutes, soonest first (the estimator\'s finish ETA).'),
  finished: z.array(FinishLineRunnerSchema).describe('The latest finishers, latest first.'),
  finishers: z.number().int(),
});
