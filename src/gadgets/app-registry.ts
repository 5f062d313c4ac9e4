// The registry of the app's gadgets. A value, not a global: tests build their own.
import { createAppGadget, type AppHooks } from './app/app.gadget.ts';
import { connectivityGadget } from './connectivity/connectivity.gadget.ts';
import { placeholderScreenGadget } from './placeholder-screen/placeholder-screen.gadget.ts';
import { createGadgetRegistry, type GadgetRegistry } from './runtime/index.ts';
import { syncKitsGadget } from './sync-screen/sync-kits.gadget.ts';
import { syncScreenGadget } from './sync-screen/sync-screen.gadget.ts';
import { updatePromptGadget } from './update-prompt/update-prompt.gadget.ts';
import './acquirable.ts';

export function createAppRegistry(hooks: AppHooks): GadgetRegistry {
  const registry = createGadgetRegistry();
  registry.define(createAppGadget(hooks));
  registry.define(connectivityGadget);
  registry.define(updatePromptGadget);
  registry.define(placeholderScreenGadget);
  registry.define(syncScreenGadget);
  registry.define(syncKitsGadget);
  return registry;
}
