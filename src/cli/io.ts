/** The process's streams and environment, passed in so commands never reach for globals. */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  exitCode: number;
}
