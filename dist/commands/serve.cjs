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

// src/cli/commands/serve.ts
var serve_exports = {};
__export(serve_exports, {
  USAGE: () => USAGE,
  run: () => run
});
module.exports = __toCommonJS(serve_exports);

// src/pipeline/serve.ts
var import_node_fs3 = require("node:fs");
var import_promises4 = require("node:fs/promises");
var import_node_http = require("node:http");
var import_node_path4 = require("node:path");
var import_promises5 = require("node:stream/promises");

// src/domain/errors.ts
var InputError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InputError";
  }
};

// src/domain/bundle.ts
var BUNDLE_MANIFEST = "bundle.json";
var TARBALL_PATTERN = /^kubespray-[\w.-]+\.tar\.gz$/;
function versionName(origin) {
  return origin.tag ?? origin.commit?.slice(0, 12) ?? origin.spec;
}
function versionNames(manifest) {
  return manifest.versions ? manifest.versions.map((v) => versionName(v.kubespray)) : [versionName(manifest.kubespray)];
}

// src/domain/images/media-types.ts
var OCI_INDEX = "application/vnd.oci.image.index.v1+json";
var OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
var DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
var DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
var MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(", ");
var isIndex = (mediaType) => mediaType === OCI_INDEX || mediaType === DOCKER_LIST;

// src/domain/images/layout-index.ts
var REF_NAME = "org.opencontainers.image.ref.name";
var SOURCE_DIGEST = "dev.kubespray-bundle.source-digest";
var UPSTREAM_INDEX = "dev.kubespray-bundle.upstream-index";

// src/domain/images/reference.ts
var DOCKER_HUB = "docker.io";
var DOCKER_HUB_API_HOST = "registry-1.docker.io";
var COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
var TAG = /^[\w][\w.-]{0,127}$/;
var DIGEST = /^sha256:[a-f0-9]{64}$/;
var HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/;
var ReferenceError2 = class extends Error {
  constructor(reference, reason2) {
    super(`image reference '${reference}': ${reason2}`);
    this.name = "ReferenceError";
  }
};
function parseReference(text) {
  const original = text;
  let rest = text.trim();
  if (!rest) throw new ReferenceError2(text, "empty");
  let digest;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ReferenceError2(text, `'${digest}' is not a sha256 digest (sha256: and 64 lowercase hex digits)`);
  }
  let tag;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError2(text, `'${tag}' is not a valid tag`);
  }
  const parts = rest.split("/");
  let registry = DOCKER_HUB;
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === "localhost" || parts[0] !== parts[0].toLowerCase())) {
    registry = parts.shift() ?? DOCKER_HUB;
    if (!HOST.test(registry)) throw new ReferenceError2(text, `'${registry}' is not a valid registry host`);
  }
  if (registry === "index.docker.io" || registry === DOCKER_HUB_API_HOST) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift("library");
  for (const part of parts) {
    if (!COMPONENT.test(part)) throw new ReferenceError2(text, `'${part}' is not a valid repository path component (lowercase letters, digits, separators)`);
  }
  if (!tag && !digest) tag = "latest";
  return { original, registry, repository: parts.join("/"), tag, digest };
}

// src/adapters/fs-atomic.ts
var import_node_fs = require("node:fs");
var import_promises = require("node:fs/promises");
var import_node_path = require("node:path");
var tempCounter = 0;
function tempPathFor(target, dir = (0, import_node_path.dirname)(target)) {
  return (0, import_node_path.join)(dir, `.${(0, import_node_path.basename)(target)}.${process.pid}.${(tempCounter++).toString(36)}.tmp`);
}
var UnsafePathError = class extends Error {
  constructor(path, what) {
    super(`${path} is ${what}; refusing to write through it (remove it, or choose another output directory)`);
    this.name = "UnsafePathError";
  }
};
async function ensureDirUnder(root, rel) {
  const base = (0, import_node_path.resolve)(root);
  const target = (0, import_node_path.resolve)(base, rel);
  const path = (0, import_node_path.relative)(base, target);
  if (path.startsWith("..") || (0, import_node_path.isAbsolute)(path)) throw new UnsafePathError(target, `outside ${base}`);
  await (0, import_promises.mkdir)(base, { recursive: true });
  let current = base;
  for (const part of path.split(import_node_path.sep).filter(Boolean)) {
    current = (0, import_node_path.join)(current, part);
    const info = await (0, import_promises.lstat)(current).catch(() => void 0);
    if (!info) {
      await (0, import_promises.mkdir)(current).catch((e) => {
        if (e.code !== "EEXIST") throw e;
      });
      const made = await (0, import_promises.lstat)(current);
      if (!made.isDirectory()) throw new UnsafePathError(current, made.isSymbolicLink() ? "a symbolic link" : "not a directory");
    } else if (info.isSymbolicLink()) throw new UnsafePathError(current, "a symbolic link");
    else if (!info.isDirectory()) throw new UnsafePathError(current, "not a directory");
  }
  return target;
}
var NOFOLLOW = import_node_fs.constants.O_NOFOLLOW ?? 0;
var CREATE_EXCLUSIVE = import_node_fs.constants.O_RDWR | import_node_fs.constants.O_CREAT | import_node_fs.constants.O_EXCL | NOFOLLOW;
var OPEN_EXISTING = import_node_fs.constants.O_RDWR | NOFOLLOW;
function createExclusive(path, mode = 420) {
  return (0, import_promises.open)(path, CREATE_EXCLUSIVE, mode);
}
function createExclusiveFd(path, mode = 420) {
  return (0, import_node_fs.openSync)(path, CREATE_EXCLUSIVE, mode);
}
var SYNC_WRITE_LIMIT = 256 << 10;
async function writeFileAtomic(target, data, tempDir) {
  const temp = tempPathFor(target, tempDir);
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  if (bytes.length <= SYNC_WRITE_LIMIT) return writeSmallFileAtomic(target, temp, bytes);
  try {
    const file = await createExclusive(temp);
    try {
      await file.writeFile(bytes);
    } finally {
      await file.close();
    }
    await (0, import_promises.rename)(temp, target);
  } catch (e) {
    await (0, import_promises.rm)(temp, { force: true });
    throw e;
  }
}
function writeSmallFileAtomic(target, temp, bytes) {
  try {
    const fd = createExclusiveFd(temp);
    try {
      for (let written = 0; written < bytes.length; ) written += (0, import_node_fs.writeSync)(fd, bytes, written, bytes.length - written);
    } finally {
      (0, import_node_fs.closeSync)(fd);
    }
    (0, import_node_fs.renameSync)(temp, target);
  } catch (e) {
    (0, import_node_fs.rmSync)(temp, { force: true });
    throw e;
  }
}
async function regularFile(path) {
  const info = await (0, import_promises.lstat)(path).catch(() => void 0);
  return info?.isFile() ? info : void 0;
}

// src/adapters/oci-layout.ts
var import_node_crypto = require("node:crypto");
var import_node_fs2 = require("node:fs");
var import_promises2 = require("node:fs/promises");
var import_node_os = require("node:os");
var import_node_path2 = require("node:path");
var DigestMismatchError = class extends Error {
  constructor(what, expected, got) {
    super(`${what}: digest mismatch: expected ${expected}, got ${got}`);
    this.name = "DigestMismatchError";
  }
};
var sha256Digest = (data) => `sha256:${(0, import_node_crypto.createHash)("sha256").update(data).digest("hex")}`;
var READ_NOFOLLOW = import_node_fs2.constants.O_RDONLY | (import_node_fs2.constants.O_NOFOLLOW ?? 0);
var OCI_LAYOUT_MARKER = '{"imageLayoutVersion":"1.0.0"}';
var OciLayout = class {
  constructor(dir) {
    this.dir = dir;
    this.root = (0, import_node_path2.dirname)(dir);
    this.tempDir = (0, import_node_path2.join)(this.root, ".kubespray-bundle", "tmp", (0, import_node_path2.basename)(dir));
    this.lockPath = (0, import_node_path2.join)(this.root, ".kubespray-bundle", `${(0, import_node_path2.basename)(dir)}.lock`);
  }
  dir;
  /** The output directory the layout sits in (its parent). */
  root;
  tempDir;
  lockPath;
  async init() {
    await ensureDirUnder(this.root, (0, import_node_path2.join)((0, import_node_path2.basename)(this.dir), "blobs", "sha256"));
    await ensureDirUnder(this.root, (0, import_node_path2.join)(".kubespray-bundle", "tmp", (0, import_node_path2.basename)(this.dir)));
    const marker = (0, import_node_path2.join)(this.dir, "oci-layout");
    const current = await regularFile(marker) ? await (0, import_promises2.readFile)(marker, { encoding: "utf8", flag: READ_NOFOLLOW }).catch(() => "") : "";
    if (current !== OCI_LAYOUT_MARKER) await writeFileAtomic(marker, OCI_LAYOUT_MARKER, this.tempDir);
  }
  /**
   * Holds the layout for one writing run: a second run on the same layout fails at once, by
   * name, instead of interleaving index.json writes. A lock left by a process that is gone
   * (on this host) is taken over.
   */
  async lock() {
    const mine = JSON.stringify({ pid: process.pid, host: (0, import_node_os.hostname)(), started: (/* @__PURE__ */ new Date()).toISOString() });
    for (let attempt = 0; ; attempt++) {
      try {
        const file = await createExclusive(this.lockPath);
        await file.writeFile(mine);
        await file.close();
        return () => (0, import_promises2.rm)(this.lockPath, { force: true });
      } catch (e) {
        if (e.code !== "EEXIST" || attempt > 0) throw e;
        const holder = await this.lockHolder();
        if (holder && (holder.host !== (0, import_node_os.hostname)() || processAlive(holder.pid))) {
          throw new InputError(
            `${this.dir} is being written by another kubespray-bundle run (pid ${holder.pid} on ${holder.host}, since ${holder.started}); wait for it to finish, or remove ${this.lockPath} if that run is gone`
          );
        }
        await (0, import_promises2.rm)(this.lockPath, { force: true });
      }
    }
  }
  async lockHolder() {
    try {
      const holder = JSON.parse(await (0, import_promises2.readFile)(this.lockPath, { encoding: "utf8", flag: READ_NOFOLLOW }));
      return Number.isInteger(holder.pid) ? holder : void 0;
    } catch {
      return void 0;
    }
  }
  blobPath(digest) {
    const [algorithm, hex] = digest.split(":");
    if (algorithm !== "sha256" || !/^[a-f0-9]{64}$/.test(hex ?? "")) throw new Error(`unsupported digest '${digest}' (only sha256)`);
    return (0, import_node_path2.join)(this.dir, "blobs", "sha256", hex);
  }
  /** A blob is there when a regular file of the right size is (a link planted there is not). */
  async has(digest, size) {
    const info = (0, import_node_fs2.lstatSync)(this.blobPath(digest), { throwIfNoEntry: false });
    return info?.isFile() === true && info.size === size;
  }
  async readBlob(digest) {
    return (0, import_promises2.readFile)(this.blobPath(digest), { flag: READ_NOFOLLOW });
  }
  /** Callers check has() first, which refuses a link at the blob's path. */
  openBlob(digest) {
    return (0, import_node_fs2.createReadStream)(this.blobPath(digest), { highWaterMark: 1 << 20 });
  }
  /** Stores a small blob (a manifest) held in memory, after checking its digest. */
  async putBytes(digest, bytes, what) {
    const got = sha256Digest(bytes);
    if (got !== digest) throw new DigestMismatchError(what, digest, got);
    if (await this.has(digest, bytes.length)) return;
    await writeFileAtomic(this.blobPath(digest), bytes, this.tempDir);
  }
  /** Where a blob is assembled (from ranged segments, for a big one) before it verifies (outside blobs/). */
  partPathFor(digest) {
    return (0, import_node_path2.join)(this.tempDir, `${(0, import_node_path2.basename)(this.blobPath(digest))}.part`);
  }
  /** Puts an assembled part file in place if its size and digest (hashed while it arrived) are right. */
  async adoptPart(descriptor, partPath, size, sha256Hex, what) {
    const got = `sha256:${sha256Hex}`;
    if (size !== descriptor.size) throw new Error(`${what}: got ${size} bytes, its descriptor gives ${descriptor.size}`);
    if (got !== descriptor.digest) throw new DigestMismatchError(what, descriptor.digest, got);
    (0, import_node_fs2.renameSync)(partPath, this.blobPath(descriptor.digest));
  }
  async readIndex() {
    try {
      const index = JSON.parse(await (0, import_promises2.readFile)((0, import_node_path2.join)(this.dir, "index.json"), { encoding: "utf8", flag: READ_NOFOLLOW }));
      return { schemaVersion: 2, mediaType: index.mediaType, manifests: Array.isArray(index.manifests) ? index.manifests : [] };
    } catch (e) {
      if (e.code === "ENOENT") return { schemaVersion: 2, manifests: [] };
      throw new InputError(`${(0, import_node_path2.join)(this.dir, "index.json")}: not a readable OCI index (${e.message}); remove it to start the layout afresh`);
    }
  }
  async writeIndex(index) {
    await writeFileAtomic((0, import_node_path2.join)(this.dir, "index.json"), JSON.stringify(index), this.tempDir);
  }
  /**
   * Every blob the index reaches: entries, the children of indexes, configs and layers, and
   * the registry's original bytes an entry was converted from (SOURCE_DIGEST). The manifests
   * are read synchronously: a hundred small reads, one after another, each through the thread
   * pool took ~0.1 s at the end of every `images` run, with nothing else left to do.
   */
  reachable(entries) {
    const seen = /* @__PURE__ */ new Set();
    const visit = (d) => {
      if (seen.has(d.digest)) return;
      seen.add(d.digest);
      const source = d.annotations?.[SOURCE_DIGEST];
      if (source) visit({ digest: source, mediaType: "" });
      const upstream = d.annotations?.[UPSTREAM_INDEX];
      if (upstream) seen.add(upstream);
      const bytes = this.readBlobIfThere(d.digest);
      if (!bytes) return;
      let parsed;
      try {
        parsed = JSON.parse(bytes.toString("utf8"));
      } catch {
        return;
      }
      const mediaType = d.mediaType || parsed.mediaType || "";
      if (isIndex(mediaType) || Array.isArray(parsed.manifests)) for (const child of parsed.manifests ?? []) visit(child);
      else for (const blob of [parsed.config, ...parsed.layers ?? []]) if (blob?.digest) seen.add(blob.digest);
    };
    for (const entry of entries) visit(entry);
    return seen;
  }
  readBlobIfThere(digest) {
    let fd;
    try {
      fd = (0, import_node_fs2.openSync)(this.blobPath(digest), READ_NOFOLLOW);
    } catch {
      return void 0;
    }
    try {
      return (0, import_node_fs2.readFileSync)(fd);
    } catch {
      return void 0;
    } finally {
      (0, import_node_fs2.closeSync)(fd);
    }
  }
  /** Removes every blob the index no longer reaches, and leftover temp files; returns what it freed. */
  async collectGarbage(entries) {
    const keep = new Set([...this.reachable(entries)].map((d) => d.slice("sha256:".length)));
    const dir = (0, import_node_path2.join)(this.dir, "blobs", "sha256");
    let blobs = 0;
    let bytes = 0;
    for (const name of await (0, import_promises2.readdir)(dir)) {
      if (keep.has(name)) continue;
      const info = await regularFile((0, import_node_path2.join)(dir, name));
      await (0, import_promises2.rm)((0, import_node_path2.join)(dir, name), { force: true, recursive: true });
      blobs++;
      bytes += info?.size ?? 0;
    }
    for (const name of await (0, import_promises2.readdir)(this.tempDir).catch(() => [])) await (0, import_promises2.rm)((0, import_node_path2.join)(this.tempDir, name), { force: true, recursive: true });
    return { blobs, bytes };
  }
};
function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

// src/pipeline/bundle-dir.ts
var import_promises3 = require("node:fs/promises");
var import_node_path3 = require("node:path");
async function readBundleManifest(bundleDir) {
  let text;
  try {
    text = await (0, import_promises3.readFile)((0, import_node_path3.join)(bundleDir, BUNDLE_MANIFEST), "utf8");
  } catch {
    throw new InputError(`${bundleDir} is not a complete bundle: it has no ${BUNDLE_MANIFEST} (run the build command into it first)`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${(0, import_node_path3.join)(bundleDir, BUNDLE_MANIFEST)}: not JSON (${e.message})`);
  }
}
function incompleteBundle(bundleDir, missing) {
  return new InputError(`${bundleDir} is not a complete bundle (it lacks ${missing}): run build again (or verify)`);
}

// src/pipeline/serve.ts
async function registryCatalog(layout) {
  const repos = /* @__PURE__ */ new Map();
  for (const entry of (await layout.readIndex()).manifests) {
    const line = entry.annotations?.[REF_NAME];
    if (!line) continue;
    const ref = parseReference(line);
    const repo = repos.get(ref.repository) ?? { tags: /* @__PURE__ */ new Map(), manifests: /* @__PURE__ */ new Set(), blobs: /* @__PURE__ */ new Set() };
    repos.set(ref.repository, repo);
    const top = entry.annotations?.[SOURCE_DIGEST] ?? entry.digest;
    if (ref.tag) repo.tags.set(ref.tag, top);
    for (const digest of layout.reachable([entry])) {
      repo.blobs.add(digest);
      const size = (await regularFile(layout.blobPath(digest)))?.size ?? Infinity;
      const bytes = size <= 4 << 20 ? await layout.readBlob(digest).catch(() => void 0) : void 0;
      if (bytes && mediaTypeOf(bytes)) repo.manifests.add(digest);
    }
  }
  return repos;
}
function mediaTypeOf(bytes) {
  if (bytes.length > 4 << 20 || bytes[0] !== 123) return void 0;
  try {
    const json = JSON.parse(bytes.toString("utf8"));
    if (json.schemaVersion !== 2) return void 0;
    return json.mediaType ?? (Array.isArray(json.manifests) ? OCI_INDEX : json.config ? OCI_MANIFEST : void 0);
  } catch {
    return void 0;
  }
}
async function holdsBuildOutput(dir) {
  const names = await (0, import_promises4.readdir)(dir).catch(() => []);
  return names.some((name) => name === "lists" || TARBALL_PATTERN.test(name));
}
async function startServing(request, log) {
  const filesRoot = (0, import_node_path4.join)(request.bundleDir, "files");
  const layout = new OciLayout((0, import_node_path4.join)(request.bundleDir, "images"));
  const hasManifest = await regularFile((0, import_node_path4.join)(request.bundleDir, BUNDLE_MANIFEST)) !== void 0;
  if (!await regularFile((0, import_node_path4.join)(request.bundleDir, "images", "index.json")) && !hasManifest) {
    throw new InputError(`${request.bundleDir} is not a bundle directory (no bundle.json, no images/index.json)`);
  }
  if (!hasManifest && await holdsBuildOutput(request.bundleDir)) throw incompleteBundle(request.bundleDir, BUNDLE_MANIFEST);
  const catalog = await registryCatalog(layout);
  const logged = (handler) => (req, res) => {
    const started = Date.now();
    res.on("close", () => {
      const outcome = res.writableFinished ? res.getHeader("content-length") ?? "-" : "aborted";
      log(`${req.method} ${req.url} ${res.statusCode} ${outcome} ${Date.now() - started} ms`);
    });
    handler(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500).end(e.message);
      else res.destroy();
    });
  };
  const files = (0, import_node_http.createServer)(logged((req, res) => serveFile(filesRoot, req, res)));
  const registry = (0, import_node_http.createServer)(logged((req, res) => serveRegistry(layout, (0, import_node_path4.join)(request.bundleDir, "images", "blobs"), catalog, req, res)));
  const names = request.portNames ?? { files: "files port", registry: "registry port" };
  await listenAll([
    { server: files, host: request.host, port: request.filesPort, name: names.files },
    { server: registry, host: request.host, port: request.registryPort, name: names.registry }
  ]);
  const hostPart = request.host.includes(":") ? `[${request.host}]` : request.host;
  return {
    filesUrl: `http://${hostPart}:${files.address().port}`,
    registry: `${hostPart}:${registry.address().port}`,
    images: [...catalog.values()].reduce((n, r) => n + r.tags.size, 0),
    close: async () => {
      await Promise.all([files, registry].map((s) => new Promise((r) => s.close(r))));
    }
  };
}
async function listenAll(listeners) {
  const outcomes = await Promise.allSettled(listeners.map(listen));
  const failure = outcomes.find((o) => o.status === "rejected");
  if (!failure) return;
  await Promise.all(listeners.filter((_, i) => outcomes[i].status === "fulfilled").map(({ server }) => new Promise((r) => server.close(r))));
  throw failure.reason;
}
function listen({ server, host, port: port2, name }) {
  return new Promise((resolve3, reject) => {
    const failed = (e) => reject(new InputError(listenError(name, host, port2, e)));
    server.once("error", failed);
    server.listen(port2, host, () => {
      server.off("error", failed);
      resolve3();
    });
  });
}
function listenError(name, host, port2, e) {
  switch (e.code) {
    case "EADDRINUSE":
      return `${name} ${port2}: address in use on ${host} (stop what listens there, or choose another ${name})`;
    case "EACCES":
      return `${name} ${port2}: permission denied (ports below 1024 need root; choose another ${name})`;
    case "EADDRNOTAVAIL":
      return `--host ${host}: not an address of this machine (127.0.0.1, 0.0.0.0 or one of its interfaces)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `--host ${host}: cannot resolve it (${e.code})`;
    default:
      return `${name} ${port2}: cannot listen on ${host} (${e.code ?? e.message})`;
  }
}
var OPEN_FLAGS = import_node_fs3.constants.O_RDONLY | (import_node_fs3.constants.O_NOFOLLOW ?? 0) | (import_node_fs3.constants.O_NONBLOCK ?? 0);
async function openUnder(root, path) {
  const handle = await (0, import_promises4.open)(path, OPEN_FLAGS).catch(() => void 0);
  if (!handle) return void 0;
  try {
    const opened = await handle.stat();
    if (opened.isFile() && await isUnderWithoutLinks(root, path, opened)) return { handle, size: opened.size };
  } catch {
  }
  await handle.close();
  return void 0;
}
async function isUnderWithoutLinks(root, path, opened) {
  const [realRoot, real] = await Promise.all([(0, import_promises4.realpath)(root), (0, import_promises4.realpath)(path)]);
  if (real !== (0, import_node_path4.join)(realRoot, (0, import_node_path4.relative)(root, path))) return false;
  const checked = await (0, import_promises4.stat)(real);
  return checked.dev === opened.dev && checked.ino === opened.ino;
}
async function sendFile(root, path, req, res, headers) {
  const file = await openUnder(root, path);
  if (!file) return void res.writeHead(404).end();
  try {
    await sendOpened(file.handle, file, req, res, headers);
  } finally {
    await file.handle.close();
  }
}
async function sendOpened(handle, info, req, res, headers) {
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ""));
  let start = 0;
  let end = info.size - 1;
  let status = 200;
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(Number(range[2]), info.size - 1);
    } else start = Math.max(0, info.size - Number(range[2]));
    if (start >= info.size || start > end) return void res.writeHead(416, { "content-range": `bytes */${info.size}` }).end();
    status = 206;
    headers["content-range"] = `bytes ${start}-${end}/${info.size}`;
  }
  res.writeHead(status, { ...headers, "accept-ranges": "bytes", "content-length": String(info.size ? end - start + 1 : 0) });
  if (req.method === "HEAD" || info.size === 0) return void res.end();
  await (0, import_promises5.pipeline)(handle.createReadStream({ start, end, highWaterMark: 1 << 20, autoClose: false }), res);
}
async function serveFile(root, req, res) {
  if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(405, { allow: "GET, HEAD" }).end();
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  } catch {
    return void res.writeHead(400).end();
  }
  const full = (0, import_node_path4.normalize)((0, import_node_path4.join)(root, path));
  if (!full.startsWith(root + import_node_path4.sep) || path.split("/").includes("..")) return void res.writeHead(404).end();
  await sendFile(root, full, req, res, { "content-type": "application/octet-stream" });
}
async function serveRegistry(layout, blobsRoot, catalog, req, res) {
  const apiHeaders = { "docker-distribution-api-version": "registry/2.0" };
  const error = (status, code, message) => void res.writeHead(status, { ...apiHeaders, "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code, message }] }));
  if (req.method !== "GET" && req.method !== "HEAD") return error(405, "UNSUPPORTED", "this registry is read-only");
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (path === "/v2/" || path === "/v2") return void res.writeHead(200, { ...apiHeaders, "content-type": "application/json" }).end("{}");
  const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/([^/]+)$/.exec(path);
  const repo = m ? catalog.get(m[1]) : void 0;
  if (!m || !repo) return error(404, "NAME_UNKNOWN", `no repository ${m?.[1] ?? path}`);
  const [, name, kind, reference] = m;
  if (kind === "tags") {
    if (reference !== "list") return error(404, "NOT_FOUND", path);
    return void res.writeHead(200, { ...apiHeaders, "content-type": "application/json" }).end(JSON.stringify({ name, tags: [...repo.tags.keys()].sort() }));
  }
  if (kind === "manifests") {
    const digest = reference.startsWith("sha256:") ? reference : repo.tags.get(reference);
    if (!digest || !repo.manifests.has(digest)) return error(404, "MANIFEST_UNKNOWN", `${name}:${reference}`);
    const bytes = await layout.readBlob(digest);
    res.writeHead(200, { ...apiHeaders, "content-type": mediaTypeOf(bytes) ?? OCI_MANIFEST, "content-length": String(bytes.length), "docker-content-digest": digest, etag: `"${digest}"` });
    return void res.end(req.method === "HEAD" ? void 0 : bytes);
  }
  if (!repo.blobs.has(reference)) return error(404, "BLOB_UNKNOWN", `${name}@${reference}`);
  await sendFile(blobsRoot, layout.blobPath(reference), req, res, { ...apiHeaders, "content-type": "application/octet-stream", "docker-content-digest": reference, etag: `"${reference}"` });
}

// src/report/output.ts
var import_node_fs4 = require("node:fs");
function writeAll(fd, text) {
  let buffer = Buffer.from(text);
  while (buffer.length) {
    try {
      buffer = buffer.subarray((0, import_node_fs4.writeSync)(fd, buffer));
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

// src/cli/args.ts
var import_node_util = require("node:util");
function parseCommandArgs(args, options, usage) {
  const config = { args, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true };
  const { values, positionals } = (0, import_node_util.parseArgs)(config);
  if (values.help) {
    writeOut(usage);
    return void 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return values;
}

// src/adapters/out-dir.ts
var import_promises6 = require("node:fs/promises");
var import_node_path5 = require("node:path");
function reason(e) {
  return e.message.split(", ")[0];
}
var isMissing = (e) => e.code === "ENOENT" || e.code === "ENOTDIR";
function kindOf(info) {
  return info.isFile() ? "a file" : info.isSocket() ? "a socket" : info.isFIFO() ? "a FIFO" : info.isCharacterDevice() || info.isBlockDevice() ? "a device" : "a special file";
}
async function requireDir(flag, path) {
  const label = `${flag} ${path}`;
  const dir = (0, import_node_path5.resolve)(path);
  const info = await (0, import_promises6.stat)(dir).catch((e) => {
    throw new InputError(isMissing(e) ? `${label}: no such directory` : `${label}: cannot read it (${reason(e)})`);
  });
  if (!info.isDirectory()) throw new InputError(`${label}: is ${kindOf(info)}, not a directory`);
  return dir;
}

// src/cli/commands/serve.ts
var USAGE = `Usage:
  kubespray-bundle serve --bundle DIR [--host H] [--files-port 8080] [--registry-port 35000]

Serves DIR/files over HTTP (GET, HEAD, Range) and DIR/images as a read-only OCI registry:
quay.io/calico/node:v3.30.5 is HOST:35000/calico/node:v3.30.5, under its upstream digest.
Logs every request to stderr; runs until stopped (Ctrl-C, SIGTERM).

Options:
  --bundle DIR          the bundle directory
  --host H              address to listen on (default 127.0.0.1, this machine only;
                        --host 0.0.0.0 serves other machines too)
  --files-port N        the files server's port (default 8080)
  --registry-port N     the registry's port (default 35000)
  -h, --help            show this help
`;
function port(name, value, fallback) {
  if (value === void 0) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`--${name} ${value}: expected a port number`);
  return Number(value);
}
async function severalVersions(bundleDir) {
  const manifest = await readBundleManifest(bundleDir).catch(() => void 0);
  return manifest?.versions ? versionNames(manifest) : void 0;
}
async function run(args) {
  const values = parseCommandArgs(
    args,
    { bundle: { type: "string" }, host: { type: "string" }, "files-port": { type: "string" }, "registry-port": { type: "string" } },
    USAGE
  );
  if (!values) return;
  if (!values.bundle) throw new UsageError("--bundle DIR is required");
  const filesPort = port("files-port", values["files-port"], 8080);
  const registryPort = port("registry-port", values["registry-port"], 35e3);
  if (filesPort === registryPort && filesPort !== 0) throw new UsageError(`--files-port and --registry-port are both ${filesPort}: give them different ports`);
  await requireDir("--bundle", values.bundle);
  const serving = await startServing(
    { bundleDir: values.bundle, host: values.host ?? "127.0.0.1", filesPort, registryPort, portNames: { files: "--files-port", registry: "--registry-port" } },
    (line) => writeErr(`${(/* @__PURE__ */ new Date()).toISOString()} ${line}
`)
  );
  writeOut(`files: ${serving.filesUrl}/  registry: ${serving.registry} (${serving.images} images, read-only, plain HTTP)
`);
  const versions = await severalVersions(values.bundle);
  if (versions) writeOut(`Kubespray ${versions.join(", ")}: offline-yml --bundle ${values.bundle} --kubespray TAG writes each one's offline.yml
`);
  await new Promise((resolve3) => {
    const stop = () => {
      void serving.close().then(resolve3);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  USAGE,
  run
});
