import { defineCommand } from '../command';
import { usageError } from '../errors';
import { stringFlag } from '../kv/flags';

export default defineCommand({
  name: 'serve',
  group: 'store',
  complete: 'none',
  summary: 'Serves Vault\'s KV v2 HTTP API over the store',
  usage: 'serve [options]',
  description:
    'Runs an HTTP server speaking Vault\'s KV v2 API over the store, for tools that talk to Vault (VAULT_ADDR). ' +
    'The root token comes from --root-token-file, else KVGIT_ROOT_TOKEN, else a new one printed once. Runs until ' +
    'SIGTERM or SIGINT.',
  examples: [
    { cmd: 'kvgit serve' },
    { cmd: 'kvgit serve --address 0.0.0.0:8200 --tls-cert cert.pem --tls-key key.pem --root-token-file token', text: 'On all interfaces, with TLS:' },
  ],
  flags: [
    { name: 'address', type: 'string', default: '127.0.0.1:8200', usage: 'The host:port to listen on.' },
    { name: 'tls-cert', type: 'string', usage: 'A PEM certificate file; with --tls-key, serves HTTPS.' },
    { name: 'tls-key', type: 'string', usage: 'The PEM private key file for --tls-cert.' },
    { name: 'root-token-file', type: 'string', usage: 'A file holding the root token.' },
  ],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const { runServe } = await import('@kvgit/server');
    const exitCode = await runServe({
      storePath: ctx.storePath,
      address: stringFlag(input, 'address') ?? '127.0.0.1:8200',
      tlsCert: stringFlag(input, 'tls-cert'),
      tlsKey: stringFlag(input, 'tls-key'),
      rootTokenFile: stringFlag(input, 'root-token-file'),
      env: ctx.env,
      stdout: ctx.streams.stdout,
      stderr: ctx.streams.stderr,
    });
    return { exitCode };
  },
});
