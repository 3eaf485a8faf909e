// Jest transform: a .lua file becomes a module exporting its text as the bundles ship it (esbuild's
// text loader after scripts/lua-strip.cjs), so the tests run exactly what the functions send.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS jest transform
const { stripLuaComments } = require('../../scripts/lua-strip.cjs');

module.exports = {
  process(sourceText) {
    return { code: `module.exports = ${JSON.stringify(stripLuaComments(sourceText))};` };
  },
};
