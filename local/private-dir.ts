import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** What the gateway keeps in DATA_DIR: the store's folder, the signing keys and the running store's endpoint. */
export const DATA_DIR_ENTRIES = ['dynamodb', 'signing-keys.json', 'dynamodb.endpoint'];

/**
 * Creates `dir` if missing and makes it the owner's only (0700), and with it, recursively, `entries` of it (all
 * of it when not given): folders 0700, files 0600. DATA_DIR holds the signing keys and the whole store (personal
 * data); what is created in it later is owner-only by itself (the key file is written 0600, DynamoDB Local runs
 * under umask 077). Only the gateway's own entries are touched, so a DATA_DIR pointed at a folder with other
 * files in it (`.`, a home folder) keeps their modes. Symbolic links are left alone, not followed.
 */
export function ensurePrivateDir(dir: string, entries?: readonly string[]): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!entries) {
    restrict(dir);
    return;
  }
  if ((lstatSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  for (const name of entries) restrict(join(dir, name));
}

function restrict(path: string): void {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
      for (const name of readdirSync(path)) restrict(join(path, name));
    } else if ((stat.mode & 0o777) !== 0o600) {
      chmodSync(path, 0o600);
    }
  } catch (error) {
    // A running store's journal file can vanish between the listing and the chmod.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
