import { defineCommand } from '../command';
import { usageError } from '../errors';
import { bashScript, fishScript, zshScript } from '../completion';
import { loadAll } from '../registry';

const SHELLS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

export default defineCommand({
  name: 'completion',
  group: 'other',
  complete: ['bash', 'zsh', 'fish'],
  summary: 'Prints a shell completion script',
  usage: 'completion bash|zsh|fish',
  description: 'Prints the completion script for the shell, generated from the same command definitions as the help. Secret paths are completed by asking `kvgit list` as you type.',
  examples: [
    { cmd: 'source <(kvgit completion bash)', text: 'bash (e.g. in ~/.bashrc):' },
    { cmd: 'source <(kvgit completion zsh)', text: 'zsh (e.g. in ~/.zshrc):' },
    { cmd: 'kvgit completion fish | source', text: 'fish (e.g. in ~/.config/fish/config.fish):' },
  ],

  async run(_ctx, input) {
    const shell = input.args[0];
    if (input.args.length !== 1 || !shell || !(shell in SHELLS)) throw usageError('Usage: kvgit completion bash|zsh|fish');
    return { raw: SHELLS[shell as keyof typeof SHELLS](await loadAll()) };
  },
});
