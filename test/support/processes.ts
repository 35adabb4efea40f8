/**
 * Processes that tests start (servers, instances, nginx, redis-server), each the leader of a process group of
 * its own, so that whatever it starts in turn (the node process behind tsx, nginx's workers) goes with it.
 * Every group still running is killed with SIGKILL when its leader exits, when the test process exits, and
 * when the test process is interrupted (SIGINT, SIGTERM, SIGHUP): no path leaves a server running.
 */
import { type ChildProcess, fork, type ForkOptions, spawn, type SpawnOptions } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface Spawned {
  readonly child: ChildProcess;
  /** The leader's pid, which is also the group's id. */
  readonly pid: number;
  /** Settles once the leader has exited (its whole group is killed then too). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stdout and stderr so far, when they were piped. */
  output(): string;
  /** Whether the leader is still running. */
  running(): boolean;
  /** Send `sig` to every process of the group. */
  signal(sig: NodeJS.Signals): void;
  /** SIGKILL the group; resolves once the leader has exited. */
  kill(): Promise<void>;
}

/** Groups that may still have processes, by leader pid. */
const groups = new Set<number>();

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // The group is empty already.
  }
}

/** SIGKILL every group started here that may still run: for `after` hooks, and the safety net below. */
export function killAll(): void {
  for (const pid of groups) killGroup(pid, 'SIGKILL');
  groups.clear();
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  const onSignal = () => {
    killAll();
    // Alone, restore what the signal would have done; otherwise (a test runner's own handler) let that decide.
    if (process.listenerCount(sig) === 1) {
      process.off(sig, onSignal);
      process.kill(process.pid, sig);
    }
  };
  process.on(sig, onSignal);
}

function track(child: ChildProcess): Spawned {
  if (child.pid === undefined) throw new Error(`could not start ${child.spawnfile}`);
  const pid = child.pid;
  groups.add(pid);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      // Whatever the leader left behind goes with it.
      killGroup(pid, 'SIGKILL');
      groups.delete(pid);
      resolve({ code, signal });
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid,
    exited,
    output: () => output,
    running,
    // Once the leader has exited its group was swept: its id may belong to someone else by now.
    signal: (sig) => {
      if (groups.has(pid)) killGroup(pid, sig);
    },
    async kill() {
      if (groups.has(pid)) killGroup(pid, 'SIGKILL');
      await exited;
    },
  };
}

/** `command` as the leader of a new process group. */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions = {}): Spawned {
  return track(spawn(command, args, { ...options, detached: true }));
}

/** A Node module (TypeScript through tsx) as the leader of a new process group, with an IPC channel. */
export function forkGroup(modulePath: string, args: readonly string[], options: ForkOptions = {}): Spawned {
  return track(fork(modulePath, args, { execArgv: ['--import', 'tsx'], ...options, detached: true }));
}

/**
 * The real entry point, server.ts, run by Node with tsx as its loader (one process: signals reach the server
 * itself, and its exit code is its own), from the repository root.
 */
export function spawnServer(env: NodeJS.ProcessEnv, args: readonly string[] = [], stdio: SpawnOptions['stdio'] = 'ignore'): Spawned {
  return spawnGroup(process.execPath, ['--import', 'tsx', 'server.ts', ...args], { cwd: ROOT, env, stdio });
}
