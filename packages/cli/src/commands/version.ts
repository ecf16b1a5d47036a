import { defineCommand } from '../command';
import pkg from '../../package.json';

export default defineCommand({
  name: 'version',
  group: 'other',
  complete: 'none',
  summary: 'Prints the kvgit version',
  usage: 'version',
  description: 'Prints the version of kvgit and of Node.js it runs on.',
  examples: [{ cmd: 'kvgit version' }, { cmd: 'kvgit --version' }],
  async run() {
    const data = { version: pkg.version, node: process.versions.node };
    return { data, table: [{ kind: 'text', text: `kvgit v${pkg.version} (Node.js ${process.versions.node})` }] };
  },
});
