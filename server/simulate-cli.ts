/** `npm run simulate -- --url ws://127.0.0.1:3000/ws --event demo --runners 20` */
import { parseArgs } from 'node:util';
import { startSimulation } from './simulator';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:3000/ws' },
    event: { type: 'string', default: 'demo' },
    runners: { type: 'string', default: '5' },
    interval: { type: 'string', default: '1000' },
    state: { type: 'string' },
    insecure: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`Usage: npm run simulate -- [--url ws://host:port/ws] [--event id] [--runners N] [--interval ms]
                         [--state file.json] [--insecure]
Joins the event as N runners over the public protocol and jogs them round the demo route.
--state keeps their identities in a file, so the next run continues the same runners.
--insecure accepts a self-signed certificate (wss:// to your own server).`);
  process.exit(0);
}

const runners = Number(values.runners);
const intervalMs = Number(values.interval);
if (!Number.isInteger(runners) || runners < 1 || runners > 10_000) {
  console.error('--runners must be a whole number from 1 to 10000');
  process.exit(2);
}
if (!Number.isFinite(intervalMs) || intervalMs < 50) {
  console.error('--interval must be at least 50 (ms)');
  process.exit(2);
}

const sim = startSimulation({
  url: values.url,
  event: values.event,
  runners,
  intervalMs,
  stateFile: values.state,
  insecure: values.insecure,
});
console.log(`Simulating ${runners} runner(s) in "${values.event}" via ${values.url}; Ctrl+C stops.`);

let last = '';
const report = setInterval(() => {
  const s = sim.sessions.map((x) => x.snapshot);
  const line = `open ${s.filter((x) => x.connection === 'open').length}/${s.length}, sent ${s.reduce((a, x) => a + x.sent, 0)}, acknowledged ${s.reduce((a, x) => a + x.acked, 0)}${s.find((x) => x.problem)?.problem ? `, server says: ${s.find((x) => x.problem)!.problem}` : ''}`;
  if (line !== last) console.log(line);
  last = line;
}, 5000);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    clearInterval(report);
    sim.stop();
    process.exit(0);
  });
}
