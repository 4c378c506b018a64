import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/**
 * Throwaway PostgreSQL and Redis servers of the machine's own packages, on their own ports, that a
 * fault test may stop and restart without touching the shared ones other tests use.
 */
export class PrivatePostgres {
  readonly version = readdirSync('/etc/postgresql')[0];
  constructor(
    readonly name = 'faults',
    readonly port = 5499,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  create(): void {
    this.drop();
    execFileSync('pg_createcluster', [this.version, this.name, '-p', String(this.port), '--', '--auth=trust'], {
      stdio: 'ignore',
    });
    this.start();
  }

  start(): void {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', this.version, this.name, 'start'], { stdio: 'ignore' });
  }

  stop(): void {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', this.version, this.name, 'stop', '-m', 'fast'], {
      stdio: 'ignore',
    });
  }

  drop(): void {
    if (existsSync(`/etc/postgresql/${this.version}/${this.name}`)) {
      execFileSync('pg_dropcluster', ['--stop', this.version, this.name], { stdio: 'ignore' });
    }
  }
}

export class PrivateRedis {
  constructor(readonly port = 6399) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  start(): void {
    execFileSync('redis-server', [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--daemonize',
      'yes',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
  }

  stop(): void {
    try {
      execFileSync('redis-cli', ['-p', String(this.port), 'shutdown', 'nosave'], { stdio: 'ignore' });
    } catch {
      // already down
    }
  }
}
