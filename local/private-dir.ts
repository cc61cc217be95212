import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Creates `dir` if missing and makes it and everything already in it the owner's only: folders 0700, files
 * 0600. DATA_DIR holds the signing keys and the whole store (personal data); what is created in it later is
 * owner-only by itself (the key file is written 0600, DynamoDB Local runs under umask 077). Symbolic links
 * are left alone, not followed.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  restrict(dir);
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
