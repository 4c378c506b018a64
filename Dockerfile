# syntax=docker/dockerfile:1
# Pattern-confidence ML service. Two stages: build (dev dependencies, nest build) and runtime
# (production dependencies, compiled dist/ with the migrations, the shipped models), non-root.
#   docker build -t pattern-confidence-ml .
#   docker run -p 8000:8000 -e DATABASE_URL=postgres://... pattern-confidence-ml

FROM node:20-slim AS build
WORKDIR /app
# .npmrc first: onnxruntime-node-install=skip stops its install script from downloading GPU
# binaries (the CPU ones ship inside the npm package).
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
# The operator page (/dashboard) is bundled by esbuild into dist/dashboard.
COPY scripts/build-dashboard.mjs ./scripts/build-dashboard.mjs
RUN npm run build

FROM node:20-slim AS runtime
# A 32 MB young generation: scoring allocates ~200 kB per request (parsed candles, the queued log
# row), and with V8's default the scavenger ran every few ms; measured +16% throughput, -13% CPU
# per request at saturation (docs/BENCHMARKS.md). `npm run bench` starts the service with these too.
ENV NODE_ENV=production \
    PORT=8000 \
    NODE_OPTIONS="--max-semi-space-size=32"
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Production dependencies only; onnxruntime-node's macOS and Windows binaries are dropped (~110 MB).
RUN npm ci --omit=dev --no-audit --no-fund \
    && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
    && npm cache clean --force
# dist/apps/ml-service holds the service, the libraries and the compiled migrations (run at boot);
# dist/dashboard the operator page's bundle, served at /dashboard (looked up relative to /app).
COPY --from=build /app/dist/apps/ml-service ./dist/apps/ml-service
COPY --from=build /app/dist/dashboard ./dist/dashboard
COPY models ./models
# Only used when DATABASE_URL is unset (embedded PGlite); the rest of the filesystem can be read-only.
RUN mkdir -p /app/data && chown 1000:1000 /app/data
# The image's "node" user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8000
# No curl in the slim image: Node asks /health/live (process and event loop answer).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:'+(process.env.PORT||8000)+'/health/live',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
CMD ["node", "dist/apps/ml-service/apps/ml-service/src/main.js"]
