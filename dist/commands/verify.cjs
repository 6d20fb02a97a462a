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

// src/cli/commands/verify.ts
var verify_exports = {};
__export(verify_exports, {
  USAGE: () => USAGE,
  run: () => run
});
module.exports = __toCommonJS(verify_exports);

// src/pipeline/verify.ts
var import_promises4 = require("node:fs/promises");
var import_node_path4 = require("node:path");

// src/domain/errors.ts
var InputError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InputError";
  }
};

// src/domain/bundle.ts
var BUNDLE_MANIFEST = "bundle.json";
var BUNDLE_SUMS = "SHA256SUMS";
var STATE_DIR = ".kubespray-bundle";
function versionName(origin) {
  return origin.tag ?? origin.commit?.slice(0, 12) ?? origin.spec;
}
function isBundleContent(path) {
  return path !== BUNDLE_SUMS && path !== STATE_DIR && !path.startsWith(`${STATE_DIR}/`);
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

// src/adapters/oci-layout.ts
var import_node_crypto = require("node:crypto");
var import_node_fs2 = require("node:fs");
var import_promises2 = require("node:fs/promises");
var import_node_os = require("node:os");
var import_node_path2 = require("node:path");

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
var import_node_fs3 = require("node:fs");
var import_promises3 = require("node:fs/promises");
var import_node_crypto2 = require("node:crypto");
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
function parseSums(text) {
  return text.split("\n").flatMap((l) => {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(l);
    return m ? [{ sha256: m[1], path: m[2] }] : [];
  });
}
async function sha256File(path) {
  const hash = (0, import_node_crypto2.createHash)("sha256");
  let size = 0;
  for await (const chunk of (0, import_node_fs3.createReadStream)(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}

// src/pipeline/pool.ts
async function runPool(items, concurrency, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

// src/pipeline/verify.ts
function itemName(path) {
  if (path.startsWith("images/blobs/sha256/")) return `blob sha256:${path.slice("images/blobs/sha256/".length)}`;
  if (path.startsWith("files/") && path !== "files/SHA256SUMS") return `file ${path.slice("files/".length)}`;
  return path;
}
var REGULAR_ONLY = "a bundle holds regular files only";
function kindOf(entry) {
  if (entry.isSymbolicLink()) return "a symbolic link";
  if (entry.isFIFO()) return "a FIFO (named pipe)";
  if (entry.isSocket()) return "a socket";
  if (entry.isBlockDevice()) return "a block device";
  if (entry.isCharacterDevice()) return "a character device";
  return "of an unknown kind";
}
function notRegularProblem(path, entry) {
  return `${path}: ${kindOf(entry)}, not a regular file (${REGULAR_ONLY})`;
}
async function unhashable(bundleDir, realDir, path) {
  if (path.startsWith("/") || path.split("/").some((s) => s === ".." || s === "." || s === "")) return `${path}: in ${BUNDLE_SUMS} but not a path inside the bundle`;
  const info = await (0, import_promises4.lstat)((0, import_node_path4.join)(bundleDir, path)).catch(() => void 0);
  if (!info) return `${itemName(path)}: missing`;
  if (!info.isFile()) return notRegularProblem(path, info);
  if (await (0, import_promises4.realpath)((0, import_node_path4.join)(bundleDir, path)) !== (0, import_node_path4.join)(realDir, path)) return `${path}: reached through a symbolic link (${REGULAR_ONLY})`;
  return void 0;
}
async function verifyDirectory(bundleDir, concurrency) {
  const text = await (0, import_promises4.readFile)((0, import_node_path4.join)(bundleDir, BUNDLE_SUMS), "utf8").catch(() => {
    throw new InputError(`${bundleDir} has no ${BUNDLE_SUMS}: not a complete bundle`);
  });
  const entries = parseSums(text);
  const realDir = await (0, import_promises4.realpath)(bundleDir);
  let bytes = 0;
  const results = await runPool(entries, Math.max(2, concurrency), async (e) => {
    const refused = await unhashable(bundleDir, realDir, e.path);
    if (refused) return refused;
    const got = await sha256File((0, import_node_path4.join)(bundleDir, e.path)).catch(() => void 0);
    if (!got) return `${itemName(e.path)}: missing`;
    bytes += got.size;
    if (got.sha256 !== e.sha256) return `${itemName(e.path)}: corrupt (sha256 ${got.sha256}, expected ${e.sha256})`;
    if (e.path.startsWith("images/blobs/sha256/") && e.path.slice(-64) !== got.sha256) return `${itemName(e.path)}: corrupt (its bytes hash to sha256:${got.sha256})`;
    return void 0;
  });
  return { checked: entries.length, bytes, problems: results.filter((r) => r !== void 0), sums: new Map(entries.map((e) => [e.path, e.sha256])) };
}
function versionProblems(manifest, sums) {
  const problems = [];
  const files = new Set(manifest.files.map((f) => f.path));
  const images = new Set(manifest.images.map((i) => i.line));
  const charts = new Set((manifest.charts ?? []).map((c) => c.path));
  for (const v of manifest.versions ?? []) {
    const name = `Kubespray ${versionName(v.kubespray)}`;
    const tarball = v.kubespray.tarball;
    if (tarball && sums.get(tarball.path) !== tarball.sha256) problems.push(`${tarball.path}: ${name}'s source, ${sums.has(tarball.path) ? `bundle.json says sha256 ${tarball.sha256}, ${BUNDLE_SUMS} says ${sums.get(tarball.path)}` : `not in ${BUNDLE_SUMS}`}`);
    for (const arch of manifest.arches) if (!sums.has(`${v.lists}/${arch}/files.json`)) problems.push(`${v.lists}/${arch}/files.json: ${name}'s lists for ${arch}, not in ${BUNDLE_SUMS}`);
    for (const path of v.files) if (!files.has(path)) problems.push(`${itemName(path)}: ${name} names it, but bundle.json's files do not`);
    for (const line of v.images) if (!images.has(line)) problems.push(`image ${line}: ${name} names it, but bundle.json's images do not`);
    for (const path of v.charts ?? []) if (!charts.has(path)) problems.push(`chart ${path}: ${name} names it, but bundle.json's charts do not`);
  }
  return problems;
}
async function runVerify(bundleDir, concurrency) {
  const manifest = await readBundleManifest(bundleDir);
  const { checked, bytes, problems, sums } = await verifyDirectory(bundleDir, concurrency);
  for (const f of manifest.files) {
    const listed = sums.get(f.path);
    if (listed === void 0) problems.push(`${itemName(f.path)}: in bundle.json but not in ${BUNDLE_SUMS}`);
    else if (listed !== f.sha256) problems.push(`${itemName(f.path)}: bundle.json says sha256 ${f.sha256}, ${BUNDLE_SUMS} says ${listed}`);
  }
  const layout = new OciLayout((0, import_node_path4.join)(bundleDir, "images"));
  const index = (await layout.readIndex()).manifests;
  for (const entry of index) {
    for (const digest of layout.reachable([entry])) {
      const path = `images/blobs/sha256/${digest.slice("sha256:".length)}`;
      if (!sums.has(path)) problems.push(`blob ${digest}: needed by image ${entry.annotations?.[REF_NAME] ?? entry.digest}, not in ${BUNDLE_SUMS}`);
    }
  }
  const saved = new Set(index.map((d) => d.annotations?.[REF_NAME]));
  for (const image of manifest.images) if (!saved.has(image.line)) problems.push(`image ${image.line}: in bundle.json but not in images/index.json`);
  problems.push(...versionProblems(manifest, sums));
  for (const e of await (0, import_promises4.readdir)(bundleDir, { recursive: true, withFileTypes: true })) {
    const path = (0, import_node_path4.relative)(bundleDir, (0, import_node_path4.join)(e.parentPath, e.name)).split(import_node_path4.sep).join("/");
    if (e.isDirectory() || path === STATE_DIR || path.startsWith(`${STATE_DIR}/`)) continue;
    if (!e.isFile()) problems.push(notRegularProblem(path, e));
    else if (isBundleContent(path) && !sums.has(path)) problems.push(`${itemName(path)}: not in ${BUNDLE_SUMS}`);
  }
  return { checked, bytes, problems: [...new Set(problems)] };
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

// src/report/progress.ts
function formatBytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

// src/adapters/out-dir.ts
var import_promises5 = require("node:fs/promises");
var import_node_path5 = require("node:path");
function reason(e) {
  return e.message.split(", ")[0];
}
var isMissing = (e) => e.code === "ENOENT" || e.code === "ENOTDIR";
function kindOf2(info) {
  return info.isFile() ? "a file" : info.isSocket() ? "a socket" : info.isFIFO() ? "a FIFO" : info.isCharacterDevice() || info.isBlockDevice() ? "a device" : "a special file";
}
async function requireDir(flag, path) {
  const label = `${flag} ${path}`;
  const dir = (0, import_node_path5.resolve)(path);
  const info = await (0, import_promises5.stat)(dir).catch((e) => {
    throw new InputError(isMissing(e) ? `${label}: no such directory` : `${label}: cannot read it (${reason(e)})`);
  });
  if (!info.isDirectory()) throw new InputError(`${label}: is ${kindOf2(info)}, not a directory`);
  return dir;
}

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
function positiveInt(name, value, fallback) {
  if (value === void 0) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} ${value}: expected a whole number of at least 1`);
  return Number(value);
}

// src/cli/commands/verify.ts
var USAGE = `Usage:
  kubespray-bundle verify --bundle DIR [--json]

Hashes every file and blob of the bundle (in parallel; sizes and times are never trusted) and
checks them against its SHA256SUMS and bundle.json: each missing or corrupt item is named (a
file by its path under files/, a blob by its digest), and the exit status is 1 if there is any.

Options:
  --bundle DIR        the bundle directory
  --concurrency N     files hashed at once (default 4)
  --json              print the result as one JSON object on stdout (also when it fails)
  -h, --help          show this help
`;
async function run(args) {
  const values = parseCommandArgs(args, { bundle: { type: "string" }, concurrency: { type: "string" }, json: { type: "boolean" } }, USAGE);
  if (!values) return;
  if (!values.bundle) throw new UsageError("--bundle DIR is required");
  const concurrency = positiveInt("concurrency", values.concurrency, 4);
  await requireDir("--bundle", values.bundle);
  const started = Date.now();
  const result = await runVerify(values.bundle, concurrency);
  if (values.json) writeOut(`${JSON.stringify({ bundle: values.bundle, ok: result.problems.length === 0, ...result, ms: Date.now() - started })}
`);
  if (result.problems.length) {
    throw new Error(`${values.bundle}: ${result.problems.length} problem(s):
` + result.problems.map((p) => `  ${p}`).join("\n"));
  }
  if (!values.json) writeOut(`${values.bundle}: ${result.checked} files (${formatBytes(result.bytes)}) verified in ${((Date.now() - started) / 1e3).toFixed(1)} s
`);
}
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  USAGE,
  run
});
