/** The local KooDrive emulator: public surface. */
export { startEmulator } from './server.js';
export { loadFaultSpec, validateFaultSpec } from './faults.js';
export { REQUEST_KINDS } from './types.js';
export type {
  EmulatorOptions,
  EmulatorStats,
  FaultController,
  FaultRule,
  FaultSpec,
  RequestKind,
  RunningEmulator,
} from './types.js';
export type { StoredFileView } from './introspection.js';
export type { EmulatorExtension, ExtensionHandler, ExtensionHost } from './extension.js';
