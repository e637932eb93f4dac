/**
 * The stand-in CLI's IAM check as a server (simulation/fake-aws/authorize.ts, `--serve`), one per host
 * process, shared by every notebook host in it: a check then costs the script a TCP exchange with a
 * process that loaded the evaluator once, rather than a `node` start that loads it (most of a run's time
 * when the decision cache is cold, as on every fresh clone).
 *
 * Started on first use, synchronously (a script runs inside spawnSync), and stopped when this process
 * exits; the server also exits by itself when this process dies without running its exit handlers (a
 * test worker ended by a signal), and then removes its port file's directory. When it does not come up,
 * there is none: the stand-in then starts `node` for each check, as without it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { scratchParent } from '../scratch-disk.js';
import { standInAuthorizer } from './cli-build.js';

export interface AuthorizerServer {
  readonly port: number;
  /** The secret a request must carry (FAKE_AWS_AUTHORIZER_TOKEN): other local users may reach the port. */
  readonly token: string;
}

/** A start (the evaluator loading) takes a fraction of a second; a loaded CI machine takes longer. */
const START_TIMEOUT_MS = 10_000;
const POLL_MS = 10;

/** The running server, null once it failed to start (not tried again), undefined before the first use. */
let current: AuthorizerServer | null | undefined;

/** The server of this process, started on first use; undefined when it could not start. */
export function authorizerServer(): AuthorizerServer | undefined {
  if (current === undefined) current = start() ?? null;
  return current ?? undefined;
}

function start(): AuthorizerServer | undefined {
  const built = standInAuthorizer();
  const directory = mkdtempSync(join(scratchParent(), 'fake-aws-authorizer-'));
  const portFile = join(directory, 'port');
  const token = randomBytes(32).toString('hex');
  let child: ChildProcess | undefined;
  const stop = () => {
    child?.kill();
    rmSync(directory, { recursive: true, force: true });
  };
  process.on('exit', stop);
  try {
    // The token in the environment, not argv, which every local user can read.
    child = spawn(process.execPath, [built, '--serve', portFile], {
      stdio: 'ignore',
      env: {
        ...process.env,
        FAKE_AWS_AUTHORIZER_TOKEN: token,
        FAKE_AWS_AUTHORIZER_PARENT: String(process.pid),
        FAKE_AWS_AUTHORIZER_SCRATCH: directory,
      },
    });
    // The server must not keep this process alive: it is stopped on exit.
    child.unref();
    const port = waitForPort(portFile, child.pid);
    if (port !== undefined) return { port, token };
  } catch {
    // No server: the stand-in starts node for each check.
  }
  stop();
  process.off('exit', stop);
  return undefined;
}

/**
 * Blocks until the server wrote its port (renamed into place: never half written), it died, or the time
 * is up. Blocking is the point: the caller is about to run a script synchronously.
 */
function waitForPort(portFile: string, pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < START_TIMEOUT_MS; waited += POLL_MS) {
    if (existsSync(portFile)) {
      const port = Number(readFileSync(portFile, 'utf8'));
      return Number.isInteger(port) && port > 0 ? port : undefined;
    }
    if (exited(pid)) return undefined;
    Atomics.wait(sleeper, 0, 0, POLL_MS);
  }
  return undefined;
}

/** Whether the child is gone: no event loop runs while this blocks, so its exit event cannot tell. */
function exited(pid: number): boolean {
  try {
    // "pid (comm) state ...": a zombie has exited, waiting for this process to reap it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch (error) {
    // Without /proc (not Linux), only the time limit tells.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self/stat');
  }
}
