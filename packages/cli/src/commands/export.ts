import { defineCommand } from '../command';
import { usageError } from '../errors';
import { ENV_NAME_FLAGS, collectVariables } from '../env/collect';
import { toDotenv, toJson, toShell } from '../env/formats';
import { stringFlag } from '../kv/flags';

const FORMATS = { dotenv: toDotenv, shell: toShell, json: toJson } as const;

export default defineCommand({
  name: 'export',
  group: 'deploy',
  complete: 'paths',
  summary: 'Prints secrets as dotenv, shell or JSON',
  usage: 'export [options] [PATH...]',
  description:
    'Prints the latest version of each secret\'s data as environment variables, named as `exec` names them: ' +
    'a .env file (the default), `export NAME=\'value\'` lines for a POSIX shell (`eval "$(kvgit export -format=shell …)"`), ' +
    'or one JSON object. The values go to stdout only; where they go next is up to you.',
  examples: [
    { cmd: 'kvgit export secret/app/prod' },
    { cmd: 'eval "$(kvgit export -format=shell secret/app/prod)"', text: 'Into the current shell:' },
    { cmd: 'kvgit export -format=json -upcase secret/app/', text: 'A folder as one JSON object:' },
  ],
  flags: [{ name: 'format', type: 'string', values: ['dotenv', 'shell', 'json'], default: 'dotenv', usage: 'dotenv, shell or json.' }, ...ENV_NAME_FLAGS],

  async run(ctx, input) {
    const format = stringFlag(input, 'format') ?? 'dotenv';
    const write = FORMATS[format as keyof typeof FORMATS];
    if (!write) throw usageError(`Invalid export format: ${format} (dotenv, shell or json)`);
    const store = await ctx.openStore();
    return { raw: write(await collectVariables(store, input, input.args)) };
  },
});
