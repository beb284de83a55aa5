import type { Command } from 'commander';
import { addConnectionOptions } from './upload.js';

/**
 * upload's connection options, for commands that read or change what is on KooDrive. These never
 * fall back to the embedded emulator on their own, so --emulator says so.
 */
export function addApiOptions(cmd: Command): Command {
  addConnectionOptions(cmd);
  const emulator = cmd.options.find((o) => o.long === '--emulator');
  if (emulator)
    emulator.description =
      'use the embedded local emulator with the data upload --emulator left in the state folder (demos)';
  return cmd;
}
