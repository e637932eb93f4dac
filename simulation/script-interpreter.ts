/**
 * The `python3` a lifecycle script finds when the simulation runs it: the system's (/usr/bin/python3), as
 * on a notebook instance, where lifecycle scripts run as root outside any conda environment; else the
 * interpreter `python3` on PATH resolves to, found without a version manager's shim.
 *
 * It matters for time, not behaviour: the scripts start python3 four or five times a run, and here a
 * pyenv shim took about 90 ms a start against 17 ms for /usr/bin/python3 (pyenv's own interpreter, 42 ms,
 * loads a site .pth at each start). The scripts' python is checked against the 3.7 grammar by its tests,
 * and run on python 3.7 itself where the machine has one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const SYSTEM_PYTHON = '/usr/bin/python3';

let chosen: { readonly interpreter: string | undefined } | undefined;

/** The interpreter a script's python3 runs, chosen once per process; undefined when none runs here. */
export function scriptInterpreter(): string | undefined {
  // In order, and only as far as needed: asking python3 through a shim costs a tenth of a second.
  chosen ??= { interpreter: realInterpreter(SYSTEM_PYTHON) ?? realInterpreter('python3') };
  return chosen.interpreter;
}

/**
 * Makes `<parent>/python`, holding only `python3`, a link to the chosen interpreter, for a script's PATH
 * before the rest (empty when no python3 runs here: the scripts then fail as they would without one).
 * It lives in the caller's own directory, so it goes when that does.
 */
export function scriptInterpreterDir(parent: string): string {
  const directory = join(parent, 'python');
  if (existsSync(directory)) return directory;
  mkdirSync(directory, { recursive: true });
  const interpreter = scriptInterpreter();
  if (interpreter) symlinkSync(interpreter, join(directory, 'python3'));
  return directory;
}

/** The executable `command` runs as python3 (past any shim), if it runs. */
function realInterpreter(command: string): string | undefined {
  if (command.startsWith('/') && !existsSync(command)) return undefined;
  const found = spawnSync(command, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const executable = found.status === 0 ? found.stdout.trim() : '';
  return executable.startsWith('/') ? executable : undefined;
}
