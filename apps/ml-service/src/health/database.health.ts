import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

const PING_TIMEOUT_MS = 1000;

/** Database reachability (a timed SELECT 1) and whether every migration is applied. */
@Injectable()
export class DatabaseHealth {
  private migrationsApplied = false;

  constructor(
    private readonly health: HealthIndicatorService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async ping(): Promise<HealthIndicatorResult> {
    const indicator = this.health.check('database');
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.db.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
        }),
      ]);
      return indicator.up({ severity: 'CRITICAL', latency_ms: Date.now() - started });
    } catch (err) {
      return indicator.down({ severity: 'CRITICAL', message: (err as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Pending migrations make the service not ready; once all are applied the answer cannot change. */
  async migrations(): Promise<HealthIndicatorResult> {
    const indicator = this.health.check('migrations');
    if (!this.migrationsApplied) {
      try {
        this.migrationsApplied = !(await this.db.showMigrations());
      } catch (err) {
        return indicator.down({ message: (err as Error).message });
      }
    }
    return this.migrationsApplied ? indicator.up() : indicator.down({ message: 'migrations pending' });
  }
}
