/**
 * The local Slack Web API server lives in production code (src/loopback/slack/) because `npm start`'s
 * playground uses it too; tests import it from here as before.
 */
export * from '../../src/loopback/slack/server';
