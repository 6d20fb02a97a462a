#!/usr/bin/env node
const __kbFileUrl = require('node:url').pathToFileURL(__filename).href;
"use strict";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// src/cli/main.ts
var main_exports = {};
__export(main_exports, {
  main: () => main
});
module.exports = __toCommonJS(main_exports);

// src/cli/load-command.bundled.ts
var import_node_crypto = require("node:crypto");
var import_node_module = require("node:module");
var import_node_fs = require("node:fs");
var import_node_os = require("node:os");
var import_node_path = require("node:path");
var import_node_url = require("node:url");
var import_node_vm = require("node:vm");
var NOFOLLOW = import_node_fs.constants.O_NOFOLLOW ?? 0;
function ownedPrivateDirectory(path) {
  try {
    const info = (0, import_node_fs.lstatSync)(path);
    const uid = process.getuid?.();
    return info.isDirectory() && (uid === void 0 || info.uid === uid) && (info.mode & 18) === 0;
  } catch {
    return false;
  }
}
function cacheDirectory() {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return void 0;
  const candidates = [];
  try {
    const base = process.env.XDG_CACHE_HOME || (0, import_node_path.join)((0, import_node_os.homedir)(), ".cache");
    candidates.push((0, import_node_path.join)(base, "kubespray-bundle", "v8"));
  } catch {
  }
  try {
    candidates.push((0, import_node_path.join)((0, import_node_os.tmpdir)(), `kubespray-bundle-compile-cache-${(0, import_node_os.userInfo)().uid}`));
  } catch {
  }
  for (const dir of candidates) {
    try {
      (0, import_node_fs.mkdirSync)(dir, { recursive: true, mode: 448 });
    } catch {
      continue;
    }
    if (ownedPrivateDirectory(dir)) return dir;
  }
  return void 0;
}
function readCache(path) {
  if (!path) return void 0;
  try {
    const fd = (0, import_node_fs.openSync)(path, import_node_fs.constants.O_RDONLY | NOFOLLOW);
    try {
      return (0, import_node_fs.readFileSync)(fd);
    } finally {
      (0, import_node_fs.closeSync)(fd);
    }
  } catch {
    return void 0;
  }
}
function writeCache(dir, name, file, data) {
  const path = (0, import_node_path.join)(dir, file);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const fd = (0, import_node_fs.openSync)(temp, import_node_fs.constants.O_WRONLY | import_node_fs.constants.O_CREAT | import_node_fs.constants.O_EXCL | NOFOLLOW, 384);
    try {
      (0, import_node_fs.writeSync)(fd, data);
    } finally {
      (0, import_node_fs.closeSync)(fd);
    }
    (0, import_node_fs.renameSync)(temp, path);
    for (const other of (0, import_node_fs.readdirSync)(dir)) if (other.startsWith(`${name}-`) && other !== file) (0, import_node_fs.rmSync)((0, import_node_path.join)(dir, other), { force: true });
  } catch {
    (0, import_node_fs.rmSync)(temp, { force: true });
  }
}
async function loadCommand(name) {
  const file = (0, import_node_path.join)((0, import_node_path.dirname)((0, import_node_url.fileURLToPath)(__kbFileUrl)), "commands", `${name}.cjs`);
  const source = (0, import_node_fs.readFileSync)(file, "utf8");
  const dir = cacheDirectory();
  const entry = dir && `${name}-${process.versions.v8}-${(0, import_node_crypto.createHash)("sha256").update(source).digest("hex").slice(0, 32)}.bin`;
  const cached = readCache(dir && entry ? (0, import_node_path.join)(dir, entry) : void 0);
  const script = new import_node_vm.Script((0, import_node_module.wrap)(source), { filename: file, cachedData: cached });
  const module2 = { exports: {} };
  const init = script.runInThisContext();
  init.call(module2.exports, module2.exports, (0, import_node_module.createRequire)(file), module2, file, (0, import_node_path.dirname)(file));
  if (dir && entry && (!cached || script.cachedDataRejected)) {
    process.once("beforeExit", () => {
      if (!process.exitCode) writeCache(dir, name, entry, script.createCachedData());
    });
  }
  return module2.exports;
}

// src/report/output.ts
var import_node_fs2 = require("node:fs");
function writeAll(fd, text) {
  let buffer = Buffer.from(text);
  while (buffer.length) {
    try {
      buffer = buffer.subarray((0, import_node_fs2.writeSync)(fd, buffer));
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}
var writeOut = (text) => writeAll(1, text);
var writeErr = (text) => writeAll(2, text);

// src/cli/usage-error.ts
var UsageError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "UsageError";
  }
};
function isUsageError(error) {
  return error.name === "UsageError" || Boolean(error.code?.startsWith("ERR_PARSE_ARGS"));
}

// src/adapters/gc-tuning.ts
var import_node_os2 = require("node:os");
var import_node_v8 = require("node:v8");
function tuneGarbageCollectionForDownloads(cores = (0, import_node_os2.availableParallelism)()) {
  if (cores <= 2) (0, import_node_v8.setFlagsFromString)("--no-concurrent-marking");
}

// src/version.ts
var TOOL_VERSION = true ? "1.0.0" : "0.0.0-dev";
var USER_AGENT = `kubespray-bundle/${TOOL_VERSION}`;

// src/cli/main.ts
var COMMANDS = {
  build: "resolve a Kubespray version and build a complete, verified bundle (lists, files, images)",
  lists: "write files.list/images.list as generate_list.sh would, and files.json with checksums",
  files: "download the files of a list in parallel, verified against their checksums",
  images: "save the images of a list into one OCI layout, straight from the registries",
  push: "push every image of a saved layout into a registry, digests unchanged",
  publish: "publish a bundle as GitHub release assets, each below 2 GiB and usable alone",
  merge: "write a release's bundle.json and SHA256SUMS over the bundles its jobs published",
  fetch: "download a published bundle, verify it and rebuild the bundle directory",
  verify: "check every file and blob of a bundle against its SHA256SUMS and bundle.json",
  serve: "serve a bundle's files over HTTP and its images as a read-only registry",
  "offline-yml": "write the group_vars pointing Kubespray at a served bundle, checked against it",
  audit: "list every image and url the bundle's Kubespray tree fetches that the bundle lacks"
};
var USAGE = "Usage: kubespray-bundle COMMAND [options]   (kubespray-bundle COMMAND --help for its options)\n       kubespray-bundle --version\n\nCommands:\n" + Object.entries(COMMANDS).map(([name, summary]) => `  ${name.padEnd(12)}${summary}
`).join("");
var VERSION = `kubespray-bundle ${TOOL_VERSION} (Node ${process.version}, ${process.platform}-${process.arch})
`;
async function main(argv) {
  const [command, ...rest] = argv;
  if (!command || command === "-h" || command === "--help" || command === "help") {
    writeOut(USAGE);
    return command ? 0 : 2;
  }
  if (command === "--version" || command === "-V") {
    writeOut(VERSION);
    return 0;
  }
  try {
    if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command '${command}'`);
    await (await loadCommand(command)).run(rest);
    return 0;
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    const usage = isUsageError(error);
    writeErr(`kubespray-bundle ${command}: error: ${error.message}
`);
    if (usage) writeErr(`Run 'kubespray-bundle ${Object.hasOwn(COMMANDS, command) ? command + " " : ""}--help' for usage.
`);
    if (process.env.KUBESPRAY_BUNDLE_DEBUG && error.stack) writeErr(`${error.stack}
`);
    return usage ? 2 : 1;
  }
}
tuneGarbageCollectionForDownloads();
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  main
});
