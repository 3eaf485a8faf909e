// The text a .lua script is shipped as: its comments (the `--[[ … ]]` header that documents KEYS
// and ARGV, and whole-line `--` comments) and blank lines removed. Used by the bundles' loader
// (scripts/bundle-plugins.mjs luaWithoutComments) and by jest's .lua transform, so the tests run
// exactly the text the functions send to Redis. Comments after code on the same line are kept.
function stripLuaComments(source) {
  return (
    source
      .replace(/^--\[(=*)\[[\s\S]*?\]\1\][ \t]*$/gm, '')
      .split('\n')
      .map((line) => line.replace(/\s+$/, ''))
      .filter((line) => line.length > 0 && !/^\s*--/.test(line))
      .join('\n') + '\n'
  );
}
module.exports = { stripLuaComments };
