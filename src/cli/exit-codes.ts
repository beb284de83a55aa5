/** Exit codes: stable, documented in docs/exit-codes.md. */
export const EXIT = {
  OK: 0,
  /** Something failed that is not one of the cases below (network down, server error, bug). */
  FAILURE: 1,
  /** Bad flags, bad config, a path that does not exist. */
  USAGE: 2,
  /** Token, app signature, user id or clock rejected. */
  AUTH: 3,
  /** The run finished but some files failed; run again to retry them. */
  PARTIAL: 4,
  /** A name clash with --on-conflict fail, or a record already completed. */
  CONFLICT: 5,
  /** Another run holds the backup lock (see --wait-lock). */
  LOCK_BUSY: 6,
  /** The lock was lost during the run; run again to resume. */
  LOCK_LOST: 7,
  /** verify found differences. */
  DIFFERENT: 8,
  /** Stopped by SIGINT (resumable). */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM (resumable). */
  TERMINATED: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
