import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from './support/service-process';

/** `npm run demo -- --exit --quick`: the newcomer's path from a clone to a drift alert, end to end. */
describe('npm run demo', () => {
  it('serves, sets a baseline, catches the drift it causes, raises alerts and exits cleanly', async () => {
    const port = await freePort();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((res) => {
      const child = spawn('npm', ['run', '-s', 'demo', '--', '--exit', '--quick', '--port', String(port)], {
        cwd: resolve(__dirname, '..'),
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' },
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      child.on('exit', (c) => res({ code: c, output: out }));
    });
    expect({ code, tail: code === 0 ? '' : output.slice(-2000) }).toEqual({ code: 0, tail: '' });
    expect(output).toMatch(/baseline #1: 600 predictions/);
    expect(output).toMatch(/Drift report #\d+: DRIFT/);
    expect(output).toMatch(/\[INFO\] DRIFT_DETECTED {2}Feature drift: volume_/);
    expect(output).toMatch(/fallback rate +: 0\.0%/);
    expect(output).toMatch(/operator page +http:\/\/localhost:\d+\/dashboard/);
  }, 240_000);
});
