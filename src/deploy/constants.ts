/** Constants of the deploy floor shared by its modules. */

/** The AWS calls of one execution attempt (checks, registration, UpdateService, first report). */
export const EXECUTE_BUDGET_MS = 90_000;
