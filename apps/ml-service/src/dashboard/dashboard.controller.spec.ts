import { ServiceUnavailableException, StreamableFile } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainException } from '@app/common';
import { DashboardAssets } from './dashboard-assets.service';
import { DashboardController } from './dashboard.controller';

async function bytesOf(file: StreamableFile): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of file.getStream()) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

describe('DashboardController', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers 503 naming `npm run build:dashboard` while the bundle is not built', async () => {
    const controller = new DashboardController(new DashboardAssets(join(dir, 'missing')));

    const page = controller.page();
    const script = controller.asset('dashboard.js');

    await expect(page).rejects.toBeInstanceOf(ServiceUnavailableException);
    await expect(page).rejects.toThrow(/npm run build:dashboard/);
    await expect(script).rejects.toThrow(/npm run build:dashboard/);
  });

  it('serves the page, the script and the stylesheet with their content types', async () => {
    writeFileSync(join(dir, 'index.html'), '<!DOCTYPE html><title>x</title>');
    writeFileSync(join(dir, 'dashboard.js'), 'console.log(1)');
    writeFileSync(join(dir, 'dashboard.css'), 'body{}');
    const controller = new DashboardController(new DashboardAssets(dir));

    const page = await controller.page();
    const script = await controller.asset('dashboard.js');
    const style = await controller.asset('dashboard.css');

    expect(page.getHeaders().type).toBe('text/html; charset=utf-8');
    await expect(bytesOf(page)).resolves.toContain('<title>x</title>');
    expect(script.getHeaders().type).toBe('text/javascript; charset=utf-8');
    expect(style.getHeaders().type).toBe('text/css; charset=utf-8');
  });

  it('refuses names outside the bundle (404), never reading outside its directory', async () => {
    writeFileSync(join(dir, 'index.html'), 'x');
    const controller = new DashboardController(new DashboardAssets(join(dir, 'sub')));

    for (const name of ['../index.html', '..%2Findex.html', '.env', 'index.html', 'dashboard.ts', 'a/b.js']) {
      await expect(controller.asset(name)).rejects.toBeInstanceOf(DomainException);
    }
  });
});
