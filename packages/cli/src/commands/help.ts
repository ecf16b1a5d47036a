import { defineCommand } from '../command';
import { usageError } from '../errors';
import { commandHelp, markdown, overviewHelp } from '../help';
import { COMMANDS, loadAll } from '../registry';

export default defineCommand({
  name: 'help',
  group: 'other',
  complete: 'none',
  summary: 'Shows help for kvgit or one of its commands',
  usage: 'help [COMMAND...]',
  description: 'Without a command, lists the commands. With one, prints its usage, examples and options (as `kvgit COMMAND --help`). -markdown prints the whole reference as Markdown (docs/CLI.md).',
  examples: [{ cmd: 'kvgit help' }, { cmd: 'kvgit help metadata put' }],
  flags: [{ name: 'markdown', type: 'bool', usage: 'Print the whole command reference as Markdown.' }],

  async run(_ctx, input) {
    const commands = await loadAll();
    if (input.flags.markdown) return { raw: markdown(commands) };
    const words = input.args[0] === 'kv' && input.args.length > 1 ? input.args.slice(1) : input.args;
    if (words.length === 0) return { raw: overviewHelp(commands) };
    const name = words.join(' ');
    if (COMMANDS[name]) return { raw: commandHelp((await COMMANDS[name]!()).default) };
    if (name === 'kv' || commands.some((c) => c.name.startsWith(`${name} `))) return { raw: overviewHelp(commands, name) };
    throw usageError(`Unknown command: ${name}\nRun \`kvgit help\` for the list of commands.`);
  },
});
