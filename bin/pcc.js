#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run automatically by `npm install`).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error('pcc is not built yet: run `npm run build` in ' + path.join(__dirname, '..'));
  process.exit(1);
}
require(entry);
