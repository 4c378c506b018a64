import { Module } from '@nestjs/common';
import { resolve } from 'node:path';
import { AlertsModule } from '../alerts/alerts.module';
import { BaselineModule } from '../baseline/baseline.module';
import { DashboardAssets } from './dashboard-assets.service';
import { DashboardController } from './dashboard.controller';
import { DASHBOARD_DIR, DASHBOARD_DIST_DIR } from './dashboard.constants';
import { DriftReportHtmlController } from './drift-report-html.controller';

/**
 * The operator page at /dashboard (a static bundle built by `npm run build:dashboard`, reading the
 * JSON API from the browser) and the self-contained HTML drift report.
 */
@Module({
  imports: [AlertsModule, BaselineModule],
  controllers: [DashboardController, DriftReportHtmlController],
  providers: [
    DashboardAssets,
    { provide: DASHBOARD_DIR, useFactory: () => resolve(process.cwd(), DASHBOARD_DIST_DIR) },
  ],
})
export class DashboardModule {}
