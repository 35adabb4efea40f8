/**
 * `npm run bench:estimator`: how often the estimator's band holds where a silent runner really is, and its
 * ETA intervals when they really arrive, over synthetic fields (test/synthetic-field.ts) with several
 * seeds: the spread of the figure the unit test asserts for one fixed seed.
 *
 *   npm run bench:estimator [-- --seeds 10 --runners 200]
 */
import { parseArgs } from 'node:util';
import { coverage } from '../test/synthetic-field';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '10' }, runners: { type: 'string', default: '200' } } });
const seeds = Number(values.seeds);
const runners = Number(values.runners);
const pct = (c: number, n: number) => `${((100 * c) / Math.max(1, n)).toFixed(1)} %`;

console.log('seed  band (checks)        ETA (checks)         mean band  median ETA interval  phones band/ETA  satellite band/ETA  mats band/ETA');
let band = [0, 0];
let eta = [0, 0];
const worst = { band: 1, eta: 1 };
for (let seed = 1; seed <= seeds; seed++) {
  const c = coverage(seed, runners);
  band = [band[0]! + c.bandCovered, band[1]! + c.bandChecks];
  eta = [eta[0]! + c.etaCovered, eta[1]! + c.etaChecks];
  worst.band = Math.min(worst.band, c.bandCovered / c.bandChecks);
  worst.eta = Math.min(worst.eta, c.etaCovered / c.etaChecks);
  const by = (k: 'gps' | 'sat' | 'mat') => `${pct(...c.bySource[k].band)} / ${pct(...c.bySource[k].eta)}`;
  console.log(
    `${String(seed).padEnd(5)} ${`${pct(c.bandCovered, c.bandChecks)} (${c.bandChecks})`.padEnd(20)} ${`${pct(c.etaCovered, c.etaChecks)} (${c.etaChecks})`.padEnd(20)} ${`${(c.meanBandM / 1000).toFixed(2)} km`.padEnd(10)} ${`${c.medianEtaMin.toFixed(1)} min`.padEnd(20)} ${by('gps').padEnd(16)} ${by('sat').padEnd(19)} ${by('mat')}`,
  );
}
console.log(`\nall seeds: band ${pct(band[0]!, band[1]!)}, ETA ${pct(eta[0]!, eta[1]!)}; worst seed: band ${(worst.band * 100).toFixed(1)} %, ETA ${(worst.eta * 100).toFixed(1)} %`);
