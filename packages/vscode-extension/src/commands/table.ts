/** Every command the extension contributes (package.json lists the same ids). */
import type { CommandDef } from './context';
import { secretCommands } from './secrets';
import { storeCommands } from './store';
import { versionCommands } from './versions';

export const commandTable: CommandDef[] = [...storeCommands, ...secretCommands, ...versionCommands];
