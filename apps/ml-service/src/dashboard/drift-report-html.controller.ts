import { Controller, Get, Header, Param, ParseIntPipe } from '@nestjs/common';
import { DomainException, ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { DriftReportsStore } from '../alerts/drift-reports.store';
import { BaselineService } from '../baseline/baseline.service';
import { DRIFT_REPORT_HTML_CSP, renderDriftReportHtml } from './drift-report-html.util';

/** A drift report as a self-contained HTML file (inline CSS and SVG), to open offline or attach to a ticket. */
@Controller('api/ml/drift/reports')
export class DriftReportHtmlController {
  constructor(
    private readonly config: AppConfig,
    private readonly reports: DriftReportsStore,
    private readonly baselines: BaselineService,
  ) {}

  @Get(':id/html')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', DRIFT_REPORT_HTML_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  async html(@Param('id', ParseIntPipe) id: number): Promise<string> {
    const report = await this.reports.get(id);
    if (!report) {
      throw new DomainException(ErrorCode.NOT_FOUND, `drift report ${id} not found`);
    }
    const baseline = report.baseline_id === null ? null : await this.baselines.active();
    return renderDriftReportHtml(report, baseline, { psiThreshold: this.config.DRIFT_PSI_THRESHOLD });
  }
}
