/** Process exit codes, documented in the README. */
export const EXIT = {
  OK: 0,
  /** Runtime failure: the store cannot be opened, the port is taken, a run failed. */
  FAILURE: 1,
  /** Invalid input or configuration: bad flags, invalid steward.yaml, invalid playbook. */
  INVALID: 2,
} as const;
