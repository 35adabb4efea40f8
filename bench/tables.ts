/**
 * `npm run bench:tables`: the README's performance tables made again from bench/results/*.json (the latest
 * run of each benchmark), between the README's `<!-- bench:NAME -->` markers (bench/tables/render.ts).
 * `--check` changes nothing and fails when the README is not what the results make.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceBlocks, type Results, tables } from './tables/render';

const ROOT = join(__dirname, '..');
const RESULTS = join(__dirname, 'results');

function read<T>(file: string): T | undefined {
  const path = join(RESULTS, file);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

const results: Results = {
  fanout: read('latest.json'),
  limit: read('limit-latest.json'),
  race: read('race-latest.json'),
  clusterRace: read('cluster-race-latest.json'),
  phone: read('phone-latest.json'),
};
const readmePath = join(ROOT, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const { text, replaced } = replaceBlocks(readme, tables(results));
if (process.argv.includes('--check')) {
  if (text !== readme) {
    console.error('The README\'s performance tables are not the latest results: run npm run bench:tables');
    process.exit(1);
  }
  console.log('The README\'s performance tables are the latest results.');
} else {
  writeFileSync(readmePath, text);
  console.log(`README.md: ${replaced.length ? replaced.join(', ') : 'no marked table'} made from bench/results.`);
}
