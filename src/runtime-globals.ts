import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The bundle is an ES module, but ssh2's inlined poly1305 (emscripten) reads the CommonJS `__dirname` when it loads.
// Imported first by the entry points so the global exists before any dependency runs.
const globals = globalThis as { __dirname?: string; __filename?: string };
globals.__filename ??= fileURLToPath(import.meta.url);
globals.__dirname ??= path.dirname(globals.__filename);
