/**
 * The command lines of the reliability scripts (`npm run torture`, `npm run
 * fuzz`, `npm run crash-states`), parsed by Node's own util.parseArgs in strict mode: `--help`
 * prints the usage and exits 0, an unknown option or a missing value is
 * refused with the usage and exit 2 (a typo such as `--trails 3` used to be
 * ignored, and the default 1,000-trial run started).
 */
import { parseArgs } from 'node:util';

export type ScriptOptionSpec = Record<string, { type: 'string' | 'boolean' }>;

export function scriptOptions<S extends ScriptOptionSpec>(
  usage: string,
  spec: S,
  argv: string[] = process.argv.slice(2),
): { [K in keyof S]?: S[K]['type'] extends 'string' ? string : boolean } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...spec, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return values as { [K in keyof S]?: S[K]['type'] extends 'string' ? string : boolean };
}
