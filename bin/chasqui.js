#!/usr/bin/env node
// The compiled CLI: `npm ci` builds dist/ (the prepare script), a release tarball ships it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('chasqui: CHASQUI_ERR_NOT_FOUND: the compiled CLI (dist/cli/main.js) is not there: run `npm run build` in the checkout (npm ci does it)\n');
  process.exit(1);
}
await import(main.href);
