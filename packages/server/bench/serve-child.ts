/** The server under test, in its own process (so the load generator does not share its event loop). */
import { runServe } from '../src/index';

const [storePath] = process.argv.slice(2);
process.exitCode = await runServe({
  storePath,
  address: '127.0.0.1:0',
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
