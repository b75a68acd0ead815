// ncc emits an ES module bundle; this marks dist/ as ESM so Node loads dist/index.js as one, whatever the caller's package.json says.
import { writeFileSync } from 'node:fs';

writeFileSync(new URL('../dist/package.json', import.meta.url), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
