/**
 * A service's health and its mark, apart from the status renderer (./status.ts): the Home tab, in the
 * Slack bundle, needs only these. Pure.
 */
export type Health = 'steady' | 'deploying' | 'degraded' | 'down' | 'failed' | 'idle' | 'inactive' | 'missing';

export const HEALTH_MARK: Record<Health, string> = {
  steady: ':large_green_circle:',
  deploying: ':large_blue_circle:',
  degraded: ':large_yellow_circle:',
  down: ':red_circle:',
  failed: ':x:',
  idle: ':white_circle:',
  inactive: ':black_circle:',
  missing: ':grey_question:',
};
