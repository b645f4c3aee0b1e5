// An esbuild plugin: the engine's zone-offset source (src/engine/zone-offsets.ts, Intl) is
// linked as src/action/host-zone-offsets.ts instead, for the Action's cold start (see
// docs/action.md, "Cold start"). A choice made when bundling, so the engine has no setter and
// no module state for it. Used by scripts/build-action.js and by the test that holds the
// bundled engine's offsets and renderings equal to Node's (test/action/host-zone.test.ts).
import { join } from "node:path";

export function zoneOffsetsPlugin(root) {
  const engine = join(root, "src", "engine");
  const replacement = join(root, "src", "action", "host-zone-offsets.ts");
  return {
    name: "host-zone-offsets",
    setup(plugin) {
      plugin.onResolve({ filter: /^\.\/zone-offsets\.js$/ }, (args) => (args.resolveDir === engine ? { path: replacement } : undefined));
    },
  };
}
