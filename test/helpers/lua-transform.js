// Jest transform: a .lua file becomes a module exporting its text, as esbuild's text loader does.
module.exports = {
  process(sourceText) {
    return { code: `module.exports = ${JSON.stringify(sourceText)};` };
  },
};
