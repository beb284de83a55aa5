/** The process's streams and environment, passed in so commands never reach for globals. */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Only whether it is a terminal is read (see isInteractive); absent = not a terminal. */
  stdin?: { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  exitCode: number;
}
