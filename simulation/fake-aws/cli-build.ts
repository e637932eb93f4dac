/**
 * The stand-in CLI's IAM check, built once per source version into one ES module (esbuild), so that
 * each check is one `node` start rather than a TypeScript load; the same file is the check server
 * (`--serve`, authorizer-server.ts). The evaluator and its data stay
 * outside the file (iam-data finds its data files next to its own modules), so the file is written in
 * node_modules/.cache, from where Node resolves them; it is named after a digest of its sources.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const ENTRY = fileURLToPath(new URL('./authorize.ts', import.meta.url));
const SOURCES = [
  ENTRY,
  fileURLToPath(new URL('../account/authorizer.ts', import.meta.url)),
  fileURLToPath(new URL('../account/authorization-rules.ts', import.meta.url)),
];

let built: string | undefined;

/** The path of the built authorizer (building it if this version was not built yet). */
export function standInAuthorizer(): string {
  if (built) return built;
  const digest = createHash('sha256');
  for (const source of SOURCES) digest.update(readFileSync(source));
  const directory = fileURLToPath(new URL('../../node_modules/.cache/simulation-fake-aws/', import.meta.url));
  mkdirSync(directory, { recursive: true });
  const outfile = join(directory, `authorize-${digest.digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(outfile)) {
    // Written aside, then renamed: parallel test workers may build the same file at once.
    const temporary = `${outfile}.${process.pid}.tmp`;
    buildSync({
      entryPoints: [ENTRY],
      outfile: temporary,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['@cloud-copilot/*'],
      logLevel: 'silent',
    });
    renameSync(temporary, outfile);
  }
  built = outfile;
  return outfile;
}
