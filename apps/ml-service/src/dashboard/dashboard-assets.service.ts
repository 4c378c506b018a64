import { Inject, Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DASHBOARD_DIR } from './dashboard.constants';

/** Content types of the files the bundle consists of. */
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
};

/** A plain file name of the bundle: no directory part, one known extension. */
const ASSET_NAME = /^[a-z0-9-]+\.(html|js|css|map)$/;

export interface DashboardFile {
  body: Buffer;
  type: string;
}

/**
 * Reads the built dashboard from disk (the filesystem seam). Files are read per request, so a
 * rebuild shows up on reload; they are a few hundred kB at most.
 */
@Injectable()
export class DashboardAssets {
  constructor(@Inject(DASHBOARD_DIR) readonly dir: string) {}

  /** Whether `name` may be served at all (a name outside the bundle's pattern is a 404, not a file lookup). */
  isAssetName(name: string): boolean {
    return ASSET_NAME.test(name);
  }

  /** The file, or null when it is not there (bundle not built). */
  async read(name: string): Promise<DashboardFile | null> {
    const m = ASSET_NAME.exec(name);
    if (!m) {
      return null;
    }
    try {
      return { body: await readFile(join(this.dir, name)), type: TYPES[m[1]] };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return null;
      }
      throw err;
    }
  }
}
