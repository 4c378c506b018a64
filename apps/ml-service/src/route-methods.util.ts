import type { INestApplication } from '@nestjs/common';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  match(path: string): boolean;
}

/**
 * Which methods the app serves on a path, read from Express' router after init, so the exception
 * filter can answer 405 (with Allow) instead of 404 when only the method is wrong.
 */
export function allowedMethodsLookup(app: INestApplication): (path: string) => string[] {
  return (path: string) => {
    const instance = app.getHttpAdapter().getInstance() as {
      router?: { stack: Layer[] };
      _router?: { stack: Layer[] };
    };
    const stack = (instance.router ?? instance._router)?.stack ?? [];
    const methods = new Set<string>();
    for (const layer of stack) {
      // Catch-all routes (middleware mounted for every path) say nothing about this path.
      if (layer.route && !layer.route.methods._all && !layer.route.path.includes('{*') && layer.match(path)) {
        for (const [m, on] of Object.entries(layer.route.methods)) {
          if (on) {
            methods.add(m.toUpperCase());
          }
        }
      }
    }
    return [...methods];
  };
}
