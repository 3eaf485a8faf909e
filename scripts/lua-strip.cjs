// The text a .lua script is shipped as: its comments (the `--[[ … ]]` header that documents KEYS
// and ARGV, and whole-line `--` comments), blank lines and each line's indentation removed (Lua does
// not read indentation; our scripts have no multi-line strings, which the check below keeps so).
// Used by the bundles' loader (scripts/bundle-plugins.mjs luaWithoutComments) and by jest's .lua
// transform, so the tests run exactly the text the functions send to Redis. Comments after code on
// the same line are kept.
function stripLuaComments(source, file = 'a script') {
  const stripped =
    source
      .replace(/^--\[(=*)\[[\s\S]*?\]\1\][ \t]*$/gm, '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith('--'))
      .join('\n') + '\n';
  // A long string ([[ … ]]) outside the header could hold indentation that is its text.
  if (/\[=*\[/.test(stripped)) throw new Error(`${file}: use a quoted string, not a Lua long string ([[ … ]])`);
  return stripped;
}
module.exports = { stripLuaComments };
