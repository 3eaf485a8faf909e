// chatops.yml as the packaging scripts read it (serverless-config.cjs, iam-resources.cjs): the file
// packaged with the functions, CHATOPS_CONFIG (relative to the service directory) or chatops.yml.
// Packaging without it fails here, with the path and what needed it.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- osls loads this file as CommonJS */

const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { parse } = require('yaml');

/** The parsed chatops.yml and its path; `what` names what serverless.yml reads from it (for the error). */
function readChatopsFile(what, file = process.env.CHATOPS_CONFIG || 'chatops.yml') {
  const path = resolve(process.cwd(), file);
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(
      `serverless.yml reads ${what} from ${path}, which cannot be read (${err.code || err.message}). Create it from chatops.example.yml.`,
    );
  }
  return { doc: parse(text), path };
}

module.exports = { readChatopsFile };
