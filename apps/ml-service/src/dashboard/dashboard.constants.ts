/** Where `npm run build:dashboard` writes the page, its script and its stylesheet (relative to the working directory). */
export const DASHBOARD_DIST_DIR = 'dist/dashboard';

/** Injection token of the directory the dashboard bundle is served from. */
export const DASHBOARD_DIR = Symbol('DASHBOARD_DIR');

/**
 * The page's own policy: external same-origin script and stylesheet only (no inline script or style,
 * no eval), API calls to this origin. uPlot only sets styles through the CSSOM, which CSP allows.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const BUILD_HINT = 'run `npm run build:dashboard` to build it';
