/** The words for what backup/ reports as facts (RunWarning): the one place they are phrased. */
import type { RunEvent, RunWarning } from '../backup/events.js';

/** One line for a warning: what happened, and what the run does about it. */
export function phraseWarning(w: RunWarning): string {
  switch (w.type) {
    case 'plan:stale':
      return (
        `${w.path}: the journal's plan does not match the file's bytes (a damaged journal line, or an edit ` +
        `in place that kept size and mtime); hashed it again and sending it as it is now`
      );
    case 'upload:forgotten':
      return w.during === 'resume'
        ? `${w.path}: the server no longer knows its half-sent upload; sending the file again`
        : `${w.path}: the server forgot the upload while it was being sent; sending the file again`;
    case 'parts:lost':
      return `${w.path}: the server lacks part(s) ${w.parts.join(', ')} of its upload; sending them again`;
    case 'record:abandoned':
      return (
        `starting a new backup record: ` +
        `${w.files} file(s) half-sent to record ${w.recordId} changed or went away since (e.g. ` +
        `${w.example}), and a record with an unfinished upload cannot be completed`
      );
    case 'record:redone':
      return (
        `record ${w.recordId} holds an upload that cannot be finished (an answer lost to a fault, or an earlier ` +
        `run stopped mid-call); adding the files to a new record instead (nothing is sent again)`
      );
    case 'lock:taken-over':
      return (
        'took over the backup lock left by an earlier run on this machine that was stopped before it could ' +
        'release it'
      );
    case 'lock:not-released':
      return `could not release the backup lock (${w.reason}); it expires by itself within 10 minutes`;
    case 'state-folder:unlocked':
      return `cannot lock the state folder ${w.stateDir} on this system; make sure no two uploads use it at once`;
  }
}

/** Wraps a sink so that it sees a `warning` fact as the `warn` line every output mode shows. */
export function phrasingWarnings(sink: (event: RunEvent) => void): (event: RunEvent) => void {
  return (event) => sink(event.type === 'warning' ? { type: 'warn', message: phraseWarning(event.warning) } : event);
}
