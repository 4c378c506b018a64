import { Controller, Get, Header, Param, ServiceUnavailableException, StreamableFile } from '@nestjs/common';
import { DomainException, ErrorCode } from '@app/common';
import { DashboardAssets } from './dashboard-assets.service';
import { BUILD_HINT, DASHBOARD_CSP } from './dashboard.constants';

/** The operator page (GET /dashboard) and its bundled script and stylesheet, under a strict CSP. */
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get()
  @Header('Content-Security-Policy', DASHBOARD_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  async page(): Promise<StreamableFile> {
    const file = await this.assets.read('index.html');
    if (!file) {
      throw new ServiceUnavailableException(
        `The dashboard is not built (${this.assets.dir}/index.html missing): ${BUILD_HINT}`,
      );
    }
    return new StreamableFile(file.body, { type: file.type, length: file.body.length });
  }

  @Get('assets/:name')
  @Header('Content-Security-Policy', DASHBOARD_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  async asset(@Param('name') name: string): Promise<StreamableFile> {
    if (!this.assets.isAssetName(name) || name === 'index.html') {
      throw new DomainException(ErrorCode.NOT_FOUND, `no dashboard asset named ${JSON.stringify(name)}`);
    }
    const file = await this.assets.read(name);
    if (!file) {
      throw new ServiceUnavailableException(
        `Dashboard asset ${name} is missing from ${this.assets.dir}: ${BUILD_HINT}`,
      );
    }
    return new StreamableFile(file.body, { type: file.type, length: file.body.length });
  }
}
