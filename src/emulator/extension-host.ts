/** Starts EmulatorOptions.extensions, each with a host bound to this emulator's clock, stats and state. */
import type { EmulatorContext } from './context.js';
import type { EmulatorExtension, ExtensionHandler, ExtensionHost } from './extension.js';
import { settleRefusedBody } from './part-receiver.js';

const NAME = /^[A-Za-z0-9-]{1,40}$/;

function hostFor(ctx: EmulatorContext, name: string, dataDir: string): ExtensionHost {
  return {
    dataDir,
    now: () => ctx.now(),
    baseUrl: () => ctx.baseUrl(),
    loadState: () => ctx.store.state.extensions?.[name],
    saveState: (value) => {
      (ctx.store.state.extensions ??= {})[name] = value;
      ctx.store.extensionChanged(name);
    },
    countRequest: (operation) => ctx.stats.extensionRequest(name, operation),
    countError: (code) => ctx.stats.error(code),
    countBodyBytes: (bytes) => ctx.stats.putBytes(bytes),
    countAssembly: (ms) => ctx.stats.assembled(ms),
    settleRefusedBody: (req) => settleRefusedBody(ctx, req),
  };
}

/** Starts the extensions in order; refuses a bad or repeated name. */
export async function startExtensions(
  ctx: EmulatorContext,
  extensions: readonly EmulatorExtension[],
  dataDir: string,
): Promise<ExtensionHandler[]> {
  const names = new Set<string>();
  const handlers: ExtensionHandler[] = [];
  for (const extension of extensions) {
    if (!NAME.test(extension.name) || names.has(extension.name))
      throw new Error(`emulator extension name "${extension.name}" must be 1-40 letters, digits or '-', and used once`);
    names.add(extension.name);
    handlers.push(await extension.start(hostFor(ctx, extension.name, dataDir)));
  }
  return handlers;
}
