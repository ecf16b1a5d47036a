/**
 * The team features' entry points, loaded on first use: `kvgit get` and the other everyday
 * commands must not compile the merge, the purge machinery or the guard (the core's index
 * re-exports these, and its chunk is what every command loads).
 */
import type { MergeOptions, MergeReport, SyncOptions, SyncReport } from './merge';
import type { DriverFiles, DriverResult } from './driver';
import type { GuardReport } from './guard';
import type { SetupOptions, SetupReport } from './setup';
import type { Store } from '../store/store';
import type { StorageLocation } from '../storage/git';

export async function mergeStore(store: Store, options?: MergeOptions): Promise<MergeReport> {
  return (await import('./merge')).mergeStore(store, options);
}

export async function syncStore(store: Store, options?: SyncOptions): Promise<SyncReport> {
  return (await import('./merge')).syncStore(store, options);
}

export async function runMergeDriver(files: DriverFiles, options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<DriverResult> {
  return (await import('./driver')).runMergeDriver(files, options);
}

export async function textconv(file: string, options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Uint8Array> {
  return (await import('./textconv')).textconv(file, options);
}

export async function guardStaged(options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<GuardReport> {
  return (await import('./guard')).guardStaged(options);
}

export async function setupGit(location: StorageLocation, options: SetupOptions): Promise<SetupReport> {
  return (await import('./setup')).setupGit(location, options);
}
