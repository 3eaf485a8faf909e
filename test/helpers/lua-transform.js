// Jest transform: a .lua file becomes a module exporting its text as the bundles ship it (esbuild's
// text loader after scripts/lua-strip.cjs), so the tests run exactly what the functions send.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS jest transform */
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { stripLuaComments } = require('../../scripts/lua-strip.cjs');
/* eslint-enable @typescript-eslint/no-require-imports */

// The cache key covers the stripping code too: a change to it must not leave old texts in jest's cache.
const STRIP_SOURCE = readFileSync(join(__dirname, '../../scripts/lua-strip.cjs'), 'utf8');

module.exports = {
  process(sourceText, sourcePath) {
    return { code: `module.exports = ${JSON.stringify(stripLuaComments(sourceText, sourcePath))};` };
  },
  getCacheKey(sourceText, sourcePath) {
    return createHash('sha1').update(STRIP_SOURCE).update('\0').update(sourcePath).update('\0').update(sourceText).digest('hex');
  },
};
