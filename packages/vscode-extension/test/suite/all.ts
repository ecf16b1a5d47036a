// One bundle for the suite: mocha loads this file after defining its globals.
import { fixtureFromEnv } from '../fixture';

const mode = fixtureFromEnv().mode;
if (mode === 'directory') {
  require('./store.test');
  require('./documents.test');
  require('./commands.test');
  require('./refresh.test');
  require('./backups.test');
} else if (mode === 'empty') {
  require('./init.test');
}
