/**
 * Defers the parts of @pulumi/pulumi that every import of the SDK pays for and no offline tool calls: the
 * Automation API, npm's arborist (with pacote and sigstore behind it, for closure serialization's package walk)
 * and the TypeScript compiler (closure serialization parses functions with it). Together they are ~40% of
 * importing the SDKs. Each is replaced by a proxy that requires the real module the first time anything reads
 * from it, so code that does use one gets it unchanged, only later.
 */
"use strict";
const Module = require("node:module");
const path = require("node:path");

/** [request as the SDK spells it, end of the resolved path, whether the real module marks itself __esModule]. */
const DEFERRED = [
  ["./automation", path.join("@pulumi", "pulumi", "automation", "index.js"), true],
  ["../../typescript-shim", path.join("@pulumi", "pulumi", "typescript-shim.js"), false],
  ["./typescript-shim", path.join("@pulumi", "pulumi", "typescript-shim.js"), false],
  // codePaths.js wraps it in __importStar, which reads every key unless the module says __esModule; the SDK
  // only reads `.Arborist` from the result, which the proxy serves from the real module.
  ["@npmcli/arborist", path.join("@npmcli", "arborist", "lib", "index.js"), true],
];

/** A stand-in for a module: the first read of anything but `__esModule` loads the real one and forwards to it. */
function deferred(load, esModule) {
  let real;
  const mod = () => {
    real ??= load();
    return real;
  };
  return new Proxy(
    {},
    {
      get: (_t, key) => (key === "__esModule" && real === undefined ? esModule : Reflect.get(mod(), key)),
      has: (_t, key) => Reflect.has(mod(), key),
      ownKeys: () => Reflect.ownKeys(mod()),
      getOwnPropertyDescriptor(target, key) {
        const d = Reflect.getOwnPropertyDescriptor(mod(), key);
        // A proxy may report a non-configurable property only if its target has it too.
        if (d && !d.configurable && !Reflect.getOwnPropertyDescriptor(target, key)) Object.defineProperty(target, key, d);
        return d;
      },
      set: (_t, key, value) => Reflect.set(mod(), key, value),
      defineProperty: (_t, key, d) => Reflect.defineProperty(mod(), key, d),
      deleteProperty: (_t, key) => Reflect.deleteProperty(mod(), key),
      getPrototypeOf: () => Reflect.getPrototypeOf(mod()),
    },
  );
}

let installed = false;

/** Installs the deferral for this process; modules already loaded stay as they are. */
function deferUnusedSdkParts() {
  if (installed) return;
  installed = true;
  const load = Module._load;
  const stand = new Map();
  Module._load = function deferringLoad(request, parent, isMain) {
    const hit = parent && !isMain ? DEFERRED.find(([r]) => r === request) : undefined;
    if (!hit) return load.apply(this, arguments);
    const file = Module._resolveFilename(request, parent, isMain);
    if (!file.endsWith(path.sep + hit[1]) || Module._cache[file]) return load.apply(this, arguments);
    let proxy = stand.get(file);
    if (!proxy) {
      proxy = deferred(() => load.call(Module, request, parent, false), hit[2]);
      stand.set(file, proxy);
    }
    return proxy;
  };
}

module.exports = { deferUnusedSdkParts };
