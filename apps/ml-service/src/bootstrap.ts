import { BadRequestException, INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { SwaggerModule } from '@nestjs/swagger';
import { getToken } from '@willsoto/nestjs-prometheus';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type pino from 'pino';
import type { Counter, Histogram } from 'prom-client';
import { AllExceptionsFilter } from '@app/common';
import { AppConfig } from '@app/config';
import { formatValidationErrors, PATTERN_INPUT_VALIDATOR_OPTIONS } from '@app/features';
import { METRIC } from '@app/metrics';
import { AppModule } from './app.module';
import { httpMetricsMiddleware, httpObserver } from './http-metrics.middleware';
import { ServingStatsService } from './monitoring/serving-stats.service';
import { requireJsonBody } from './content-type.middleware';
import { drainMiddleware, isDraining } from './drain';
import { openApiDocument } from './openapi/openapi.document';
import { allowedMethodsLookup } from './route-methods.util';
import { ConfidenceController } from './inference/confidence.controller';
import { installScoringFastPath } from './inference/scoring-fast-path';
import { scoringRoutes, scoringRouteTable } from './inference/scoring-routes';
import { APP_LOGGER } from './logging.config';

/** Version shown in the OpenAPI document. */
const SERVICE_VERSION = '1.0.0';

/** Largest batch body: 1,000 items of ~200 candles. Single requests keep BODY_LIMIT. */
const BATCH_BODY_LIMIT = '40mb';

/**
 * Builds the HTTP app from a validated config whose DATABASE_URL is resolved. Shared by main.ts and
 * the e2e tests so both run exactly the same pipeline.
 */
export async function createApp(config: AppConfig, logDestination?: pino.DestinationStream): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, logDestination), {
    bodyParser: false,
    bufferLogs: true,
  });
  return configureApp(app, config);
}

/** The HTTP pipeline around the modules: logger, metrics, body limits, validation, errors. Then init. */
export async function configureApp(app: NestExpressApplication, config: AppConfig): Promise<INestApplication> {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // A weak ETag is a hash of every JSON answer, and no client here revalidates a POST answer or a metric.
  app.set('etag', false);
  app.set('trust proxy', false);
  const server: Server = app.getHttpServer();
  server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  // Must outlast keepAliveTimeout, or a reused connection can be cut while its headers arrive.
  server.headersTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS + 1000;
  const observe = httpObserver(
    app.get<Counter<'method' | 'route' | 'status_code'>>(getToken(METRIC.httpRequests)),
    app.get<Histogram<'method' | 'route' | 'status_code'>>(getToken(METRIC.httpDuration)),
    app.get(ServingStatsService),
  );
  app.use(httpMetricsMiddleware(observe));
  // Swagger UI boots with an inline script: its pages alone get helmet without a CSP.
  const strict = helmet();
  const docs = helmet({ contentSecurityPolicy: false });
  app.use((req: Request, res: Response, next: NextFunction) =>
    (req.path.startsWith('/api/docs') ? docs : strict)(req, res, next),
  );
  app.use(drainMiddleware(app));
  app.use(requireJsonBody);
  const logger = app.get<pino.Logger>(APP_LOGGER);
  const routes = scoringRouteTable({
    controller: app.get(ConfidenceController),
    bodyLimit: config.BODY_LIMIT,
    batchBodyLimit: BATCH_BODY_LIMIT,
  });
  app.use(scoringRoutes(routes, logger));
  app.use(express.json({ limit: config.BODY_LIMIT, strict: true }));
  app.useGlobalPipes(
    new ValidationPipe({
      ...PATTERN_INPUT_VALIDATOR_OPTIONS,
      transform: true,
      exceptionFactory: (errors) => new BadRequestException(formatValidationErrors(errors)),
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter(allowedMethodsLookup(app)));
  SwaggerModule.setup('api/docs', app, openApiDocument(SERVICE_VERSION), { jsonDocumentUrl: 'api/docs-json' });
  await app.init();
  if (config.HTTP_FAST_PATH) {
    installScoringFastPath(server, {
      routes,
      logger,
      securityHeaders: strict,
      observe,
      draining: () => isDraining(server),
    });
  }
  return app;
}
