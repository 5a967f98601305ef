// Placeholder while the command is being built in parallel; replaced by its real module.
import type { CommandSpec, ParsedOptions } from '../cli/options.js';
export const spec: CommandSpec = { name: 'todo', summary: 'not built yet', usage: 'logpipe todo', options: {} };
export async function run(_opts: ParsedOptions): Promise<number> {
  process.stderr.write('not built yet\n');
  return 1;
}
