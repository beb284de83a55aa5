/**
 * The emulator's extension point: extra request handlers served on the emulator's own port beside
 * the KooDrive API, with the state they keep across restarts. The emulator knows nothing of what
 * an extension speaks (the benchmark's S3 face in test/support/s3-face/ is one); see
 * docs/emulator.md, "Extensions".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the emulator gives an extension when it starts. */
export interface ExtensionHost {
  /** The emulator's data folder; keep files in a folder named after the extension. */
  readonly dataDir: string;
  now(): Date;
  /** http(s)://host:port, where clients reach the emulator. */
  baseUrl(): string;
  /** What saveState last kept (restarts included), or undefined. */
  loadState(): unknown;
  /** Keeps `value` as the extension's state, written whole shortly after; call it after every change. */
  saveState(value: unknown): void;
  /** Counts a request in stats.extensions[name][operation]. */
  countRequest(operation: string): void;
  /** Counts an error answer in stats.errors[code]. */
  countError(code: string): void;
  /** Adds request body bytes received to stats.putBytes. */
  countBodyBytes(bytes: number): void;
  /** Adds time spent joining uploaded pieces into whole objects to stats.assembleMs. */
  countAssembly(ms: number): void;
  /** Reads and drops (counted) the rest of a refused body; or, when too long, headers that close the connection. */
  settleRefusedBody(req: IncomingMessage): Promise<Record<string, string>>;
}

/** A started extension: which requests are its own, and how it answers them. */
export interface ExtensionHandler {
  /** Asked, without reading the body, for every request but /_emulator/*, before the KooDrive routes. */
  claims(req: IncomingMessage): boolean;
  /** Answers a claimed request (`path` without the query; `rawQuery` after the '?'). A throw answers 500. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string): Promise<void>;
}

/** Given to startEmulator in EmulatorOptions.extensions. */
export interface EmulatorExtension {
  /** Names its counters and its part of the saved state: letters, digits and '-'. */
  readonly name: string;
  /** Runs once, before the server listens. */
  start(host: ExtensionHost): Promise<ExtensionHandler>;
}
