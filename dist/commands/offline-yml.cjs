const __kbFileUrl = require('node:url').pathToFileURL(__filename).href;
"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to2, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to2, key) && key !== except)
        __defProp(to2, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to2;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// src/cli/commands/offline-yml.ts
var offline_yml_exports = {};
__export(offline_yml_exports, {
  USAGE: () => USAGE,
  run: () => run
});
module.exports = __toCommonJS(offline_yml_exports);

// src/domain/kubespray/facts.ts
var MACHINE_OF_ARCH = { amd64: "x86_64", arm64: "aarch64" };
function machineOfNodeArch(nodeArch) {
  const map = { x64: "x86_64", arm64: "aarch64", arm: "armv7l", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", ia32: "i386" };
  return map[nodeArch] ?? nodeArch;
}
function hostFacts(machine) {
  const facts = /* @__PURE__ */ new Map([
    ["architecture", machine],
    ["machine", machine],
    ["userspace_architecture", machine],
    ["system", "Linux"]
  ]);
  const vars = /* @__PURE__ */ new Map();
  for (const [k2, v2] of facts) vars.set(`ansible_${String(k2)}`, v2);
  vars.set("ansible_facts", facts);
  return vars;
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

// src/adapters/out-dir.ts
var import_promises2 = require("node:fs/promises");
var import_node_path2 = require("node:path");

// src/domain/errors.ts
var InputError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InputError";
  }
};

// src/adapters/out-dir.ts
function reason(e) {
  return e.message.split(", ")[0];
}
var isMissing = (e) => e.code === "ENOENT" || e.code === "ENOTDIR";
function kindOf(info) {
  return info.isFile() ? "a file" : info.isSocket() ? "a socket" : info.isFIFO() ? "a FIFO" : info.isCharacterDevice() || info.isBlockDevice() ? "a device" : "a special file";
}
async function checkCreatable(label, dir, named) {
  let firstMissing;
  for (let current = dir; ; current = (0, import_node_path2.dirname)(current)) {
    const info = await (0, import_promises2.stat)(current).catch((e) => {
      if (isMissing(e)) return void 0;
      throw new InputError(`${label}: cannot reach ${current} (${reason(e)})`);
    });
    if (info?.isDirectory()) break;
    if (info) {
      const what = `${kindOf(info)}, not a directory`;
      if (current !== dir) throw new InputError(`${label}: cannot create ${dir}: ${current} is ${what}`);
      throw new InputError(named ? `${label}: is ${what}` : `${label}: ${dir} is ${what}`);
    }
    firstMissing = current;
    if ((0, import_node_path2.dirname)(current) === current) break;
  }
  if (!firstMissing) return true;
  const created = await (0, import_promises2.mkdir)(firstMissing).then(
    () => true,
    (e) => {
      if (e.code === "EEXIST") return false;
      throw new InputError(`${label}: cannot create ${firstMissing} (${reason(e)})`);
    }
  );
  if (created) await (0, import_promises2.rmdir)(firstMissing).catch(() => void 0);
  return false;
}
async function checkWritable(label, dir) {
  const probe = (0, import_node_path2.join)(dir, `.kubespray-bundle-write-test.${process.pid}`);
  try {
    await (await (0, import_promises2.open)(probe, "wx")).close();
  } catch (e) {
    throw new InputError(`${label}: cannot write in ${dir} (${reason(e)})`);
  }
  await (0, import_promises2.unlink)(probe).catch(() => void 0);
}
async function checkOutFile(flag2, path, example) {
  const label = `${flag2} ${path}`;
  const file = (0, import_node_path2.resolve)(path);
  const info = await (0, import_promises2.stat)(file).catch(() => void 0);
  if (info?.isDirectory()) throw new InputError(`${label}: is a directory; give the file to write, such as ${(0, import_node_path2.join)(path, example)}`);
  if (await checkCreatable(label, (0, import_node_path2.dirname)(file), false)) await checkWritable(label, (0, import_node_path2.dirname)(file));
  return file;
}
async function requireDir(flag2, path) {
  const label = `${flag2} ${path}`;
  const dir = (0, import_node_path2.resolve)(path);
  const info = await (0, import_promises2.stat)(dir).catch((e) => {
    throw new InputError(isMissing(e) ? `${label}: no such directory` : `${label}: cannot read it (${reason(e)})`);
  });
  if (!info.isDirectory()) throw new InputError(`${label}: is ${kindOf(info)}, not a directory`);
  return dir;
}

// src/domain/python/values.ts
var PyFloat = class {
  constructor(value) {
    this.value = value;
  }
  value;
};
var PyTuple = class {
  constructor(items) {
    this.items = items;
  }
  items;
};
var DictView = class {
  constructor(kind, dict) {
    this.kind = kind;
    this.dict = dict;
  }
  kind;
  dict;
  get items() {
    if (this.kind === "keys") return [...this.dict.keys()];
    if (this.kind === "values") return [...this.dict.values()];
    return [...this.dict.entries()].map(([k2, v2]) => new PyTuple([k2, v2]));
  }
};
var PyCallable = class {
  constructor(name, call) {
    this.name = name;
    this.call = call;
  }
  name;
  call;
};
var Undefined = class {
  constructor(hint, name, lenient = false) {
    this.hint = hint;
    this.name = name;
    this.lenient = lenient;
  }
  hint;
  name;
  lenient;
};
var PyError = class extends Error {
  constructor(pyType, message) {
    super(message);
    this.pyType = pyType;
    this.name = pyType;
  }
  pyType;
};
var UndefinedError = class extends Error {
  constructor(undefinedValue) {
    super(undefinedValue.hint);
    this.undefinedValue = undefinedValue;
    this.name = "AnsibleUndefinedVariable";
  }
  undefinedValue;
};
function isNumber(v2) {
  return typeof v2 === "number" || v2 instanceof PyFloat;
}
function numericValue(v2) {
  if (v2 instanceof PyFloat) return v2.value;
  if (typeof v2 === "boolean") return v2 ? 1 : 0;
  return v2;
}
function failIfUndefined(v2) {
  if (v2 instanceof Undefined) throw new UndefinedError(v2);
  return v2;
}
function typeName(v2) {
  if (v2 instanceof Undefined) return "AnsibleUndefined";
  if (typeof v2 === "string") return "str";
  if (typeof v2 === "boolean") return "bool";
  if (typeof v2 === "number") return "int";
  if (v2 === null) return "NoneType";
  if (v2 instanceof PyFloat) return "float";
  if (v2 instanceof PyTuple) return "tuple";
  if (Array.isArray(v2)) return "list";
  if (v2 instanceof Map) return "dict";
  if (v2 instanceof DictView) return `dict_${v2.kind}`;
  return "function";
}
function floatRepr(x) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e");
  const exponent = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    const frac = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expSign = exponent < 0 ? "-" : "+";
    return `${sign}${frac}e${expSign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fracPart = digits.slice(exponent + 1);
  return `${sign}${intPart}.${fracPart || "0"}`;
}
function stringRepr(s3) {
  const quote = s3.includes("'") && !s3.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s3) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "	") out += "\\t";
    else if (code < 32 || code === 127) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}
function pyRepr(v2) {
  if (typeof v2 === "string") return stringRepr(v2);
  return pyStr(v2);
}
function pyStr(v2) {
  if (typeof v2 === "string") return v2;
  if (typeof v2 === "number") return String(v2);
  if (typeof v2 === "boolean") return v2 ? "True" : "False";
  if (v2 === null) return "None";
  if (v2 instanceof PyFloat) return floatRepr(v2.value);
  if (v2 instanceof Undefined) {
    if (v2.lenient) return "";
    throw new UndefinedError(v2);
  }
  if (v2 instanceof PyTuple) {
    const inner = v2.items.map(pyRepr);
    return inner.length === 1 ? `(${inner[0]},)` : `(${inner.join(", ")})`;
  }
  if (Array.isArray(v2)) return `[${v2.map(pyRepr).join(", ")}]`;
  if (v2 instanceof Map) {
    return `{${[...v2.entries()].map(([k2, val]) => `${pyRepr(k2)}: ${pyRepr(val)}`).join(", ")}}`;
  }
  if (v2 instanceof DictView) return `dict_${v2.kind}(${pyStr(v2.items)})`;
  return `<built-in method ${v2.name}>`;
}
function truthy(v2) {
  if (v2 instanceof Undefined) {
    if (v2.lenient) return false;
    throw new UndefinedError(v2);
  }
  if (typeof v2 === "string") return v2.length > 0;
  if (typeof v2 === "number") return v2 !== 0;
  if (typeof v2 === "boolean") return v2;
  if (v2 === null) return false;
  if (v2 instanceof PyFloat) return v2.value !== 0;
  if (v2 instanceof PyTuple) return v2.items.length > 0;
  if (Array.isArray(v2)) return v2.length > 0;
  if (v2 instanceof Map) return v2.size > 0;
  if (v2 instanceof DictView) return v2.dict.size > 0;
  return true;
}
function pyEquals(a, b2) {
  if (a instanceof Undefined) throw new UndefinedError(a);
  if (b2 instanceof Undefined) throw new UndefinedError(b2);
  const numA = isNumber(a) || typeof a === "boolean";
  const numB = isNumber(b2) || typeof b2 === "boolean";
  if (numA && numB) return numericValue(a) === numericValue(b2);
  if (typeof a === "string" || typeof b2 === "string") return a === b2;
  if (a === null || b2 === null) return a === b2;
  if (a instanceof PyTuple && b2 instanceof PyTuple) return sequenceEquals(a.items, b2.items);
  if (Array.isArray(a) && Array.isArray(b2)) return sequenceEquals(a, b2);
  if (a instanceof Map && b2 instanceof Map) {
    if (a.size !== b2.size) return false;
    for (const [k2, v2] of a) {
      const other = dictGet(b2, k2);
      if (other === void 0 || !pyEquals(v2, other)) return false;
    }
    return true;
  }
  return a === b2;
}
function sequenceEquals(a, b2) {
  return a.length === b2.length && a.every((x, i) => pyEquals(x, b2[i]));
}
function pyCompare(a, b2, op) {
  failIfUndefined(a);
  failIfUndefined(b2);
  const numA = isNumber(a) || typeof a === "boolean";
  const numB = isNumber(b2) || typeof b2 === "boolean";
  if (numA && numB) return Math.sign(numericValue(a) - numericValue(b2));
  if (typeof a === "string" && typeof b2 === "string") return a < b2 ? -1 : a > b2 ? 1 : 0;
  const seqA = a instanceof PyTuple ? a.items : Array.isArray(a) ? a : void 0;
  const seqB = b2 instanceof PyTuple ? b2.items : Array.isArray(b2) ? b2 : void 0;
  if (seqA && seqB && a instanceof PyTuple === b2 instanceof PyTuple) {
    for (let i = 0; i < Math.min(seqA.length, seqB.length); i++) {
      if (!pyEquals(seqA[i], seqB[i])) return pyCompare(seqA[i], seqB[i], op);
    }
    return Math.sign(seqA.length - seqB.length);
  }
  throw new PyError(
    "TypeError",
    `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b2)}'`
  );
}
function ownEntry(table, name) {
  return Object.hasOwn(table, name) ? table[name] : void 0;
}
function dictGet(d, key) {
  if (typeof key === "string" || key === null) return d.get(key);
  const direct = d.get(key);
  if (direct !== void 0) return direct;
  if (isNumber(key) || typeof key === "boolean" || key instanceof PyTuple) {
    for (const [k2, v2] of d) {
      if (typeof k2 !== "string" && k2 !== null && pyEquals(k2, key)) return v2;
    }
  }
  return void 0;
}
function iterate(v2) {
  if (v2 instanceof Undefined) {
    if (v2.lenient) return [];
    throw new UndefinedError(v2);
  }
  if (typeof v2 === "string") return [...v2];
  if (Array.isArray(v2)) return v2;
  if (v2 instanceof PyTuple) return v2.items;
  if (v2 instanceof Map) return [...v2.keys()];
  if (v2 instanceof DictView) return v2.items;
  throw new PyError("TypeError", `'${typeName(v2)}' object is not iterable`);
}
function pyContains(container, item) {
  failIfUndefined(container);
  if (typeof container === "string") {
    if (typeof item !== "string") {
      throw new PyError("TypeError", `'in <string>' requires string as left operand, not ${typeName(item)}`);
    }
    return container.includes(item);
  }
  if (container instanceof Map) return dictGet(container, item) !== void 0;
  if (container instanceof DictView && container.kind === "keys") {
    return dictGet(container.dict, item) !== void 0;
  }
  return iterate(container).some((x) => pyEquals(x, item));
}

// src/domain/bundle.ts
var BUNDLE_MANIFEST = "bundle.json";
var STATE_DIR = ".kubespray-bundle";
function toJson(v2) {
  if (v2 instanceof Map) return Object.fromEntries([...v2].map(([k2, x]) => [pyStr(k2), toJson(x)]));
  if (Array.isArray(v2)) return v2.map(toJson);
  if (v2 instanceof PyTuple) return v2.items.map(toJson);
  if (v2 instanceof PyFloat) return v2.value;
  if (v2 === null || typeof v2 === "string" || typeof v2 === "number" || typeof v2 === "boolean") return v2;
  return pyStr(v2);
}
function versionName(origin) {
  return origin.tag ?? origin.commit?.slice(0, 12) ?? origin.spec;
}
function versionNames(manifest) {
  return manifest.versions ? manifest.versions.map((v2) => versionName(v2.kubespray)) : [versionName(manifest.kubespray)];
}
function versionView(manifest, wanted, flag2 = "--kubespray") {
  const names = versionNames(manifest);
  if (!manifest.versions) {
    if (wanted !== void 0 && !sameVersion(wanted, manifest.kubespray)) {
      throw new InputError(`${flag2} ${wanted}: this bundle holds Kubespray ${names[0]} only`);
    }
    return { manifest, lists: "lists" };
  }
  if (wanted === void 0) {
    throw new InputError(`this bundle holds ${names.length} Kubespray versions (${names.join(", ")}): say which with ${flag2} ${names[names.length - 1]} (or another of them)`);
  }
  const version = manifest.versions.find((v2) => sameVersion(wanted, v2.kubespray));
  if (!version) throw new InputError(`${flag2} ${wanted}: this bundle holds Kubespray ${names.join(", ")}; give one of these`);
  const files = new Set(version.files);
  const images = new Set(version.images);
  const charts = new Set(version.charts ?? []);
  const own = {
    ...manifest,
    kubespray: version.kubespray,
    kubeVersion: version.kubeVersion,
    files: manifest.files.filter((f2) => files.has(f2.path)),
    images: manifest.images.filter((i) => images.has(i.line))
  };
  const ownCharts = (manifest.charts ?? []).filter((c) => charts.has(c.path));
  if (ownCharts.length) own.charts = ownCharts;
  else delete own.charts;
  delete own.versions;
  return { manifest: own, lists: version.lists };
}
function sameVersion(wanted, origin) {
  const w2 = wanted.trim();
  if (origin.tag && (w2 === origin.tag || `v${w2}` === origin.tag)) return true;
  if (origin.commit && w2.length >= 7 && /^[0-9a-f]+$/.test(w2) && origin.commit.startsWith(w2)) return true;
  return w2 === origin.spec;
}

// src/pipeline/bundle-dir.ts
var import_promises3 = require("node:fs/promises");
var import_node_path3 = require("node:path");
async function readBundleManifest(bundleDir) {
  let text3;
  try {
    text3 = await (0, import_promises3.readFile)((0, import_node_path3.join)(bundleDir, BUNDLE_MANIFEST), "utf8");
  } catch {
    throw new InputError(`${bundleDir} is not a complete bundle: it has no ${BUNDLE_MANIFEST} (run the build command into it first)`);
  }
  try {
    return JSON.parse(text3);
  } catch (e) {
    throw new InputError(`${(0, import_node_path3.join)(bundleDir, BUNDLE_MANIFEST)}: not JSON (${e.message})`);
  }
}
function incompleteBundle(bundleDir, missing) {
  return new InputError(`${bundleDir} is not a complete bundle (it lacks ${missing}): run build again (or verify)`);
}
async function bundlePathOf(bundleDir, rel) {
  const path = (0, import_node_path3.join)(bundleDir, rel);
  try {
    await (0, import_promises3.access)(path);
  } catch {
    throw incompleteBundle(bundleDir, rel);
  }
  return path;
}

// src/pipeline/offline-yml.ts
var import_promises7 = require("node:fs/promises");
var import_node_path19 = require("node:path");

// src/domain/redact.ts
var SECRET_PARAM = /^(x-(amz|goog)-(signature|credential|security-token)|sig|signature|token|access_token|key|api[_-]?key|password|secret|x-ms-.*sig.*)$/i;
var URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
function redactUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, "//***@");
  }
  let changed = false;
  if (parsed.username || parsed.password) {
    parsed.username = "***";
    parsed.password = "";
    changed = true;
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(key)) {
      parsed.searchParams.set(key, "***");
      changed = true;
    }
  }
  return changed ? parsed.toString().replaceAll("%2A%2A%2A", "***") : url;
}
function redactText(text3) {
  return text3.replace(URL_IN_TEXT, (url) => redactUrl(url));
}

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
function parseReference(text3) {
  const original = text3;
  let rest = text3.trim();
  if (!rest) throw new ReferenceError2(text3, "empty");
  let digest;
  const at2 = rest.indexOf("@");
  if (at2 >= 0) {
    digest = rest.slice(at2 + 1);
    rest = rest.slice(0, at2);
    if (!DIGEST.test(digest)) throw new ReferenceError2(text3, `'${digest}' is not a sha256 digest (sha256: and 64 lowercase hex digits)`);
  }
  let tag;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError2(text3, `'${tag}' is not a valid tag`);
  }
  const parts = rest.split("/");
  let registry = DOCKER_HUB;
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === "localhost" || parts[0] !== parts[0].toLowerCase())) {
    registry = parts.shift() ?? DOCKER_HUB;
    if (!HOST.test(registry)) throw new ReferenceError2(text3, `'${registry}' is not a valid registry host`);
  }
  if (registry === "index.docker.io" || registry === DOCKER_HUB_API_HOST) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift("library");
  for (const part of parts) {
    if (!COMPONENT.test(part)) throw new ReferenceError2(text3, `'${part}' is not a valid repository path component (lowercase letters, digits, separators)`);
  }
  if (!tag && !digest) tag = "latest";
  return { original, registry, repository: parts.join("/"), tag, digest };
}

// src/domain/offline-vars.ts
function urlRoots(defaults) {
  return defaults.flatMap(([name, value]) => {
    const m2 = typeof value === "string" ? /^https?:\/\/([a-z0-9.-]+(?::\d+)?)\/?$/i.exec(value) : null;
    return m2 && name.endsWith("_url") ? [{ name, value, host: m2[1] }] : [];
  });
}
function rootPathOf(effective, defaultHost) {
  if (typeof effective !== "string" || /\{[{%]/.test(effective)) return defaultHost;
  let url;
  try {
    url = new URL(effective);
  } catch {
    return defaultHost;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return defaultHost;
  return `${url.host}${decodeURIComponent(url.pathname).replace(/\/+$/, "")}`;
}
var REGISTRY_VALUE = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)+|localhost)(?::\d+)?((?:\/[a-z0-9._-]+)*)$/i;
function registryRoots(defaults) {
  return defaults.flatMap(([name, value]) => {
    const m2 = typeof value === "string" ? REGISTRY_VALUE.exec(value) : null;
    return m2 && name.endsWith("_image_repo") ? [{ name, value, path: m2[1] }] : [];
  });
}
function registryPathOf(effective, defaultPath) {
  if (typeof effective !== "string") return defaultPath;
  const m2 = REGISTRY_VALUE.exec(effective);
  return m2 ? m2[1] : defaultPath;
}
function perFileUrl(filesRepoPath) {
  const paths = [...filesRepoPath.entries()];
  if (!paths.length) return void 0;
  const [firstArch, firstPath] = paths[0];
  if (paths.every(([, p2]) => p2 === firstPath)) return `{{ files_repo }}/${firstPath}`;
  const template = firstPath.split(firstArch).join("{{ image_arch }}");
  return paths.every(([arch, p2]) => template.split("{{ image_arch }}").join(arch) === p2) ? `{{ files_repo }}/${template}` : void 0;
}
function renderOfflineYml(header, sections) {
  const lines2 = [...header.map((h) => `# ${h}`), "---"];
  for (const section of sections) {
    const entries = Object.entries(section.vars);
    if (!entries.length) continue;
    lines2.push("", `# ${section.comment}`);
    for (const [k2, v2] of entries) lines2.push(`${k2}: ${JSON.stringify(v2)}`);
  }
  return `${lines2.join("\n")}
`;
}

// src/domain/secrets.ts
var REDACTED = "***";
var SECRET_WORD = /^(pass(word|wd|phrase)?|pwd|secrets?|tokens?|auth|credentials?|creds?)$/i;
var SECRET_PAIR = /(^|_)(private|api|access|secret|signing|ssh|tls|client|encryption)_?keys?(_|$)/i;
var NOT_A_VALUE = /[_.-](url|repo|path|file|dir|enabled|version|ttl|mode|type|name|user|username)$/i;
function isSecretName(name) {
  if (NOT_A_VALUE.test(name)) return false;
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").split(/[_.\-\s]+/).filter(Boolean);
  return words.some((w2) => SECRET_WORD.test(w2)) || SECRET_PAIR.test(words.join("_")) || /(password|passwd|passphrase|secret|credential)/i.test(name);
}
function collectSecretStrings(v2, into) {
  if (typeof v2 === "string") into.push(v2);
  else if (typeof v2 === "number") into.push(String(v2));
  else if (Array.isArray(v2)) v2.forEach((x) => collectNestedSecrets(x, into));
  else if (v2 && typeof v2 === "object") collectNestedSecrets(v2, into);
}
function collectNestedSecrets(v2, into) {
  if (Array.isArray(v2)) v2.forEach((x) => collectNestedSecrets(x, into));
  else if (v2 && typeof v2 === "object") {
    for (const [k2, x] of Object.entries(v2)) {
      if (isSecretName(k2)) collectSecretStrings(x, into);
      else collectNestedSecrets(x, into);
    }
  }
}
var MIN_SECRET_LENGTH = 4;
function findLeaks(secrets, places) {
  const leaks = [];
  for (const { name, value } of secrets) {
    if (value.length < MIN_SECRET_LENGTH || value === REDACTED) continue;
    const forms = [.../* @__PURE__ */ new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])];
    for (const [where, text3] of places) if (forms.some((f2) => text3.includes(f2))) leaks.push({ secret: name, where });
  }
  return leaks;
}

// src/adapters/kubespray-tree.ts
var import_node_fs2 = require("node:fs");
var import_node_path4 = require("node:path");

// src/domain/lazy-require.ts
var import_node_module = require("node:module");
var requireHere = (0, import_node_module.createRequire)(__kbFileUrl);
function lazyRequire(name) {
  let loaded;
  return () => {
    loaded ??= requireHere(true ? `${"../vendor"}/${name}.cjs` : name);
    return loaded;
  };
}

// src/domain/yaml/scalars.ts
var NULL = /^(?:~|null|Null|NULL|)$/;
var BOOL_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
var BOOL_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
var INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
var FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
function sexagesimal(digits) {
  return digits.split(":").reduce((acc, part) => acc * 60 + Number(part), 0);
}
function constructInt(source) {
  let text3 = source.replace(/_/g, "");
  let sign = 1;
  if (text3[0] === "-" || text3[0] === "+") {
    if (text3[0] === "-") sign = -1;
    text3 = text3.slice(1);
  }
  if (text3 === "0") return 0;
  if (text3.startsWith("0b")) return sign * parseInt(text3.slice(2), 2);
  if (text3.startsWith("0x")) return sign * parseInt(text3.slice(2), 16);
  if (text3.startsWith("0")) return sign * parseInt(text3, 8);
  if (text3.includes(":")) return sign * sexagesimal(text3);
  return sign * parseInt(text3, 10);
}
function constructFloat(source) {
  let text3 = source.replace(/_/g, "").toLowerCase();
  let sign = 1;
  if (text3[0] === "-" || text3[0] === "+") {
    if (text3[0] === "-") sign = -1;
    text3 = text3.slice(1);
  }
  if (text3 === ".inf") return new PyFloat(sign * Infinity);
  if (text3 === ".nan") return new PyFloat(NaN);
  if (text3.includes(":")) return new PyFloat(sign * sexagesimal(text3));
  return new PyFloat(sign * Number(text3));
}
function resolvePlainScalar(source) {
  if (NULL.test(source)) return null;
  if (BOOL_TRUE.test(source)) return true;
  if (BOOL_FALSE.test(source)) return false;
  if (INT.test(source)) return constructInt(source);
  if (FLOAT.test(source)) return constructFloat(source);
  return source;
}
function resolveTagged(tag, source) {
  switch (tag) {
    case "tag:yaml.org,2002:str":
      return source;
    case "tag:yaml.org,2002:int":
      return constructInt(source);
    case "tag:yaml.org,2002:float":
      return constructFloat(source);
    case "tag:yaml.org,2002:bool":
      return BOOL_TRUE.test(source);
    case "tag:yaml.org,2002:null":
      return null;
    // Ansible's !unsafe: never templated. A raw block keeps it literal through templating.
    case "!unsafe":
      return /[{][{%#]/.test(source) ? `{% raw %}${source}{% endraw %}` : source;
    default:
      return source;
  }
}

// src/domain/yaml/simple.ts
var OutsideSubset = class extends Error {
};
var outside = () => {
  throw new OutsideSubset();
};
var PLAIN_KEY = /^([A-Za-z0-9_][A-Za-z0-9_./-]*) *:(?= |$)/;
var BLOCK_SCALAR_HEADER = /^([|>])([-+]?) *(?:#.*)?$/;
var DOUBLE_QUOTED_ESCAPES = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "	",
  "	": "	",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1B",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\x85",
  _: "\xA0",
  L: "\u2028",
  P: "\u2029"
};
var HEX_ESCAPE_LENGTH = { x: 2, u: 4, U: 8 };
function parseSimpleYaml(text3) {
  if (text3.includes("	") || text3.includes("\r") || text3.charCodeAt(0) === 65279) return void 0;
  try {
    return new SimpleReader(text3).document();
  } catch (e) {
    if (e instanceof OutsideSubset) return void 0;
    throw e;
  }
}
var SimpleReader = class _SimpleReader {
  raw;
  lines;
  pos = 0;
  constructor(text3) {
    this.raw = text3.split("\n");
    this.lines = this.raw.map((raw) => {
      const content = raw.trimStart();
      return { indent: raw.length - content.length, content, insignificant: content === "" || content[0] === "#" };
    });
  }
  document() {
    this.skipInsignificant();
    if (this.atEnd()) return null;
    if (this.current().content === "---" && this.current().indent === 0) {
      this.pos++;
      this.skipInsignificant();
      if (this.atEnd()) return null;
    }
    if (this.current().indent !== 0) outside();
    const value = this.block(0);
    this.skipInsignificant();
    if (!this.atEnd()) outside();
    return value;
  }
  atEnd() {
    return this.pos >= this.lines.length;
  }
  current() {
    return this.lines[this.pos];
  }
  skipInsignificant() {
    while (!this.atEnd() && this.current().insignificant) this.pos++;
  }
  static isSequenceItem(content) {
    return content === "-" || content.startsWith("- ");
  }
  /** The collection starting at the current line, whose indentation is `indent`. */
  block(indent) {
    return _SimpleReader.isSequenceItem(this.current().content) ? this.sequence(indent) : this.mapping(indent);
  }
  mapping(indent) {
    const dict = /* @__PURE__ */ new Map();
    for (this.skipInsignificant(); !this.atEnd(); this.skipInsignificant()) {
      const line = this.current();
      if (line.indent < indent) break;
      if (line.indent > indent) outside();
      if (_SimpleReader.isSequenceItem(line.content)) break;
      const [key, length2] = mappingKey(line.content) ?? outside();
      dict.set(key, this.valueAfterIndicator(line.content.slice(length2), indent, true));
    }
    if (dict.size === 0) outside();
    return dict;
  }
  sequence(indent) {
    const list = [];
    for (this.skipInsignificant(); !this.atEnd(); this.skipInsignificant()) {
      const line = this.current();
      if (line.indent < indent || !_SimpleReader.isSequenceItem(line.content)) break;
      if (line.indent > indent) outside();
      const rest = line.content.slice(1);
      const item = rest.trimStart();
      const column = indent + 1 + rest.length - item.length;
      if (item !== "" && item[0] !== "#" && (_SimpleReader.isSequenceItem(item) || mappingKey(item))) {
        this.lines[this.pos] = { indent: column, content: item, insignificant: false };
        list.push(this.block(column));
      } else {
        list.push(this.valueAfterIndicator(rest, indent, false));
      }
    }
    return list;
  }
  /**
   * The value after "key:" or "-": inline on this line, or a nested block below it (for a
   * mapping value also an indentless "- " sequence at the key's own indentation).
   */
  valueAfterIndicator(rest, indent, inMapping) {
    const inline = rest.trimStart();
    if (rest !== "" && rest[0] !== " ") outside();
    if (inline === "" || inline[0] === "#") {
      this.pos++;
      this.skipInsignificant();
      if (this.atEnd()) return null;
      const next = this.current();
      if (next.indent > indent) return this.block(next.indent);
      if (inMapping && next.indent === indent && _SimpleReader.isSequenceItem(next.content)) return this.sequence(indent);
      return null;
    }
    const header = BLOCK_SCALAR_HEADER.exec(inline);
    if (header) return this.blockScalar(header[1] === ">", header[2], indent);
    const value = inlineScalar(inline);
    this.pos++;
    this.skipInsignificant();
    if (!this.atEnd() && this.current().indent > indent) outside();
    return value;
  }
  blockScalar(folded, chomping, indent) {
    const first = this.pos + 1;
    let end = first;
    let contentIndent = -1;
    for (; end < this.raw.length; end++) {
      const raw = this.raw[end];
      const line = this.lines[end];
      if (line.content === "") {
        if (contentIndent < 0 || raw.length > contentIndent) outside();
        continue;
      }
      if (contentIndent < 0) {
        if (line.indent <= indent) break;
        contentIndent = line.indent;
      }
      if (line.indent < contentIndent) {
        if (line.indent > indent) outside();
        break;
      }
      if (folded && line.indent > contentIndent) outside();
    }
    if (contentIndent < 0) outside();
    const body = this.raw.slice(first, end).map((raw) => raw.slice(contentIndent));
    let trailingBlank = 0;
    while (body.length && body[body.length - 1] === "") {
      body.pop();
      trailingBlank++;
    }
    this.pos = end;
    const text3 = folded ? foldLines(body) : body.join("\n");
    if (chomping === "-") return text3;
    if (chomping === "+") return text3 + "\n" + "\n".repeat(trailingBlank);
    return text3 + "\n";
  }
};
var AFTER_QUOTED_KEY = /^ *:(?= |$)/;
function mappingKey(content) {
  const plain = PLAIN_KEY.exec(content);
  if (plain) return [resolvePlainScalar(plain[1]), plain[0].length];
  const quote = content[0];
  if (quote !== '"' && quote !== "'") return void 0;
  const [key, end] = quote === '"' ? doubleQuoted(content, 0) : singleQuoted(content, 0);
  const colon = AFTER_QUOTED_KEY.exec(content.slice(end));
  return colon ? [key, end + colon[0].length] : void 0;
}
function foldLines(lines2) {
  let out = lines2[0] ?? "";
  let blanks = 0;
  for (const line of lines2.slice(1)) {
    if (line === "") {
      blanks++;
      continue;
    }
    out += blanks ? "\n".repeat(blanks) : " ";
    out += line;
    blanks = 0;
  }
  return out;
}
function expectLineEnd(rest) {
  const tail = rest.trimStart();
  if (tail !== "" && (tail[0] !== "#" || tail.length === rest.length)) outside();
}
function inlineScalar(text3) {
  switch (text3[0]) {
    case '"': {
      const [value, end] = doubleQuoted(text3, 0);
      expectLineEnd(text3.slice(end));
      return value;
    }
    case "'": {
      const [value, end] = singleQuoted(text3, 0);
      expectLineEnd(text3.slice(end));
      return value;
    }
    case "[":
      return flowSequence(text3);
    case "{":
      if (/^\{ *\}/.test(text3)) {
        expectLineEnd(text3.slice(text3.indexOf("}") + 1));
        return /* @__PURE__ */ new Map();
      }
      return outside();
    default:
      return plainScalar(text3);
  }
}
var PLAIN_FORBIDDEN_START = /^(?:[&*!|>%@`,\]}?:#]|- |-$)/;
function plainScalar(text3) {
  if (PLAIN_FORBIDDEN_START.test(text3)) outside();
  const comment = text3.indexOf(" #");
  const value = (comment < 0 ? text3 : text3.slice(0, comment)).trimEnd();
  if (value.includes(": ") || value.endsWith(":")) outside();
  return resolvePlainScalar(value);
}
function flowSequence(text3) {
  const items = [];
  let i = 1;
  const skipSpaces = () => {
    while (text3[i] === " ") i++;
  };
  skipSpaces();
  if (text3[i] === "]") {
    expectLineEnd(text3.slice(i + 1));
    return items;
  }
  for (; ; ) {
    skipSpaces();
    const c = text3[i];
    if (c === '"' || c === "'") {
      const [value, end] = c === '"' ? doubleQuoted(text3, i) : singleQuoted(text3, i);
      items.push(value);
      i = end;
    } else {
      const match = /^[^,\]\[{}:#"'&*!|>%@`?]+/.exec(text3.slice(i)) ?? outside();
      const plain = match[0].trimEnd();
      if (plain === "" || plain.startsWith("- ")) outside();
      items.push(resolvePlainScalar(plain));
      i += match[0].length;
    }
    skipSpaces();
    if (text3[i] === ",") {
      i++;
      continue;
    }
    if (text3[i] !== "]") outside();
    expectLineEnd(text3.slice(i + 1));
    return items;
  }
}
function doubleQuoted(text3, start) {
  const close = text3.indexOf('"', start + 1);
  const escape = text3.indexOf("\\", start + 1);
  if (close > 0 && (escape < 0 || escape > close)) return [text3.slice(start + 1, close), close + 1];
  let out = "";
  for (let i = start + 1; i < text3.length; i++) {
    const c = text3[i];
    if (c === '"') return [out, i + 1];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = text3[++i];
    const simple = DOUBLE_QUOTED_ESCAPES[e];
    if (simple !== void 0) {
      out += simple;
      continue;
    }
    const length2 = HEX_ESCAPE_LENGTH[e] ?? outside();
    const hex = text3.slice(i + 1, i + 1 + length2);
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length2) outside();
    out += String.fromCodePoint(parseInt(hex, 16));
    i += length2;
  }
  return outside();
}
function singleQuoted(text3, start) {
  const close = text3.indexOf("'", start + 1);
  if (close > 0 && text3[close + 1] !== "'") return [text3.slice(start + 1, close), close + 1];
  let out = "";
  for (let i = start + 1; i < text3.length; i++) {
    if (text3[i] !== "'") {
      out += text3[i];
      continue;
    }
    if (text3[i + 1] === "'") {
      out += "'";
      i++;
      continue;
    }
    return [out, i + 1];
  }
  return outside();
}

// src/domain/yaml11.ts
var yamlLibrary = lazyRequire("yaml");
var jsYamlLibrary = lazyRequire("js-yaml");
var YamlError = class extends Error {
  constructor(file, line, column, reason2) {
    super(`${file}:${line}:${column}: YAML error: ${reason2}`);
    this.file = file;
    this.line = line;
    this.column = column;
    this.reason = reason2;
    this.name = "YamlError";
  }
  file;
  line;
  column;
  reason;
};
var MAX_ALIAS_EXPANSION = 1e6;
var CHARACTERS_PER_NODE = 100;
var aliasesTooLarge = () => `the aliases in this file stand for more than ${MAX_ALIAS_EXPANSION.toLocaleString("en-US")} nodes when expanded (a "billion laughs" file?): write the repeated values out, or alias fewer and smaller collections`;
var recursiveAlias = (alias) => `alias *${alias} refers to a collection that contains it: a variable cannot hold a recursive structure, remove the alias`;
var AliasBudget = class {
  /** Expanded sizes of the collections aliased so far: each is sized once, so tallying is linear. */
  sizes = /* @__PURE__ */ new Map();
  expanded = 0;
  /** Counts one alias standing for `value`; false once the file's aliases cross the limit. */
  add(value) {
    this.expanded += this.expandedSize(value);
    return this.expanded <= MAX_ALIAS_EXPANSION;
  }
  /** Nodes in `value` as a tree. A recursive alias is refused before its value exists, so there is no cycle here. */
  expandedSize(value) {
    if (typeof value === "string") return 1 + Math.floor(value.length / CHARACTERS_PER_NODE);
    if (!Array.isArray(value) && !(value instanceof Map)) return 1;
    const known = this.sizes.get(value);
    if (known !== void 0) return known;
    let size = 1;
    for (const child of value instanceof Map ? value.values() : value) size += this.expandedSize(child);
    this.sizes.set(value, size);
    return size;
  }
};
var Converter = class {
  constructor(file, lines2, budget) {
    this.file = file;
    this.lines = lines2;
    this.budget = budget;
  }
  file;
  lines;
  budget;
  seen = /* @__PURE__ */ new Map();
  /** Anchors met so far in document order: what an alias names is the last one before it. */
  anchors = /* @__PURE__ */ new Map();
  /** Collections being converted: an alias to one of them would make a cycle. */
  open = /* @__PURE__ */ new Set();
  fail(node, reason2) {
    const pos = this.lines.linePos(node?.range?.[0] ?? 0);
    throw new YamlError(this.file, pos.line, pos.col, reason2);
  }
  convert(node) {
    const { isAlias, isScalar } = yamlLibrary();
    if (node === null || node === void 0) return null;
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      if (!target) this.fail(node, `unknown alias *${node.source}`);
      if (this.open.has(target)) this.fail(node, recursiveAlias(node.source));
      const value2 = this.convert(target);
      if (!this.budget.add(value2)) this.fail(node, aliasesTooLarge());
      return value2;
    }
    const anchor = node.anchor;
    if (anchor) this.anchors.set(anchor, node);
    if (isScalar(node)) {
      const source = String(node.value);
      if (node.tag) return resolveTagged(node.tag, source);
      return node.type === "PLAIN" ? resolvePlainScalar(source) : source;
    }
    const cached = this.seen.get(node);
    if (cached !== void 0) return cached;
    this.open.add(node);
    const value = this.convertCollection(node);
    this.open.delete(node);
    return value;
  }
  convertCollection(node) {
    const { isMap, isPair, isScalar, isSeq } = yamlLibrary();
    if (isSeq(node)) {
      const list = [];
      this.seen.set(node, list);
      for (const item of node.items) list.push(this.convert(item));
      return list;
    }
    if (isMap(node)) {
      const dict = /* @__PURE__ */ new Map();
      this.seen.set(node, dict);
      const merges = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key;
        if (isScalar(keyNode) && keyNode.type === "PLAIN" && keyNode.value === "<<" && !keyNode.tag) {
          merges.push(this.convert(pair.value));
          continue;
        }
        const key = this.convert(keyNode);
        if (Array.isArray(key) || key instanceof Map) this.fail(keyNode, "found unhashable key (a list or mapping used as a key)");
        dict.set(key, this.convert(pair.value));
      }
      if (merges.length) {
        const merged = /* @__PURE__ */ new Map();
        for (const source of merges.flatMap((m2) => Array.isArray(m2) ? m2 : [m2]).reverse()) {
          if (!(source instanceof Map)) this.fail(node, "expected a mapping for merging");
          for (const [k2, v2] of source) merged.set(k2, v2);
        }
        for (const [k2, v2] of dict) merged.set(k2, v2);
        this.seen.set(node, merged);
        return merged;
      }
      return dict;
    }
    return this.fail(node, "unsupported YAML node");
  }
};
function loadYamlDocumentsExact(text3, file) {
  const { LineCounter, parseAllDocuments } = yamlLibrary();
  const lines2 = new LineCounter();
  const docs = parseAllDocuments(text3, { schema: "failsafe", lineCounter: lines2, uniqueKeys: false, strict: false });
  const list = Array.isArray(docs) ? docs : [];
  const budget = new AliasBudget();
  return list.map((doc) => {
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0] ?? { line: 0, col: 0 };
      throw new YamlError(file, pos.line, pos.col, error.message.split("\n")[0]);
    }
    return new Converter(file, lines2, budget).convert(doc.contents);
  });
}
function loadYamlDocuments(text3, file) {
  const simple = parseSimpleYaml(text3);
  if (simple !== void 0 && simple !== null) return [simple];
  return loadYamlDocumentsFull(text3, file);
}
function loadYamlDocumentsFull(text3, file) {
  if (/(^|[\s{,])<<\s*:/m.test(text3)) return loadYamlDocumentsExact(text3, file);
  if (text3.includes("*")) return loadYamlDocumentsExact(text3, file);
  const fast = loadWithJsYaml(text3, file);
  return fast ?? loadYamlDocumentsExact(text3, file);
}
function loadYaml(text3, file) {
  const docs = loadYamlDocuments(text3, file);
  if (docs.length > 1) throw new YamlError(file, 1, 1, "expected a single document, found several");
  return docs.length ? docs[0] : null;
}
var Boxed = class {
  constructor(value) {
    this.value = value;
  }
  value;
  // js-yaml names any plain object key '[object Object]'; a tag of our own lets toString speak.
  get [Symbol.toStringTag]() {
    return "PyScalar";
  }
  /** As a property name: a marker no YAML text can produce, then the Python type and value. */
  toString() {
    const v2 = this.value;
    if (v2 === null) return "\0n";
    if (typeof v2 === "boolean") return `\0b${v2 ? 1 : 0}`;
    if (v2 instanceof PyFloat) return `\0f${v2.value}`;
    return `\0i${String(v2)}`;
  }
};
function unboxKey(key) {
  if (!key.startsWith("\0")) return key;
  const kind = key[1];
  const rest = key.slice(2);
  if (kind === "n") return null;
  if (kind === "b") return rest === "1";
  if (kind === "f") return new PyFloat(Number(rest));
  return Number(rest);
}
function buildPyYamlSchema(jsyaml) {
  const implicitType = (name, test, construct) => new jsyaml.Type(`tag:yaml.org,2002:${name}`, {
    kind: "scalar",
    resolve: (data) => data !== null && test.test(data),
    construct: (data) => new Boxed(construct(data ?? ""))
  });
  const unsafeType = new jsyaml.Type("!unsafe", {
    kind: "scalar",
    construct: (data) => resolveTagged("!unsafe", data ?? "")
  });
  return jsyaml.FAILSAFE_SCHEMA.extend({
    implicit: [
      implicitType("null", NULL, () => null),
      implicitType("bool", new RegExp(`${BOOL_TRUE.source}|${BOOL_FALSE.source}`), (s3) => BOOL_TRUE.test(s3)),
      implicitType("int", INT, constructInt),
      implicitType("float", FLOAT, constructFloat)
    ],
    explicit: [unsafeType]
  });
}
var pyYamlSchema;
var INTEGER_LIKE_KEY = /^(0|[1-9]\d{0,9})$/;
var NeedsExactPath = class extends Error {
};
function unbox(value) {
  if (value instanceof Boxed) return value.value;
  if (typeof value === "string") return value;
  if (value === null || value === void 0) return null;
  if (Array.isArray(value)) return value.map(unbox);
  if (typeof value === "object") {
    const dict = /* @__PURE__ */ new Map();
    for (const key of Object.keys(value)) {
      if (INTEGER_LIKE_KEY.test(key) || key.startsWith("[object ")) throw new NeedsExactPath();
      dict.set(unboxKey(key), unbox(value[key]));
    }
    return dict;
  }
  return value;
}
function loadWithJsYaml(text3, file) {
  const jsyaml = jsYamlLibrary();
  pyYamlSchema ??= buildPyYamlSchema(jsyaml);
  try {
    const docs = [];
    jsyaml.loadAll(text3, (doc) => docs.push(doc), { schema: pyYamlSchema, json: true, filename: file });
    return docs.map(unbox);
  } catch (e) {
    if (e instanceof NeedsExactPath) return void 0;
    if (e instanceof jsyaml.YAMLException) {
      throw new YamlError(file, (e.mark?.line ?? 0) + 1, (e.mark?.column ?? 0) + 1, e.reason);
    }
    throw e;
  }
}

// src/domain/ansible/layers.ts
function mergeLayers(layers) {
  const merged = /* @__PURE__ */ new Map();
  for (const layer of layers) {
    for (const [key, value] of layer.vars) merged.set(pyStr(key), { value, origin: layer.origin });
  }
  return merged;
}
function asVarsMapping(value, origin) {
  if (value === null) return /* @__PURE__ */ new Map();
  if (!(value instanceof Map)) {
    throw new Error(`${origin}: variables must be a YAML/JSON mapping of names to values, found a ${Array.isArray(value) ? "list" : typeof value}`);
  }
  return value;
}

// src/domain/kubespray/templates.ts
var KUBE_IMAGES = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"];
var KUBE_IMAGE_LINE_V_PREFIXED = "{{ kube_image_repo }}/$i:v{{ kube_version }}";
var KUBE_IMAGE_LINE_PLAIN = "{{ kube_image_repo }}/$i:{{ kube_version }}";
function lines(text3) {
  const all = text3.split("\n");
  if (all[all.length - 1] === "") all.pop();
  return all;
}
var joinLines = (ls2) => ls2.map((l) => `${l}
`).join("");
function scrapeFileLines(downloadYml) {
  return lines(downloadYml).filter((l) => l.includes("download_url:")).map((l) => {
    const cut = l.lastIndexOf("_url: ");
    return {
      template: (cut >= 0 ? l.slice(cut + "_url: ".length) : l).replace(/"/g, ""),
      component: /([A-Za-z0-9_]+)_download_url:/.exec(l)?.[1] ?? "file"
    };
  });
}
function downloadsRange(all) {
  const picked = [];
  let inRange = false;
  for (const line of all) {
    if (!inRange) {
      if (/^downloads:/.test(line)) {
        inRange = true;
        picked.push(line);
      }
    } else {
      picked.push(line);
      if (line.includes("download_defaults:")) inRange = false;
    }
  }
  return picked;
}
function scrapeImageLines(downloadYml, kubeImageLine, kubeImages = KUBE_IMAGES) {
  const printed = [];
  for (let line of downloadsRange(lines(downloadYml))) {
    if (line.includes("repo: ")) {
      line = line.replace("repo: ", "");
      printed.push(line);
    }
    if (line.includes("tag: ")) {
      line = line.replace("tag: ", "");
      printed.push(line);
    }
  }
  const squeezed = printed.map((l) => l.replace(/ /g, ""));
  const paired = [];
  for (let i = 0; i < squeezed.length; i += 2) {
    paired.push(i + 1 < squeezed.length ? `${squeezed[i]}:${squeezed[i + 1]}` : squeezed[i]);
  }
  const images = paired.map((l) => ({
    template: l.replace(/"/g, ""),
    component: /\{\{'?([A-Za-z0-9_]+?)_image_repo/.exec(l)?.[1] ?? /\{\{([A-Za-z0-9_]+)/.exec(l)?.[1] ?? "image"
  }));
  const kube = kubeImages.map((name) => ({ template: kubeImageLine.replace("$i", name), component: name }));
  return [...images, ...kube];
}
function templateText(templateLines) {
  return joinLines(templateLines.map((l) => l.template));
}
function readGenerateListScript(script) {
  const echo = /echo\s+"(\{\{\s*kube_image_repo\s*\}\}\/\$i:[^"]*)"/.exec(script);
  const downloadYml = /\$\{DOWNLOAD_YML:="([^"]+)"\}/.exec(script);
  const kubeImages = /^KUBE_IMAGES="([^"]*)"/m.exec(script);
  return {
    kubeImageLine: echo?.[1],
    downloadYml: downloadYml?.[1],
    kubeImages: kubeImages?.[1].split(/\s+/).filter(Boolean)
  };
}

// src/adapters/kubespray-tree.ts
var TreeError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "TreeError";
  }
};
var VARS_EXTENSIONS = ["", ".yml", ".yaml", ".json"];
function isDir(path) {
  return (0, import_node_fs2.existsSync)(path) && (0, import_node_fs2.statSync)(path).isDirectory();
}
function dirVarsFiles(dir) {
  return (0, import_node_fs2.readdirSync)(dir).sort().flatMap((name) => {
    if (name.startsWith(".")) return [];
    const full = (0, import_node_path4.join)(dir, name);
    if (isDir(full)) return dirVarsFiles(full);
    const dot = name.lastIndexOf(".");
    const ext = dot > 0 ? name.slice(dot) : "";
    return VARS_EXTENSIONS.includes(ext) ? [full] : [];
  });
}
function findVarsFiles(dir, name = "main") {
  for (const ext of VARS_EXTENSIONS) {
    const full = (0, import_node_path4.join)(dir, name + ext);
    if (!(0, import_node_fs2.existsSync)(full)) continue;
    return isDir(full) ? dirVarsFiles(full) : [full];
  }
  return [];
}
function loadVarsFile(path, root) {
  const origin = (0, import_node_path4.relative)(root, path) || path;
  return { origin, vars: asVarsMapping(loadYaml((0, import_node_fs2.readFileSync)(path, "utf8"), origin), origin) };
}
function chooseDefaultsRole(root, playbook) {
  const named = playbook ? /role:\s*(kubespray[-_]defaults)/.exec(playbook)?.[1] : void 0;
  const candidates = named ? [named] : ["kubespray_defaults", "kubespray-defaults"];
  for (const role of candidates) {
    const dir = (0, import_node_path4.join)(root, "roles", role);
    if (findVarsFiles((0, import_node_path4.join)(dir, "defaults")).length || findVarsFiles((0, import_node_path4.join)(dir, "vars")).length) return role;
  }
  throw new TreeError(
    `${root} is not a Kubespray tree: found no roles/${candidates.join(" or roles/")}/defaults/main*. Point --kubespray-dir at the root of a Kubespray checkout (the directory holding roles/).`
  );
}
function readOptional(path) {
  return (0, import_node_fs2.existsSync)(path) ? (0, import_node_fs2.readFileSync)(path, "utf8") : void 0;
}
function readKubesprayTree(root) {
  if (!isDir(root)) throw new TreeError(`--kubespray-dir ${root}: no such directory`);
  const script = readOptional((0, import_node_path4.join)(root, "contrib/offline/generate_list.sh"));
  const playbook = readOptional((0, import_node_path4.join)(root, "contrib/offline/generate_list.yml"));
  const defaultsRole = chooseDefaultsRole(root, playbook);
  const fromScript = script ? readGenerateListScript(script) : {};
  const downloadRel = fromScript.downloadYml ?? `roles/${defaultsRole}/defaults/main/download.yml`;
  const downloadPath = (0, import_node_path4.join)(root, downloadRel);
  if (!(0, import_node_fs2.existsSync)(downloadPath)) {
    throw new TreeError(`${downloadRel} is missing from ${root}: generate_list.sh scrapes the list templates from it`);
  }
  const kubeImageLine = fromScript.kubeImageLine ?? (defaultsRole === "kubespray_defaults" ? KUBE_IMAGE_LINE_V_PREFIXED : KUBE_IMAGE_LINE_PLAIN);
  const roles = [(0, import_node_path4.join)(root, "roles", defaultsRole), (0, import_node_path4.join)(root, "roles", "download")];
  const load = (sub) => roles.flatMap((role) => findVarsFiles((0, import_node_path4.join)(role, sub)).map((f2) => loadVarsFile(f2, root)));
  return {
    root,
    defaultsRole,
    downloadYml: { text: (0, import_node_fs2.readFileSync)(downloadPath, "utf8"), path: downloadRel },
    kubeImageLine,
    kubeImages: fromScript.kubeImages?.length ? fromScript.kubeImages : KUBE_IMAGES,
    roleDefaults: load("defaults"),
    roleVars: load("vars")
  };
}

// src/adapters/oci-layout.ts
var import_node_crypto = require("node:crypto");
var import_node_fs3 = require("node:fs");
var import_promises4 = require("node:fs/promises");
var import_node_os = require("node:os");
var import_node_path5 = require("node:path");

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
var DigestMismatchError = class extends Error {
  constructor(what, expected, got) {
    super(`${what}: digest mismatch: expected ${expected}, got ${got}`);
    this.name = "DigestMismatchError";
  }
};
var sha256Digest = (data) => `sha256:${(0, import_node_crypto.createHash)("sha256").update(data).digest("hex")}`;
var READ_NOFOLLOW = import_node_fs3.constants.O_RDONLY | (import_node_fs3.constants.O_NOFOLLOW ?? 0);
var OCI_LAYOUT_MARKER = '{"imageLayoutVersion":"1.0.0"}';
var OciLayout = class {
  constructor(dir) {
    this.dir = dir;
    this.root = (0, import_node_path5.dirname)(dir);
    this.tempDir = (0, import_node_path5.join)(this.root, ".kubespray-bundle", "tmp", (0, import_node_path5.basename)(dir));
    this.lockPath = (0, import_node_path5.join)(this.root, ".kubespray-bundle", `${(0, import_node_path5.basename)(dir)}.lock`);
  }
  dir;
  /** The output directory the layout sits in (its parent). */
  root;
  tempDir;
  lockPath;
  async init() {
    await ensureDirUnder(this.root, (0, import_node_path5.join)((0, import_node_path5.basename)(this.dir), "blobs", "sha256"));
    await ensureDirUnder(this.root, (0, import_node_path5.join)(".kubespray-bundle", "tmp", (0, import_node_path5.basename)(this.dir)));
    const marker = (0, import_node_path5.join)(this.dir, "oci-layout");
    const current = await regularFile(marker) ? await (0, import_promises4.readFile)(marker, { encoding: "utf8", flag: READ_NOFOLLOW }).catch(() => "") : "";
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
        return () => (0, import_promises4.rm)(this.lockPath, { force: true });
      } catch (e) {
        if (e.code !== "EEXIST" || attempt > 0) throw e;
        const holder = await this.lockHolder();
        if (holder && (holder.host !== (0, import_node_os.hostname)() || processAlive(holder.pid))) {
          throw new InputError(
            `${this.dir} is being written by another kubespray-bundle run (pid ${holder.pid} on ${holder.host}, since ${holder.started}); wait for it to finish, or remove ${this.lockPath} if that run is gone`
          );
        }
        await (0, import_promises4.rm)(this.lockPath, { force: true });
      }
    }
  }
  async lockHolder() {
    try {
      const holder = JSON.parse(await (0, import_promises4.readFile)(this.lockPath, { encoding: "utf8", flag: READ_NOFOLLOW }));
      return Number.isInteger(holder.pid) ? holder : void 0;
    } catch {
      return void 0;
    }
  }
  blobPath(digest) {
    const [algorithm, hex] = digest.split(":");
    if (algorithm !== "sha256" || !/^[a-f0-9]{64}$/.test(hex ?? "")) throw new Error(`unsupported digest '${digest}' (only sha256)`);
    return (0, import_node_path5.join)(this.dir, "blobs", "sha256", hex);
  }
  /** A blob is there when a regular file of the right size is (a link planted there is not). */
  async has(digest, size) {
    const info = (0, import_node_fs3.lstatSync)(this.blobPath(digest), { throwIfNoEntry: false });
    return info?.isFile() === true && info.size === size;
  }
  async readBlob(digest) {
    return (0, import_promises4.readFile)(this.blobPath(digest), { flag: READ_NOFOLLOW });
  }
  /** Callers check has() first, which refuses a link at the blob's path. */
  openBlob(digest) {
    return (0, import_node_fs3.createReadStream)(this.blobPath(digest), { highWaterMark: 1 << 20 });
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
    return (0, import_node_path5.join)(this.tempDir, `${(0, import_node_path5.basename)(this.blobPath(digest))}.part`);
  }
  /** Puts an assembled part file in place if its size and digest (hashed while it arrived) are right. */
  async adoptPart(descriptor, partPath, size, sha256Hex, what) {
    const got = `sha256:${sha256Hex}`;
    if (size !== descriptor.size) throw new Error(`${what}: got ${size} bytes, its descriptor gives ${descriptor.size}`);
    if (got !== descriptor.digest) throw new DigestMismatchError(what, descriptor.digest, got);
    (0, import_node_fs3.renameSync)(partPath, this.blobPath(descriptor.digest));
  }
  async readIndex() {
    try {
      const index = JSON.parse(await (0, import_promises4.readFile)((0, import_node_path5.join)(this.dir, "index.json"), { encoding: "utf8", flag: READ_NOFOLLOW }));
      return { schemaVersion: 2, mediaType: index.mediaType, manifests: Array.isArray(index.manifests) ? index.manifests : [] };
    } catch (e) {
      if (e.code === "ENOENT") return { schemaVersion: 2, manifests: [] };
      throw new InputError(`${(0, import_node_path5.join)(this.dir, "index.json")}: not a readable OCI index (${e.message}); remove it to start the layout afresh`);
    }
  }
  async writeIndex(index) {
    await writeFileAtomic((0, import_node_path5.join)(this.dir, "index.json"), JSON.stringify(index), this.tempDir);
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
      fd = (0, import_node_fs3.openSync)(this.blobPath(digest), READ_NOFOLLOW);
    } catch {
      return void 0;
    }
    try {
      return (0, import_node_fs3.readFileSync)(fd);
    } catch {
      return void 0;
    } finally {
      (0, import_node_fs3.closeSync)(fd);
    }
  }
  /** Removes every blob the index no longer reaches, and leftover temp files; returns what it freed. */
  async collectGarbage(entries) {
    const keep = new Set([...this.reachable(entries)].map((d) => d.slice("sha256:".length)));
    const dir = (0, import_node_path5.join)(this.dir, "blobs", "sha256");
    let blobs = 0;
    let bytes = 0;
    for (const name of await (0, import_promises4.readdir)(dir)) {
      if (keep.has(name)) continue;
      const info = await regularFile((0, import_node_path5.join)(dir, name));
      await (0, import_promises4.rm)((0, import_node_path5.join)(dir, name), { force: true, recursive: true });
      blobs++;
      bytes += info?.size ?? 0;
    }
    for (const name of await (0, import_promises4.readdir)(this.tempDir).catch(() => [])) await (0, import_promises4.rm)((0, import_node_path5.join)(this.tempDir, name), { force: true, recursive: true });
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

// src/pipeline/lists.ts
var import_node_fs5 = require("node:fs");
var import_node_path7 = require("node:path");

// src/adapters/inventory-files.ts
var import_node_fs4 = require("node:fs");
var import_node_path6 = require("node:path");

// src/domain/jinja/lexer.ts
var TemplateSyntaxError = class extends Error {
  constructor(message, line) {
    super(`${message} (template line ${line})`);
    this.line = line;
    this.name = "TemplateSyntaxError";
  }
  line;
};
var OPERATORS = [
  "//",
  "**",
  "==",
  "!=",
  ">=",
  "<=",
  "+",
  "-",
  "/",
  "*",
  "%",
  "~",
  "[",
  "]",
  "(",
  ")",
  "{",
  "}",
  ">",
  "<",
  "=",
  ".",
  ":",
  "|",
  ",",
  ";"
];
var NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
var FLOAT2 = /(?:\d+(?:_\d+)*\.\d+(?:_\d+)*(?:[eE][+-]?\d+(?:_\d+)*)?|\d+(?:_\d+)*[eE][+-]?\d+(?:_\d+)*)/y;
var INTEGER = /(?:0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[0-9a-fA-F])+|\d+(?:_\d+)*)/y;
var STRING = /'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)"/sy;
var WHITESPACE = /\s+/y;
var RAW_END = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g;
var TAG_START = /\{[{%#]/g;
function countLines(text3) {
  let n = 0;
  for (let i = text3.indexOf("\n"); i !== -1; i = text3.indexOf("\n", i + 1)) n++;
  return n;
}
function pythonUnescape(s3) {
  return s3.replace(
    /\\(?:([\\'"abfnrtv\n])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{1,3}))/g,
    (whole, simple, x, u2, U2, oct) => {
      if (simple !== void 0) {
        const map = {
          "\\": "\\",
          "'": "'",
          '"': '"',
          a: "\x07",
          b: "\b",
          f: "\f",
          n: "\n",
          r: "\r",
          t: "	",
          v: "\v",
          "\n": ""
        };
        return map[simple];
      }
      const hex = x ?? u2 ?? U2;
      if (hex !== void 0) return String.fromCodePoint(parseInt(hex, 16));
      if (oct !== void 0) return String.fromCodePoint(parseInt(oct, 8));
      return whole;
    }
  );
}
function tokenize(source, options) {
  const tokens = [];
  let pos = 0;
  let line = 1;
  let stripNextData = false;
  const pushData = (text3, lstrip) => {
    let value = stripNextData ? text3.replace(/^\s+/, "") : text3;
    if (lstrip) value = value.replace(/\s+$/, "");
    if (value) tokens.push({ type: "data", value, line });
    line += countLines(text3);
    stripNextData = false;
  };
  const skipTrimmedNewline = () => {
    if (options.trimBlocks && source[pos] === "\n") {
      pos++;
      line++;
    } else if (options.trimBlocks && source.startsWith("\r\n", pos)) {
      pos += 2;
      line++;
    }
  };
  while (pos < source.length) {
    TAG_START.lastIndex = pos;
    const tag = TAG_START.exec(source);
    if (!tag) {
      pushData(source.slice(pos), false);
      break;
    }
    const start = tag.index;
    const kind = source[start + 1];
    const control = source[start + 2];
    const lstrip = control === "-";
    pushData(source.slice(pos, start), lstrip);
    pos = start + 2 + (control === "-" || control === "+" ? 1 : 0);
    if (kind === "#") {
      const end = source.indexOf("#}", pos);
      if (end === -1) throw new TemplateSyntaxError("missing end of comment tag", line);
      line += countLines(source.slice(pos, end));
      stripNextData = source[end - 1] === "-";
      pos = end + 2;
      if (!stripNextData) skipTrimmedNewline();
      continue;
    }
    if (kind === "%" && /^\s*raw\s*[-+]?%\}/.test(source.slice(pos))) {
      const openEnd = source.indexOf("%}", pos);
      const stripAfterOpen = source[openEnd - 1] === "-";
      pos = openEnd + 2;
      if (!stripAfterOpen) skipTrimmedNewline();
      RAW_END.lastIndex = pos;
      const close = RAW_END.exec(source);
      if (!close) throw new TemplateSyntaxError("missing end of raw directive", line);
      let body = source.slice(pos, close.index);
      if (stripAfterOpen) body = body.replace(/^\s+/, "");
      if (close[1] === "-") body = body.replace(/\s+$/, "");
      if (body) tokens.push({ type: "data", value: body, line });
      line += countLines(source.slice(pos, close.index + close[0].length));
      pos = close.index + close[0].length;
      stripNextData = close[2] === "-";
      if (!stripNextData) skipTrimmedNewline();
      continue;
    }
    const isVariable = kind === "{";
    tokens.push({ type: isVariable ? "variable_begin" : "block_begin", value: `{${kind}`, line });
    pos = lexExpression(source, pos, isVariable, tokens, options, (n) => line += n, () => line);
    const closeControl = source[pos - 3];
    tokens.push({ type: isVariable ? "variable_end" : "block_end", value: isVariable ? "}}" : "%}", line });
    stripNextData = closeControl === "-";
    if (!isVariable && !stripNextData) skipTrimmedNewline();
  }
  tokens.push({ type: "eof", value: "", line });
  return tokens;
}
function lexExpression(source, start, isVariable, tokens, options, addLines, currentLine) {
  const closer = isVariable ? "}}" : "%}";
  let pos = start;
  let depth2 = 0;
  for (; ; ) {
    WHITESPACE.lastIndex = pos;
    const ws2 = WHITESPACE.exec(source);
    if (ws2) {
      addLines(countLines(ws2[0]));
      pos += ws2[0].length;
    }
    if (pos >= source.length) {
      throw new TemplateSyntaxError(`unexpected end of template, expected '${closer}'`, currentLine());
    }
    if (depth2 === 0) {
      if (source.startsWith(closer, pos)) return pos + 2;
      if ((source[pos] === "-" || source[pos] === "+") && source.startsWith(closer, pos + 1)) return pos + 3;
    }
    const line = currentLine();
    STRING.lastIndex = pos;
    const str2 = STRING.exec(source);
    if (str2) {
      const raw = str2[1] ?? str2[2];
      const value = options.escapeBackslashes && isVariable ? rawLiteral(raw) : pythonUnescape(raw);
      tokens.push({ type: "string", value, line });
      addLines(countLines(str2[0]));
      pos += str2[0].length;
      continue;
    }
    FLOAT2.lastIndex = pos;
    const flt = FLOAT2.exec(source);
    if (flt) {
      tokens.push({ type: "float", value: flt[0].replace(/_/g, ""), line });
      pos += flt[0].length;
      continue;
    }
    INTEGER.lastIndex = pos;
    const int = INTEGER.exec(source);
    if (int) {
      tokens.push({ type: "integer", value: int[0].replace(/_/g, ""), line });
      pos += int[0].length;
      continue;
    }
    NAME.lastIndex = pos;
    const name = NAME.exec(source);
    if (name) {
      tokens.push({ type: "name", value: name[0], line });
      pos += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, pos));
    if (!op) throw new TemplateSyntaxError(`unexpected char '${source[pos]}'`, line);
    if (op === "(" || op === "[" || op === "{") depth2++;
    if (op === ")" || op === "]" || op === "}") depth2--;
    tokens.push({ type: "operator", value: op, line });
    pos += op.length;
  }
}
function rawLiteral(raw) {
  return pythonUnescape(raw.replace(/\\/g, "\\\\"));
}

// src/domain/python/literal.ts
var LiteralSyntaxError = class extends Error {
};
var TOKEN = /\s+|#[^\n]*|([rRbBuU]{0,2})('''[\s\S]*?'''|"""[\s\S]*?"""|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")|(\d[\d_]*\.?[\d_]*(?:[eE][-+]?\d+)?|\.\d[\d_]*(?:[eE][-+]?\d+)?|0[xX][\da-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+)|([A-Za-z_]\w*)|([-+[\](){}:,])/y;
function tokenize2(src) {
  const tokens = [];
  let pos = 0;
  while (pos < src.length) {
    TOKEN.lastIndex = pos;
    const m2 = TOKEN.exec(src);
    if (!m2) throw new LiteralSyntaxError(`invalid syntax at ${pos}`);
    pos += m2[0].length;
    if (m2[2] !== void 0) {
      const prefix = m2[1].toLowerCase();
      if (prefix.includes("b")) throw new LiteralSyntaxError("bytes literals are not supported");
      const quoteLen = m2[2].startsWith("'''") || m2[2].startsWith('"""') ? 3 : 1;
      const body = m2[2].slice(quoteLen, -quoteLen);
      tokens.push({ kind: "str", text: prefix.includes("r") ? body : pythonUnescape(body) });
    } else if (m2[3] !== void 0) tokens.push({ kind: "num", text: m2[3] });
    else if (m2[4] !== void 0) tokens.push({ kind: "name", text: m2[4] });
    else if (m2[5] !== void 0) tokens.push({ kind: "op", text: m2[5] });
  }
  return tokens;
}
var NAMES = { True: true, False: false, None: null, true: true, false: false, null: null };
var LiteralParser = class {
  constructor(tokens) {
    this.tokens = tokens;
  }
  tokens;
  pos = 0;
  parseAll() {
    const value = this.parseExpr();
    if (this.pos !== this.tokens.length) throw new LiteralSyntaxError("trailing input");
    return value;
  }
  peek() {
    return this.tokens[this.pos];
  }
  isOp(text3) {
    const t = this.peek();
    return t?.kind === "op" && t.text === text3;
  }
  expect(text3) {
    if (!this.isOp(text3)) throw new LiteralSyntaxError(`expected ${text3}`);
    this.pos++;
  }
  /** Items up to `close`, allowing a trailing comma; reports whether any comma was seen. */
  parseItems(close, item) {
    let sawComma = false;
    while (!this.isOp(close)) {
      item();
      if (this.isOp(",")) {
        this.pos++;
        sawComma = true;
      } else break;
    }
    this.expect(close);
    return sawComma;
  }
  parseExpr() {
    const t = this.peek();
    if (!t) throw new LiteralSyntaxError("unexpected end");
    this.pos++;
    if (t.kind === "str") {
      let s3 = t.text;
      while (this.peek()?.kind === "str") s3 += this.tokens[this.pos++].text;
      return s3;
    }
    if (t.kind === "num") return parseNumber(t.text);
    if (t.kind === "name") {
      const named = ownEntry(NAMES, t.text);
      if (named === void 0) throw new LiteralSyntaxError(`malformed node: ${t.text}`);
      return named;
    }
    switch (t.text) {
      case "-":
      case "+": {
        const operand = this.parseExpr();
        if (typeof operand === "number") return t.text === "-" ? -operand : operand;
        if (operand instanceof PyFloat) return new PyFloat(t.text === "-" ? -operand.value : operand.value);
        throw new LiteralSyntaxError("malformed unary operand");
      }
      case "[": {
        const items = [];
        this.parseItems("]", () => items.push(this.parseExpr()));
        return items;
      }
      case "(": {
        const items = [];
        const sawComma = this.parseItems(")", () => items.push(this.parseExpr()));
        return items.length === 1 && !sawComma ? items[0] : new PyTuple(items);
      }
      case "{": {
        const dict = /* @__PURE__ */ new Map();
        this.parseItems("}", () => {
          const key = this.parseExpr();
          if (!this.isOp(":")) throw new LiteralSyntaxError("set literals are not supported");
          this.pos++;
          if (Array.isArray(key) || key instanceof Map) throw new LiteralSyntaxError("unhashable key");
          dict.set(key, this.parseExpr());
        });
        return dict;
      }
      default:
        throw new LiteralSyntaxError(`unexpected ${t.text}`);
    }
  }
};
function parseNumber(text3) {
  const clean = text3.replace(/_/g, "");
  const lower = clean.toLowerCase();
  if (lower.startsWith("0x")) return parseInt(lower.slice(2), 16);
  if (lower.startsWith("0o")) return parseInt(lower.slice(2), 8);
  if (lower.startsWith("0b")) return parseInt(lower.slice(2), 2);
  if (/[.eE]/.test(clean)) return new PyFloat(Number(clean));
  if (/^0\d/.test(clean)) throw new LiteralSyntaxError("leading zeros in decimal integer literals are not permitted");
  return parseInt(clean, 10);
}
function literalEval(text3) {
  try {
    return new LiteralParser(tokenize2(text3)).parseAll();
  } catch (e) {
    if (e instanceof LiteralSyntaxError) return void 0;
    throw e;
  }
}

// src/domain/ansible/inventory.ts
var InventoryError = class extends Error {
  constructor(file, line, message) {
    super(`${file}:${line}: ${message}`);
    this.name = "InventoryError";
  }
};
function emptyInventory() {
  const inv = { groups: /* @__PURE__ */ new Map(), hostVars: /* @__PURE__ */ new Map(), origins: /* @__PURE__ */ new Map() };
  ensureGroup(inv, "all");
  ensureGroup(inv, "ungrouped");
  return inv;
}
function ensureGroup(inv, name) {
  let group = inv.groups.get(name);
  if (!group) {
    group = { name, vars: /* @__PURE__ */ new Map(), parents: /* @__PURE__ */ new Set(), hosts: /* @__PURE__ */ new Set() };
    inv.groups.set(name, group);
    if (name !== "all") group.parents.add("all");
  }
  return group;
}
function addHost(inv, group, host, vars, origin) {
  ensureGroup(inv, group).hosts.add(host);
  const existing = inv.hostVars.get(host) ?? /* @__PURE__ */ new Map();
  for (const [k2, v2] of vars) existing.set(k2, v2);
  inv.hostVars.set(host, existing);
  inv.origins.set(`host:${host}`, origin);
}
function addChild(inv, parent, child) {
  ensureGroup(inv, parent);
  const group = ensureGroup(inv, child);
  group.parents.add(parent);
  if (parent !== "all") group.parents.delete("all");
}
function iniValue(text3) {
  return literalEval(text3) ?? text3;
}
function expandHostPattern(pattern) {
  const m2 = /^(.*?)\[([0-9a-z]+):([0-9a-z]+)(?::(\d+))?\](.*)$/.exec(pattern);
  if (!m2) return [pattern];
  const [, head, from, to2, stepText, tail] = m2;
  const step = Number(stepText ?? 1);
  const out = [];
  if (/^\d+$/.test(from)) {
    const width = from.startsWith("0") ? from.length : 0;
    for (let i = Number(from); i <= Number(to2); i += step) out.push(`${head}${String(i).padStart(width, "0")}${tail}`);
  } else {
    for (let c = from.charCodeAt(0); c <= to2.charCodeAt(0); c += step) out.push(`${head}${String.fromCharCode(c)}${tail}`);
  }
  return out.flatMap(expandHostPattern);
}
function shellWords(line) {
  const words = [];
  let current = null;
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === "\\" && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current = current ?? "";
    } else if (ch === "#") {
      break;
    } else if (/\s/.test(ch)) {
      if (current !== null) words.push(current);
      current = null;
    } else if (ch === "\\" && i + 1 < line.length) {
      current = (current ?? "") + line[++i];
    } else {
      current = (current ?? "") + ch;
    }
  }
  if (current !== null) words.push(current);
  return words;
}
function parseIniInventory(inv, text3, file) {
  let group = "ungrouped";
  let state = "hosts";
  const pendingChildren = [];
  text3.split(/\r?\n/).forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) return;
    const section = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/.exec(line);
    if (section) {
      group = section[1];
      const kind = section[2] ?? "hosts";
      if (kind !== "hosts" && kind !== "vars" && kind !== "children") {
        throw new InventoryError(file, lineNo, `Section [${section[1]}:${kind}] has unknown type: ${kind}`);
      }
      state = kind;
      if (state !== "vars") ensureGroup(inv, group);
      return;
    }
    if (line.startsWith("[")) {
      throw new InventoryError(file, lineNo, `Invalid section entry: '${line}'. Make sure there are no spaces or other invalid characters in the section name`);
    }
    if (state === "hosts") {
      const [pattern, ...assignments] = shellWords(line);
      const vars = /* @__PURE__ */ new Map();
      for (const a of assignments) {
        const eq = a.indexOf("=");
        if (eq <= 0) throw new InventoryError(file, lineNo, `Expected key=value host variable assignment, got: ${a}`);
        vars.set(a.slice(0, eq), iniValue(a.slice(eq + 1)));
      }
      for (const host of expandHostPattern(pattern.replace(/:\d+$/, ""))) addHost(inv, group, host, vars, file);
    } else if (state === "vars") {
      const eq = line.indexOf("=");
      if (eq < 0) throw new InventoryError(file, lineNo, `Expected key=value, got: ${line}`);
      const g2 = ensureGroup(inv, group);
      g2.vars.set(line.slice(0, eq).trim(), iniValue(line.slice(eq + 1).trim()));
      inv.origins.set(`group:${group}`, file);
    } else {
      const child = /^([^:\]\s]+)\s*(?:[#;].*)?$/.exec(line);
      if (!child) throw new InventoryError(file, lineNo, `Expected group name, got: ${line}`);
      pendingChildren.push({ parent: group, child: child[1], line: lineNo });
    }
  });
  for (const { parent, child, line } of pendingChildren) {
    if (!inv.groups.has(child)) {
      throw new InventoryError(file, line, `Section [${parent}:children] includes undefined group: ${child}`);
    }
    addChild(inv, parent, child);
  }
}
function asMapping(value, file, where) {
  if (value === null) return /* @__PURE__ */ new Map();
  if (!(value instanceof Map)) throw new InventoryError(file, 0, `${where} must be a mapping`);
  return value;
}
function parseYamlInventory(inv, doc, file) {
  const visit = (name, body, parent) => {
    const group = ensureGroup(inv, name);
    if (parent) addChild(inv, parent, name);
    const data = asMapping(body, file, `group '${name}'`);
    for (const [key, value] of data) {
      const section = pyStr(key);
      if (section === "vars") {
        for (const [k2, v2] of asMapping(value, file, `${name}.vars`)) group.vars.set(k2, v2);
        inv.origins.set(`group:${name}`, file);
      } else if (section === "hosts") {
        for (const [host, hostVars] of asMapping(value, file, `${name}.hosts`)) {
          for (const h of expandHostPattern(pyStr(host))) addHost(inv, name, h, asMapping(hostVars, file, `host '${h}'`), file);
        }
      } else if (section === "children") {
        for (const [child, childBody] of asMapping(value, file, `${name}.children`)) visit(pyStr(child), childBody, name);
      } else {
        throw new InventoryError(file, 0, `group '${name}' has unexpected key '${section}' (expected vars, hosts or children)`);
      }
    }
  };
  for (const [name, body] of asMapping(doc, file, "the inventory")) visit(pyStr(name), body);
}
function depth(inv, name, seen = /* @__PURE__ */ new Set()) {
  if (name === "all" || seen.has(name)) return 0;
  seen.add(name);
  const group = inv.groups.get(name);
  if (!group || group.parents.size === 0) return 1;
  return 1 + Math.max(...[...group.parents].map((p2) => depth(inv, p2, seen)));
}
function hostGroups(inv, host) {
  const found = /* @__PURE__ */ new Set();
  const addWithAncestors = (name) => {
    if (found.has(name) || name === "all") return;
    found.add(name);
    for (const p2 of inv.groups.get(name)?.parents ?? []) addWithAncestors(p2);
  };
  for (const group of inv.groups.values()) if (group.hosts.has(host)) addWithAncestors(group.name);
  return [...found].sort((a, b2) => depth(inv, a) - depth(inv, b2) || (a < b2 ? -1 : a > b2 ? 1 : 0));
}

// src/adapters/inventory-files.ts
var IGNORED_IN_DIR = [".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".ini", ".cfg", ".retry"];
var YAML_EXTS = [".yml", ".yaml", ".json"];
var InventoryFileError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InventoryFileError";
  }
};
function parseInventoryFile(inv, path) {
  const text3 = (0, import_node_fs4.readFileSync)(path, "utf8");
  if (YAML_EXTS.includes((0, import_node_path6.extname)(path))) parseYamlInventory(inv, loadYaml(text3, path), path);
  else parseIniInventory(inv, text3, path);
}
function inventorySourceFiles(path) {
  if (!(0, import_node_fs4.existsSync)(path)) throw new InventoryFileError(`-i ${path}: no such file or directory`);
  if (!(0, import_node_fs4.statSync)(path).isDirectory()) return [path];
  return (0, import_node_fs4.readdirSync)(path).sort().filter((name) => !name.startsWith(".") && name !== "group_vars" && name !== "host_vars").filter((name) => !IGNORED_IN_DIR.some((ext) => name.endsWith(ext))).map((name) => (0, import_node_path6.join)(path, name)).filter((full) => (0, import_node_fs4.statSync)(full).isFile());
}
function entityVars(baseDir, kind, name, root) {
  const dir = (0, import_node_path6.join)(baseDir, kind);
  if (!(0, import_node_fs4.existsSync)(dir)) return [];
  return findVarsFiles(dir, name).map((file) => loadVarsFile(file, root));
}
function readInventoryVars(paths, playbookDir, host = "localhost", cwd = process.cwd()) {
  const inv = emptyInventory();
  const baseDirs = [];
  for (const path of paths) {
    for (const file of inventorySourceFiles(path)) parseInventoryFile(inv, file);
    baseDirs.push((0, import_node_fs4.existsSync)(path) && (0, import_node_fs4.statSync)(path).isDirectory() ? path : (0, import_node_path6.dirname)(path));
  }
  const groups = hostGroups(inv, host);
  const fileGroupLayer = (name) => ({
    origin: inv.origins.get(`group:${name}`) ?? "inventory",
    vars: inv.groups.get(name)?.vars ?? /* @__PURE__ */ new Map()
  });
  const pluginLayers = (kind, name) => [
    ...baseDirs.flatMap((d) => entityVars(d, kind, name, cwd)),
    ...entityVars(playbookDir, kind, name, cwd)
  ];
  const layers = [
    fileGroupLayer("all"),
    ...groups.map(fileGroupLayer),
    ...pluginLayers("group_vars", "all"),
    ...groups.flatMap((g2) => pluginLayers("group_vars", g2)),
    { origin: inv.origins.get(`host:${host}`) ?? "inventory", vars: inv.hostVars.get(host) ?? /* @__PURE__ */ new Map() },
    ...pluginLayers("host_vars", host)
  ];
  return { layers, groupNames: groups, inventory: inv };
}

// src/domain/ansible/extra-vars.ts
var ExtraVarsError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "ExtraVarsError";
  }
};
function splitArgs(text3) {
  const out = [];
  let current = "";
  let quote = null;
  for (let i = 0; i < text3.length; i++) {
    const ch = text3[i];
    if (quote) {
      if (ch === "\\" && i + 1 < text3.length) {
        current += ch + text3[++i];
        continue;
      }
      if (ch === quote) quote = null;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (/\s/.test(ch)) {
      if (current) out.push(current);
      current = "";
    } else current += ch;
  }
  if (quote) throw new ExtraVarsError(`unbalanced quotes in -e '${text3}'`);
  if (current) out.push(current);
  return out;
}
function unquote(value) {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) {
    return value.slice(1, -1);
  }
  return value;
}
function parseKeyValueVars(text3) {
  const vars = /* @__PURE__ */ new Map();
  for (const token of splitArgs(text3)) {
    const eq = token.indexOf("=");
    if (eq <= 0) {
      throw new ExtraVarsError(`-e '${text3}': expected key=value, @file or JSON, got '${token}'`);
    }
    vars.set(token.slice(0, eq), unquote(token.slice(eq + 1)));
  }
  return vars;
}
function extraVarsLayer(arg, readFile4) {
  const trimmed = arg.trim();
  if (trimmed.startsWith("@")) {
    const path = trimmed.slice(1);
    let text3;
    try {
      text3 = readFile4(path);
    } catch (e) {
      throw new ExtraVarsError(`-e @${path}: cannot read the file (${e.code ?? e.message})`);
    }
    return { origin: path, vars: asVarsMapping(loadYaml(text3, path), path) };
  }
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    const value = loadYaml(trimmed, "-e argument");
    return { origin: "extra vars (-e)", vars: asVarsMapping(value, `-e '${arg}'`) };
  }
  return { origin: "extra vars (-e)", vars: parseKeyValueVars(trimmed) };
}

// src/domain/jinja/parser.ts
var COMPARE_OPS = /* @__PURE__ */ new Set(["==", "!=", "<", ">", "<=", ">="]);
var CONSTANT_NAMES = {
  true: true,
  True: true,
  false: false,
  False: false,
  none: null,
  None: null
};
function parseTemplate(source, options) {
  const parser = new Parser(tokenize(source, options));
  const body = parser.parseBody([]);
  return body.stmts;
}
var Parser = class {
  constructor(tokens) {
    this.tokens = tokens;
  }
  tokens;
  pos = 0;
  get current() {
    return this.tokens[this.pos];
  }
  peek(offset = 1) {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }
  next() {
    return this.tokens[this.pos++];
  }
  isOp(value, token = this.current) {
    return token.type === "operator" && token.value === value;
  }
  isName(value, token = this.current) {
    return token.type === "name" && token.value === value;
  }
  fail(message, token = this.current) {
    throw new TemplateSyntaxError(message, token.line);
  }
  expectOp(value) {
    if (!this.isOp(value)) this.fail(`expected '${value}', got '${this.current.value || this.current.type}'`);
    return this.next();
  }
  expectType(type) {
    if (this.current.type !== type) this.fail(`expected ${type.replace("_", " ")}, got '${this.current.value || this.current.type}'`);
    return this.next();
  }
  expectName() {
    return this.expectType("name").value;
  }
  /** Parses statements until a block tag named in `endTags`; returns the tag that ended it. */
  parseBody(endTags) {
    const stmts = [];
    for (; ; ) {
      const token = this.current;
      if (token.type === "eof") {
        if (endTags.length) this.fail(`unexpected end of template, expected ${endTags.map((t) => `'${t}'`).join(" or ")}`);
        return { stmts };
      }
      if (token.type === "data") {
        stmts.push({ kind: "data", text: token.value, line: token.line });
        this.next();
      } else if (token.type === "variable_begin") {
        this.next();
        const expr = this.parseTupleExpr(true);
        this.expectType("variable_end");
        stmts.push({ kind: "output", expr, line: token.line });
      } else if (token.type === "block_begin") {
        const tag = this.peek();
        if (tag.type === "name" && endTags.includes(tag.value)) {
          this.next();
          this.next();
          return { stmts, endTag: tag.value };
        }
        this.next();
        stmts.push(this.parseStatement());
      } else {
        this.fail(`unexpected '${token.value}'`);
      }
    }
  }
  parseStatement() {
    const tag = this.current;
    if (tag.type !== "name") this.fail("tag name expected");
    this.next();
    switch (tag.value) {
      case "if":
        return this.parseIf(tag.line);
      case "for":
        return this.parseFor(tag.line);
      case "set":
        return this.parseSet(tag.line);
      default:
        return this.fail(`unsupported or unknown tag '${tag.value}'`, tag);
    }
  }
  parseIf(line) {
    const branches = [];
    let test = this.parseTupleExpr(true);
    this.expectType("block_end");
    for (; ; ) {
      const { stmts, endTag } = this.parseBody(["elif", "else", "endif"]);
      branches.push({ test, body: stmts });
      if (endTag === "elif") {
        test = this.parseTupleExpr(true);
        this.expectType("block_end");
        continue;
      }
      if (endTag === "else") {
        this.expectType("block_end");
        const rest = this.parseBody(["endif"]);
        this.expectType("block_end");
        return { kind: "if", branches, otherwise: rest.stmts, line };
      }
      this.expectType("block_end");
      return { kind: "if", branches, otherwise: [], line };
    }
  }
  parseFor(line) {
    const targets = this.parseAssignTargets();
    if (!this.isName("in")) this.fail("expected 'in'");
    this.next();
    const iter = this.parseOr();
    let filter;
    if (this.isName("if")) {
      this.next();
      filter = this.parseTupleExpr(true);
    }
    if (this.isName("recursive")) this.fail("recursive loops are not supported");
    this.expectType("block_end");
    const { stmts, endTag } = this.parseBody(["else", "endfor"]);
    let otherwise = [];
    this.expectType("block_end");
    if (endTag === "else") {
      otherwise = this.parseBody(["endfor"]).stmts;
      this.expectType("block_end");
    }
    return { kind: "for", targets, iter, filter, body: stmts, otherwise, line };
  }
  parseSet(line) {
    const targets = this.parseAssignTargets();
    if (!this.isOp("=")) this.fail("block assignments ({% set x %}...{% endset %}) are not supported");
    this.next();
    const expr = this.parseTupleExpr(true);
    this.expectType("block_end");
    return { kind: "set", targets, expr, line };
  }
  parseAssignTargets() {
    const parenthesized = this.isOp("(");
    if (parenthesized) this.next();
    const names = [this.expectName()];
    while (this.isOp(",")) {
      this.next();
      if (this.current.type !== "name") break;
      names.push(this.expectName());
    }
    if (parenthesized) this.expectOp(")");
    return names;
  }
  /** An expression, or a tuple when commas follow (`{{ a, b }}`). */
  parseTupleExpr(withCond) {
    const line = this.current.line;
    const first = withCond ? this.parseExpression() : this.parseOr();
    if (!this.isOp(",")) return first;
    const items = [first];
    while (this.isOp(",")) {
      this.next();
      if (this.current.type === "variable_end" || this.current.type === "block_end") break;
      items.push(withCond ? this.parseExpression() : this.parseOr());
    }
    return { kind: "tuple", items, line };
  }
  parseExpression() {
    let expr = this.parseOr();
    while (this.isName("if")) {
      const line = this.next().line;
      const test = this.parseOr();
      let otherwise;
      if (this.isName("else")) {
        this.next();
        otherwise = this.parseExpression();
      }
      expr = { kind: "cond", test, then: expr, otherwise, line };
    }
    return expr;
  }
  parseOr() {
    let left = this.parseAnd();
    while (this.isName("or")) {
      const line = this.next().line;
      left = { kind: "or", left, right: this.parseAnd(), line };
    }
    return left;
  }
  parseAnd() {
    let left = this.parseNot();
    while (this.isName("and")) {
      const line = this.next().line;
      left = { kind: "and", left, right: this.parseNot(), line };
    }
    return left;
  }
  parseNot() {
    if (this.isName("not")) {
      const line = this.next().line;
      return { kind: "unary", op: "not", operand: this.parseNot(), line };
    }
    return this.parseCompare();
  }
  parseCompare() {
    const line = this.current.line;
    const first = this.parseMath1();
    const rest = [];
    for (; ; ) {
      if (this.current.type === "operator" && COMPARE_OPS.has(this.current.value)) {
        const op = this.next().value;
        rest.push([op, this.parseMath1()]);
      } else if (this.isName("in")) {
        this.next();
        rest.push(["in", this.parseMath1()]);
      } else if (this.isName("not") && this.isName("in", this.peek())) {
        this.next();
        this.next();
        rest.push(["not in", this.parseMath1()]);
      } else break;
    }
    return rest.length ? { kind: "compare", first, rest, line } : first;
  }
  parseMath1() {
    let left = this.parseConcat();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.next();
      left = { kind: "binop", op: op.value, left, right: this.parseConcat(), line: op.line };
    }
    return left;
  }
  parseConcat() {
    let left = this.parseMath2();
    while (this.isOp("~")) {
      const op = this.next();
      left = { kind: "binop", op: "~", left, right: this.parseMath2(), line: op.line };
    }
    return left;
  }
  parseMath2() {
    let left = this.parsePow();
    while (["*", "/", "//", "%"].some((o) => this.isOp(o))) {
      const op = this.next();
      left = { kind: "binop", op: op.value, left, right: this.parsePow(), line: op.line };
    }
    return left;
  }
  parsePow() {
    let left = this.parseUnary(true);
    while (this.isOp("**")) {
      const op = this.next();
      left = { kind: "binop", op: "**", left, right: this.parseUnary(true), line: op.line };
    }
    return left;
  }
  parseUnary(withFilter) {
    let node;
    if (this.isOp("-") || this.isOp("+")) {
      const op = this.next();
      node = { kind: "unary", op: op.value, operand: this.parseUnary(false), line: op.line };
    } else {
      node = this.parsePrimary();
    }
    node = this.parsePostfix(node);
    return withFilter ? this.parseFilterExpr(node) : node;
  }
  parsePrimary() {
    const token = this.current;
    const line = token.line;
    if (token.type === "name") {
      this.next();
      const constant = ownEntry(CONSTANT_NAMES, token.value);
      if (constant !== void 0) return { kind: "const", value: constant, line };
      return { kind: "name", name: token.value, line };
    }
    if (token.type === "string") {
      let value = "";
      while (this.current.type === "string") value += this.next().value;
      return { kind: "const", value, line };
    }
    if (token.type === "integer") {
      this.next();
      return { kind: "const", value: parseIntLiteral(token.value), line };
    }
    if (token.type === "float") {
      this.next();
      return { kind: "const", value: new PyFloat(Number(token.value)), line };
    }
    if (this.isOp("(")) {
      this.next();
      if (this.isOp(")")) {
        this.next();
        return { kind: "tuple", items: [], line };
      }
      const first = this.parseExpression();
      if (this.isOp(")")) {
        this.next();
        return first;
      }
      const items = [first];
      while (this.isOp(",")) {
        this.next();
        if (this.isOp(")")) break;
        items.push(this.parseExpression());
      }
      this.expectOp(")");
      return { kind: "tuple", items, line };
    }
    if (this.isOp("[")) {
      this.next();
      const items = [];
      while (!this.isOp("]")) {
        if (items.length) this.expectOp(",");
        if (this.isOp("]")) break;
        items.push(this.parseExpression());
      }
      this.next();
      return { kind: "list", items, line };
    }
    if (this.isOp("{")) {
      this.next();
      const entries = [];
      while (!this.isOp("}")) {
        if (entries.length) this.expectOp(",");
        if (this.isOp("}")) break;
        const key = this.parseExpression();
        this.expectOp(":");
        entries.push([key, this.parseExpression()]);
      }
      this.next();
      return { kind: "dict", entries, line };
    }
    return this.fail(`unexpected '${token.value || token.type.replace("_", " ")}'`);
  }
  parsePostfix(node) {
    for (; ; ) {
      if (this.isOp(".") || this.isOp("[")) node = this.parseSubscript(node);
      else if (this.isOp("(")) node = this.parseCall(node);
      else return node;
    }
  }
  parseFilterExpr(node) {
    for (; ; ) {
      if (this.isOp("|")) node = this.parseFilter(node);
      else if (this.isName("is")) node = this.parseTest(node);
      else if (this.isOp("(")) node = this.parseCall(node);
      else return node;
    }
  }
  parseSubscript(node) {
    const token = this.next();
    const line = token.line;
    if (token.value === ".") {
      const attr = this.current;
      if (attr.type === "name") {
        this.next();
        return { kind: "getattr", target: node, attr: attr.value, line };
      }
      if (attr.type === "integer") {
        this.next();
        return { kind: "getitem", target: node, index: { kind: "const", value: parseIntLiteral(attr.value), line }, line };
      }
      this.fail("expected name or number after dot");
    }
    const parts = [];
    let isSlice = false;
    let current;
    while (!this.isOp("]")) {
      if (this.isOp(":")) {
        isSlice = true;
        parts.push(current);
        current = void 0;
        this.next();
        continue;
      }
      if (this.isOp(",")) this.fail("tuple subscripts are not supported");
      current = this.parseExpression();
    }
    this.next();
    parts.push(current);
    if (!isSlice) {
      if (!parts[0]) this.fail("expected an index");
      return { kind: "getitem", target: node, index: parts[0], line };
    }
    return { kind: "slice", target: node, start: parts[0], stop: parts[1], step: parts[2], line };
  }
  parseCallArgs() {
    this.expectOp("(");
    const args = [];
    const kwargs = [];
    while (!this.isOp(")")) {
      if (args.length || kwargs.length) this.expectOp(",");
      if (this.isOp(")")) break;
      if (this.isOp("*") || this.isOp("**")) this.fail("*args and **kwargs in calls are not supported");
      if (this.current.type === "name" && this.isOp("=", this.peek())) {
        const key = this.next().value;
        this.next();
        kwargs.push([key, this.parseExpression()]);
      } else {
        if (kwargs.length) this.fail("positional argument after keyword argument");
        args.push(this.parseExpression());
      }
    }
    this.next();
    return { args, kwargs };
  }
  parseCall(node) {
    const line = this.current.line;
    const { args, kwargs } = this.parseCallArgs();
    return { kind: "call", callee: node, args, kwargs, line };
  }
  /** Filter and test names may be fully qualified (`ansible.builtin.version`): keep the last part. */
  parseDottedName() {
    let name = this.expectName();
    while (this.isOp(".") && this.peek().type === "name") {
      this.next();
      name = this.expectName();
    }
    return name;
  }
  parseFilter(node) {
    const line = this.next().line;
    const name = this.parseDottedName();
    const { args, kwargs } = this.isOp("(") ? this.parseCallArgs() : { args: [], kwargs: [] };
    return { kind: "filter", target: node, name, args, kwargs, line };
  }
  parseTest(node) {
    const line = this.next().line;
    let negated = false;
    if (this.isName("not")) {
      this.next();
      negated = true;
    }
    const name = this.parseDottedName();
    let args = [];
    let kwargs = [];
    if (this.isOp("(")) {
      ;
      ({ args, kwargs } = this.parseCallArgs());
    } else if ((["name", "string", "integer", "float"].includes(this.current.type) || this.isOp("[") || this.isOp("{")) && !["else", "or", "and"].some((w2) => this.isName(w2))) {
      if (this.isName("is")) this.fail("You cannot chain multiple tests with is");
      args = [this.parsePostfix(this.parsePrimary())];
    }
    return { kind: "test", target: node, name, args, kwargs, negated, line };
  }
};
function parseIntLiteral(text3) {
  const lower = text3.toLowerCase();
  if (lower.startsWith("0b")) return parseInt(text3.slice(2), 2);
  if (lower.startsWith("0o")) return parseInt(text3.slice(2), 8);
  if (lower.startsWith("0x")) return parseInt(text3.slice(2), 16);
  return parseInt(text3, 10);
}

// src/domain/jinja/attributes.ts
function str(v2, what) {
  if (typeof v2 !== "string") throw new PyError("TypeError", `${what} must be str, not ${typeName(v2 ?? null)}`);
  return v2;
}
function pySplit(s3, sep2, maxsplit = -1) {
  if (sep2 === void 0 || sep2 === null) {
    const parts = [];
    let rest = s3.replace(/^\s+/, "");
    while (rest) {
      if (maxsplit >= 0 && parts.length === maxsplit) {
        parts.push(rest);
        break;
      }
      const m2 = /\s+/.exec(rest);
      if (!m2) {
        parts.push(rest);
        break;
      }
      parts.push(rest.slice(0, m2.index));
      rest = rest.slice(m2.index + m2[0].length);
    }
    return parts;
  }
  const separator = str(sep2, "separator");
  if (!separator) throw new PyError("ValueError", "empty separator");
  const all = s3.split(separator);
  if (maxsplit < 0 || all.length <= maxsplit + 1) return all;
  return [...all.slice(0, maxsplit), all.slice(maxsplit).join(separator)];
}
function stripChars(s3, chars, side) {
  const set = chars === void 0 || chars === null ? null : str(chars, "strip arg");
  const strip = (c) => set === null ? /\s/.test(c) : set.includes(c);
  let start = 0;
  let end = s3.length;
  if (side !== "right") while (start < end && strip(s3[start])) start++;
  if (side !== "left") while (end > start && strip(s3[end - 1])) end--;
  return s3.slice(start, end);
}
var DICT_METHODS = {
  keys: (d) => new DictView("keys", d),
  values: (d) => new DictView("values", d),
  items: (d) => new DictView("items", d),
  get: (d, args) => dictGet(d, args[0]) ?? (args.length > 1 ? args[1] : null),
  copy: (d) => new Map(d)
};
var STRING_METHODS = {
  split: (s3, args) => pySplit(s3, args[0], typeof args[1] === "number" ? args[1] : -1),
  rsplit: (s3, args) => {
    const max = typeof args[1] === "number" ? args[1] : -1;
    if (max < 0) return pySplit(s3, args[0]);
    const parts = pySplit(s3, args[0]);
    const sep2 = args[0] === void 0 || args[0] === null ? " " : str(args[0], "separator");
    return parts.length <= max + 1 ? parts : [parts.slice(0, parts.length - max).join(sep2), ...parts.slice(parts.length - max)];
  },
  splitlines: (s3) => s3.split(/\r\n|\r|\n/).filter((_2, i, a) => i < a.length - 1 || a[i] !== ""),
  startswith: (s3, args) => prefixTest(args[0], (p2) => s3.startsWith(p2)),
  endswith: (s3, args) => prefixTest(args[0], (p2) => s3.endsWith(p2)),
  lower: (s3) => s3.toLowerCase(),
  upper: (s3) => s3.toUpperCase(),
  strip: (s3, args) => stripChars(s3, args[0], "both"),
  lstrip: (s3, args) => stripChars(s3, args[0], "left"),
  rstrip: (s3, args) => stripChars(s3, args[0], "right"),
  replace: (s3, args) => s3.split(str(args[0], "replace() argument 1")).join(str(args[1], "replace() argument 2")),
  find: (s3, args) => s3.indexOf(str(args[0], "find() argument")),
  count: (s3, args) => s3.split(str(args[0], "count() argument")).length - 1,
  join: (s3, args) => iterate(args[0] ?? []).map((x) => str(x, "sequence item")).join(s3),
  isdigit: (s3) => /^\d+$/.test(s3),
  title: (s3) => s3.replace(/[A-Za-z]+/g, (w2) => w2[0].toUpperCase() + w2.slice(1).toLowerCase()),
  capitalize: (s3) => s3 ? s3[0].toUpperCase() + s3.slice(1).toLowerCase() : s3,
  format: (s3, args) => {
    let i = 0;
    return s3.replace(/\{(\d*)\}/g, (_2, n) => pyStr(args[n === "" ? i++ : Number(n)] ?? ""));
  }
};
var LIST_METHODS = {
  index: (l, args) => {
    const i = l.findIndex((x) => pyEquals(x, args[0]));
    if (i < 0) throw new PyError("ValueError", `${pyStr(args[0])} is not in list`);
    return i;
  },
  count: (l, args) => l.filter((x) => pyEquals(x, args[0])).length
};
function prefixTest(arg, test) {
  if (arg instanceof PyTuple) return arg.items.some((p2) => test(str(p2, "prefix")));
  return test(str(arg, "prefix"));
}
function bind(name, self, fn) {
  return new PyCallable(name, (args) => fn(self, args));
}
function attribute(obj, name) {
  if (obj instanceof Undefined) return obj;
  if (obj instanceof Map) {
    const method = ownEntry(DICT_METHODS, name);
    if (method) return bind(name, obj, method);
    const found = dictGet(obj, name);
    if (found !== void 0) return found;
  } else if (typeof obj === "string") {
    const method = ownEntry(STRING_METHODS, name);
    if (method) return bind(name, obj, method);
  } else if (Array.isArray(obj)) {
    const method = ownEntry(LIST_METHODS, name);
    if (method) return bind(name, obj, method);
  }
  const what = obj === null ? "None" : `'${typeName(failIfUndefined(obj))} object'`;
  return new Undefined(`${what} has no attribute '${name}'`);
}

// src/domain/jinja/render.ts
var TemplateRuntimeError = class extends Error {
  constructor(original, line) {
    super(original.message);
    this.original = original;
    this.line = line;
    this.name = original.name;
  }
  original;
  line;
};
function renderNodes(stmts, env) {
  const out = [];
  new Interpreter(env).run(stmts, [/* @__PURE__ */ new Map()], out);
  return out;
}
var Interpreter = class {
  constructor(env) {
    this.env = env;
  }
  env;
  run(stmts, scopes, out) {
    for (const stmt of stmts) {
      try {
        this.exec(stmt, scopes, out);
      } catch (e) {
        if (e instanceof TemplateRuntimeError || !(e instanceof Error)) throw e;
        throw new TemplateRuntimeError(e, stmt.line);
      }
    }
  }
  exec(stmt, scopes, out) {
    switch (stmt.kind) {
      case "data":
        out.push(stmt.text);
        return;
      case "output":
        out.push(finalize(this.eval(stmt.expr, scopes)));
        return;
      case "if": {
        const branch = stmt.branches.find((b2) => truthy(this.eval(b2.test, scopes)));
        this.run(branch ? branch.body : stmt.otherwise, scopes, out);
        return;
      }
      case "for":
        this.execFor(stmt, scopes, out);
        return;
      case "set": {
        const value = this.eval(stmt.expr, scopes);
        assignTargets(scopes[scopes.length - 1], stmt.targets, value);
        return;
      }
    }
  }
  execFor(stmt, scopes, out) {
    let items = iterate(this.eval(stmt.iter, scopes));
    if (stmt.filter) {
      const filter = stmt.filter;
      items = items.filter((item) => {
        const scope = /* @__PURE__ */ new Map();
        assignTargets(scope, stmt.targets, item);
        return truthy(this.eval(filter, [...scopes, scope]));
      });
    }
    if (!items.length) {
      this.run(stmt.otherwise, scopes, out);
      return;
    }
    items.forEach((item, i) => {
      const scope = /* @__PURE__ */ new Map([["loop", loopInfo(i, items.length)]]);
      assignTargets(scope, stmt.targets, item);
      this.run(stmt.body, [...scopes, scope], out);
    });
  }
  eval(expr, scopes) {
    switch (expr.kind) {
      case "const":
        return expr.value;
      case "name":
        return this.lookup(expr.name, scopes);
      case "getattr":
        return attribute(this.eval(expr.target, scopes), expr.attr);
      case "getitem":
        return getItem(this.eval(expr.target, scopes), this.eval(expr.index, scopes));
      case "slice":
        return slice(
          this.eval(expr.target, scopes),
          expr.start && this.eval(expr.start, scopes),
          expr.stop && this.eval(expr.stop, scopes),
          expr.step && this.eval(expr.step, scopes)
        );
      case "call": {
        const callee = failIfUndefined(this.eval(expr.callee, scopes));
        if (!(callee instanceof PyCallable)) throw new PyError("TypeError", `'${typeName(callee)}' object is not callable`);
        return callee.call(this.evalAll(expr.args, scopes), this.evalKwargs(expr.kwargs, scopes));
      }
      case "filter": {
        const filter = ownEntry(this.env.filters, expr.name);
        if (!filter) throw new TemplateError(`no filter named '${expr.name}'`);
        return filter(this.eval(expr.target, scopes), this.evalAll(expr.args, scopes), this.evalKwargs(expr.kwargs, scopes), this.env);
      }
      case "test": {
        const test = ownEntry(this.env.tests, expr.name);
        if (!test) throw new TemplateError(`no test named '${expr.name}'`);
        const result = test(this.eval(expr.target, scopes), this.evalAll(expr.args, scopes), this.evalKwargs(expr.kwargs, scopes), this.env);
        return expr.negated ? !result : result;
      }
      case "binop":
        return binaryOp(expr.op, this.eval(expr.left, scopes), this.eval(expr.right, scopes));
      case "unary": {
        const operand = this.eval(expr.operand, scopes);
        if (expr.op === "not") return !truthy(operand);
        const n = failIfUndefined(operand);
        if (!isNumber(n) && typeof n !== "boolean") throw new PyError("TypeError", `bad operand type for unary ${expr.op}: '${typeName(n)}'`);
        const v2 = numericValue(n);
        const result = expr.op === "-" ? -v2 : v2;
        return n instanceof PyFloat ? new PyFloat(result) : result;
      }
      case "compare":
        return this.compare(expr, scopes);
      case "and": {
        const left = this.eval(expr.left, scopes);
        return truthy(left) ? this.eval(expr.right, scopes) : left;
      }
      case "or": {
        const left = this.eval(expr.left, scopes);
        return truthy(left) ? left : this.eval(expr.right, scopes);
      }
      case "cond":
        if (truthy(this.eval(expr.test, scopes))) return this.eval(expr.then, scopes);
        return expr.otherwise ? this.eval(expr.otherwise, scopes) : new Undefined("the inline if-expression evaluated to false and no else section was defined", void 0, true);
      case "list":
        return this.evalAll(expr.items, scopes);
      case "tuple":
        return new PyTuple(this.evalAll(expr.items, scopes));
      case "dict": {
        const d = /* @__PURE__ */ new Map();
        for (const [k2, v2] of expr.entries) d.set(failIfUndefined(this.eval(k2, scopes)), this.eval(v2, scopes));
        return d;
      }
    }
  }
  compare(expr, scopes) {
    let left = this.eval(expr.first, scopes);
    for (const [op, rightExpr] of expr.rest) {
      const right = this.eval(rightExpr, scopes);
      if (!compareOnce(op, left, right)) return false;
      left = right;
    }
    return true;
  }
  lookup(name, scopes) {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const local = scopes[i].get(name);
      if (local !== void 0) return local;
    }
    return this.env.resolve(name);
  }
  evalAll(exprs, scopes) {
    return exprs.map((e) => this.eval(e, scopes));
  }
  evalKwargs(kwargs, scopes) {
    return new Map(kwargs.map(([k2, e]) => [k2, this.eval(e, scopes)]));
  }
};
var TemplateError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "TemplateError";
  }
};
function finalize(v2) {
  if (v2 instanceof Undefined && !v2.lenient) throw new UndefinedError(v2);
  return v2 === null ? "" : v2;
}
function assignTargets(scope, targets, value) {
  if (targets.length === 1) {
    scope.set(targets[0], value);
    return;
  }
  const items = iterate(value);
  if (items.length !== targets.length) {
    throw new PyError("ValueError", `cannot unpack ${items.length} values into ${targets.length} names`);
  }
  targets.forEach((t, i) => scope.set(t, items[i]));
}
function loopInfo(index, length2) {
  return /* @__PURE__ */ new Map([
    ["index", index + 1],
    ["index0", index],
    ["revindex", length2 - index],
    ["revindex0", length2 - index - 1],
    ["first", index === 0],
    ["last", index === length2 - 1],
    ["length", length2]
  ]);
}
function compareOnce(op, left, right) {
  switch (op) {
    case "==":
      return pyEquals(left, right);
    case "!=":
      return !pyEquals(left, right);
    case "in":
      return pyContains(right, left);
    case "not in":
      return !pyContains(right, left);
    default: {
      const c = pyCompare(left, right, op);
      return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
    }
  }
}
function arithmetic(op, a, b2) {
  const isFloat = a instanceof PyFloat || b2 instanceof PyFloat;
  const x = numericValue(a);
  const y = numericValue(b2);
  if ((op === "/" || op === "//" || op === "%") && y === 0) {
    throw new PyError("ZeroDivisionError", "division by zero");
  }
  const wrap = (n) => isFloat ? new PyFloat(n) : n;
  switch (op) {
    case "+":
      return wrap(x + y);
    case "-":
      return wrap(x - y);
    case "*":
      return wrap(x * y);
    case "/":
      return new PyFloat(x / y);
    case "//":
      return wrap(Math.floor(x / y));
    case "%":
      return wrap(x - y * Math.floor(x / y));
    default:
      return !isFloat && y < 0 ? new PyFloat(x ** y) : wrap(x ** y);
  }
}
function binaryOp(op, rawLeft, rawRight) {
  if (op === "~") return pyStr(finalizeForConcat(rawLeft)) + pyStr(finalizeForConcat(rawRight));
  const left = failIfUndefined(rawLeft);
  const right = failIfUndefined(rawRight);
  const numLeft = isNumber(left) || typeof left === "boolean";
  const numRight = isNumber(right) || typeof right === "boolean";
  if (numLeft && numRight) return arithmetic(op, left, right);
  if (op === "+") {
    if (typeof left === "string" && typeof right === "string") return left + right;
    if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
    if (left instanceof PyTuple && right instanceof PyTuple) return new PyTuple([...left.items, ...right.items]);
  }
  if (op === "*") {
    const [seq, count] = numLeft ? [right, left] : [left, right];
    if (typeof count === "number" || typeof count === "boolean") {
      const n = Math.max(0, numericValue(count));
      if (typeof seq === "string") return seq.repeat(n);
      if (Array.isArray(seq)) return Array.from({ length: n }, () => seq).flat();
    }
  }
  throw new PyError(
    "TypeError",
    `unsupported operand type(s) for ${op}: '${typeName(left)}' and '${typeName(right)}'`
  );
}
function finalizeForConcat(v2) {
  if (v2 instanceof Undefined && !v2.lenient) throw new UndefinedError(v2);
  return v2;
}
function undefinedMember(obj, name) {
  const what = obj === null ? "None" : `'${typeName(obj)} object'`;
  const detail = typeof name === "string" ? `has no attribute '${name}'` : `has no element ${pyStr(name)}`;
  return new Undefined(`${what} ${detail}`);
}
function getItem(obj, key) {
  if (obj instanceof Undefined) return obj;
  failIfUndefined(key);
  if (obj instanceof Map) {
    const found = dictGet(obj, key);
    if (found !== void 0) return found;
  } else if (typeof obj === "string" || Array.isArray(obj) || obj instanceof PyTuple) {
    if (typeof key === "number" || typeof key === "boolean") {
      const seq = typeof obj === "string" ? [...obj] : iterate(obj);
      const i = numericValue(key);
      const item = seq[i < 0 ? seq.length + i : i];
      if (item !== void 0) return item;
      return undefinedMember(obj, key);
    }
  } else if (obj instanceof DictView) {
    throw new PyError("TypeError", `'${typeName(obj)}' object is not subscriptable`);
  }
  if (typeof key === "string") return attribute(obj, key);
  return undefinedMember(obj, key);
}
function slice(obj, start, stop, step) {
  const target = failIfUndefined(obj);
  const seq = typeof target === "string" ? [...target] : iterate(target);
  const toInt2 = (v2) => {
    if (v2 === void 0 || v2 === null) return void 0;
    const n = failIfUndefined(v2);
    if (typeof n !== "number" && typeof n !== "boolean") throw new PyError("TypeError", "slice indices must be integers or None");
    return numericValue(n);
  };
  const stepN = toInt2(step) ?? 1;
  if (stepN === 0) throw new PyError("ValueError", "slice step cannot be zero");
  const len = seq.length;
  const norm = (i, dflt) => {
    if (i === void 0) return dflt;
    if (i < 0) return Math.max(i + len, stepN < 0 ? -1 : 0);
    return Math.min(i, stepN < 0 ? len - 1 : len);
  };
  const begin = norm(toInt2(start), stepN < 0 ? len - 1 : 0);
  const end = norm(toInt2(stop), stepN < 0 ? -1 : len);
  const picked = [];
  for (let i = begin; stepN > 0 ? i < end : i > end; i += stepN) picked.push(seq[i]);
  if (typeof target === "string") return picked.join("");
  return target instanceof PyTuple ? new PyTuple(picked) : picked;
}

// src/domain/python/regex.ts
function compilePyRegex(pattern, flags = {}, global = true) {
  let source = pattern;
  let jsFlags = global ? "g" : "";
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    if (inline[1].includes("i")) flags = { ...flags, ignorecase: true };
    if (inline[1].includes("m")) flags = { ...flags, multiline: true };
    if (inline[1].includes("s")) jsFlags += "s";
  }
  if (flags.ignorecase) jsFlags += "i";
  if (flags.multiline) jsFlags += "m";
  source = source.replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, "(?<$1>").replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, "\\k<$1>").replace(/(^|[^\\])\\A/g, "$1^").replace(/(^|[^\\])\\Z/g, "$1$(?![\\s\\S])");
  try {
    return new RegExp(source, jsFlags);
  } catch (e) {
    throw new PyError("re.error", `invalid regular expression '${pattern}': ${e.message}`);
  }
}
function pyReplacement(template) {
  return (match, ...rest) => {
    const last = rest[rest.length - 1];
    const named = typeof last === "object" && last !== null ? last : {};
    const groupCount = rest.length - (typeof last === "object" && last !== null ? 3 : 2);
    const group = (ref) => {
      if (/^\d+$/.test(ref)) {
        const n = Number(ref);
        if (n === 0) return match;
        if (n > groupCount) throw new PyError("re.error", `invalid group reference ${n}`);
        return rest[n - 1] ?? "";
      }
      if (!Object.hasOwn(named, ref)) throw new PyError("IndexError", `unknown group name '${ref}'`);
      return ownEntry(named, ref) ?? "";
    };
    return template.replace(/\\(g<([^>]*)>|(\d{1,2})|([\\nrtfv'"])|(.))/g, (whole, _g, gref, num, esc) => {
      if (gref !== void 0) return group(gref);
      if (num !== void 0) return group(num);
      if (esc !== void 0) {
        const map = { "\\": "\\", n: "\n", r: "\r", t: "	", f: "\f", v: "\v", "'": "\\'", '"': '\\"' };
        return map[esc];
      }
      return whole;
    });
  };
}

// src/domain/jinja/filters.ts
function argument(args, kwargs, index, name, fallback) {
  if (args.length > index) return args[index];
  const kw = kwargs.get(name);
  return kw === void 0 ? fallback : kw;
}
function text(v2) {
  return pyStr(failIfUndefined(v2));
}
function toList(v2) {
  return [...iterate(failIfUndefined(v2))];
}
function requireDict(v2, filter) {
  const d = failIfUndefined(v2);
  if (!(d instanceof Map)) throw new PyError("AnsibleFilterError", `${filter} requires a dictionary, got ${typeName(d)} instead.`);
  return d;
}
function toBool(v2) {
  const value = failIfUndefined(v2);
  if (value === null || typeof value === "boolean") return value;
  const probe = typeof value === "string" ? value.toLowerCase() : value;
  return ["yes", "on", "1", "true"].includes(probe) || probe === 1;
}
function toInt(v2, fallback = 0, base = 10) {
  const value = failIfUndefined(v2);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  if (value instanceof PyFloat) return Math.trunc(value.value);
  if (typeof value === "string") {
    const s3 = value.trim().replace(/_/g, "");
    if (base === 10 && /^[-+]?\d+$/.test(s3)) return parseInt(s3, 10);
    if (base !== 10) {
      const n = parseInt(s3.replace(/^0[xob]/i, ""), base);
      if (!Number.isNaN(n)) return n;
    }
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s3)) return Math.trunc(Number(s3));
  }
  return fallback;
}
function toFloat(v2, fallback = new PyFloat(0)) {
  const value = failIfUndefined(v2);
  if (typeof value === "number" || typeof value === "boolean") return new PyFloat(numericValue(value));
  if (value instanceof PyFloat) return value;
  if (typeof value === "string" && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return new PyFloat(Number(value));
  return fallback;
}
function runTest(env, name, item, args) {
  if (typeof name !== "string") throw new TemplateError("test name must be a string");
  const test = ownEntry(env.tests, name.split(".").pop());
  if (!test) throw new TemplateError(`no test named '${name}'`);
  return test(item, args, /* @__PURE__ */ new Map(), env);
}
function selectOrReject(keep, byAttribute) {
  return (value, args, _kwargs, env) => {
    const items = toList(value);
    const attr = byAttribute ? args[0] : null;
    const [testName, ...testArgs] = byAttribute ? args.slice(1) : args;
    const pick = (item) => byAttribute ? getPath(item, attr ?? null) : item;
    return items.filter((item) => {
      const subject = pick(item);
      const passed = testName === void 0 ? truthy(subject) : runTest(env, testName, subject, testArgs);
      return passed === keep;
    });
  };
}
function getPath(item, path) {
  if (typeof path === "number") return getItem(item, path);
  let current = item;
  for (const part of pyStr(failIfUndefined(path)).split(".")) {
    current = getItem(current, /^\d+$/.test(part) ? Number(part) : part);
  }
  return current;
}
function combine(dicts, recursive, listMerge) {
  const result = /* @__PURE__ */ new Map();
  for (const d of dicts) mergeInto(result, d, recursive, listMerge);
  return result;
}
function mergeInto(target, source, recursive, listMerge) {
  for (const [k2, v2] of source) {
    const existing = target.get(k2);
    if (recursive && existing instanceof Map && v2 instanceof Map) {
      const merged = new Map(existing);
      mergeInto(merged, v2, recursive, listMerge);
      target.set(k2, merged);
    } else if (Array.isArray(existing) && Array.isArray(v2) && listMerge !== "replace") {
      const merged = listMerge === "append" ? [...existing, ...v2] : listMerge === "prepend" ? [...v2, ...existing] : listMerge === "append_rp" ? [...existing.filter((x) => !v2.some((y) => pyEquals(x, y))), ...v2] : listMerge === "prepend_rp" ? [...v2, ...existing.filter((x) => !v2.some((y) => pyEquals(x, y)))] : v2;
      target.set(k2, merged);
    } else {
      target.set(k2, v2);
    }
  }
}
function unique(items) {
  const out = [];
  for (const item of items) if (!out.some((x) => pyEquals(x, item))) out.push(item);
  return out;
}
function sortKey(a, b2) {
  return pyEquals(a, b2) ? 0 : pyCompare(a, b2, "<");
}
function flatten(items, levels) {
  const out = [];
  for (const item of items) {
    if ((Array.isArray(item) || item instanceof PyTuple) && (levels === null || levels > 0)) {
      out.push(...flatten(iterate(item), levels === null ? null : levels - 1));
    } else if (item !== null && item !== "None") {
      out.push(item);
    }
  }
  return out;
}
function percentFormat(template, args) {
  let i = 0;
  return template.replace(/%(-?\d*)(?:\.(\d+))?([sdifr%])/g, (_2, width, precision, conv) => {
    if (conv === "%") return "%";
    const arg = failIfUndefined(args[i++] ?? null);
    let out;
    if (conv === "s") out = pyStr(arg);
    else if (conv === "r") out = typeof arg === "string" ? `'${arg}'` : pyStr(arg);
    else if (conv === "f") out = numericValue(arg).toFixed(precision ? Number(precision) : 6);
    else out = String(Math.trunc(numericValue(arg)));
    const w2 = Number(width);
    return w2 < 0 ? out.padEnd(-w2) : out.padStart(w2);
  });
}
function length(value) {
  const v2 = failIfUndefined(value);
  if (typeof v2 === "string") return [...v2].length;
  if (v2 instanceof Map) return v2.size;
  if (v2 instanceof DictView) return v2.dict.size;
  if (Array.isArray(v2)) return v2.length;
  if (v2 instanceof PyTuple) return v2.items.length;
  throw new PyError("TypeError", `object of type '${typeName(v2)}' has no len()`);
}
var FILTERS = {
  default: (value, args, kwargs) => {
    const fallback = argument(args, kwargs, 0, "default_value", "");
    const boolean = truthy(argument(args, kwargs, 1, "boolean", false));
    if (value instanceof Undefined || boolean && !truthy(value)) return fallback;
    return value;
  },
  mandatory: (value, args) => {
    if (value instanceof Undefined) throw new UndefinedError(new Undefined(args[0] ? text(args[0]) : `Mandatory variable ${value.name ? `'${value.name}' ` : ""}not defined.`));
    return value;
  },
  bool: (value) => toBool(value),
  int: (value, args, kwargs) => toInt(value, argument(args, kwargs, 0, "default", 0), numericValue(argument(args, kwargs, 1, "base", 10))),
  float: (value, args, kwargs) => toFloat(value, argument(args, kwargs, 0, "default", new PyFloat(0))),
  string: (value) => text(value),
  lower: (value) => text(value).toLowerCase(),
  upper: (value) => text(value).toUpperCase(),
  capitalize: (value) => {
    const s3 = text(value);
    return s3 ? s3[0].toUpperCase() + s3.slice(1).toLowerCase() : s3;
  },
  title: (value) => text(value).replace(/[A-Za-z0-9]+/g, (w2) => w2[0].toUpperCase() + w2.slice(1).toLowerCase()),
  trim: (value, args) => {
    const s3 = text(value);
    if (args[0] === void 0 || args[0] === null) return s3.trim();
    const chars = text(args[0]);
    let a = 0;
    let b2 = s3.length;
    while (a < b2 && chars.includes(s3[a])) a++;
    while (b2 > a && chars.includes(s3[b2 - 1])) b2--;
    return s3.slice(a, b2);
  },
  replace: (value, args, kwargs) => {
    const s3 = text(value);
    const old = text(args[0]);
    const replacement = text(args[1]);
    const count = argument(args, kwargs, 2, "count", null);
    if (count === null) return s3.split(old).join(replacement);
    const parts = s3.split(old);
    const n = numericValue(count);
    return parts.slice(0, n + 1).join(replacement) + (parts.length > n + 1 ? old + parts.slice(n + 1).join(old) : "");
  },
  join: (value, args, kwargs) => {
    const sep2 = text(argument(args, kwargs, 0, "d", ""));
    const attr = argument(args, kwargs, 1, "attribute", null);
    return toList(value).map((item) => text(attr === null ? item : getPath(item, attr))).join(sep2);
  },
  split: (value, args, kwargs) => pySplit(text(value), argument(args, kwargs, 0, "sep", null), numericValue(argument(args, kwargs, 1, "maxsplit", -1))),
  length,
  count: length,
  first: (value) => {
    const items = toList(value);
    return items.length ? items[0] : new Undefined("No first item, sequence was empty.");
  },
  last: (value) => {
    const items = toList(value);
    return items.length ? items[items.length - 1] : new Undefined("No last item, sequence was empty.");
  },
  list: (value) => toList(value),
  unique: (value) => unique(toList(value)),
  reverse: (value) => {
    const v2 = failIfUndefined(value);
    if (typeof v2 === "string") return [...v2].reverse().join("");
    return toList(v2).reverse();
  },
  sort: (value, args, kwargs) => {
    const reverse = truthy(argument(args, kwargs, 0, "reverse", false));
    const attr = argument(args, kwargs, 2, "attribute", null);
    const keyOf = (v2) => {
      const k2 = attr === null ? v2 : getPath(v2, attr);
      return typeof k2 === "string" && !truthy(argument(args, kwargs, 1, "case_sensitive", false)) ? k2.toLowerCase() : k2;
    };
    const sorted = toList(value).sort((a, b2) => sortKey(keyOf(a), keyOf(b2)));
    return reverse ? sorted.reverse() : sorted;
  },
  min: (value) => toList(value).reduce((a, b2) => sortKey(b2, a) < 0 ? b2 : a),
  max: (value) => toList(value).reduce((a, b2) => sortKey(b2, a) > 0 ? b2 : a),
  sum: (value, args, kwargs) => {
    const start = argument(args, kwargs, 1, "start", 0);
    return toList(value).reduce((acc, v2) => acc + numericValue(failIfUndefined(v2)), numericValue(start));
  },
  abs: (value) => {
    const v2 = failIfUndefined(value);
    return v2 instanceof PyFloat ? new PyFloat(Math.abs(v2.value)) : Math.abs(numericValue(v2));
  },
  round: (value, args, kwargs) => {
    const precision = numericValue(argument(args, kwargs, 0, "precision", 0));
    const method = text(argument(args, kwargs, 1, "method", "common"));
    const f2 = 10 ** precision;
    const x = numericValue(failIfUndefined(value)) * f2;
    const r = method === "ceil" ? Math.ceil(x) : method === "floor" ? Math.floor(x) : Math.sign(x) * Math.round(Math.abs(x));
    return new PyFloat(r / f2);
  },
  select: selectOrReject(true, false),
  reject: selectOrReject(false, false),
  selectattr: selectOrReject(true, true),
  rejectattr: selectOrReject(false, true),
  map: (value, args, kwargs, env) => {
    const items = toList(value);
    const attr = kwargs.get("attribute");
    if (attr !== void 0) {
      const fallback = kwargs.get("default");
      return items.map((item) => {
        const got = getPath(item, attr);
        return got instanceof Undefined && fallback !== void 0 ? fallback : got;
      });
    }
    const [name, ...rest] = args;
    const filter = ownEntry(env.filters, text(name));
    if (!filter) throw new TemplateError(`no filter named '${text(name)}'`);
    return items.map((item) => filter(item, rest, /* @__PURE__ */ new Map(), env));
  },
  dict2items: (value, args, kwargs) => {
    const d = requireDict(value, "dict2items");
    const keyName = text(argument(args, kwargs, 0, "key_name", "key"));
    const valueName = text(argument(args, kwargs, 1, "value_name", "value"));
    return [...d.entries()].map(([k2, v2]) => /* @__PURE__ */ new Map([[keyName, k2], [valueName, v2]]));
  },
  items2dict: (value, args, kwargs) => {
    const keyName = text(argument(args, kwargs, 0, "key_name", "key"));
    const valueName = text(argument(args, kwargs, 1, "value_name", "value"));
    return new Map(toList(value).map((item) => [getItem(item, keyName), getItem(item, valueName)]));
  },
  dictsort: (value) => [...requireDict(value, "dictsort").entries()].sort((a, b2) => sortKey(a[0], b2[0])).map(([k2, v2]) => new PyTuple([k2, v2])),
  items: (value) => value instanceof Undefined ? [] : new DictView("items", requireDict(value, "items")).items,
  combine: (value, args, kwargs) => {
    const dicts = [value, ...args].map((d) => requireDict(d, "combine"));
    return combine(dicts, truthy(kwargs.get("recursive") ?? false), text(kwargs.get("list_merge") ?? "replace"));
  },
  flatten: (value, args, kwargs) => {
    const levels = argument(args, kwargs, 0, "levels", null);
    return flatten(toList(value), levels === null ? null : numericValue(levels));
  },
  difference: (value, args) => {
    const other = toList(args[0]);
    return unique(toList(value).filter((x) => !other.some((y) => pyEquals(x, y))));
  },
  intersect: (value, args) => {
    const other = toList(args[0]);
    return unique(toList(value).filter((x) => other.some((y) => pyEquals(x, y))));
  },
  union: (value, args) => unique([...toList(value), ...toList(args[0])]),
  symmetric_difference: (value, args) => {
    const a = toList(value);
    const b2 = toList(args[0]);
    return unique([...a.filter((x) => !b2.some((y) => pyEquals(x, y))), ...b2.filter((x) => !a.some((y) => pyEquals(x, y)))]);
  },
  zip: (value, args) => {
    const lists = [toList(value), ...args.map(toList)];
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_2, i) => new PyTuple(lists.map((l) => l[i])));
  },
  regex_replace: (value, args, kwargs) => {
    const pattern = text(argument(args, kwargs, 0, "pattern", ""));
    const replacement = text(argument(args, kwargs, 1, "replacement", ""));
    const re2 = compilePyRegex(pattern, {
      ignorecase: truthy(argument(args, kwargs, 2, "ignorecase", false)),
      multiline: truthy(argument(args, kwargs, 3, "multiline", false))
    });
    return text(value).replace(re2, pyReplacement(replacement));
  },
  regex_search: (value, args, kwargs) => {
    const re2 = compilePyRegex(text(args[0]), { ignorecase: truthy(kwargs.get("ignorecase") ?? false), multiline: truthy(kwargs.get("multiline") ?? false) }, false);
    const m2 = re2.exec(text(value));
    if (!m2) return null;
    const refs = args.slice(1).map(text);
    if (!refs.length) return m2[0];
    return refs.map((r) => {
      const g2 = /^\\(\d+)$/.exec(r) ?? /^\\g<(\w+)>$/.exec(r);
      if (!g2) throw new PyError("AnsibleFilterError", `Unknown argument '${r}'`);
      return (/^\d+$/.test(g2[1]) ? m2[Number(g2[1])] : m2.groups && ownEntry(m2.groups, g2[1])) ?? null;
    });
  },
  regex_findall: (value, args, kwargs) => {
    const re2 = compilePyRegex(text(args[0]), { ignorecase: truthy(kwargs.get("ignorecase") ?? false), multiline: truthy(kwargs.get("multiline") ?? false) });
    return [...text(value).matchAll(re2)].map((m2) => m2.length === 1 ? m2[0] : m2.length === 2 ? m2[1] ?? "" : new PyTuple(m2.slice(1).map((g2) => g2 ?? "")));
  },
  regex_escape: (value) => text(value).replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`),
  ternary: (value, args, kwargs) => {
    const noneValue = argument(args, kwargs, 2, "none_val", null);
    if (value === null && args.length > 2) return noneValue;
    return truthy(value) ? argument(args, kwargs, 0, "true_val", null) : argument(args, kwargs, 1, "false_val", null);
  },
  basename: (value) => text(value).split("/").pop() ?? "",
  dirname: (value) => {
    const s3 = text(value);
    const i = s3.lastIndexOf("/");
    return i < 0 ? "" : s3.slice(0, i) || "/";
  },
  format: (value, args) => percentFormat(text(value), args),
  to_json: (value) => JSON.stringify(toJson2(value)),
  quote: (value) => {
    const s3 = text(value);
    return /^[\w@%+=:,./-]+$/.test(s3) ? s3 : `'${s3.replace(/'/g, `'"'"'`)}'`;
  },
  attr: (value, args) => attribute(value, text(args[0])),
  random: () => {
    throw new TemplateError("the random filter makes lists non-reproducible and is not supported");
  }
};
FILTERS.d = FILTERS.default;
FILTERS.e = FILTERS.escape = (value) => text(value);
function toJson2(value) {
  const v2 = failIfUndefined(value);
  if (v2 instanceof PyFloat) return v2.value;
  if (v2 instanceof PyTuple) return v2.items.map(toJson2);
  if (Array.isArray(v2)) return v2.map(toJson2);
  if (v2 instanceof DictView) return v2.items.map(toJson2);
  if (v2 instanceof Map) return Object.fromEntries([...v2.entries()].map(([k2, x]) => [pyStr(k2), toJson2(x)]));
  if (typeof v2 === "object" && v2 !== null) return pyStr(v2);
  return v2;
}

// src/domain/ansible/version.ts
var OPERATORS2 = {
  "==": "eq",
  "=": "eq",
  eq: "eq",
  "<": "lt",
  lt: "lt",
  "<=": "le",
  le: "le",
  ">": "gt",
  gt: "gt",
  ">=": "ge",
  ge: "ge",
  "!=": "ne",
  "<>": "ne",
  ne: "ne"
};
function looseVersion(text3) {
  return text3.split(/(\d+|[a-z]+|\.)/).filter((part) => part && part !== ".").map((part) => /^\d+$/.test(part) ? Number(part) : part);
}
function strictVersion(text3) {
  const m2 = /^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$/.exec(text3);
  if (!m2) throw new PyError("ValueError", `invalid version number '${text3}'`);
  const pre = m2[5] ? [m2[5][0], Number(m2[6])] : ["z", 0];
  return [Number(m2[1]), Number(m2[2]), Number(m2[4] ?? 0), ...pre];
}
function semanticVersion(text3) {
  const m2 = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text3);
  if (!m2) throw new PyError("ValueError", `invalid semantic version '${text3}'`);
  const pre = m2[4] ? [0, ...m2[4].split(".").map((p2) => /^\d+$/.test(p2) ? Number(p2) : p2)] : [1];
  return [Number(m2[1]), Number(m2[2]), Number(m2[3]), ...pre];
}
var PARSERS = {
  loose: looseVersion,
  strict: strictVersion,
  semver: semanticVersion,
  semantic: semanticVersion
};
function versionCompare(value, version, operator = "eq", strict = null, versionType = null) {
  if (strict !== null && versionType !== null) throw new PyError("AnsibleFilterError", "Cannot specify both 'strict' and 'version_type'");
  if (!value) throw new PyError("AnsibleFilterError", "Input version value cannot be empty");
  if (!version) throw new PyError("AnsibleFilterError", "Version parameter to compare against cannot be empty");
  const op = ownEntry(OPERATORS2, operator);
  if (!op) {
    throw new PyError("AnsibleFilterError", `Invalid operator type (${operator}). Must be one of ${Object.keys(OPERATORS2).map((o) => `'${o}'`).join(", ")}`);
  }
  const type = strict ? "strict" : versionType ?? "loose";
  const parse = ownEntry(PARSERS, type);
  if (!parse) throw new PyError("AnsibleFilterError", `Invalid version type (${type}). Must be one of ${Object.keys(PARSERS).join(", ")}`);
  try {
    const a = parse(value);
    const b2 = parse(version);
    if (op === "eq") return pyEquals(a, b2);
    if (op === "ne") return !pyEquals(a, b2);
    const c = pyEquals(a, b2) ? 0 : pyCompare(a, b2, op === "lt" || op === "le" ? "<" : ">");
    return op === "lt" ? c < 0 : op === "le" ? c <= 0 : op === "gt" ? c > 0 : c >= 0;
  } catch (e) {
    throw new PyError("AnsibleFilterError", `Version comparison failed: ${e.message}`);
  }
}

// src/domain/jinja/tests.ts
function text2(v2) {
  return pyStr(failIfUndefined(v2));
}
function compare(op) {
  return (value, args) => {
    const c = pyEquals(value, args[0]) ? 0 : pyCompare(value, args[0], op);
    return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
  };
}
function regexTest(kind) {
  return (value, args, kwargs) => {
    const pattern = text2(args[0]);
    const anchored = kind === "match" ? `^(?:${pattern})` : kind === "fullmatch" ? `^(?:${pattern})$` : pattern;
    const re2 = compilePyRegex(anchored, {
      ignorecase: truthy(argument(args, kwargs, 1, "ignorecase", false)),
      multiline: truthy(argument(args, kwargs, 2, "multiline", false))
    }, false);
    return re2.test(text2(value));
  };
}
var isSequenceLike = (v2) => typeof v2 === "string" || Array.isArray(v2) || v2 instanceof PyTuple || v2 instanceof Map || v2 instanceof DictView;
var TESTS = {
  defined: (value) => !(value instanceof Undefined),
  undefined: (value) => value instanceof Undefined,
  none: (value) => value === null,
  boolean: (value) => typeof value === "boolean",
  true: (value) => value === true,
  false: (value) => value === false,
  string: (value) => typeof value === "string",
  number: (value) => typeof value === "number" || value instanceof PyFloat || typeof value === "boolean",
  integer: (value) => typeof value === "number",
  float: (value) => value instanceof PyFloat,
  mapping: (value) => value instanceof Map,
  sequence: (value) => isSequenceLike(value),
  iterable: (value) => isSequenceLike(value),
  callable: (value) => value instanceof PyCallable,
  lower: (value) => text2(value) === text2(value).toLowerCase(),
  upper: (value) => text2(value) === text2(value).toUpperCase(),
  eq: (value, args) => pyEquals(value, args[0]),
  ne: (value, args) => !pyEquals(value, args[0]),
  lt: compare("<"),
  le: compare("<="),
  gt: compare(">"),
  ge: compare(">="),
  in: (value, args) => pyContains(args[0], value),
  contains: (value, args) => pyContains(value, args[0]),
  sameas: (value, args) => value === args[0],
  divisibleby: (value, args) => numericValue(failIfUndefined(value)) % numericValue(args[0]) === 0,
  even: (value) => numericValue(failIfUndefined(value)) % 2 === 0,
  odd: (value) => Math.abs(numericValue(failIfUndefined(value)) % 2) === 1,
  truthy: (value, args, kwargs) => truthy(truthy(argument(args, kwargs, 0, "convert_bool", false)) ? toBool(value) : value),
  falsy: (value, args, kwargs) => !truthy(truthy(argument(args, kwargs, 0, "convert_bool", false)) ? toBool(value) : value),
  match: regexTest("match"),
  search: regexTest("search"),
  regex: (value, args, kwargs) => {
    const type = text2(argument(args, kwargs, 3, "match_type", "search"));
    return regexTest(type === "match" ? "match" : type === "fullmatch" ? "fullmatch" : "search")(value, args, kwargs, void 0);
  },
  subset: (value, args) => iterate(failIfUndefined(value)).every((x) => pyContains(args[0], x)),
  superset: (value, args) => iterate(failIfUndefined(args[0])).every((x) => pyContains(value, x)),
  any: (value) => iterate(failIfUndefined(value)).some(truthy),
  all: (value) => iterate(failIfUndefined(value)).every(truthy),
  version: (value, args, kwargs) => {
    const strict = argument(args, kwargs, 2, "strict", null);
    const versionType = argument(args, kwargs, 3, "version_type", null);
    return versionCompare(
      text2(value),
      text2(argument(args, kwargs, 0, "version", "")),
      text2(argument(args, kwargs, 1, "operator", "eq")),
      strict === null ? null : truthy(strict),
      versionType === null ? null : text2(versionType)
    );
  }
};
TESTS["=="] = TESTS.equalto = TESTS.eq;
TESTS["!="] = TESTS.ne;
TESTS["<"] = TESTS.lessthan = TESTS.lt;
TESTS["<="] = TESTS.le;
TESTS[">"] = TESTS.greaterthan = TESTS.gt;
TESTS[">="] = TESTS.ge;
TESTS.version_compare = TESTS.version;

// src/domain/ansible/templar.ts
var VariableTemplatingError = class extends Error {
  constructor(variable, origin, original) {
    super(`while templating '${variable}' (${origin}): ${original.message}`);
    this.variable = variable;
    this.origin = origin;
    this.original = original;
    this.name = "VariableTemplatingError";
  }
  variable;
  origin;
  original;
};
var SINGLE_VAR = /^\{\{\s*(\w*)\s*\}\}$/;
var Templar = class {
  constructor(variables, options = {}) {
    this.variables = variables;
    this.options = options;
    this.filters = { ...FILTERS, from_yaml: fromYaml, from_json: fromJson };
    this.globals = /* @__PURE__ */ new Map([
      ["lookup", new PyCallable("lookup", (args, kwargs) => this.lookupPlugin(args, kwargs, false))],
      ["query", new PyCallable("query", (args, kwargs) => this.lookupPlugin(args, kwargs, true))],
      ["q", new PyCallable("q", (args, kwargs) => this.lookupPlugin(args, kwargs, true))],
      ["range", new PyCallable("range", pyRange)],
      ["dict", new PyCallable("dict", (args, kwargs) => new Map([...args[0] instanceof Map ? args[0] : [], ...kwargs]))]
    ]);
  }
  variables;
  options;
  filters;
  tests = TESTS;
  resolved = /* @__PURE__ */ new Map();
  inProgress = [];
  compiled = /* @__PURE__ */ new Map();
  globals;
  has(name) {
    return this.variables.has(name);
  }
  /** Every variable's name, in the order the layers defined them. */
  variableNames() {
    return [...this.variables.keys()];
  }
  /** A variable as its layer wrote it, before any templating. */
  rawValue(name) {
    return this.variables.get(name)?.value;
  }
  /** A variable's value as a template sees it (AnsibleJ2Vars.__getitem__). */
  resolve(name) {
    const done = this.resolved.get(name);
    if (done !== void 0) return done;
    const variable = this.variables.get(name);
    if (!variable) return this.globals.get(name) ?? new Undefined(`'${name}' is undefined`, name);
    if (this.inProgress.includes(name)) {
      const cycle = [...this.inProgress.slice(this.inProgress.indexOf(name)), name].join(" -> ");
      throw new TemplateError(`recursive loop detected in template: ${cycle}`);
    }
    this.inProgress.push(name);
    let value;
    try {
      value = this.template(variable.value);
    } catch (e) {
      const cause = e instanceof TemplateRuntimeError ? e.original : e;
      if (cause instanceof UndefinedError) {
        value = new Undefined(`'${name}' (${variable.origin}): ${cause.message}`, name);
      } else if (cause instanceof VariableTemplatingError) {
        throw cause;
      } else {
        throw new VariableTemplatingError(name, variable.origin, cause);
      }
    } finally {
      this.inProgress.pop();
    }
    this.resolved.set(name, value);
    return value;
  }
  /** Templar.template: strings are rendered, lists and dict values recursively. */
  template(value) {
    if (typeof value === "string") return this.templateString(value);
    if (Array.isArray(value)) return value.map((v2) => this.template(v2));
    if (value instanceof Map) {
      const out = /* @__PURE__ */ new Map();
      for (const [k2, v2] of value) out.set(k2, this.template(v2));
      return out;
    }
    return value;
  }
  templateString(source) {
    if (!source.includes("{{") && !source.includes("{%") && !source.includes("{#")) return source;
    const single = SINGLE_VAR.exec(source);
    if (single) {
      const raw = this.variables.get(single[1])?.value;
      if (typeof raw === "boolean" || typeof raw === "number" || raw instanceof PyFloat) return raw;
      if (raw === null) return null;
    }
    return this.render(source, { convertData: true, escapeBackslashes: true });
  }
  /** Renders a template text; throws TemplateRuntimeError with the template line on failure. */
  render(source, options) {
    const nodes = renderNodes(this.compile(source, options.escapeBackslashes), this);
    let result = nodes.map(pyStr).join("");
    if (options.convertData && (result.startsWith("{") || result.startsWith("[") || result === "True" || result === "False")) {
      const literal = literalEval(result);
      if (literal !== void 0) result = literal;
    }
    if (typeof result === "string") {
      const missing = trailingNewlines(source) - trailingNewlines(result);
      if (missing > 0) result += "\n".repeat(missing);
    }
    return result;
  }
  compile(source, escapeBackslashes) {
    const key = `${escapeBackslashes ? "e" : "r"}${source}`;
    let stmts = this.compiled.get(key);
    if (!stmts) {
      const normalized = source.replace(/\r\n?/g, "\n").replace(/\n$/, "");
      stmts = parseTemplate(normalized, { trimBlocks: true, escapeBackslashes });
      this.compiled.set(key, stmts);
    }
    return stmts;
  }
  lookupPlugin(args, kwargs, wantList) {
    const [plugin, ...terms] = args;
    const name = pyStr(plugin ?? "");
    const results = this.runLookup(name, terms, kwargs);
    if (wantList || isSet(kwargs.get("wantlist"))) return results;
    return results.length === 1 ? results[0] : results.map(pyStr).join(",");
  }
  runLookup(plugin, terms, kwargs) {
    switch (plugin.split(".").pop()) {
      case "vars":
        return terms.map((term) => {
          const value = this.resolve(pyStr(term));
          if (value instanceof Undefined) {
            const fallback = kwargs.get("default");
            if (fallback !== void 0) return fallback;
            throw new UndefinedError(new Undefined(`No variable found with this name: ${pyStr(term)}`));
          }
          return value;
        });
      case "env":
        return terms.map((term) => ownEntry(this.options.environment ?? {}, pyStr(term)) ?? argument([], kwargs, 0, "default", ""));
      case "items":
      case "list":
        return terms.flatMap((t) => Array.isArray(t) ? t : [t]);
      default:
        throw new TemplateError(`lookup plugin '${plugin}' is not available: list generation reads no files, commands or network`);
    }
  }
};
function isSet(v2) {
  return v2 !== void 0 && v2 !== null && v2 !== false && v2 !== "" && v2 !== 0;
}
function trailingNewlines(s3) {
  let n = 0;
  while (n < s3.length && s3[s3.length - 1 - n] === "\n") n++;
  return n;
}
function pyRange(args) {
  const nums = args.map((a) => numericValue(a));
  const [start, stop, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  if (step === 0) throw new PyError("ValueError", "range() arg 3 must not be zero");
  const out = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}
var fromYaml = (value) => {
  if (typeof value !== "string") return value;
  return loadYaml(value, "<from_yaml>");
};
var fromJson = (value) => {
  const parsed = literalEval(pyStr(value));
  if (parsed === void 0) throw new PyError("JSONDecodeError", `not valid JSON: ${pyStr(value).slice(0, 60)}`);
  return parsed;
};

// src/domain/kubespray/downloads.ts
var DownloadEntryError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "DownloadEntryError";
  }
};
function render(templar, raw) {
  try {
    const value = templar.template(raw);
    return value instanceof Undefined ? { ok: false, why: value.hint } : { ok: true, value };
  } catch (e) {
    const cause = e instanceof TemplateRuntimeError ? e.original : e;
    if (cause instanceof UndefinedError) return { ok: false, why: cause.undefinedValue.hint };
    if (cause instanceof Error) return { ok: false, why: cause.message };
    throw e;
  }
}
var ENTRY_ROLE_SCOPES = {
  argocd_install: "kubernetes-apps/argocd"
};
function roleDownloads(templar, kubeImageLine, kubeImages, downloadYmlPath, roleScopes2 = /* @__PURE__ */ new Map()) {
  const out = { files: [], images: [] };
  const raw = templar.rawValue("downloads");
  if (!(raw instanceof Map)) return out;
  const pullsContainers = flag(templar, templar.rawValue("download_container") ?? true, "download_container", downloadYmlPath);
  for (const [key, spec] of raw) {
    if (!(spec instanceof Map)) continue;
    const component = pyStr(key);
    const entry = new EntryReader(templar, spec, component, downloadYmlPath);
    const enabled = entry.flag("enabled");
    const wantedBy = { role: "download", variable: `downloads.${component}` };
    if (entry.flag("file")) {
      const url = entry.text("url", enabled);
      if (url === void 0) continue;
      out.files.push({ component, url, ...entry.urlVariable(), ...entry.checksum(enabled), enabled, wantedBy });
      const role = Object.hasOwn(ENTRY_ROLE_SCOPES, component) ? ENTRY_ROLE_SCOPES[component] : void 0;
      const scope = role === void 0 ? void 0 : roleScopes2.get(role);
      if (role !== void 0 && scope !== void 0) {
        const inRole = new EntryReader(scope, spec, component, downloadYmlPath);
        const roleEnabled = inRole.flag("enabled");
        const roleUrl = inRole.text("url", roleEnabled);
        if (roleUrl !== void 0 && roleUrl !== url) {
          out.files.push({ component, url: roleUrl, ...inRole.urlVariable(), ...inRole.checksum(roleEnabled), enabled: roleEnabled, wantedBy: { role, variable: `downloads.${component}` } });
        }
      }
    } else if (entry.flag("container")) {
      const ref = entry.image(enabled);
      if (ref !== void 0) out.images.push({ component, ref, enabled: enabled && pullsContainers, wantedBy });
    }
  }
  out.images.push(...kubeadmImages(templar, kubeImageLine, kubeImages, downloadYmlPath));
  return out;
}
var EntryReader = class {
  constructor(templar, spec, component, path) {
    this.templar = templar;
    this.spec = spec;
    this.component = component;
    this.path = path;
  }
  templar;
  spec;
  component;
  path;
  flag(name) {
    const raw = dictGet(this.spec, name);
    return raw === void 0 ? false : flag(this.templar, raw, `downloads.${this.component}.${name}`, this.path);
  }
  /** A field's text; an undefined one fails an enabled entry and drops a disabled one. */
  text(name, enabled) {
    const raw = dictGet(this.spec, name);
    if (raw === void 0 || raw === null) return this.missing(name, "is not set", enabled);
    const r = render(this.templar, raw);
    if (!r.ok) return this.missing(name, `renders with an undefined variable: ${r.why}`, enabled);
    const text3 = pyStr(r.value).trim();
    return text3 === "" || text3 === "None" ? this.missing(name, "renders empty", enabled) : text3;
  }
  /** `checksum` (or older trees' `sha256`), and for a disabled entry whose value does not render, why. */
  checksum(enabled) {
    const field = dictGet(this.spec, "checksum") !== void 0 ? "checksum" : "sha256";
    const raw = dictGet(this.spec, field);
    const r = raw === void 0 ? { ok: false, why: `no ${field}` } : render(this.templar, raw);
    if (!r.ok) {
      if (enabled && raw !== void 0) this.fail(field, `renders with an undefined variable: ${r.why} (Kubespray has no checksum for this version: choose one it knows, or give the checksum)`);
      return { checksum: null, checksumProblem: `its checksum is not in Kubespray's tables (${r.why}); the version is probably not one this Kubespray release knows` };
    }
    return { checksum: normalizeChecksum(r.value, field === "sha256" ? "sha256" : null) };
  }
  /** The variable a url of exactly "{{ X }}" names. */
  urlVariable() {
    const raw = dictGet(this.spec, "url");
    const variable = typeof raw === "string" ? /^\{\{\s*(\w+)\s*\}\}$/.exec(raw)?.[1] : void 0;
    return variable ? { urlVariable: variable } : {};
  }
  image(enabled) {
    const repo = this.text("repo", enabled);
    if (repo === void 0) return void 0;
    const digest = dictGet(this.spec, "sha256");
    if (digest !== void 0) {
      const r = render(this.templar, digest);
      if (r.ok && truthy(r.value) && pyStr(r.value).trim() !== "None") return `${repo}@sha256:${pyStr(r.value).trim().replace(/^sha256:/, "")}`;
    }
    const tag = this.text("tag", enabled);
    return tag === void 0 ? void 0 : `${repo}:${tag}`;
  }
  missing(name, why, enabled) {
    if (enabled) this.fail(name, why);
    return void 0;
  }
  fail(name, why) {
    throw new DownloadEntryError(
      `downloads.${this.component}.${name} (${this.path}) ${why}; the component is enabled, so Kubespray's download role would fail here. Define the variable (-e NAME=VALUE, a vars file or the inventory), or disable the component.`
    );
  }
};
function flag(templar, raw, what, path) {
  const r = render(templar, raw);
  if (!r.ok) throw new DownloadEntryError(`${what} (${path}) renders with an undefined variable: ${r.why}; define it (-e NAME=VALUE) so the download role can decide`);
  return truthy(r.value);
}
function kubeadmImages(templar, kubeImageLine, kubeImages, path) {
  const wantedBy = { role: "download", variable: "kubeadm_images" };
  const line = templar.rawValue("kubeadm_image_repo") === void 0 ? kubeImageLine : kubeImageLine.replace(/\bkube_image_repo\b/, "kubeadm_image_repo");
  const images = [];
  for (const name of kubeImages) {
    const r = render(templar, line.replace("$i", name));
    if (!r.ok) throw new DownloadEntryError(`kubeadm's image ${name} (${line}, as ${path} names it) renders with an undefined variable: ${r.why}`);
    images.push({ component: `kubeadm_${name}`, ref: pyStr(r.value), enabled: true, wantedBy });
  }
  const etcdType = templar.resolve("etcd_deployment_type");
  if (!(etcdType instanceof Undefined) && pyStr(etcdType) === "kubeadm") {
    const r = render(templar, "{{ etcd_image_repo }}:{{ etcd_image_tag }}");
    if (!r.ok) throw new DownloadEntryError(`kubeadm's etcd image (etcd_deployment_type: kubeadm) renders with an undefined variable: ${r.why}`);
    images.push({ component: "kubeadm_etcd", ref: pyStr(r.value), enabled: true, wantedBy });
  }
  return images;
}
function normalizeChecksum(value, bareAlgorithm) {
  if (value === null || value === 0 || value === false) return null;
  const text3 = pyStr(value).trim();
  if (text3 === "" || text3 === "0" || text3 === "None") return null;
  const prefixed = /^(sha1|sha224|sha256|sha384|sha512|md5):([0-9a-fA-F]+)$/.exec(text3);
  if (prefixed) return `${prefixed[1]}:${prefixed[2].toLowerCase()}`;
  if (/^[0-9a-fA-F]+$/.test(text3)) {
    const algorithm = bareAlgorithm ?? { 64: "sha256", 128: "sha512", 40: "sha1" }[text3.length];
    if (algorithm) return `${algorithm}:${text3.toLowerCase()}`;
  }
  return null;
}

// src/domain/kubespray/lists.ts
var ListGenerationError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "ListGenerationError";
  }
};
function generateLists(input) {
  const templar = new Templar(input.variables, { environment: input.environment });
  const kubeVersion = guardKubeVersion(templar);
  const fileLines = scrapeFileLines(input.downloadYml.text);
  const imageLines = scrapeImageLines(input.downloadYml.text, input.kubeImageLine, input.kubeImages);
  const filesList = renderList(templar, "files.list", fileLines, input.downloadYml.path);
  const imagesList = renderList(templar, "images.list", imageLines, input.downloadYml.path);
  const role = downloadRoleView(templar, input);
  const entries = role.files.filter((f2) => f2.wantedBy.role === "download");
  const warnings = [];
  const files = describeFiles(entries, filesList, fileLines, warnings);
  const images = zipLines(imagesList, imageLines).map(([ref, line]) => ({ ref, component: line?.component ?? "image" }));
  const downloads = entries.map((f2) => ({ component: f2.component, url: f2.url, ...f2.urlVariable ? { urlVariable: f2.urlVariable } : {} }));
  return { filesList, imagesList, files, images, warnings, kubeVersion, downloads, role, secretValues: secretValues(templar) };
}
function secretValues(templar) {
  const found = [];
  for (const name of templar.variableNames()) {
    if (!isSecretName(name)) continue;
    let resolved;
    try {
      resolved = templar.resolve(name);
    } catch {
      continue;
    }
    if (resolved instanceof Undefined) continue;
    const value = toJson(resolved);
    const strings = [];
    collectSecretStrings(value, strings);
    for (const v2 of strings) found.push({ name, value: v2 });
  }
  return found;
}
function downloadRoleView(templar, input) {
  try {
    const scopes = new Map([...input.roleScopes ?? /* @__PURE__ */ new Map()].map(([role, vars]) => [role, new Templar(vars, { environment: input.environment })]));
    return roleDownloads(templar, input.kubeImageLine, input.kubeImages ?? KUBE_IMAGES, input.downloadYml.path, scopes);
  } catch (e) {
    if (e instanceof DownloadEntryError) throw new ListGenerationError(e.message);
    throw e;
  }
}
function renderList(templar, name, lines2, downloadYmlPath) {
  const text3 = templateText(lines2);
  try {
    return pyStr(templar.render(text3, { convertData: false, escapeBackslashes: false }));
  } catch (e) {
    throw explainTemplateFailure(e, name, lines2, downloadYmlPath);
  }
}
function explainTemplateFailure(e, name, lines2, downloadYmlPath) {
  const line = e instanceof TemplateRuntimeError || e instanceof TemplateSyntaxError ? e.line : void 0;
  const cause = e instanceof TemplateRuntimeError ? e.original : e;
  const where = line ? `${name} template line ${line} (${lines2[line - 1]?.template ?? "?"}, scraped from ${downloadYmlPath})` : `${name} template`;
  if (cause instanceof UndefinedError) {
    return new ListGenerationError(
      `${where}: undefined variable: ${cause.message}
Define it with -e NAME=VALUE, in a vars file (-e @vars.yml) or in the inventory (-i), or check the Kubespray tree is complete.`
    );
  }
  if (cause instanceof VariableTemplatingError) return new ListGenerationError(`${where}: ${cause.message}`);
  return new ListGenerationError(`${where}: ${cause.name}: ${cause.message}`);
}
function splitLines(list) {
  const lines2 = list.split("\n");
  if (lines2[lines2.length - 1] === "") lines2.pop();
  return lines2;
}
function zipLines(list, templateLines) {
  const rendered = splitLines(list);
  const aligned = rendered.length === templateLines.length;
  return rendered.map((l, i) => [l, aligned ? templateLines[i] : void 0]);
}
function describeFiles(entries, filesList, lines2, warnings) {
  const byUrl = /* @__PURE__ */ new Map();
  for (const entry of entries) if (!byUrl.has(entry.url)) byUrl.set(entry.url, entry);
  return zipLines(filesList, lines2).map(([url, line]) => {
    const entry = byUrl.get(url);
    const component = entry?.component ?? line?.component ?? "file";
    if (!entry) warnings.push(`${url}: no Kubespray downloads entry has this url, so there is no checksum to verify it against`);
    else if (!entry.checksum) warnings.push(`${url}: ${entry.checksumProblem ?? "Kubespray gives no checksum for it"}`);
    return { url, checksum: entry?.checksum ?? null, component };
  });
}
function guardKubeVersion(templar) {
  const kubeVersion = templar.resolve("kube_version");
  if (kubeVersion instanceof Undefined) {
    throw new ListGenerationError(`kube_version is undefined: ${kubeVersion.hint}`);
  }
  const version = pyStr(kubeVersion);
  const supported = supportedKubeVersions(templar);
  const range = supported.length ? `supported: ${supported[supported.length - 1]} to ${supported[0]} (${supported.join(", ")})` : "";
  const minimum = templar.resolve("kube_version_min_required");
  if (!(minimum instanceof Undefined)) {
    let tooOld;
    try {
      tooOld = !versionCompare(version, pyStr(minimum), ">=");
    } catch {
      tooOld = false;
    }
    if (tooOld) {
      throw new ListGenerationError(
        `The current release of Kubespray only support newer version of Kubernetes than ${pyStr(minimum)} - You are trying to apply ${version}
${range}`
      );
    }
  }
  if (supported.length && !supported.includes(version)) {
    const hint = supported.includes(version.replace(/^v/, "")) ? ` (write it without the leading 'v': ${version.replace(/^v/, "")})` : "";
    throw new ListGenerationError(
      `kube_version ${version} is not supported by this Kubespray tree: it has no kubelet checksum for it${hint}
${range}`
    );
  }
  return version;
}
function supportedKubeVersions(templar) {
  const table = templar.resolve("kubelet_checksums");
  if (!(table instanceof Map)) return [];
  const arch = templar.resolve("image_arch");
  const forArch = dictGet(table, arch instanceof Undefined ? "amd64" : arch) ?? dictGet(table, "amd64");
  if (!(forArch instanceof Map)) return [];
  return [...forArch.keys()].map((k2) => pyStr(k2));
}

// src/domain/kubespray/secret-marks.ts
function markSecrets(variables) {
  const marks = /* @__PURE__ */ new Map();
  const mark = (path) => {
    const m2 = `kbsecretmark${marks.size}x`;
    marks.set(m2, path);
    return m2;
  };
  const replaceSecret = (value, path) => {
    if (typeof value === "string" || typeof value === "number") return mark(path);
    return replaceNested(value, path);
  };
  const replaceNested = (value, path) => {
    if (Array.isArray(value)) return value.map((v2, i) => replaceNested(v2, `${path}[${i}]`));
    if (value instanceof Map) {
      return new Map([...value].map(([k2, v2]) => [k2, typeof k2 === "string" && isSecretName(k2) ? replaceSecret(v2, `${path}.${k2}`) : replaceNested(v2, `${path}.${String(k2)}`)]));
    }
    return value;
  };
  const out = /* @__PURE__ */ new Map();
  for (const [name, variable] of variables) {
    const secret = isSecretName(name) && variable.value !== null && typeof variable.value !== "boolean" && variable.value !== "";
    out.set(name, secret ? { ...variable, value: replaceSecret(variable.value, name) } : variable);
  }
  return { variables: out, marks };
}

// src/pipeline/lists.ts
var LIST_FILES = { files: "files.list", images: "images.list", manifest: "files.json" };
function magicVariables(tree, groupNames, groups) {
  const groupsDict = new Map([...groups.entries()].map(([g2, hosts]) => [g2, hosts]));
  return {
    origin: "magic variables",
    vars: /* @__PURE__ */ new Map([
      ["inventory_hostname", "localhost"],
      ["inventory_hostname_short", "localhost"],
      ["group_names", groupNames],
      ["groups", groupsDict],
      ["playbook_dir", tree.root],
      ["ansible_check_mode", false],
      ["ansible_play_hosts", ["localhost"]],
      ["ansible_play_hosts_all", ["localhost"]],
      ["omit", "__omit_place_holder__kubespray_bundle"]
    ])
  };
}
function roleScopes(request, tree) {
  const scopes = /* @__PURE__ */ new Map();
  for (const role of new Set(Object.values(ENTRY_ROLE_SCOPES))) {
    const files = findVarsFiles((0, import_node_path7.join)(tree.root, "roles", role, "defaults"));
    if (files.length) scopes.set(role, composeVariables(request, tree, files.map((f2) => loadVarsFile(f2, tree.root))));
  }
  return scopes;
}
function composeVariables(request, tree, roleDefaults = []) {
  const at2 = (p2) => (0, import_node_path7.isAbsolute)(p2) ? p2 : (0, import_node_path7.join)(request.cwd, p2);
  const inventory = readInventoryVars(request.inventories.map(at2), tree.root, "localhost", request.cwd);
  const machine = request.arch ? MACHINE_OF_ARCH[request.arch] : request.hostMachine;
  const archLayer = request.arch ? [{ origin: "--arch", vars: /* @__PURE__ */ new Map([["image_arch", request.arch]]) }] : [];
  const extra = request.extraVars.map((arg) => extraVarsLayer(arg, (p2) => (0, import_node_fs5.readFileSync)(at2(p2), "utf8")));
  const groups = new Map(
    [...inventory.inventory.groups.values()].map((g2) => [g2.name, [...g2.hosts]])
  );
  groups.set("all", [...new Set([...inventory.inventory.groups.values()].flatMap((g2) => [...g2.hosts]))]);
  return mergeLayers([
    ...tree.roleDefaults,
    ...roleDefaults,
    ...inventory.layers,
    { origin: "facts", vars: hostFacts(machine) },
    ...tree.roleVars,
    ...archLayer,
    ...extra,
    magicVariables(tree, inventory.groupNames, groups)
  ]);
}
async function runLists(request) {
  const tree = readKubesprayTree((0, import_node_path7.resolve)(request.cwd, request.kubesprayDir));
  const variables = composeVariables(request, tree);
  const input = {
    downloadYml: tree.downloadYml,
    kubeImageLine: tree.kubeImageLine,
    kubeImages: tree.kubeImages,
    variables,
    environment: request.environment,
    roleScopes: roleScopes(request, tree)
  };
  const lists = generateLists(input);
  if (request.refuseLeaks) {
    const marking = markSecrets(variables);
    refuseLeaks(lists, () => generateLists({ ...input, variables: marking.variables }), marking.marks);
  }
  const outDir = (0, import_node_path7.resolve)(request.cwd, request.outDir);
  const manifest = `${JSON.stringify({ files: lists.files, images: lists.images, downloads: lists.downloads, role: lists.role }, null, 2)}
`;
  await ensureDirUnder(outDir, ".");
  const written = request.redact ?? ((text3) => text3);
  await writeFileAtomic((0, import_node_path7.join)(outDir, LIST_FILES.files), written(lists.filesList));
  await writeFileAtomic((0, import_node_path7.join)(outDir, LIST_FILES.images), written(lists.imagesList));
  await writeFileAtomic((0, import_node_path7.join)(outDir, LIST_FILES.manifest), written(manifest));
  return { outDir, files: lists.files, images: lists.images, warnings: lists.warnings, kubesprayRole: tree.defaultsRole, kubeVersion: lists.kubeVersion, downloads: lists.downloads, role: lists.role, secretValues: lists.secretValues };
}
function refuseLeaks(lists, marked, marks) {
  if (!marks.size) return;
  const placesOf = (l) => [
    ...l.files.map((f2) => [`the url of ${f2.component}`, redactText(f2.url)]),
    ...l.role.files.map((f2) => [`the url of ${f2.component}`, redactText(f2.url)]),
    ...l.images.map((i) => [`the image of ${i.component}`, i.ref]),
    ...l.role.images.map((i) => [`the image of ${i.component}`, i.ref])
  ];
  let leaks;
  try {
    const places = placesOf(marked());
    leaks = [...marks].flatMap(([mark, secret]) => places.filter(([, text3]) => text3.includes(mark)).map(([where]) => ({ secret: secret.split(/[.[]/)[0], where })));
  } catch {
    leaks = findLeaks(lists.secretValues, placesOf(lists));
  }
  if (!leaks.length) return;
  const named = [...new Set(leaks.map((l) => `the value of ${l.secret} is in ${l.where}`))];
  throw new InputError(
    `${named.join("; ")}: a bundle publishes its urls (and its files' paths), so the secret would leave with it. Keep credentials out of url paths and image names: as userinfo (https://user:pass@host/, which is redacted), through --mirror FROM=TO with userinfo in TO, or in REGISTRY_AUTH_FILE for registries`
  );
}

// src/pipeline/audit.ts
var import_promises6 = require("node:fs/promises");
var import_node_fs12 = require("node:fs");
var import_node_os2 = require("node:os");
var import_node_path18 = require("node:path");

// src/domain/kubespray/references.ts
var ROLE_PARTS = /* @__PURE__ */ new Set(["tasks", "defaults", "vars", "meta", "templates", "handlers", "files", "library"]);
var DOWNLOAD_ROLE = "download";
var FETCHED_URL = /_(download|install|repository|chart_repository)_url$/;
var HOST_SELECTION = /\b(inventory_hostname(_short)?|groups|group_names|hostvars|ansible_play_hosts(_all)?|play_hosts)\b/;
var YES = { state: "yes", because: "always" };
function findReferences(input) {
  const tree = new Tree(input);
  const graph = new RoleGraph(tree);
  const roles = graph.enablement();
  const collector = new Collector();
  const downloads = downloadEntries(tree, roles.get(DOWNLOAD_ROLE) ?? unreachedDownload());
  for (const entry of downloads) collector.add(entry.reference, entry.source);
  const consumers = new Consumers(tree, roles, downloads);
  for (const role of tree.roles) {
    for (const found of roleVariableReferences(tree, role, consumers)) collector.add(found.reference, found.source);
    for (const found of templateReferences(tree, role, consumers)) collector.add(found.reference, found.source);
    for (const found of helmAppsCharts(tree, role, roles)) collector.add(found.reference, found.source);
    for (const found of ciliumCliCharts(tree, role, roles)) collector.add(found.reference, found.source);
  }
  return { references: withoutCoveredRepositories(collector.all()), roles, warnings: tree.warnings };
}
function withoutCoveredRepositories(references) {
  const moved = new Set(references.flatMap((r) => r.chart ? [r.chart.movedBy.variable] : []));
  return references.filter((r) => !(r.kind === "chart-repository" && r.sources.every((s3) => moved.has(s3.variable))));
}
function unreachedDownload() {
  return { state: "unknown", because: "no play reaches the download role" };
}
var Tree = class {
  constructor(input) {
    this.input = input;
    const roles = /* @__PURE__ */ new Set();
    for (const path of input.files.keys()) {
      const role = roleOfPath(path);
      if (role) roles.add(role);
    }
    this.roles = [...roles].sort();
    this.base = new Templar(input.variables, input.templar);
    this.loadedOrigins = new Set([...input.variables.values()].map((v2) => v2.origin));
  }
  input;
  roles;
  warnings = [];
  base;
  templars = /* @__PURE__ */ new Map();
  variableMaps = /* @__PURE__ */ new Map();
  varFiles = /* @__PURE__ */ new Map();
  parsed = /* @__PURE__ */ new Map();
  /** The files the play's variables came from. */
  loadedOrigins;
  text(path) {
    return this.input.files.get(path);
  }
  /** A YAML file of the tree, parsed once; undefined (and a warning) when it is not YAML. */
  yaml(path) {
    if (this.parsed.has(path)) return this.parsed.get(path);
    const text3 = this.text(path);
    let value;
    if (text3 !== void 0) {
      try {
        value = loadYaml(text3, path);
      } catch (e) {
        this.warnings.push(`${path}: not read (${e.message.split("\n")[0]})`);
      }
    }
    this.parsed.set(path, value);
    return value;
  }
  /** DataLoader.find_vars_files(dir, 'main'): main[.yml|.yaml|.json], or every file under main/. */
  mainFiles(dir) {
    for (const ext of ["", ".yml", ".yaml", ".json"]) {
      if (this.input.files.has(`${dir}/main${ext}`)) return [`${dir}/main${ext}`];
    }
    const under = `${dir}/main/`;
    return [...this.input.files.keys()].filter((p2) => p2.startsWith(under) && !p2.slice(under.length).split("/").some((s3) => s3.startsWith(".")) && /(\/[^./]+|\.ya?ml|\.json)$/.test(p2)).sort();
  }
  /** The role's defaults/main and vars/main, as Ansible loads them for it. */
  roleVarFiles(role, part) {
    const key = `${role}\0${part}`;
    let files = this.varFiles.get(key);
    if (!files) {
      files = this.mainFiles(`roles/${role}/${part}`).flatMap((path) => {
        const value = this.yaml(path);
        return value instanceof Map ? [{ path, vars: value }] : [];
      });
      this.varFiles.set(key, files);
    }
    return files;
  }
  /** Whether the play's variables already hold this role's own (kubespray_defaults, download). */
  isLoadedEverywhere(role) {
    const files = [...this.roleVarFiles(role, "defaults"), ...this.roleVarFiles(role, "vars")];
    return files.some((f2) => this.loadedOrigins.has(f2.path));
  }
  /** The role that first led to this one (its defaults are in scope too, as in the play). */
  parentOf = /* @__PURE__ */ new Map();
  /** Plays: their vars, and the roles whose defaults they load; scope 0 is no play. */
  scopes = [{ vars: /* @__PURE__ */ new Map(), roles: [] }];
  /** The play a role was first reached in (its templates are rendered there). */
  scopeOf = /* @__PURE__ */ new Map();
  /**
   * The variables a role's tasks and templates see: the defaults of the roles that led to it,
   * then its own, beat the defaults every play loads (and nothing else); vars/main beat
   * everything but extra vars.
   */
  variablesOf(role, scope = 0) {
    const key = `${role ?? ""}\0${scope}`;
    let own = this.variableMaps.get(key);
    if (own) return own;
    const chain = [];
    for (let r = role; r !== void 0 && !chain.includes(r); r = this.parentOf.get(r)) chain.unshift(r);
    const play = this.scopes[scope];
    const layered = [...play.roles.filter((r) => !chain.includes(r)), ...chain].filter((r) => !this.isLoadedEverywhere(r));
    const defaults = layered.flatMap((r) => this.roleVarFiles(r, "defaults"));
    const vars = chain.filter((r) => !this.isLoadedEverywhere(r)).flatMap((r) => this.roleVarFiles(r, "vars"));
    const playVars = play.vars;
    if (!defaults.length && !vars.length && !playVars.size) {
      own = this.input.variables;
    } else {
      const map = new Map(this.input.variables);
      const roleDefaults = /* @__PURE__ */ new Set();
      for (const file of defaults) {
        roleDefaults.add(file.path);
        for (const [k2, value] of file.vars) {
          const name = pyStr(k2);
          const current = map.get(name);
          if (!current || this.input.isDefaultsOrigin(current.origin) || roleDefaults.has(current.origin)) map.set(name, { value, origin: file.path });
        }
      }
      this.layer(map, playVars, "play vars");
      for (const file of vars) this.layer(map, file.vars, file.path);
      own = map;
    }
    this.variableMaps.set(key, own);
    return own;
  }
  templarOf(role, scope = 0) {
    const key = `${role ?? ""}\0${scope}`;
    let templar = this.templars.get(key);
    if (!templar) {
      const variables = this.variablesOf(role, scope);
      templar = variables === this.input.variables ? this.base : new Templar(variables, this.input.templar);
      this.templars.set(key, templar);
    }
    return templar;
  }
  /** A task's templar: its role's (in its play), with the task's `vars:` (and a loop's `item`) on top. */
  templarWith(role, locals, origin, scope = 0) {
    if (!locals.size) return this.templarOf(role, scope);
    const map = new Map(this.variablesOf(role, scope));
    this.layer(map, locals, origin);
    return new Templar(map, this.input.templar);
  }
  /** The vars of a play (and of the plays importing it): a scope its roles are walked in. */
  addScope(parent, vars, roles) {
    if (!(vars instanceof Map && vars.size) && !roles.length) return parent;
    const inherited = this.scopes[parent];
    this.scopes.push({ vars: vars instanceof Map ? new Map([...inherited.vars, ...vars]) : inherited.vars, roles: [...inherited.roles, ...roles] });
    return this.scopes.length - 1;
  }
  /** A play's roles and, before each, its meta dependencies (recursively), as Ansible loads them. */
  staticRoles(names, from, seen = /* @__PURE__ */ new Set()) {
    const out = [];
    for (const name of names) {
      if (name.includes("{{")) continue;
      const role = this.resolveRole(name, from);
      if (!role || seen.has(role)) continue;
      seen.add(role);
      const meta = this.yaml(`roles/${role}/meta/main.yml`);
      const deps = (meta instanceof Map ? asList(dictGet(meta, "dependencies")) : []).flatMap((d) => {
        const n = d instanceof Map ? dictGet(d, "role") ?? dictGet(d, "name") : d;
        return typeof n === "string" ? [n] : [];
      });
      out.push(...this.staticRoles(deps, role, seen), role);
    }
    return out;
  }
  /** Variables that beat all but extra vars (play vars, a role's vars/main, a task's vars). */
  layer(map, vars, origin) {
    for (const [k2, value] of vars) {
      const name = pyStr(k2);
      const current = map.get(name);
      if (!current || !this.input.isAboveRoleVars(current.origin)) map.set(name, { value, origin });
    }
  }
  /** A role named in a playbook, a dependency or an include, as a directory of roles/. */
  resolveRole(name, from) {
    const plain = name.replace(/^\.\//, "").replace(/\/+$/, "");
    const candidates = [plain];
    if (from) {
      const parent = from.includes("/") ? from.slice(0, from.lastIndexOf("/")) : "";
      candidates.push(parent ? `${parent}/${plain}` : plain, `${from}/${plain}`);
    }
    return candidates.find((c) => this.roles.includes(c));
  }
};
function roleOfPath(path) {
  const parts = path.split("/");
  if (parts[0] !== "roles" || parts.includes("molecule")) return void 0;
  for (let i = 2; i < parts.length - 1; i++) {
    if (ROLE_PARTS.has(parts[i])) return parts.slice(1, i).join("/");
  }
  return void 0;
}
function lineOf(text3, pattern) {
  if (text3 === void 0) return void 0;
  const m2 = pattern.exec(text3);
  return m2 ? text3.slice(0, m2.index).split("\n").length : void 0;
}
var escapeRegExp = (s3) => s3.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
function renderValue(templar, value) {
  try {
    const out = templar.template(value);
    return out instanceof Undefined ? { problem: `undefined: ${out.hint}` } : { value: out };
  } catch (e) {
    return { problem: describeFailure(e) };
  }
}
function renderText(templar, text3) {
  try {
    return { value: templar.render(text3, { convertData: false, escapeBackslashes: false }) };
  } catch (e) {
    return { problem: describeFailure(e) };
  }
}
function describeFailure(e) {
  const cause = e instanceof TemplateRuntimeError ? e.original : e;
  if (cause instanceof UndefinedError) return `undefined: ${cause.message}`;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
function variablesIn(templar, text3) {
  const names = [];
  for (const block of text3.matchAll(/\{[{%]([\s\S]*?)[}%]\}/g)) {
    for (const m2 of block[1].matchAll(/(?<![.\w'"])([A-Za-z_]\w*)/g)) {
      if (templar.has(m2[1]) && !names.includes(m2[1])) names.push(m2[1]);
    }
  }
  return names;
}
var RANK = { no: 0, unknown: 1, yes: 2 };
function both(a, b2) {
  if (a.state === "no") return a;
  if (b2.state === "no") return b2;
  if (a.state === "unknown") return a;
  if (b2.state === "unknown") return b2;
  return { state: "yes", because: [a.because, b2.because].filter((x) => x !== "always").join("; ") || "always" };
}
function either(a, b2) {
  return RANK[b2.state] > RANK[a.state] ? b2 : a;
}
function asConditions(when) {
  if (when === void 0 || when === null) return [];
  return Array.isArray(when) ? when : [when];
}
function evaluateCondition(templar, condition) {
  if (typeof condition === "boolean") return { state: condition ? "yes" : "no", because: `when: ${condition}` };
  const text3 = pyStr(condition).trim();
  if (HOST_SELECTION.test(text3)) return { state: "yes", because: "always" };
  const rendered = renderText(templar, `{% if ${text3} %}True{% else %}False{% endif %}`);
  if ("problem" in rendered) return { state: "unknown", because: `when: ${text3} (${rendered.problem})` };
  const yes = pyStr(rendered.value).trim() === "True";
  return { state: yes ? "yes" : "no", because: `when: ${text3}${yes ? "" : " (false)"}` };
}
function evaluateConditions(templar, conditions) {
  return conditions.reduce((acc, c) => acc.state === "no" ? acc : both(acc, evaluateCondition(templar, c)), YES);
}
var ROLE_INCLUDES = ["include_role", "import_role", "ansible.builtin.include_role", "ansible.builtin.import_role"];
var TASK_INCLUDES = ["include_tasks", "import_tasks", "ansible.builtin.include_tasks", "ansible.builtin.import_tasks"];
var PLAYBOOK_IMPORTS = ["import_playbook", "ansible.builtin.import_playbook"];
var TASK_LISTS = ["tasks", "pre_tasks", "post_tasks"];
var RoleGraph = class {
  constructor(tree) {
    this.tree = tree;
  }
  tree;
  edges = [];
  /** Role and play scope walked. */
  walked = /* @__PURE__ */ new Set();
  reached = /* @__PURE__ */ new Set();
  /** An include whose role name could not be rendered: an unreached role may be the one it meant. */
  unresolved;
  enablement() {
    const root = "cluster.yml";
    if (this.tree.text(root) === void 0) {
      const because = `the tree has no ${root} to read the roles' when: conditions from`;
      return new Map(this.tree.roles.map((role) => [role, { state: "unknown", because }]));
    }
    this.walkPlaybook(root, [], /* @__PURE__ */ new Set(), 0);
    const states = /* @__PURE__ */ new Map();
    for (let changed = true; changed; ) {
      changed = false;
      for (const edge of this.edges) {
        const parent = edge.from === void 0 ? YES : states.get(edge.from);
        if (!parent) continue;
        const candidate = both(parent, edge.condition);
        const reached = { state: candidate.state, because: candidate.state === "yes" ? `${edge.via}${candidate.because === "always" ? "" : ` (${candidate.because})`}` : `${edge.via}: ${candidate.because}` };
        const current = states.get(edge.to);
        if (!current || RANK[reached.state] > RANK[current.state]) {
          states.set(edge.to, reached);
          changed = true;
        }
      }
    }
    for (const role of this.tree.roles) {
      if (states.has(role)) continue;
      states.set(
        role,
        this.unresolved ? { state: "unknown", because: `${root} reaches it by no play read here, and ${this.unresolved}` } : { state: "no", because: `${root} does not include it with these variables` }
      );
    }
    return states;
  }
  walkPlaybook(path, conditions, seen, parentScope) {
    if (seen.has(path)) return;
    seen.add(path);
    const plays = this.tree.yaml(path);
    if (!Array.isArray(plays)) return;
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
    for (const play of plays) {
      if (!(play instanceof Map)) continue;
      const when = [...conditions, ...asConditions(dictGet(play, "when"))];
      const roleNames = asList(dictGet(play, "roles")).flatMap((entry) => {
        const name = entry instanceof Map ? dictGet(entry, "role") ?? dictGet(entry, "name") : entry;
        return typeof name === "string" ? [name] : [];
      });
      const scope = this.tree.addScope(parentScope, dictGet(play, "vars"), this.tree.staticRoles(roleNames));
      const imported = PLAYBOOK_IMPORTS.map((k2) => dictGet(play, k2)).find((v2) => typeof v2 === "string");
      if (typeof imported === "string") {
        this.walkPlaybook(normalizePath(dir + imported), when, seen, scope);
        continue;
      }
      for (const entry of asList(dictGet(play, "roles"))) {
        const name = entry instanceof Map ? dictGet(entry, "role") ?? dictGet(entry, "name") : entry;
        if (typeof name !== "string") continue;
        const roleWhen = [...when, ...asConditions(entry instanceof Map ? dictGet(entry, "when") : void 0)];
        this.addEdge(name, void 0, path, roleWhen, this.tree.templarOf(void 0, scope), "role", scope);
      }
      for (const list of TASK_LISTS) this.walkTasks(asList(dictGet(play, list)), void 0, path, when, dir, /* @__PURE__ */ new Set(), /* @__PURE__ */ new Map(), scope);
    }
  }
  /**
   * An edge to a role. Its conditions are rendered where Ansible renders them: an include_role's
   * in the including task's scope; a play's roles, a dependency's and an import's are applied
   * to the role's own tasks, so in the role's scope (its defaults included).
   */
  addEdge(name, from, via, conditions, here, conditionsIn, scope) {
    const rendered = name.includes("{{") ? renderText(here, name) : { value: name };
    if ("problem" in rendered) {
      this.unresolved ??= `${via} includes the role '${name}', which could not be rendered (${rendered.problem})`;
      return;
    }
    const role = this.tree.resolveRole(pyStr(rendered.value), from);
    if (!role) {
      this.tree.warnings.push(`${via}: names the role '${pyStr(rendered.value)}', which the tree does not have`);
      return;
    }
    if (from !== void 0 && !this.tree.parentOf.has(role) && !this.reached.has(role)) this.tree.parentOf.set(role, from);
    this.reached.add(role);
    if (!this.tree.scopeOf.has(role)) this.tree.scopeOf.set(role, scope);
    const condition = evaluateConditions(conditionsIn === "here" ? here : this.tree.templarOf(role, scope), conditions);
    this.edges.push({ to: role, from, via: from ? `${via}` : `${via} \u2192 ${role}`, condition });
    this.walkRole(role, scope);
  }
  walkRole(role, scope) {
    if (this.walked.has(`${role}\0${scope}`)) return;
    this.walked.add(`${role}\0${scope}`);
    const meta = this.tree.yaml(`roles/${role}/meta/main.yml`);
    const dependencies = meta instanceof Map ? asList(dictGet(meta, "dependencies")) : [];
    for (const dep of dependencies) {
      const name = dep instanceof Map ? dictGet(dep, "role") ?? dictGet(dep, "name") : dep;
      if (typeof name !== "string") continue;
      const when = asConditions(dep instanceof Map ? dictGet(dep, "when") : void 0);
      this.addEdge(name, role, `${role} (meta/main.yml)`, when, this.tree.templarOf(role, scope), "role", scope);
    }
    const main = this.tree.mainFiles(`roles/${role}/tasks`)[0];
    if (main) this.walkTasks(asList(this.tree.yaml(main)), role, main, [], `roles/${role}/tasks/`, /* @__PURE__ */ new Set([main]), /* @__PURE__ */ new Map(), scope);
  }
  walkTasks(tasks, role, file, conditions, tasksDir, stack, locals, scope) {
    for (const task of tasks) {
      if (!(task instanceof Map)) continue;
      const taskVars = dictGet(task, "vars");
      const taskLocals = taskVars instanceof Map ? new Map([...locals, ...taskVars]) : locals;
      const when = [...conditions, ...asConditions(dictGet(task, "when"))];
      for (const key of ["block", "rescue", "always"]) this.walkTasks(asList(dictGet(task, key)), role, file, when, tasksDir, stack, taskLocals, scope);
      const includeKey = ROLE_INCLUDES.find((k2) => dictGet(task, k2) !== void 0);
      if (includeKey) {
        const include = dictGet(task, includeKey);
        const name = include instanceof Map ? dictGet(include, "name") : include;
        if (typeof name === "string") {
          for (const itemLocals of this.loopLocals(task, role, taskLocals, file, scope)) {
            const templar = this.tree.templarWith(role, itemLocals, `${file} (task vars)`, scope);
            this.addEdge(name, role, file, when, templar, includeKey.endsWith("include_role") ? "here" : "role", scope);
          }
        }
      }
      const tasksFile = TASK_INCLUDES.map((k2) => dictGet(task, k2)).find((v2) => v2 !== void 0);
      const target = tasksFile instanceof Map ? dictGet(tasksFile, "file") : tasksFile;
      if (typeof target === "string") {
        const rendered = target.includes("{{") ? renderText(this.tree.templarWith(role, taskLocals, `${file} (task vars)`, scope), target) : { value: target };
        if ("value" in rendered) {
          const path = normalizePath(tasksDir + pyStr(rendered.value));
          if (this.tree.text(path) !== void 0 && !stack.has(path)) {
            this.walkTasks(asList(this.tree.yaml(path)), role, path, when, tasksDir, /* @__PURE__ */ new Set([...stack, path]), taskLocals, scope);
          }
        }
      }
    }
  }
  /** The scopes a task runs in: one, or one per item of its loop (rendered; unknown when it cannot be). */
  loopLocals(task, role, locals, file, scope) {
    const loop = dictGet(task, "loop") ?? dictGet(task, "with_items");
    if (loop === void 0) return [locals];
    const items = renderValue(this.tree.templarWith(role, locals, `${file} (task vars)`, scope), loop);
    if ("problem" in items || !Array.isArray(items.value)) {
      this.unresolved ??= `${file} includes roles from a loop that could not be rendered${"problem" in items ? ` (${items.problem})` : ""}`;
      return [];
    }
    return items.value.map((item) => new Map([...locals, ["item", item]]));
  }
};
function asList(value) {
  return Array.isArray(value) ? value : [];
}
function normalizePath(path) {
  const out = [];
  for (const part of path.split("/")) {
    if (part === "..") out.pop();
    else if (part !== "." && part !== "") out.push(part);
  }
  return out.join("/");
}
var Collector = class {
  byKey = /* @__PURE__ */ new Map();
  add(reference, source) {
    const key = `${reference.kind}\0${reference.value ?? `?${source.expression}`}`;
    const known = this.byKey.get(key);
    if (known) {
      if (!known.sources.some((s3) => s3.file === source.file && s3.line === source.line && s3.variable === source.variable)) known.sources.push(source);
      known.enabled = enabledOf(known.sources);
      return;
    }
    this.byKey.set(key, { ...reference, enabled: source.enabled, sources: [source] });
  }
  all() {
    return [...this.byKey.values()];
  }
};
function enabledOf(sources) {
  const isUse = (s3) => s3.variable.startsWith("downloads.") || !/\/(defaults|vars)\//.test(s3.file);
  const uses = sources.filter(isUse);
  return (uses.length ? uses : sources).map((s3) => s3.enabled).reduce(either);
}
function imageOf(rendered) {
  if ("problem" in rendered) return { problem: rendered.problem };
  const text3 = pyStr(rendered.value).trim();
  try {
    parseReference(text3);
    return { value: text3 };
  } catch (e) {
    return { problem: `renders to '${text3}', which is not an image reference (${e.message})` };
  }
}
function urlOf(rendered) {
  if ("problem" in rendered) return { problem: rendered.problem };
  const text3 = pyStr(rendered.value).trim();
  if (text3 === "" || rendered.value === null) return void 0;
  return /^https?:\/\/\S+$/.test(text3) ? { value: text3 } : { problem: `renders to '${text3}', which is not an http(s) url` };
}
function downloadEntries(tree, downloadRole) {
  const templar = tree.base;
  const raw = templar.rawValue("downloads");
  if (!(raw instanceof Map)) return [];
  const file = tree.input.variables.get("downloads")?.origin ?? "downloads";
  const text3 = tree.text(file);
  const out = [];
  for (const [key, spec] of raw) {
    if (!(spec instanceof Map)) continue;
    const entry = pyStr(key);
    const field = (name) => dictGet(spec, name);
    const flag2 = (name) => {
      const v2 = field(name);
      if (v2 === void 0) return false;
      const r = renderValue(templar, v2);
      return "value" in r && truthy(toBool(r.value));
    };
    const enabledRaw = field("enabled");
    const enabledRendered = enabledRaw === void 0 ? { value: false } : renderValue(templar, enabledRaw);
    const entryEnabled = "problem" in enabledRendered ? { state: "unknown", because: `downloads.${entry}.enabled: ${pyStr(enabledRaw ?? "")} (${enabledRendered.problem})` } : truthy(toBool(enabledRendered.value)) ? { state: "yes", because: `downloads.${entry}.enabled` } : { state: "no", because: `downloads.${entry}.enabled: ${pyStr(enabledRaw ?? false)} (false)` };
    const enabled = both(downloadRole, entryEnabled);
    const line = lineOf(text3, new RegExp(`^\\s+${escapeRegExp(entry)}:`, "m"));
    const rawText = (name) => field(name) === void 0 ? "" : pyStr(field(name));
    const names = /* @__PURE__ */ new Set();
    for (const f2 of ["repo", "tag", "sha256", "url"]) for (const m2 of rawText(f2).matchAll(/[A-Za-z_]\w*/g)) names.add(m2[0]);
    const source = (variable, expression) => ({ role: DOWNLOAD_ROLE, file, line, variable, expression, enabled });
    if (flag2("container")) {
      const digest = field("sha256") === void 0 ? void 0 : renderValue(templar, field("sha256"));
      const pinned = digest && "value" in digest && digest.value !== null && pyStr(digest.value) !== "" && pyStr(digest.value) !== "None";
      const expression = pinned ? `${rawText("repo")}@sha256:${rawText("sha256")}` : `${rawText("repo")}:${rawText("tag")}`;
      const rendered = renderText(templar, expression);
      const pulled = { ...source(`downloads.${entry}`, expression), enabled: both(enabled, evaluateCondition(templar, "download_container")) };
      out.push({ entry, names, reference: { kind: "image", ...imageOf(rendered) }, source: pulled });
    }
    if (flag2("file") && field("url") !== void 0) {
      const url = urlOf(renderValue(templar, field("url")));
      if (url) out.push({ entry, names, reference: { kind: "file", ...url }, source: source(`downloads.${entry}`, rawText("url")) });
    }
  }
  return out;
}
var Consumers = class {
  constructor(tree, roles, downloads) {
    this.tree = tree;
    this.roles = roles;
    this.downloads = downloads;
    for (const [path, text3] of tree.input.files) {
      const role = roleOfPath(path);
      if (!role || tree.isLoadedEverywhere(role)) continue;
      const tokens = this.roleTokens.get(role) ?? /* @__PURE__ */ new Set();
      for (const m2 of text3.matchAll(/[A-Za-z_]\w*/g)) tokens.add(m2[0]);
      this.roleTokens.set(role, tokens);
    }
  }
  tree;
  roles;
  downloads;
  roleTokens = /* @__PURE__ */ new Map();
  /** Enabled when a downloads entry naming it is (the download role decides), else when a role naming it runs. */
  ofVariable(name) {
    const entries = this.downloads.filter((d) => d.names.has(name));
    if (entries.length) return entries.map((d) => d.source.enabled).reduce(either);
    const readers = [...this.roleTokens].filter(([, tokens]) => tokens.has(name)).map(([role]) => this.roleReads(role));
    return readers.length ? readers.reduce(either) : void 0;
  }
  /** For a reference in a role's own file: the role, and any downloads entry naming its variables. */
  ofRoleReference(role, variables) {
    let enabled = this.roles.get(role) ?? { state: "unknown", because: `${role} is not a role of the tree` };
    for (const name of variables) {
      const entries = this.downloads.filter((d) => d.names.has(name));
      if (entries.length) enabled = both(enabled, entries.map((d) => d.source.enabled).reduce(either));
    }
    return enabled;
  }
  roleReads(role) {
    const state = this.roles.get(role) ?? { state: "unknown", because: "not a role of the tree" };
    return { state: state.state, because: `read by ${role}: ${state.because}` };
  }
};
function roleVariableReferences(tree, role, consumers) {
  const templar = tree.templarOf(role, tree.scopeOf.get(role) ?? 0);
  const everywhere = tree.isLoadedEverywhere(role);
  const out = [];
  for (const file of [...tree.roleVarFiles(role, "defaults"), ...tree.roleVarFiles(role, "vars")]) {
    const text3 = tree.text(file.path);
    for (const key of file.vars.keys()) {
      const name = pyStr(key);
      const line = lineOf(text3, new RegExp(`^${escapeRegExp(name)}\\s*:`, "m"));
      const enabledBy = (variables) => {
        if (!everywhere) return consumers.ofRoleReference(role, variables);
        const found = variables.map((v2) => consumers.ofVariable(v2)).filter((e) => e !== void 0);
        return found.length ? found.reduce(either) : { state: "unknown", because: `no role or downloads entry reads ${variables.join(", ")}` };
      };
      const repo = /^(.+)_image_repo$/.exec(name);
      if (repo && templar.has(`${repo[1]}_image_tag`) && !isRegistryOnly(templar, name) && !usedAsPrefix(tree, name)) {
        const tag = `${repo[1]}_image_tag`;
        const expression = `{{ ${name} }}:{{ ${tag} }}`;
        const enabled = namedInTemplates(tree, name) ? { state: "no", because: `the templates that name ${name} decide, and none writes this image with these variables` } : enabledBy([name, tag]);
        out.push({
          reference: { kind: "image", ...imageOf(renderText(templar, expression)) },
          source: { role, file: file.path, line, variable: name, expression, enabled }
        });
      } else if (FETCHED_URL.test(name)) {
        const url = urlOf(renderValue(templar, templar.rawValue(name) ?? null));
        if (!url) continue;
        const kind = /_repository_url$/.test(name) ? "chart-repository" : "file";
        out.push({ reference: { kind, ...url }, source: { role, file: file.path, line, variable: name, expression: pyStr(file.vars.get(key) ?? ""), enabled: enabledBy([name]) } });
      }
    }
  }
  return out;
}
function usedAsPrefix(tree, name) {
  const extended = new RegExp(`\\{\\{-?\\s*${escapeRegExp(name)}\\s*-?\\}\\}/`);
  for (const [path, text3] of tree.input.files) if (path.includes("/templates/") && extended.test(text3)) return true;
  return false;
}
function namedInTemplates(tree, name) {
  const named = new RegExp(`\\b${escapeRegExp(name)}\\b`);
  for (const [path, text3] of tree.input.files) if (path.includes("/templates/") && named.test(text3)) return true;
  return false;
}
function isRegistryOnly(templar, name) {
  const value = renderValue(templar, templar.rawValue(name) ?? null);
  return "value" in value && /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$/i.test(pyStr(value.value).trim());
}
function openConditions(lines2) {
  const stack = [];
  const at2 = [];
  for (const line of lines2) {
    at2.push(stack.map((s3) => s3.current));
    for (const tag of line.matchAll(/\{%-?\s*(if|elif|else|endif)\b(.*?)-?%\}/g)) {
      const [, keyword, rest] = tag;
      const expr = rest.trim();
      if (keyword === "if") stack.push({ previous: [], current: expr });
      else if (keyword === "elif" && stack.length) {
        const top = stack[stack.length - 1];
        top.previous.push(top.current);
        top.current = `(${expr}) and not (${top.previous.join(" or ")})`;
      } else if (keyword === "else" && stack.length) {
        const top = stack[stack.length - 1];
        top.previous.push(top.current);
        top.current = `not (${top.previous.join(" or ")})`;
      } else if (keyword === "endif") stack.pop();
    }
  }
  return at2;
}
function scrapeImageLines2(text3) {
  const lines2 = text3.split("\n");
  const conditions = openConditions(lines2);
  const out = [];
  for (let i = 0; i < lines2.length; i++) {
    const m2 = /^(\s*)(?:-\s+)?(["']?)image\2\s*:(.*)$/.exec(lines2[i]);
    if (!m2 || lines2[i].trimStart().startsWith("#")) continue;
    const value = unquote2(m2[3].trim());
    if (value !== "") {
      out.push({ line: i + 1, expression: value, conditions: conditions[i] });
      continue;
    }
    const indent = m2[1].length;
    const block = {};
    for (let j2 = i + 1; j2 < lines2.length; j2++) {
      const inner = /^(\s*)(repository|tag|digest)\s*:(.*)$/.exec(lines2[j2]);
      const depth2 = lines2[j2].length - lines2[j2].trimStart().length;
      if (lines2[j2].trim() !== "" && depth2 <= indent) break;
      if (inner && inner[1].length > indent) block[inner[2]] ??= unquote2(inner[3].trim());
    }
    if (block.repository) {
      const tag = block.tag ? `:${block.tag}` : "";
      const digest = block.digest ? `@${block.digest}` : "";
      out.push({ line: i + 1, expression: `${block.repository}${tag}${digest}`, conditions: conditions[i] });
    }
  }
  return out;
}
function unquote2(value) {
  const q2 = value[0];
  if ((q2 === '"' || q2 === "'") && value.lastIndexOf(q2) > 0) return value.slice(1, value.lastIndexOf(q2));
  return value;
}
function templateReferences(tree, role, consumers) {
  const prefix = `roles/${role}/templates/`;
  const out = [];
  for (const [path, text3] of tree.input.files) {
    if (!path.startsWith(prefix) || roleOfPath(path) !== role) continue;
    const lines2 = scrapeImageLines2(text3);
    if (!lines2.length) continue;
    const templar = tree.templarOf(role, tree.scopeOf.get(role) ?? 0);
    for (const { line, expression, conditions } of lines2) {
      const variables = variablesIn(templar, expression);
      const off = conditions.find((c) => {
        const r = renderText(templar, `{% if ${c} %}1{% endif %}`);
        return "value" in r && pyStr(r.value) === "";
      });
      out.push({
        reference: { kind: "image", ...imageOf(renderText(templar, expression)) },
        source: {
          role,
          file: path,
          line,
          variable: variables.find((v2) => /_(repo|image|container)$/.test(v2)) ?? variables[0] ?? "",
          expression,
          enabled: off ? { state: "no", because: `${path}: inside {% if ${off} %}, which is false` } : consumers.ofRoleReference(role, variables)
        }
      });
    }
  }
  return out;
}
function chartLabel(chart) {
  return `${chart.name} ${chart.version} from ${redactText(chart.repository)}`;
}
function soleVariable(expression) {
  return typeof expression === "string" ? /^\{\{-?\s*([A-Za-z_]\w*)\s*-?\}\}$/.exec(expression.trim())?.[1] : void 0;
}
function helmAppsCharts(tree, role, roles) {
  const path = `roles/${role}/meta/main.yml`;
  const meta = tree.yaml(path);
  if (!(meta instanceof Map)) return [];
  const text3 = tree.text(path);
  const out = [];
  for (const dep of asList(dictGet(meta, "dependencies"))) {
    if (!(dep instanceof Map)) continue;
    const name = dictGet(dep, "role") ?? dictGet(dep, "name");
    if (typeof name !== "string" || tree.resolveRole(name, role) !== "helm-apps") continue;
    const scope = tree.scopeOf.get(role) ?? 0;
    const templar = tree.templarOf(role, scope);
    const enabled = both(roles.get(role) ?? { state: "unknown", because: `${role} is reached by no play read here` }, evaluateConditions(templar, asConditions(dictGet(dep, "when"))));
    const repositories = asList(dictGet(dep, "repositories")).filter((r) => r instanceof Map);
    for (const release of asList(dictGet(dep, "releases"))) {
      if (!(release instanceof Map)) continue;
      const rawRef = dictGet(release, "chart_ref");
      const source = (variable) => ({ role, file: path, line: lineOf(text3, /chart_ref\s*:/), variable, expression: pyStr(rawRef ?? ""), enabled });
      const found = helmAppsRelease(templar, release, repositories);
      if ("local" in found) continue;
      if ("unsupported" in found) out.push({ reference: { kind: "chart", value: found.unsupported }, source: source(`${role} helm-apps release`) });
      else if ("problem" in found) out.push({ reference: { kind: "chart", problem: found.problem }, source: source(`${role} helm-apps release`) });
      else out.push({ reference: { kind: "chart", value: chartLabel(found), chart: found }, source: source(found.movedBy.variable) });
    }
  }
  return out;
}
function helmAppsRelease(templar, release, repositories) {
  const ref = renderValue(templar, dictGet(release, "chart_ref") ?? null);
  if ("problem" in ref) return { problem: `chart_ref: ${ref.problem}` };
  const chartRef = pyStr(ref.value).trim();
  if (/^(\/|\.\.?\/|file:\/\/)/.test(chartRef)) return { local: true };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chartRef)) return { unsupported: redactText(chartRef) };
  const [repositoryName, chartName, ...rest] = chartRef.split("/");
  if (!chartName || rest.length) return { problem: `chart_ref renders to '${pyStr(ref.value)}', not <repository>/<chart>` };
  const version = renderValue(templar, dictGet(release, "chart_version") ?? null);
  if ("problem" in version) return { problem: `chart_version: ${version.problem}` };
  const repository = repositories.find((r) => {
    const n = renderValue(templar, dictGet(r, "name") ?? null);
    return "value" in n && pyStr(n.value) === repositoryName;
  });
  if (!repository) return { problem: `chart_ref '${pyStr(ref.value)}' names the repository '${repositoryName}', which the role's repositories do not list` };
  const rawUrl = dictGet(repository, "url");
  const url = urlOf(renderValue(templar, rawUrl ?? null));
  if (!url || url.problem || !url.value) return { problem: `the url of repository '${repositoryName}' ${url?.problem ?? "is empty"}` };
  const values = renderValue(templar, dictGet(release, "values") ?? /* @__PURE__ */ new Map());
  if ("problem" in values) return { problem: `values: ${values.problem}` };
  const variable = soleVariable(rawUrl);
  if (!variable) return { problem: `the url of repository '${repositoryName}' is not one variable (${pyStr(rawUrl ?? "")}): nothing could point it at the bundle` };
  const valuesVariable = soleVariable(dictGet(release, "values"));
  return {
    repository: url.value,
    name: chartName,
    version: pyStr(version.value).trim(),
    values: toPlain(values.value),
    movedBy: { variable, form: "url" },
    imagesFrom: "values",
    ...valuesVariable ? { valuesVariable } : {}
  };
}
var CILIUM_CLI_REPOSITORY = "https://helm.cilium.io";
var CILIUM_CLI_COMMAND = /\/cilium\s+(?:install|upgrade|\{\{\s*\w+\s*\}\})\s+--version\s+\{\{\s*(\w+)\s*\}\}([^"'\n]*)/;
function ciliumCliCharts(tree, role, roles) {
  const out = [];
  for (const [path, text3] of tree.input.files) {
    if (!path.startsWith(`roles/${role}/tasks/`)) continue;
    const match = CILIUM_CLI_COMMAND.exec(text3);
    if (!match) continue;
    const flagsVariable = [...match[2].matchAll(/\{\{\s*(\w+_flags)\s*\}\}/g)].map((m2) => m2[1]).pop();
    if (!flagsVariable) continue;
    const templar = tree.templarOf(role, tree.scopeOf.get(role) ?? 0);
    const enabled = roles.get(role) ?? { state: "unknown", because: `${role} is reached by no play read here` };
    const source = { role, file: path, line: lineOf(text3, CILIUM_CLI_COMMAND), variable: flagsVariable, expression: match[0].slice(1).trim(), enabled };
    const version = renderValue(templar, `{{ ${match[1]} }}`);
    const flags = renderValue(templar, `{{ ${flagsVariable} }}`);
    if ("problem" in version || "problem" in flags) {
      out.push({ reference: { kind: "chart", problem: "problem" in version ? `${match[1]}: ${version.problem}` : `${flagsVariable}: ${flags.problem}` }, source });
      continue;
    }
    const words = pyStr(flags.value).split(/\s+/).filter(Boolean);
    if (words.some((w2) => w2 === "--chart-directory" || w2.startsWith("--chart-directory="))) continue;
    const at2 = words.findIndex((w2) => w2 === "--repository" || w2.startsWith("--repository="));
    const repository = at2 < 0 ? CILIUM_CLI_REPOSITORY : words[at2].includes("=") ? words[at2].slice(words[at2].indexOf("=") + 1) : words[at2 + 1] ?? "";
    if (!/^https?:\/\/\S+$/.test(repository)) {
      out.push({ reference: { kind: "chart", problem: `${flagsVariable} gives --repository '${repository}', which is not an http(s) url` }, source });
      continue;
    }
    const valuesVariable = ciliumExtraValuesVariable(tree, role);
    const chart = {
      repository,
      name: "cilium",
      version: pyStr(version.value).trim().replace(/^v/, ""),
      values: {},
      movedBy: { variable: flagsVariable, form: "repository-flag" },
      imagesFrom: "kubespray-downloads",
      ...valuesVariable ? { valuesVariable } : {}
    };
    out.push({ reference: { kind: "chart", value: chartLabel(chart), chart }, source });
  }
  return out;
}
function ciliumExtraValuesVariable(tree, role) {
  for (const [path, text3] of tree.input.files) {
    if (!path.startsWith(`roles/${role}/tasks/`)) continue;
    const m2 = /content:\s*["']?\{\{\s*(\w+)\s*\|\s*to_nice_yaml[^\n]*\n\s*dest:[^\n]*extra-values\.yaml/.exec(text3);
    if (m2) return m2[1];
  }
  return void 0;
}
function toPlain(value) {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k2, v2]) => [pyStr(k2), toPlain(v2)]));
  if (Array.isArray(value)) return value.map((v2) => toPlain(v2));
  if (value === null || typeof value === "string" || typeof value === "boolean" || typeof value === "number") return value;
  return pyStr(value);
}

// src/adapters/tar-safe.ts
var import_node_path17 = require("node:path");

// node_modules/tar/dist/esm/index.min.js
var import_events = __toESM(require("events"), 1);
var import_fs = __toESM(require("fs"), 1);
var import_node_events = require("node:events");
var import_node_stream = __toESM(require("node:stream"), 1);
var import_node_string_decoder = require("node:string_decoder");
var import_node_path8 = __toESM(require("node:path"), 1);
var import_node_fs6 = __toESM(require("node:fs"), 1);
var import_path = require("path");
var import_events2 = require("events");
var import_assert = __toESM(require("assert"), 1);
var import_buffer = require("buffer");
var Ps = __toESM(require("zlib"), 1);
var import_zlib = __toESM(require("zlib"), 1);
var import_node_path9 = require("node:path");
var import_node_path10 = require("node:path");
var import_fs2 = __toESM(require("fs"), 1);
var import_fs3 = __toESM(require("fs"), 1);
var import_path2 = __toESM(require("path"), 1);
var import_node_path11 = require("node:path");
var import_path3 = __toESM(require("path"), 1);
var import_node_fs7 = __toESM(require("node:fs"), 1);
var import_node_assert = __toESM(require("node:assert"), 1);
var import_node_crypto2 = require("node:crypto");
var import_node_fs8 = __toESM(require("node:fs"), 1);
var import_node_path12 = __toESM(require("node:path"), 1);
var import_fs4 = __toESM(require("fs"), 1);
var import_node_fs9 = __toESM(require("node:fs"), 1);
var import_node_path13 = __toESM(require("node:path"), 1);
var import_node_fs10 = __toESM(require("node:fs"), 1);
var import_promises5 = __toESM(require("node:fs/promises"), 1);
var import_node_path14 = __toESM(require("node:path"), 1);
var import_node_path15 = require("node:path");
var import_node_fs11 = __toESM(require("node:fs"), 1);
var import_node_path16 = __toESM(require("node:path"), 1);
var zr = Object.defineProperty;
var Ur = (s3, t) => {
  for (var e in t) zr(s3, e, { get: t[e], enumerable: true });
};
var Ds = typeof process == "object" && process ? process : { stdout: null, stderr: null };
var Wr = (s3) => !!s3 && typeof s3 == "object" && (s3 instanceof A || s3 instanceof import_node_stream.default || Gr(s3) || Zr(s3));
var Gr = (s3) => !!s3 && typeof s3 == "object" && s3 instanceof import_node_events.EventEmitter && typeof s3.pipe == "function" && s3.pipe !== import_node_stream.default.Writable.prototype.pipe;
var Zr = (s3) => !!s3 && typeof s3 == "object" && s3 instanceof import_node_events.EventEmitter && typeof s3.write == "function" && typeof s3.end == "function";
var Q = /* @__PURE__ */ Symbol("EOF");
var J = /* @__PURE__ */ Symbol("maybeEmitEnd");
var nt = /* @__PURE__ */ Symbol("emittedEnd");
var De = /* @__PURE__ */ Symbol("emittingEnd");
var qt = /* @__PURE__ */ Symbol("emittedError");
var Ne = /* @__PURE__ */ Symbol("closed");
var Ns = /* @__PURE__ */ Symbol("read");
var Ae = /* @__PURE__ */ Symbol("flush");
var As = /* @__PURE__ */ Symbol("flushChunk");
var z = /* @__PURE__ */ Symbol("encoding");
var Mt = /* @__PURE__ */ Symbol("decoder");
var g = /* @__PURE__ */ Symbol("flowing");
var Qt = /* @__PURE__ */ Symbol("paused");
var Bt = /* @__PURE__ */ Symbol("resume");
var b = /* @__PURE__ */ Symbol("buffer");
var N = /* @__PURE__ */ Symbol("pipes");
var _ = /* @__PURE__ */ Symbol("bufferLength");
var bi = /* @__PURE__ */ Symbol("bufferPush");
var Ie = /* @__PURE__ */ Symbol("bufferShift");
var L = /* @__PURE__ */ Symbol("objectMode");
var S = /* @__PURE__ */ Symbol("destroyed");
var _i = /* @__PURE__ */ Symbol("error");
var Oi = /* @__PURE__ */ Symbol("emitData");
var Is = /* @__PURE__ */ Symbol("emitEnd");
var Ti = /* @__PURE__ */ Symbol("emitEnd2");
var Z = /* @__PURE__ */ Symbol("async");
var xi = /* @__PURE__ */ Symbol("abort");
var Ce = /* @__PURE__ */ Symbol("aborted");
var Jt = /* @__PURE__ */ Symbol("signal");
var Rt = /* @__PURE__ */ Symbol("dataListeners");
var C = /* @__PURE__ */ Symbol("discarded");
var jt = (s3) => Promise.resolve().then(s3);
var Yr = (s3) => s3();
var Kr = (s3) => s3 === "end" || s3 === "finish" || s3 === "prefinish";
var Vr = (s3) => s3 instanceof ArrayBuffer || !!s3 && typeof s3 == "object" && s3.constructor && s3.constructor.name === "ArrayBuffer" && s3.byteLength >= 0;
var $r = (s3) => !Buffer.isBuffer(s3) && ArrayBuffer.isView(s3);
var Fe = class {
  src;
  dest;
  opts;
  ondrain;
  constructor(t, e, i) {
    this.src = t, this.dest = e, this.opts = i, this.ondrain = () => t[Bt](), this.dest.on("drain", this.ondrain);
  }
  unpipe() {
    this.dest.removeListener("drain", this.ondrain);
  }
  proxyErrors(t) {
  }
  end() {
    this.unpipe(), this.opts.end && this.dest.end();
  }
};
var Li = class extends Fe {
  unpipe() {
    this.src.removeListener("error", this.proxyErrors), super.unpipe();
  }
  constructor(t, e, i) {
    super(t, e, i), this.proxyErrors = (r) => this.dest.emit("error", r), t.on("error", this.proxyErrors);
  }
};
var Xr = (s3) => !!s3.objectMode;
var qr = (s3) => !s3.objectMode && !!s3.encoding && s3.encoding !== "buffer";
var A = class extends import_node_events.EventEmitter {
  [g] = false;
  [Qt] = false;
  [N] = [];
  [b] = [];
  [L];
  [z];
  [Z];
  [Mt];
  [Q] = false;
  [nt] = false;
  [De] = false;
  [Ne] = false;
  [qt] = null;
  [_] = 0;
  [S] = false;
  [Jt];
  [Ce] = false;
  [Rt] = 0;
  [C] = false;
  writable = true;
  readable = true;
  constructor(...t) {
    let e = t[0] || {};
    if (super(), e.objectMode && typeof e.encoding == "string") throw new TypeError("Encoding and objectMode may not be used together");
    Xr(e) ? (this[L] = true, this[z] = null) : qr(e) ? (this[z] = e.encoding, this[L] = false) : (this[L] = false, this[z] = null), this[Z] = !!e.async, this[Mt] = this[z] ? new import_node_string_decoder.StringDecoder(this[z]) : null, e && e.debugExposeBuffer === true && Object.defineProperty(this, "buffer", { get: () => this[b] }), e && e.debugExposePipes === true && Object.defineProperty(this, "pipes", { get: () => this[N] });
    let { signal: i } = e;
    i && (this[Jt] = i, i.aborted ? this[xi]() : i.addEventListener("abort", () => this[xi]()));
  }
  get bufferLength() {
    return this[_];
  }
  get encoding() {
    return this[z];
  }
  set encoding(t) {
    throw new Error("Encoding must be set at instantiation time");
  }
  setEncoding(t) {
    throw new Error("Encoding must be set at instantiation time");
  }
  get objectMode() {
    return this[L];
  }
  set objectMode(t) {
    throw new Error("objectMode must be set at instantiation time");
  }
  get async() {
    return this[Z];
  }
  set async(t) {
    this[Z] = this[Z] || !!t;
  }
  [xi]() {
    this[Ce] = true, this.emit("abort", this[Jt]?.reason), this.destroy(this[Jt]?.reason);
  }
  get aborted() {
    return this[Ce];
  }
  set aborted(t) {
  }
  write(t, e, i) {
    if (this[Ce]) return false;
    if (this[Q]) throw new Error("write after end");
    if (this[S]) return this.emit("error", Object.assign(new Error("Cannot call write after a stream was destroyed"), { code: "ERR_STREAM_DESTROYED" })), true;
    typeof e == "function" && (i = e, e = "utf8"), e || (e = "utf8");
    let r = this[Z] ? jt : Yr;
    if (!this[L] && !Buffer.isBuffer(t)) {
      if ($r(t)) t = Buffer.from(t.buffer, t.byteOffset, t.byteLength);
      else if (Vr(t)) t = Buffer.from(t);
      else if (typeof t != "string") throw new Error("Non-contiguous data written to non-objectMode stream");
    }
    return this[L] ? (this[g] && this[_] !== 0 && this[Ae](true), this[g] ? this.emit("data", t) : this[bi](t), this[_] !== 0 && this.emit("readable"), i && r(i), this[g]) : t.length ? (typeof t == "string" && !(e === this[z] && !this[Mt]?.lastNeed) && (t = Buffer.from(t, e)), Buffer.isBuffer(t) && this[z] && (t = this[Mt].write(t)), this[g] && this[_] !== 0 && this[Ae](true), this[g] ? this.emit("data", t) : this[bi](t), this[_] !== 0 && this.emit("readable"), i && r(i), this[g]) : (this[_] !== 0 && this.emit("readable"), i && r(i), this[g]);
  }
  read(t) {
    if (this[S]) return null;
    if (this[C] = false, this[_] === 0 || t === 0 || t && t > this[_]) return this[J](), null;
    this[L] && (t = null), this[b].length > 1 && !this[L] && (this[b] = [this[z] ? this[b].join("") : Buffer.concat(this[b], this[_])]);
    let e = this[Ns](t || null, this[b][0]);
    return this[J](), e;
  }
  [Ns](t, e) {
    if (this[L]) this[Ie]();
    else {
      let i = e;
      t === i.length || t === null ? this[Ie]() : typeof i == "string" ? (this[b][0] = i.slice(t), e = i.slice(0, t), this[_] -= t) : (this[b][0] = i.subarray(t), e = i.subarray(0, t), this[_] -= t);
    }
    return this.emit("data", e), !this[b].length && !this[Q] && this.emit("drain"), e;
  }
  end(t, e, i) {
    return typeof t == "function" && (i = t, t = void 0), typeof e == "function" && (i = e, e = "utf8"), t !== void 0 && this.write(t, e), i && this.once("end", i), this[Q] = true, this.writable = false, (this[g] || !this[Qt]) && this[J](), this;
  }
  [Bt]() {
    this[S] || (!this[Rt] && !this[N].length && (this[C] = true), this[Qt] = false, this[g] = true, this.emit("resume"), this[b].length ? this[Ae]() : this[Q] ? this[J]() : this.emit("drain"));
  }
  resume() {
    return this[Bt]();
  }
  pause() {
    this[g] = false, this[Qt] = true, this[C] = false;
  }
  get destroyed() {
    return this[S];
  }
  get flowing() {
    return this[g];
  }
  get paused() {
    return this[Qt];
  }
  [bi](t) {
    this[L] ? this[_] += 1 : this[_] += t.length, this[b].push(t);
  }
  [Ie]() {
    return this[L] ? this[_] -= 1 : this[_] -= this[b][0].length, this[b].shift();
  }
  [Ae](t = false) {
    do
      ;
    while (this[As](this[Ie]()) && this[b].length);
    !t && !this[b].length && !this[Q] && this.emit("drain");
  }
  [As](t) {
    return this.emit("data", t), this[g];
  }
  pipe(t, e) {
    if (this[S]) return t;
    this[C] = false;
    let i = this[nt];
    return e = e || {}, t === Ds.stdout || t === Ds.stderr ? e.end = false : e.end = e.end !== false, e.proxyErrors = !!e.proxyErrors, i ? e.end && t.end() : (this[N].push(e.proxyErrors ? new Li(this, t, e) : new Fe(this, t, e)), this[Z] ? jt(() => this[Bt]()) : this[Bt]()), t;
  }
  unpipe(t) {
    let e = this[N].find((i) => i.dest === t);
    e && (this[N].length === 1 ? (this[g] && this[Rt] === 0 && (this[g] = false), this[N] = []) : this[N].splice(this[N].indexOf(e), 1), e.unpipe());
  }
  addListener(t, e) {
    return this.on(t, e);
  }
  on(t, e) {
    let i = super.on(t, e);
    if (t === "data") this[C] = false, this[Rt]++, !this[N].length && !this[g] && this[Bt]();
    else if (t === "readable" && this[_] !== 0) super.emit("readable");
    else if (Kr(t) && this[nt]) super.emit(t), this.removeAllListeners(t);
    else if (t === "error" && this[qt]) {
      let r = e;
      this[Z] ? jt(() => r.call(this, this[qt])) : r.call(this, this[qt]);
    }
    return i;
  }
  removeListener(t, e) {
    return this.off(t, e);
  }
  off(t, e) {
    let i = super.off(t, e);
    return t === "data" && (this[Rt] = this.listeners("data").length, this[Rt] === 0 && !this[C] && !this[N].length && (this[g] = false)), i;
  }
  removeAllListeners(t) {
    let e = super.removeAllListeners(t);
    return (t === "data" || t === void 0) && (this[Rt] = 0, !this[C] && !this[N].length && (this[g] = false)), e;
  }
  get emittedEnd() {
    return this[nt];
  }
  [J]() {
    !this[De] && !this[nt] && !this[S] && this[b].length === 0 && this[Q] && (this[De] = true, this.emit("end"), this.emit("prefinish"), this.emit("finish"), this[Ne] && this.emit("close"), this[De] = false);
  }
  emit(t, ...e) {
    let i = e[0];
    if (t !== "error" && t !== "close" && t !== S && this[S]) return false;
    if (t === "data") return !this[L] && !i ? false : this[Z] ? (jt(() => this[Oi](i)), true) : this[Oi](i);
    if (t === "end") return this[Is]();
    if (t === "close") {
      if (this[Ne] = true, !this[nt] && !this[S]) return false;
      let n = super.emit("close");
      return this.removeAllListeners("close"), n;
    } else if (t === "error") {
      this[qt] = i, super.emit(_i, i);
      let n = !this[Jt] || this.listeners("error").length ? super.emit("error", i) : false;
      return this[J](), n;
    } else if (t === "resume") {
      let n = super.emit("resume");
      return this[J](), n;
    } else if (t === "finish" || t === "prefinish") {
      let n = super.emit(t);
      return this.removeAllListeners(t), n;
    }
    let r = super.emit(t, ...e);
    return this[J](), r;
  }
  [Oi](t) {
    for (let i of this[N]) i.dest.write(t) === false && this.pause();
    let e = this[C] ? false : super.emit("data", t);
    return this[J](), e;
  }
  [Is]() {
    return this[nt] ? false : (this[nt] = true, this.readable = false, this[Z] ? (jt(() => this[Ti]()), true) : this[Ti]());
  }
  [Ti]() {
    if (this[Mt]) {
      let e = this[Mt].end();
      if (e) {
        for (let i of this[N]) i.dest.write(e);
        this[C] || super.emit("data", e);
      }
    }
    for (let e of this[N]) e.end();
    let t = super.emit("end");
    return this.removeAllListeners("end"), t;
  }
  async collect() {
    let t = Object.assign([], { dataLength: 0 });
    this[L] || (t.dataLength = 0);
    let e = this.promise();
    return this.on("data", (i) => {
      t.push(i), this[L] || (t.dataLength += i.length);
    }), await e, t;
  }
  async concat() {
    if (this[L]) throw new Error("cannot concat in objectMode");
    let t = await this.collect();
    return this[z] ? t.join("") : Buffer.concat(t, t.dataLength);
  }
  async promise() {
    return new Promise((t, e) => {
      this.on(S, () => e(new Error("stream destroyed"))), this.on("error", (i) => e(i)), this.on("end", () => t());
    });
  }
  [Symbol.asyncIterator]() {
    this[C] = false;
    let t = false, e = async () => (this.pause(), t = true, { value: void 0, done: true });
    return { next: () => {
      if (t) return e();
      let r = this.read();
      if (r !== null) return Promise.resolve({ done: false, value: r });
      if (this[Q]) return e();
      let n, o, h = (d) => {
        this.off("data", a), this.off("end", l), this.off(S, c), e(), o(d);
      }, a = (d) => {
        this.off("error", h), this.off("end", l), this.off(S, c), this.pause(), n({ value: d, done: !!this[Q] });
      }, l = () => {
        this.off("error", h), this.off("data", a), this.off(S, c), e(), n({ done: true, value: void 0 });
      }, c = () => h(new Error("stream destroyed"));
      return new Promise((d, y) => {
        o = y, n = d, this.once(S, c), this.once("error", h), this.once("end", l), this.once("data", a);
      });
    }, throw: e, return: e, [Symbol.asyncIterator]() {
      return this;
    }, [Symbol.asyncDispose]: async () => {
    } };
  }
  [Symbol.iterator]() {
    this[C] = false;
    let t = false, e = () => (this.pause(), this.off(_i, e), this.off(S, e), this.off("end", e), t = true, { done: true, value: void 0 }), i = () => {
      if (t) return e();
      let r = this.read();
      return r === null ? e() : { done: false, value: r };
    };
    return this.once("end", e), this.once(_i, e), this.once(S, e), { next: i, throw: e, return: e, [Symbol.iterator]() {
      return this;
    }, [Symbol.dispose]: () => {
    } };
  }
  destroy(t) {
    if (this[S]) return t ? this.emit("error", t) : this.emit(S), this;
    this[S] = true, this[C] = true, this[b].length = 0, this[_] = 0;
    let e = this;
    return typeof e.close == "function" && !this[Ne] && e.close(), t ? this.emit("error", t) : this.emit(S), this;
  }
  static get isStream() {
    return Wr;
  }
};
var Jr = import_fs.default.writev;
var ht = /* @__PURE__ */ Symbol("_autoClose");
var H = /* @__PURE__ */ Symbol("_close");
var te = /* @__PURE__ */ Symbol("_ended");
var m = /* @__PURE__ */ Symbol("_fd");
var Ni = /* @__PURE__ */ Symbol("_finished");
var tt = /* @__PURE__ */ Symbol("_flags");
var Ai = /* @__PURE__ */ Symbol("_flush");
var ki = /* @__PURE__ */ Symbol("_handleChunk");
var vi = /* @__PURE__ */ Symbol("_makeBuf");
var ie = /* @__PURE__ */ Symbol("_mode");
var ke = /* @__PURE__ */ Symbol("_needDrain");
var Ut = /* @__PURE__ */ Symbol("_onerror");
var Ht = /* @__PURE__ */ Symbol("_onopen");
var Ii = /* @__PURE__ */ Symbol("_onread");
var Pt = /* @__PURE__ */ Symbol("_onwrite");
var at = /* @__PURE__ */ Symbol("_open");
var U = /* @__PURE__ */ Symbol("_path");
var ot = /* @__PURE__ */ Symbol("_pos");
var Y = /* @__PURE__ */ Symbol("_queue");
var zt = /* @__PURE__ */ Symbol("_read");
var Ci = /* @__PURE__ */ Symbol("_readSize");
var j = /* @__PURE__ */ Symbol("_reading");
var ee = /* @__PURE__ */ Symbol("_remain");
var Fi = /* @__PURE__ */ Symbol("_size");
var ve = /* @__PURE__ */ Symbol("_write");
var gt = /* @__PURE__ */ Symbol("_writing");
var Me = /* @__PURE__ */ Symbol("_defaultFlag");
var bt = /* @__PURE__ */ Symbol("_errored");
var _t = class extends A {
  [bt] = false;
  [m];
  [U];
  [Ci];
  [j] = false;
  [Fi];
  [ee];
  [ht];
  constructor(t, e) {
    if (e = e || {}, super(e), this.readable = true, this.writable = false, typeof t != "string") throw new TypeError("path must be a string");
    this[bt] = false, this[m] = typeof e.fd == "number" ? e.fd : void 0, this[U] = t, this[Ci] = e.readSize || 16 * 1024 * 1024, this[j] = false, this[Fi] = typeof e.size == "number" ? e.size : 1 / 0, this[ee] = this[Fi], this[ht] = typeof e.autoClose == "boolean" ? e.autoClose : true, typeof this[m] == "number" ? this[zt]() : this[at]();
  }
  get fd() {
    return this[m];
  }
  get path() {
    return this[U];
  }
  write() {
    throw new TypeError("this is a readable stream");
  }
  end() {
    throw new TypeError("this is a readable stream");
  }
  [at]() {
    import_fs.default.open(this[U], "r", (t, e) => this[Ht](t, e));
  }
  [Ht](t, e) {
    t ? this[Ut](t) : (this[m] = e, this.emit("open", e), this[zt]());
  }
  [vi]() {
    return Buffer.allocUnsafe(Math.min(this[Ci], this[ee]));
  }
  [zt]() {
    if (!this[j]) {
      this[j] = true;
      let t = this[vi]();
      if (t.length === 0) return process.nextTick(() => this[Ii](null, 0, t));
      import_fs.default.read(this[m], t, 0, t.length, null, (e, i, r) => this[Ii](e, i, r));
    }
  }
  [Ii](t, e, i) {
    this[j] = false, t ? this[Ut](t) : this[ki](e, i) && this[zt]();
  }
  [H]() {
    if (this[ht] && typeof this[m] == "number") {
      let t = this[m];
      this[m] = void 0, import_fs.default.close(t, (e) => e ? this.emit("error", e) : this.emit("close"));
    }
  }
  [Ut](t) {
    this[j] = true, this[H](), this.emit("error", t);
  }
  [ki](t, e) {
    let i = false;
    return this[ee] -= t, t > 0 && (i = super.write(t < e.length ? e.subarray(0, t) : e)), (t === 0 || this[ee] <= 0) && (i = false, this[H](), super.end()), i;
  }
  emit(t, ...e) {
    switch (t) {
      case "prefinish":
      case "finish":
        return false;
      case "drain":
        return typeof this[m] == "number" && this[zt](), false;
      case "error":
        return this[bt] ? false : (this[bt] = true, super.emit(t, ...e));
      default:
        return super.emit(t, ...e);
    }
  }
};
var Be = class extends _t {
  [at]() {
    let t = true;
    try {
      this[Ht](null, import_fs.default.openSync(this[U], "r")), t = false;
    } finally {
      t && this[H]();
    }
  }
  [zt]() {
    let t = true;
    try {
      if (!this[j]) {
        this[j] = true;
        do {
          let e = this[vi](), i = e.length === 0 ? 0 : import_fs.default.readSync(this[m], e, 0, e.length, null);
          if (!this[ki](i, e)) break;
        } while (true);
        this[j] = false;
      }
      t = false;
    } finally {
      t && this[H]();
    }
  }
  [H]() {
    if (this[ht] && typeof this[m] == "number") {
      let t = this[m];
      this[m] = void 0, import_fs.default.closeSync(t), this.emit("close");
    }
  }
};
var et = class extends import_events.default {
  readable = false;
  writable = true;
  [bt] = false;
  [gt] = false;
  [te] = false;
  [Y] = [];
  [ke] = false;
  [U];
  [ie];
  [ht];
  [m];
  [Me];
  [tt];
  [Ni] = false;
  [ot];
  constructor(t, e) {
    e = e || {}, super(e), this[U] = t, this[m] = typeof e.fd == "number" ? e.fd : void 0, this[ie] = e.mode === void 0 ? 438 : e.mode, this[ot] = typeof e.start == "number" ? e.start : void 0, this[ht] = typeof e.autoClose == "boolean" ? e.autoClose : true;
    let i = this[ot] !== void 0 ? "r+" : "w";
    this[Me] = e.flags === void 0, this[tt] = e.flags === void 0 ? i : e.flags, this[m] === void 0 && this[at]();
  }
  emit(t, ...e) {
    if (t === "error") {
      if (this[bt]) return false;
      this[bt] = true;
    }
    return super.emit(t, ...e);
  }
  get fd() {
    return this[m];
  }
  get path() {
    return this[U];
  }
  [Ut](t) {
    this[H](), this[gt] = true, this.emit("error", t);
  }
  [at]() {
    import_fs.default.open(this[U], this[tt], this[ie], (t, e) => this[Ht](t, e));
  }
  [Ht](t, e) {
    this[Me] && this[tt] === "r+" && t && t.code === "ENOENT" ? (this[tt] = "w", this[at]()) : t ? this[Ut](t) : (this[m] = e, this.emit("open", e), this[gt] || this[Ai]());
  }
  end(t, e) {
    return t && this.write(t, e), this[te] = true, !this[gt] && !this[Y].length && typeof this[m] == "number" && this[Pt](null, 0), this;
  }
  write(t, e) {
    return typeof t == "string" && (t = Buffer.from(t, e)), this[te] ? (this.emit("error", new Error("write() after end()")), false) : this[m] === void 0 || this[gt] || this[Y].length ? (this[Y].push(t), this[ke] = true, false) : (this[gt] = true, this[ve](t), true);
  }
  [ve](t) {
    import_fs.default.write(this[m], t, 0, t.length, this[ot], (e, i) => this[Pt](e, i));
  }
  [Pt](t, e) {
    t ? this[Ut](t) : (this[ot] !== void 0 && typeof e == "number" && (this[ot] += e), this[Y].length ? this[Ai]() : (this[gt] = false, this[te] && !this[Ni] ? (this[Ni] = true, this[H](), this.emit("finish")) : this[ke] && (this[ke] = false, this.emit("drain"))));
  }
  [Ai]() {
    if (this[Y].length === 0) this[te] && this[Pt](null, 0);
    else if (this[Y].length === 1) this[ve](this[Y].pop());
    else {
      let t = this[Y];
      this[Y] = [], Jr(this[m], t, this[ot], (e, i) => this[Pt](e, i));
    }
  }
  [H]() {
    if (this[ht] && typeof this[m] == "number") {
      let t = this[m];
      this[m] = void 0, import_fs.default.close(t, (e) => e ? this.emit("error", e) : this.emit("close"));
    }
  }
};
var Wt = class extends et {
  [at]() {
    let t;
    if (this[Me] && this[tt] === "r+") try {
      t = import_fs.default.openSync(this[U], this[tt], this[ie]);
    } catch (e) {
      if (e?.code === "ENOENT") return this[tt] = "w", this[at]();
      throw e;
    }
    else t = import_fs.default.openSync(this[U], this[tt], this[ie]);
    this[Ht](null, t);
  }
  [H]() {
    if (this[ht] && typeof this[m] == "number") {
      let t = this[m];
      this[m] = void 0, import_fs.default.closeSync(t), this.emit("close");
    }
  }
  [ve](t) {
    let e = true;
    try {
      this[Pt](null, import_fs.default.writeSync(this[m], t, 0, t.length, this[ot])), e = false;
    } finally {
      if (e) try {
        this[H]();
      } catch {
      }
    }
  }
};
var jr = /* @__PURE__ */ new Map([["C", "cwd"], ["f", "file"], ["z", "gzip"], ["P", "preservePaths"], ["U", "unlink"], ["strip-components", "strip"], ["stripComponents", "strip"], ["keep-newer", "newer"], ["keepNewer", "newer"], ["keep-newer-files", "newer"], ["keepNewerFiles", "newer"], ["k", "keep"], ["keep-existing", "keep"], ["keepExisting", "keep"], ["m", "noMtime"], ["no-mtime", "noMtime"], ["p", "preserveOwner"], ["L", "follow"], ["h", "follow"], ["onentry", "onReadEntry"]]);
var Fs = (s3) => !!s3.sync && !!s3.file;
var ks = (s3) => !s3.sync && !!s3.file;
var vs = (s3) => !!s3.sync && !s3.file;
var Ms = (s3) => !s3.sync && !s3.file;
var Bs = (s3) => !!s3.file;
var tn = (s3) => {
  let t = jr.get(s3);
  return t || s3;
};
var se = (s3 = {}) => {
  if (!s3) return {};
  let t = {};
  for (let [e, i] of Object.entries(s3)) {
    let r = tn(e);
    t[r] = i;
  }
  return t.chmod === void 0 && t.noChmod === false && (t.chmod = true), delete t.noChmod, t;
};
var K = (s3, t, e, i, r) => Object.assign((n = [], o, h) => {
  Array.isArray(n) && (o = n, n = {}), typeof o == "function" && (h = o, o = void 0), o = o ? Array.from(o) : [];
  let a = se(n);
  if (r?.(a, o), Fs(a)) {
    if (typeof h == "function") throw new TypeError("callback not supported for sync tar functions");
    return s3(a, o);
  } else if (ks(a)) {
    let l = t(a, o);
    return h ? l.then(() => h(), h) : l;
  } else if (vs(a)) {
    if (typeof h == "function") throw new TypeError("callback not supported for sync tar functions");
    return e(a, o);
  } else if (Ms(a)) {
    if (typeof h == "function") throw new TypeError("callback only supported with file option");
    return i(a, o);
  }
  throw new Error("impossible options??");
}, { syncFile: s3, asyncFile: t, syncNoFile: e, asyncNoFile: i, validate: r });
var sn = import_zlib.default.constants || { ZLIB_VERNUM: 4736 };
var M = Object.freeze(Object.assign(/* @__PURE__ */ Object.create(null), { Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5, Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6, Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1, Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3, Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0, DEFLATE: 1, INFLATE: 2, GZIP: 3, GUNZIP: 4, DEFLATERAW: 5, INFLATERAW: 6, UNZIP: 7, BROTLI_DECODE: 8, BROTLI_ENCODE: 9, Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15, Z_DEFAULT_WINDOWBITS: 15, Z_MIN_CHUNK: 64, Z_MAX_CHUNK: 1 / 0, Z_DEFAULT_CHUNK: 16384, Z_MIN_MEMLEVEL: 1, Z_MAX_MEMLEVEL: 9, Z_DEFAULT_MEMLEVEL: 8, Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9, Z_DEFAULT_LEVEL: -1, BROTLI_OPERATION_PROCESS: 0, BROTLI_OPERATION_FLUSH: 1, BROTLI_OPERATION_FINISH: 2, BROTLI_OPERATION_EMIT_METADATA: 3, BROTLI_MODE_GENERIC: 0, BROTLI_MODE_TEXT: 1, BROTLI_MODE_FONT: 2, BROTLI_DEFAULT_MODE: 0, BROTLI_MIN_QUALITY: 0, BROTLI_MAX_QUALITY: 11, BROTLI_DEFAULT_QUALITY: 11, BROTLI_MIN_WINDOW_BITS: 10, BROTLI_MAX_WINDOW_BITS: 24, BROTLI_LARGE_MAX_WINDOW_BITS: 30, BROTLI_DEFAULT_WINDOW: 22, BROTLI_MIN_INPUT_BLOCK_BITS: 16, BROTLI_MAX_INPUT_BLOCK_BITS: 24, BROTLI_PARAM_MODE: 0, BROTLI_PARAM_QUALITY: 1, BROTLI_PARAM_LGWIN: 2, BROTLI_PARAM_LGBLOCK: 3, BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING: 4, BROTLI_PARAM_SIZE_HINT: 5, BROTLI_PARAM_LARGE_WINDOW: 6, BROTLI_PARAM_NPOSTFIX: 7, BROTLI_PARAM_NDIRECT: 8, BROTLI_DECODER_RESULT_ERROR: 0, BROTLI_DECODER_RESULT_SUCCESS: 1, BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: 2, BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: 3, BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION: 0, BROTLI_DECODER_PARAM_LARGE_WINDOW: 1, BROTLI_DECODER_NO_ERROR: 0, BROTLI_DECODER_SUCCESS: 1, BROTLI_DECODER_NEEDS_MORE_INPUT: 2, BROTLI_DECODER_NEEDS_MORE_OUTPUT: 3, BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_NIBBLE: -1, BROTLI_DECODER_ERROR_FORMAT_RESERVED: -2, BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_META_NIBBLE: -3, BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_ALPHABET: -4, BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_SAME: -5, BROTLI_DECODER_ERROR_FORMAT_CL_SPACE: -6, BROTLI_DECODER_ERROR_FORMAT_HUFFMAN_SPACE: -7, BROTLI_DECODER_ERROR_FORMAT_CONTEXT_MAP_REPEAT: -8, BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_1: -9, BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_2: -10, BROTLI_DECODER_ERROR_FORMAT_TRANSFORM: -11, BROTLI_DECODER_ERROR_FORMAT_DICTIONARY: -12, BROTLI_DECODER_ERROR_FORMAT_WINDOW_BITS: -13, BROTLI_DECODER_ERROR_FORMAT_PADDING_1: -14, BROTLI_DECODER_ERROR_FORMAT_PADDING_2: -15, BROTLI_DECODER_ERROR_FORMAT_DISTANCE: -16, BROTLI_DECODER_ERROR_DICTIONARY_NOT_SET: -19, BROTLI_DECODER_ERROR_INVALID_ARGUMENTS: -20, BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES: -21, BROTLI_DECODER_ERROR_ALLOC_TREE_GROUPS: -22, BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MAP: -25, BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_1: -26, BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_2: -27, BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES: -30, BROTLI_DECODER_ERROR_UNREACHABLE: -31 }, sn));
var rn = import_buffer.Buffer.concat;
var zs = Object.getOwnPropertyDescriptor(import_buffer.Buffer, "concat");
var nn = (s3) => s3;
var Bi = zs?.writable === true || zs?.set !== void 0 ? (s3) => {
  import_buffer.Buffer.concat = s3 ? nn : rn;
} : (s3) => {
};
var Tt = /* @__PURE__ */ Symbol("_superWrite");
var Gt = class extends Error {
  code;
  errno;
  constructor(t, e) {
    super("zlib: " + t.message, { cause: t }), this.code = t.code, this.errno = t.errno, this.code || (this.code = "ZLIB_ERROR"), this.message = "zlib: " + t.message, Error.captureStackTrace(this, e ?? this.constructor);
  }
  get name() {
    return "ZlibError";
  }
};
var Pi = /* @__PURE__ */ Symbol("flushFlag");
var re = class extends A {
  #t = false;
  #i = false;
  #s;
  #n;
  #r;
  #e;
  #o;
  get sawError() {
    return this.#t;
  }
  get handle() {
    return this.#e;
  }
  get flushFlag() {
    return this.#s;
  }
  constructor(t, e) {
    if (!t || typeof t != "object") throw new TypeError("invalid options for ZlibBase constructor");
    if (super(t), this.#s = t.flush ?? 0, this.#n = t.finishFlush ?? 0, this.#r = t.fullFlushFlag ?? 0, typeof Ps[e] != "function") throw new TypeError("Compression method not supported: " + e);
    try {
      this.#e = new Ps[e](t);
    } catch (i) {
      throw new Gt(i, this.constructor);
    }
    this.#o = (i) => {
      this.#t || (this.#t = true, this.close(), this.emit("error", i));
    }, this.#e?.on("error", (i) => this.#o(new Gt(i))), this.once("end", () => this.close);
  }
  close() {
    this.#e && (this.#e.close(), this.#e = void 0, this.emit("close"));
  }
  reset() {
    if (!this.#t) return (0, import_assert.default)(this.#e, "zlib binding closed"), this.#e.reset?.();
  }
  flush(t) {
    this.ended || (typeof t != "number" && (t = this.#r), this.write(Object.assign(import_buffer.Buffer.alloc(0), { [Pi]: t })));
  }
  end(t, e, i) {
    return typeof t == "function" && (i = t, e = void 0, t = void 0), typeof e == "function" && (i = e, e = void 0), t && (e ? this.write(t, e) : this.write(t)), this.flush(this.#n), this.#i = true, super.end(i);
  }
  get ended() {
    return this.#i;
  }
  [Tt](t) {
    return super.write(t);
  }
  write(t, e, i) {
    if (typeof e == "function" && (i = e, e = "utf8"), typeof t == "string" && (t = import_buffer.Buffer.from(t, e)), this.#t) return;
    (0, import_assert.default)(this.#e, "zlib binding closed");
    let r = this.#e._handle, n = r.close;
    r.close = () => {
    };
    let o = this.#e.close;
    this.#e.close = () => {
    }, Bi(true);
    let h;
    try {
      let l = typeof t[Pi] == "number" ? t[Pi] : this.#s;
      h = this.#e._processChunk(t, l), Bi(false);
    } catch (l) {
      Bi(false), this.#o(new Gt(l, this.write));
    } finally {
      this.#e && (this.#e._handle = r, r.close = n, this.#e.close = o, this.#e.removeAllListeners("error"));
    }
    this.#e && this.#e.on("error", (l) => this.#o(new Gt(l, this.write)));
    let a;
    if (h) if (Array.isArray(h) && h.length > 0) {
      let l = h[0];
      a = this[Tt](import_buffer.Buffer.from(l));
      for (let c = 1; c < h.length; c++) a = this[Tt](h[c]);
    } else a = this[Tt](import_buffer.Buffer.from(h));
    return i && i(), a;
  }
};
var Pe = class extends re {
  #t;
  #i;
  constructor(t, e) {
    t = t || {}, t.flush = t.flush || M.Z_NO_FLUSH, t.finishFlush = t.finishFlush || M.Z_FINISH, t.fullFlushFlag = M.Z_FULL_FLUSH, super(t, e), this.#t = t.level, this.#i = t.strategy;
  }
  params(t, e) {
    if (!this.sawError) {
      if (!this.handle) throw new Error("cannot switch params when binding is closed");
      if (!this.handle.params) throw new Error("not supported in this implementation");
      if (this.#t !== t || this.#i !== e) {
        this.flush(M.Z_SYNC_FLUSH), (0, import_assert.default)(this.handle, "zlib binding closed");
        let i = this.handle.flush;
        this.handle.flush = (r, n) => {
          typeof r == "function" && (n = r, r = this.flushFlag), this.flush(r), n?.();
        };
        try {
          this.handle.params(t, e);
        } finally {
          this.handle.flush = i;
        }
        this.handle && (this.#t = t, this.#i = e);
      }
    }
  }
};
var ze = class extends Pe {
  #t;
  constructor(t) {
    super(t, "Gzip"), this.#t = t && !!t.portable;
  }
  [Tt](t) {
    return this.#t ? (this.#t = false, t[9] = 255, super[Tt](t)) : super[Tt](t);
  }
};
var Ue = class extends Pe {
  constructor(t) {
    super(t, "Unzip");
  }
};
var He = class extends re {
  constructor(t, e) {
    t = t || {}, t.flush = t.flush || M.BROTLI_OPERATION_PROCESS, t.finishFlush = t.finishFlush || M.BROTLI_OPERATION_FINISH, t.fullFlushFlag = M.BROTLI_OPERATION_FLUSH, super(t, e);
  }
};
var We = class extends He {
  constructor(t) {
    super(t, "BrotliCompress");
  }
};
var Ge = class extends He {
  constructor(t) {
    super(t, "BrotliDecompress");
  }
};
var Ze = class extends re {
  constructor(t, e) {
    t = t || {}, t.flush = t.flush || M.ZSTD_e_continue, t.finishFlush = t.finishFlush || M.ZSTD_e_end, t.fullFlushFlag = M.ZSTD_e_flush, super(t, e);
  }
};
var Ye = class extends Ze {
  constructor(t) {
    super(t, "ZstdCompress");
  }
};
var Ke = class extends Ze {
  constructor(t) {
    super(t, "ZstdDecompress");
  }
};
var Us = (s3, t) => {
  if (Number.isSafeInteger(s3)) s3 < 0 ? an(s3, t) : hn(s3, t);
  else throw Error("cannot encode number outside of javascript safe integer range");
  return t;
};
var hn = (s3, t) => {
  t[0] = 128;
  for (var e = t.length; e > 1; e--) t[e - 1] = s3 & 255, s3 = Math.floor(s3 / 256);
};
var an = (s3, t) => {
  t[0] = 255;
  var e = false;
  s3 = s3 * -1;
  for (var i = t.length; i > 1; i--) {
    var r = s3 & 255;
    s3 = Math.floor(s3 / 256), e ? t[i - 1] = Ws(r) : r === 0 ? t[i - 1] = 0 : (e = true, t[i - 1] = Gs(r));
  }
};
var Hs = (s3) => {
  let t = s3[0], e = t === 128 ? cn(s3.subarray(1, s3.length)) : t === 255 ? ln(s3) : null;
  if (e === null) throw Error("invalid base256 encoding");
  if (!Number.isSafeInteger(e)) throw Error("parsed number outside of javascript safe integer range");
  return e;
};
var ln = (s3) => {
  for (var t = s3.length, e = 0, i = false, r = t - 1; r > -1; r--) {
    var n = Number(s3[r]), o;
    i ? o = Ws(n) : n === 0 ? o = n : (i = true, o = Gs(n)), o !== 0 && (e -= o * Math.pow(256, t - r - 1));
  }
  return e;
};
var cn = (s3) => {
  for (var t = s3.length, e = 0, i = t - 1; i > -1; i--) {
    var r = Number(s3[i]);
    r !== 0 && (e += r * Math.pow(256, t - i - 1));
  }
  return e;
};
var Ws = (s3) => (255 ^ s3) & 255;
var Gs = (s3) => (255 ^ s3) + 1 & 255;
var Hi = {};
Ur(Hi, { code: () => Ve, isCode: () => ne, isName: () => dn, name: () => oe, normalFsTypes: () => Ui });
var ne = (s3) => oe.has(s3);
var dn = (s3) => Ve.has(s3);
var Ui = /* @__PURE__ */ new Set(["0", "", "1", "2", "3", "4", "5", "6", "7", "D"]);
var oe = /* @__PURE__ */ new Map([["0", "File"], ["", "OldFile"], ["1", "Link"], ["2", "SymbolicLink"], ["3", "CharacterDevice"], ["4", "BlockDevice"], ["5", "Directory"], ["6", "FIFO"], ["7", "ContiguousFile"], ["g", "GlobalExtendedHeader"], ["x", "ExtendedHeader"], ["A", "SolarisACL"], ["D", "GNUDumpDir"], ["I", "Inode"], ["K", "NextFileHasLongLinkpath"], ["L", "NextFileHasLongPath"], ["M", "ContinuationFile"], ["N", "OldGnuLongPath"], ["S", "SparseFile"], ["V", "TapeVolumeHeader"], ["X", "OldExtendedHeader"]]);
var Ve = new Map(Array.from(oe).map((s3) => [s3[1], s3[0]]));
var un = (s3) => s3 === void 0 || s3 < 0 ? void 0 : s3;
var F = class {
  cksumValid = false;
  needPax = false;
  nullBlock = false;
  block;
  path;
  mode;
  uid;
  gid;
  size;
  cksum;
  #t = "Unsupported";
  linkpath;
  uname;
  gname;
  devmaj = 0;
  devmin = 0;
  atime;
  ctime;
  mtime;
  charset;
  comment;
  constructor(t, e = 0, i, r) {
    Buffer.isBuffer(t) ? this.decode(t, e || 0, i, r) : t && this.#i(t);
  }
  decode(t, e, i, r) {
    if (e || (e = 0), !t || !(t.length >= e + 512)) throw new Error("need 512 bytes for header");
    let n = xt(t, e + 156, 1), o = Ui.has(n), h = o ? i : void 0, a = o ? r : void 0;
    if (this.path = h?.path ?? xt(t, e, 100), this.mode = h?.mode ?? a?.mode ?? lt(t, e + 100, 8), this.uid = h?.uid ?? a?.uid ?? lt(t, e + 108, 8), this.gid = h?.gid ?? a?.gid ?? lt(t, e + 116, 8), this.size = un(h?.size ?? a?.size ?? lt(t, e + 124, 12)), this.mtime = h?.mtime ?? a?.mtime ?? Wi(t, e + 136, 12), this.cksum = lt(t, e + 148, 12), a && this.#i(a, true), h && this.#i(h), ne(n) && (this.#t = n || "0"), this.#t === "0" && this.path.slice(-1) === "/" && (this.#t = "5"), this.#t === "5" && (this.size = 0), this.linkpath = xt(t, e + 157, 100), t.subarray(e + 257, e + 265).toString() === "ustar\x0000") if (this.uname = h?.uname ?? a?.uname ?? xt(t, e + 265, 32), this.gname = h?.gname ?? a?.gname ?? xt(t, e + 297, 32), this.devmaj = h?.devmaj ?? a?.devmaj ?? lt(t, e + 329, 8) ?? 0, this.devmin = h?.devmin ?? a?.devmin ?? lt(t, e + 337, 8) ?? 0, t[e + 475] !== 0) {
      let c = xt(t, e + 345, 155);
      this.path = c + "/" + this.path;
    } else {
      let c = xt(t, e + 345, 130);
      c && (this.path = c + "/" + this.path), this.atime = i?.atime ?? r?.atime ?? Wi(t, e + 476, 12), this.ctime = i?.ctime ?? r?.ctime ?? Wi(t, e + 488, 12);
    }
    let l = 256;
    for (let c = e; c < e + 148; c++) l += t[c];
    for (let c = e + 156; c < e + 512; c++) l += t[c];
    this.cksumValid = l === this.cksum, this.cksum === void 0 && l === 256 && (this.nullBlock = true);
  }
  #i(t, e = false) {
    Object.assign(this, Object.fromEntries(Object.entries(t).filter(([i, r]) => !(r == null || i === "size" && Number(r) < 0 || i === "path" && e || i === "linkpath" && e || i === "global"))));
  }
  encode(t, e = 0) {
    if (t || (t = this.block = Buffer.alloc(512)), this.#t === "Unsupported" && (this.#t = "0"), !(t.length >= e + 512)) throw new Error("need 512 bytes for header");
    let i = this.ctime || this.atime ? 130 : 155, r = mn(this.path || "", i), n = r[0], o = r[1];
    this.needPax = !!r[2], this.needPax = Lt(t, e, 100, n) || this.needPax, this.needPax = ct(t, e + 100, 8, this.mode) || this.needPax, this.needPax = ct(t, e + 108, 8, this.uid) || this.needPax, this.needPax = ct(t, e + 116, 8, this.gid) || this.needPax, this.needPax = ct(t, e + 124, 12, this.size) || this.needPax, this.needPax = Gi(t, e + 136, 12, this.mtime) || this.needPax, t[e + 156] = Number(this.#t.codePointAt(0)), this.needPax = Lt(t, e + 157, 100, this.linkpath) || this.needPax, t.write("ustar\x0000", e + 257, 8), this.needPax = Lt(t, e + 265, 32, this.uname) || this.needPax, this.needPax = Lt(t, e + 297, 32, this.gname) || this.needPax, this.needPax = ct(t, e + 329, 8, this.devmaj) || this.needPax, this.needPax = ct(t, e + 337, 8, this.devmin) || this.needPax, this.needPax = Lt(t, e + 345, i, o) || this.needPax, t[e + 475] !== 0 ? this.needPax = Lt(t, e + 345, 155, o) || this.needPax : (this.needPax = Lt(t, e + 345, 130, o) || this.needPax, this.needPax = Gi(t, e + 476, 12, this.atime) || this.needPax, this.needPax = Gi(t, e + 488, 12, this.ctime) || this.needPax);
    let h = 256;
    for (let a = e; a < e + 148; a++) h += t[a];
    for (let a = e + 156; a < e + 512; a++) h += t[a];
    return this.cksum = h, ct(t, e + 148, 8, this.cksum), this.cksumValid = true, this.needPax;
  }
  get type() {
    return this.#t === "Unsupported" ? this.#t : oe.get(this.#t);
  }
  get typeKey() {
    return this.#t;
  }
  set type(t) {
    let e = String(Ve.get(t));
    if (ne(e) || e === "Unsupported") this.#t = e;
    else if (ne(t)) this.#t = t;
    else throw new TypeError("invalid entry type: " + t);
  }
};
var mn = (s3, t) => {
  let i = s3, r = "", n, o = import_node_path9.posix.parse(s3).root || ".";
  if (Buffer.byteLength(i) < 100) n = [i, r, false];
  else {
    r = import_node_path9.posix.dirname(i), i = import_node_path9.posix.basename(i);
    do
      Buffer.byteLength(i) <= 100 && Buffer.byteLength(r) <= t ? n = [i, r, false] : Buffer.byteLength(i) > 100 && Buffer.byteLength(r) <= t ? n = [i.slice(0, 99), r, true] : (i = import_node_path9.posix.join(import_node_path9.posix.basename(r), i), r = import_node_path9.posix.dirname(r));
    while (r !== o && n === void 0);
    n || (n = [s3.slice(0, 99), "", true]);
  }
  return n;
};
var xt = (s3, t, e) => s3.subarray(t, t + e).toString("utf8").replace(/\0.*/, "");
var Wi = (s3, t, e) => pn(lt(s3, t, e));
var pn = (s3) => s3 === void 0 ? void 0 : new Date(s3 * 1e3);
var lt = (s3, t, e) => Number(s3[t]) & 128 ? Hs(s3.subarray(t, t + e)) : wn(s3, t, e);
var En = (s3) => isNaN(s3) ? void 0 : s3;
var wn = (s3, t, e) => En(parseInt(s3.subarray(t, t + e).toString("utf8").replace(/\0.*$/, "").trim(), 8));
var Sn = { 12: 8589934591, 8: 2097151 };
var ct = (s3, t, e, i) => i === void 0 ? false : i > Sn[e] || i < 0 ? (Us(i, s3.subarray(t, t + e)), true) : (yn(s3, t, e, i), false);
var yn = (s3, t, e, i) => s3.write(Rn(i, e), t, e, "ascii");
var Rn = (s3, t) => gn(Math.floor(s3).toString(8), t);
var gn = (s3, t) => (s3.length === t - 1 ? s3 : new Array(t - s3.length - 1).join("0") + s3 + " ") + "\0";
var Gi = (s3, t, e, i) => i === void 0 ? false : ct(s3, t, e, i.getTime() / 1e3);
var bn = new Array(156).join("\0");
var Lt = (s3, t, e, i) => i === void 0 ? false : (s3.write(i + bn, t, e, "utf8"), i.length !== Buffer.byteLength(i) || i.length > e);
var ft = class s {
  atime;
  mtime;
  ctime;
  charset;
  comment;
  gid;
  uid;
  gname;
  uname;
  linkpath;
  dev;
  ino;
  nlink;
  path;
  size;
  mode;
  global;
  constructor(t, e = false) {
    this.atime = t.atime, this.charset = t.charset, this.comment = t.comment, this.ctime = t.ctime, this.dev = t.dev, this.gid = t.gid, this.global = e, this.gname = t.gname, this.ino = t.ino, this.linkpath = t.linkpath, this.mtime = t.mtime, this.nlink = t.nlink, this.path = t.path, this.size = t.size, this.uid = t.uid, this.uname = t.uname;
  }
  encode() {
    let t = this.encodeBody();
    if (t === "") return Buffer.allocUnsafe(0);
    let e = Buffer.byteLength(t), i = 512 * Math.ceil(1 + e / 512), r = Buffer.allocUnsafe(i);
    for (let n = 0; n < 512; n++) r[n] = 0;
    new F({ path: ("PaxHeader/" + (0, import_node_path10.basename)(this.path ?? "")).slice(0, 99), mode: this.mode || 420, uid: this.uid, gid: this.gid, size: e, mtime: this.mtime, type: this.global ? "GlobalExtendedHeader" : "ExtendedHeader", linkpath: "", uname: this.uname || "", gname: this.gname || "", devmaj: 0, devmin: 0, atime: this.atime, ctime: this.ctime }).encode(r), r.write(t, 512, e, "utf8");
    for (let n = e + 512; n < r.length; n++) r[n] = 0;
    return r;
  }
  encodeBody() {
    return this.encodeField("path") + this.encodeField("ctime") + this.encodeField("atime") + this.encodeField("dev") + this.encodeField("ino") + this.encodeField("nlink") + this.encodeField("charset") + this.encodeField("comment") + this.encodeField("gid") + this.encodeField("gname") + this.encodeField("linkpath") + this.encodeField("mtime") + this.encodeField("size") + this.encodeField("uid") + this.encodeField("uname");
  }
  encodeField(t) {
    if (this[t] === void 0) return "";
    let e = this[t], i = e instanceof Date ? e.getTime() / 1e3 : e, r = " " + (t === "dev" || t === "ino" || t === "nlink" ? "SCHILY." : "") + t + "=" + i + `
`, n = Buffer.byteLength(r), o = Math.floor(Math.log(n) / Math.log(10)) + 1;
    return n + o >= Math.pow(10, o) && (o += 1), o + n + r;
  }
  static parse(t, e, i = false) {
    return new s(On(Tn(t), e), i);
  }
};
var On = (s3, t) => t ? Object.assign({}, t, s3) : s3;
var Tn = (s3) => s3.replace(/\n$/, "").split(`
`).reduce(xn, /* @__PURE__ */ Object.create(null));
var xn = (s3, t) => {
  let e = parseInt(t, 10);
  if (e !== Buffer.byteLength(t) + 1) return s3;
  t = t.slice((e + " ").length);
  let i = t.split("="), r = i.shift();
  if (!r) return s3;
  let n = r.replace(/^SCHILY\.(dev|ino|nlink)/, "$1"), o = i.join("=").replace(/\0.*/, "");
  switch (n) {
    case "path":
    case "linkpath":
    case "type":
    case "charset":
    case "comment":
    case "gname":
    case "uname":
      s3[n] = o;
      break;
    case "ctime":
    case "atime":
    case "mtime":
      s3[n] = new Date(Number(o) * 1e3);
      break;
    case "size":
      let h = +o;
      h >= 0 && (s3[n] = h);
      break;
    case "gid":
    case "uid":
    case "dev":
    case "ino":
    case "nlink":
    case "mode":
      s3[n] = +o;
      break;
  }
  return s3;
};
var Ln = process.env.TESTING_TAR_FAKE_PLATFORM || process.platform;
var f = Ln !== "win32" ? (s3) => String(s3) : (s3) => String(s3).replaceAll(/\\/g, "/");
var $e = class extends A {
  extended;
  globalExtended;
  header;
  startBlockSize;
  blockRemain;
  remain;
  type;
  meta = false;
  ignore = false;
  path;
  mode;
  uid;
  gid;
  uname;
  gname;
  size = 0;
  mtime;
  atime;
  ctime;
  linkpath;
  dev;
  ino;
  nlink;
  invalid = false;
  absolute;
  unsupported = false;
  constructor(t, e, i) {
    switch (super({}), this.pause(), this.extended = e, this.globalExtended = i, this.header = t, this.remain = t.size ?? 0, this.startBlockSize = 512 * Math.ceil(this.remain / 512), this.blockRemain = this.startBlockSize, this.type = t.type, this.type) {
      case "File":
      case "OldFile":
      case "Link":
      case "SymbolicLink":
      case "CharacterDevice":
      case "BlockDevice":
      case "Directory":
      case "FIFO":
      case "ContiguousFile":
      case "GNUDumpDir":
        break;
      case "NextFileHasLongLinkpath":
      case "NextFileHasLongPath":
      case "OldGnuLongPath":
      case "GlobalExtendedHeader":
      case "ExtendedHeader":
      case "OldExtendedHeader":
        this.meta = true;
        break;
      default:
        this.ignore = true;
    }
    if (!t.path) throw new Error("no path provided for tar.ReadEntry");
    this.path = f(t.path), this.mode = t.mode, this.mode && (this.mode = this.mode & 4095), this.uid = t.uid, this.gid = t.gid, this.uname = t.uname, this.gname = t.gname, this.size = this.remain, this.mtime = t.mtime, this.atime = t.atime, this.ctime = t.ctime, this.linkpath = t.linkpath ? f(t.linkpath) : void 0, this.uname = t.uname, this.gname = t.gname, e && this.#t(e), i && this.#t(i, true);
  }
  write(t) {
    let e = t.length;
    if (e > this.blockRemain) throw new Error("writing more to entry than is appropriate");
    let i = this.remain, r = this.blockRemain;
    return this.remain = Math.max(0, i - e), this.blockRemain = Math.max(0, r - e), this.ignore ? true : i >= e ? super.write(t) : super.write(t.subarray(0, i));
  }
  #t(t, e = false) {
    t.path && (t.path = f(t.path)), t.linkpath && (t.linkpath = f(t.linkpath)), Object.assign(this, Object.fromEntries(Object.entries(t).filter(([i, r]) => !(r == null || i === "path" && e))));
  }
};
var Dt = (s3, t, e, i = {}) => {
  s3.file && (i.file = s3.file), s3.cwd && (i.cwd = s3.cwd), i.code = e instanceof Error && e.code || t, i.tarCode = t, !s3.strict && i.recoverable !== false ? (e instanceof Error && (i = Object.assign(e, i), e = e.message), s3.emit("warn", t, e, i)) : e instanceof Error ? s3.emit("error", Object.assign(e, i)) : s3.emit("error", Object.assign(new Error(`${t}: ${e}`), i));
};
var Nn = 1024 * 1024;
var Xi = Buffer.from([31, 139]);
var qi = Buffer.from([40, 181, 47, 253]);
var An = Math.max(Xi.length, qi.length);
var B = /* @__PURE__ */ Symbol("state");
var Nt = /* @__PURE__ */ Symbol("writeEntry");
var it = /* @__PURE__ */ Symbol("readEntry");
var Zi = /* @__PURE__ */ Symbol("nextEntry");
var Zs = /* @__PURE__ */ Symbol("processEntry");
var V = /* @__PURE__ */ Symbol("extendedHeader");
var he = /* @__PURE__ */ Symbol("globalExtendedHeader");
var dt = /* @__PURE__ */ Symbol("meta");
var Ys = /* @__PURE__ */ Symbol("emitMeta");
var p = /* @__PURE__ */ Symbol("buffer");
var st = /* @__PURE__ */ Symbol("queue");
var ut = /* @__PURE__ */ Symbol("ended");
var Yi = /* @__PURE__ */ Symbol("emittedEnd");
var At = /* @__PURE__ */ Symbol("emit");
var w = /* @__PURE__ */ Symbol("unzip");
var Xe = /* @__PURE__ */ Symbol("consumeChunk");
var qe = /* @__PURE__ */ Symbol("consumeChunkSub");
var Ki = /* @__PURE__ */ Symbol("consumeBody");
var Ks = /* @__PURE__ */ Symbol("consumeMeta");
var Vs = /* @__PURE__ */ Symbol("consumeHeader");
var ae = /* @__PURE__ */ Symbol("consuming");
var Vi = /* @__PURE__ */ Symbol("bufferConcat");
var Qe = /* @__PURE__ */ Symbol("maybeEnd");
var Yt = /* @__PURE__ */ Symbol("writing");
var $ = /* @__PURE__ */ Symbol("aborted");
var Je = /* @__PURE__ */ Symbol("onDone");
var It = /* @__PURE__ */ Symbol("sawValidEntry");
var je = /* @__PURE__ */ Symbol("sawNullBlock");
var ti = /* @__PURE__ */ Symbol("sawEOF");
var $s = /* @__PURE__ */ Symbol("closeStream");
var In = 1e3;
var le = /* @__PURE__ */ Symbol("compressedBytesRead");
var $i = /* @__PURE__ */ Symbol("decompressedBytesRead");
var Xs = /* @__PURE__ */ Symbol("checkDecompressionRatio");
var Cn = () => true;
var rt = class extends import_events2.EventEmitter {
  file;
  strict;
  maxMetaEntrySize;
  filter;
  brotli;
  zstd;
  maxDecompressionRatio;
  writable = true;
  readable = false;
  [st] = [];
  [p];
  [it];
  [Nt];
  [B] = "begin";
  [dt] = "";
  [V];
  [he];
  [ut] = false;
  [w];
  [$] = false;
  [It];
  [je] = false;
  [ti] = false;
  [Yt] = false;
  [ae] = false;
  [Yi] = false;
  [le] = 0;
  [$i] = 0;
  constructor(t = {}) {
    super(), this.file = t.file || "", this.on(Je, () => {
      (this[B] === "begin" || this[It] === false) && this.warn("TAR_BAD_ARCHIVE", "Unrecognized archive format");
    }), t.ondone ? this.on(Je, t.ondone) : this.on(Je, () => {
      this.emit("prefinish"), this.emit("finish"), this.emit("end");
    }), this.strict = !!t.strict, this.maxDecompressionRatio = typeof t.maxDecompressionRatio == "number" ? t.maxDecompressionRatio : In, this.maxMetaEntrySize = t.maxMetaEntrySize || Nn, this.filter = typeof t.filter == "function" ? t.filter : Cn;
    let e = t.file && (t.file.endsWith(".tar.br") || t.file.endsWith(".tbr"));
    this.brotli = !(t.gzip || t.zstd) && t.brotli !== void 0 ? t.brotli : e ? void 0 : false;
    let i = t.file && (t.file.endsWith(".tar.zst") || t.file.endsWith(".tzst"));
    this.zstd = !(t.gzip || t.brotli) && t.zstd !== void 0 ? t.zstd : i ? true : void 0, this.on("end", () => this[$s]()), typeof t.onwarn == "function" && this.on("warn", t.onwarn), typeof t.onReadEntry == "function" && this.on("entry", t.onReadEntry);
  }
  warn(t, e, i = {}) {
    Dt(this, t, e, i);
  }
  [Vs](t, e) {
    this[It] === void 0 && (this[It] = false);
    let i;
    try {
      i = new F(t, e, this[V], this[he]);
    } catch (r) {
      return this.warn("TAR_ENTRY_INVALID", r);
    }
    if (i.nullBlock) this[je] ? (this[ti] = true, this[B] === "begin" && (this[B] = "header"), this[At]("eof")) : (this[je] = true, this[At]("nullBlock"));
    else if (this[je] = false, !i.cksumValid) this.warn("TAR_ENTRY_INVALID", "checksum failure", { header: i });
    else if (!i.path) this.warn("TAR_ENTRY_INVALID", "path is required", { header: i });
    else {
      let r = i.type;
      if (/^(Symbolic)?Link$/.test(r) && !i.linkpath) this.warn("TAR_ENTRY_INVALID", "linkpath required", { header: i });
      else if (!/^(Symbolic)?Link$/.test(r) && !/^(Global)?ExtendedHeader$/.test(r) && i.linkpath) this.warn("TAR_ENTRY_INVALID", "linkpath forbidden", { header: i });
      else {
        let n = this[Nt] = new $e(i, this[V], this[he]);
        if (!this[It]) if (n.remain) {
          let o = () => {
            n.invalid || (this[It] = true);
          };
          n.on("end", o);
        } else this[It] = true;
        n.meta ? n.size > this.maxMetaEntrySize ? (n.ignore = true, this[At]("ignoredEntry", n), this[B] = "ignore", n.resume()) : n.size > 0 && (this[dt] = "", n.on("data", (o) => this[dt] += o), this[B] = "meta") : (this[V] = void 0, n.ignore = n.ignore || !this.filter(n.path, n), n.ignore ? (this[At]("ignoredEntry", n), this[B] = n.remain ? "ignore" : "header", n.resume()) : (n.remain ? this[B] = "body" : (this[B] = "header", n.end()), this[it] ? this[st].push(n) : (this[st].push(n), this[Zi]())));
      }
    }
  }
  [$s]() {
    queueMicrotask(() => this.emit("close"));
  }
  [Zs](t) {
    let e = true;
    if (!t) this[it] = void 0, e = false;
    else if (Array.isArray(t)) {
      let [i, ...r] = t;
      this.emit(i, ...r);
    } else this[it] = t, this.emit("entry", t), t.emittedEnd || (t.on("end", () => this[Zi]()), e = false);
    return e;
  }
  [Zi]() {
    do
      ;
    while (this[Zs](this[st].shift()));
    if (this[st].length === 0) {
      let t = this[it];
      !t || t.flowing || t.size === t.remain ? this[Yt] || this.emit("drain") : t.once("drain", () => this.emit("drain"));
    }
  }
  [Ki](t, e) {
    let i = this[Nt];
    if (!i) throw new Error("attempt to consume body without entry??");
    let r = i.blockRemain ?? 0, n = r >= t.length && e === 0 ? t : t.subarray(e, e + r);
    return i.write(n), i.blockRemain || (this[B] = "header", this[Nt] = void 0, i.end()), n.length;
  }
  [Ks](t, e) {
    let i = this[Nt], r = this[Ki](t, e);
    return !this[Nt] && i && this[Ys](i), r;
  }
  [At](t, e, i) {
    this[st].length === 0 && !this[it] ? this.emit(t, e, i) : this[st].push([t, e, i]);
  }
  [Ys](t) {
    switch (this[At]("meta", this[dt]), t.type) {
      case "ExtendedHeader":
      case "OldExtendedHeader":
        this[V] = ft.parse(this[dt], this[V], false);
        break;
      case "GlobalExtendedHeader":
        this[he] = ft.parse(this[dt], this[he], true);
        break;
      case "NextFileHasLongPath":
      case "OldGnuLongPath": {
        let e = this[V] ?? /* @__PURE__ */ Object.create(null);
        this[V] = e, e.path = this[dt].replace(/\0.*/, "");
        break;
      }
      case "NextFileHasLongLinkpath": {
        let e = this[V] || /* @__PURE__ */ Object.create(null);
        this[V] = e, e.linkpath = this[dt].replace(/\0.*/, "");
        break;
      }
      default:
        throw new Error("unknown meta: " + t.type);
    }
  }
  abort(t) {
    if (!this[$]) {
      if (this[w]) {
        let e = this[w];
        e.write = () => true, e.end = () => e, e.emit = () => false, e.destroy?.();
      }
      this[$] = true, this.emit("abort", t), this.warn("TAR_ABORT", t, { recoverable: false });
    }
  }
  [Xs](t) {
    this[$i] += t.length;
    let e = this[$i] / this[le];
    return e > this.maxDecompressionRatio ? (this.abort(new Error(`max decompression ratio exceeded: ${e.toFixed(2)} > ${this.maxDecompressionRatio}`)), false) : true;
  }
  write(t, e, i) {
    if (typeof e == "function" && (i = e, e = void 0), typeof t == "string" && (t = Buffer.from(t, typeof e == "string" ? e : "utf8")), this[$]) return i?.(), false;
    if ((this[w] === void 0 || this.brotli === void 0 && this[w] === false) && t) {
      if (this[p] && (t = Buffer.concat([this[p], t]), this[p] = void 0), t.length < An) return this[p] = t, i?.(), true;
      for (let a = 0; this[w] === void 0 && a < Xi.length; a++) t[a] !== Xi[a] && (this[w] = false);
      let o = false;
      if (this[w] === false && this.zstd !== false) {
        o = true;
        for (let a = 0; a < qi.length; a++) if (t[a] !== qi[a]) {
          o = false;
          break;
        }
      }
      let h = this.brotli === void 0 && !o;
      if (this[w] === false && h) if (t.length < 512) if (this[ut]) this.brotli = true;
      else return this[p] = t, i?.(), true;
      else try {
        new F(t.subarray(0, 512)), this.brotli = false;
      } catch {
        this.brotli = true;
      }
      if (this[w] === void 0 || this[w] === false && (this.brotli || o)) {
        let a = this[ut];
        this[ut] = false, this[w] = this[w] === void 0 ? new Ue({}) : o ? new Ke({}) : new Ge({}), this[w].on("data", (c) => {
          this[Xs](c) && this[Xe](c);
        }), this[w].on("error", (c) => {
          this[$] || this.abort(c);
        }), this[w].on("end", () => {
          this[ut] = true, this[Xe]();
        }), this[Yt] = true, this[le] += t.length;
        let l = !!this[w][a ? "end" : "write"](t);
        return this[Yt] = false, i?.(), l;
      }
    }
    this[Yt] = true, this[w] ? (this[le] += t.length, this[w].write(t)) : this[Xe](t), this[Yt] = false;
    let n = this[st].length > 0 ? false : this[it] ? this[it].flowing : true;
    return !n && this[st].length === 0 && this[it]?.once("drain", () => this.emit("drain")), i?.(), n;
  }
  [Vi](t) {
    t && !this[$] && (this[p] = this[p] ? Buffer.concat([this[p], t]) : t);
  }
  [Qe]() {
    if (this[ut] && !this[Yi] && !this[$] && !this[ae]) {
      this[Yi] = true;
      let t = this[Nt];
      if (t?.blockRemain) {
        let e = this[p] ? this[p].length : 0;
        this.warn("TAR_BAD_ARCHIVE", `Truncated input (needed ${t.blockRemain} more bytes, only ${e} available)`, { entry: t }), this[p] && t.write(this[p]), t.end();
      }
      this[At](Je);
    }
  }
  [Xe](t) {
    if (this[ae] && t) this[Vi](t);
    else if (!t && !this[p]) this[Qe]();
    else if (t) {
      if (this[ae] = true, this[p]) {
        this[Vi](t);
        let e = this[p];
        this[p] = void 0, this[qe](e);
      } else this[qe](t);
      for (; this[p] && this[p]?.length >= 512 && !this[$] && !this[ti]; ) {
        let e = this[p];
        this[p] = void 0, this[qe](e);
      }
      this[ae] = false;
    }
    (!this[p] || this[ut]) && this[Qe]();
  }
  [qe](t) {
    let e = 0, i = t.length;
    for (; e + 512 <= i && !this[$] && !this[ti]; ) switch (this[B]) {
      case "begin":
      case "header":
        this[Vs](t, e), e += 512;
        break;
      case "ignore":
      case "body":
        e += this[Ki](t, e);
        break;
      case "meta":
        e += this[Ks](t, e);
        break;
      default:
        throw new Error("invalid state: " + this[B]);
    }
    e < i && (this[p] = this[p] ? Buffer.concat([t.subarray(e), this[p]]) : t.subarray(e));
  }
  end(t, e, i) {
    return typeof t == "function" && (i = t, e = void 0, t = void 0), typeof e == "function" && (i = e, e = void 0), typeof t == "string" && (t = Buffer.from(t, e)), i && this.once("finish", i), this[$] || (this[w] ? (t && (this[le] += t.length, this[w].write(t)), this[w].end()) : (this[ut] = true, (this.brotli === void 0 || this.zstd === void 0) && (t = t || Buffer.alloc(0)), t && this.write(t), this[Qe]())), this;
  }
};
var mt = (s3) => {
  let t = s3.length - 1, e = -1;
  for (; t > -1 && s3.charAt(t) === "/"; ) e = t, t--;
  return e === -1 ? s3 : s3.slice(0, e);
};
var vn = (s3) => {
  let t = s3.onReadEntry;
  s3.onReadEntry = t ? (e) => {
    t(e), e.resume();
  } : (e) => e.resume();
};
var Qi = (s3, t) => {
  let e = new Map(t.map((o) => [mt(o), true])), i = s3.filter, r = 100, n = (o, h = "", a = 0) => {
    if (a >= r) return e.set(o, false), false;
    let l = h || (0, import_path.parse)(o).root || ".", c;
    if (o === l) c = false;
    else {
      let d = e.get(o);
      c = d !== void 0 ? d : n((0, import_path.dirname)(o), l, a + 1);
    }
    return e.set(o, c), c;
  };
  s3.filter = i ? (o, h) => i(o, h) && n(mt(o)) : (o) => n(mt(o));
};
var Mn = (s3) => {
  let t = new rt(s3), e = s3.file, i;
  try {
    i = import_node_fs6.default.openSync(e, "r");
    let r = import_node_fs6.default.fstatSync(i), n = s3.maxReadSize || 16 * 1024 * 1024;
    if (r.size < n) {
      let o = Buffer.allocUnsafe(r.size), h = import_node_fs6.default.readSync(i, o, 0, r.size, 0);
      t.end(h === o.byteLength ? o : o.subarray(0, h));
    } else {
      let o = 0, h = Buffer.allocUnsafe(n);
      for (; o < r.size; ) {
        let a = import_node_fs6.default.readSync(i, h, 0, n, o);
        if (a === 0) break;
        o += a, t.write(h.subarray(0, a));
      }
      t.end();
    }
  } finally {
    if (typeof i == "number") try {
      import_node_fs6.default.closeSync(i);
    } catch {
    }
  }
};
var Bn = (s3, t) => {
  let e = new rt(s3), i = s3.maxReadSize || 16 * 1024 * 1024, r = s3.file;
  return new Promise((o, h) => {
    e.on("error", h), e.on("end", o), import_node_fs6.default.stat(r, (a, l) => {
      if (a) h(a);
      else {
        let c = new _t(r, { readSize: i, size: l.size });
        c.on("error", h), c.pipe(e);
      }
    });
  });
};
var Ct = K(Mn, Bn, (s3) => new rt(s3), (s3) => new rt(s3), (s3, t) => {
  t?.length && Qi(s3, t), s3.noResume || vn(s3);
});
var Ji = (s3, t, e) => (s3 &= 4095, e && (s3 = (s3 | 384) & -19), t && (s3 & 256 && (s3 |= 64), s3 & 32 && (s3 |= 8), s3 & 4 && (s3 |= 1)), s3);
var { isAbsolute: zn, parse: qs } = import_node_path11.win32;
var ce = (s3) => {
  let t = "", e = qs(s3);
  for (; zn(s3) || e.root; ) {
    let i = s3.charAt(0) === "/" && s3.slice(0, 4) !== "//?/" ? "/" : e.root;
    s3 = s3.slice(i.length), t += i, e = qs(s3);
  }
  return [t, s3];
};
var ei = ["|", "<", ">", "?", ":"];
var ji = ei.map((s3) => String.fromCodePoint(61440 + Number(s3.codePointAt(0))));
var Un = new Map(ei.map((s3, t) => [s3, ji[t]]));
var Hn = new Map(ji.map((s3, t) => [s3, ei[t]]));
var ts = (s3) => ei.reduce((t, e) => t.split(e).join(Un.get(e)), s3);
var Qs = (s3) => ji.reduce((t, e) => t.split(e).join(Hn.get(e)), s3);
var rr = (s3, t) => t ? (s3 = f(s3).replace(/^\.(\/|$)/, ""), mt(t) + "/" + s3) : f(s3);
var Wn = 16 * 1024 * 1024;
var tr = /* @__PURE__ */ Symbol("process");
var er = /* @__PURE__ */ Symbol("file");
var ir = /* @__PURE__ */ Symbol("directory");
var is = /* @__PURE__ */ Symbol("symlink");
var sr = /* @__PURE__ */ Symbol("hardlink");
var fe = /* @__PURE__ */ Symbol("header");
var ii = /* @__PURE__ */ Symbol("read");
var ss = /* @__PURE__ */ Symbol("lstat");
var si = /* @__PURE__ */ Symbol("onlstat");
var rs = /* @__PURE__ */ Symbol("onread");
var ns = /* @__PURE__ */ Symbol("onreadlink");
var os = /* @__PURE__ */ Symbol("openfile");
var hs = /* @__PURE__ */ Symbol("onopenfile");
var pt = /* @__PURE__ */ Symbol("close");
var ri = /* @__PURE__ */ Symbol("mode");
var as = /* @__PURE__ */ Symbol("awaitDrain");
var es = /* @__PURE__ */ Symbol("ondrain");
var q = /* @__PURE__ */ Symbol("prefix");
var de = class extends A {
  path;
  portable;
  myuid = process.getuid && process.getuid() || 0;
  myuser = process.env.USER || "";
  maxReadSize;
  linkCache;
  statCache;
  preservePaths;
  cwd;
  strict;
  mtime;
  noPax;
  noMtime;
  prefix;
  fd;
  blockLen = 0;
  blockRemain = 0;
  buf;
  pos = 0;
  remain = 0;
  length = 0;
  offset = 0;
  win32;
  absolute;
  header;
  type;
  linkpath;
  stat;
  onWriteEntry;
  #t = false;
  constructor(t, e = {}) {
    let i = se(e);
    super(), this.path = f(t), this.portable = !!i.portable, this.maxReadSize = i.maxReadSize || Wn, this.linkCache = i.linkCache || /* @__PURE__ */ new Map(), this.statCache = i.statCache || /* @__PURE__ */ new Map(), this.preservePaths = !!i.preservePaths, this.cwd = f(i.cwd || process.cwd()), this.strict = !!i.strict, this.noPax = !!i.noPax, this.noMtime = !!i.noMtime, this.mtime = i.mtime, this.prefix = i.prefix ? f(i.prefix) : void 0, this.onWriteEntry = i.onWriteEntry, typeof i.onwarn == "function" && this.on("warn", i.onwarn);
    let r = false;
    if (!this.preservePaths) {
      let [o, h] = ce(this.path);
      o && typeof h == "string" && (this.path = h, r = o);
    }
    this.win32 = !!i.win32 || process.platform === "win32", this.win32 && (this.path = Qs(this.path.replaceAll(/\\/g, "/")), t = t.replaceAll(/\\/g, "/")), this.absolute = f(i.absolute || import_path2.default.resolve(this.cwd, t)), this.path === "" && (this.path = "./"), r && this.warn("TAR_ENTRY_INFO", `stripping ${r} from absolute path`, { entry: this, path: r + this.path });
    let n = this.statCache.get(this.absolute);
    n ? this[si](n) : this[ss]();
  }
  warn(t, e, i = {}) {
    return Dt(this, t, e, i);
  }
  emit(t, ...e) {
    return t === "error" && (this.#t = true), super.emit(t, ...e);
  }
  [ss]() {
    import_fs3.default.lstat(this.absolute, (t, e) => {
      if (t) return this.emit("error", t);
      this[si](e);
    });
  }
  [si](t) {
    this.statCache.set(this.absolute, t), this.stat = t, t.isFile() || (t.size = 0), this.type = Gn(t), this.emit("stat", t), this[tr]();
  }
  [tr]() {
    switch (this.type) {
      case "File":
        return this[er]();
      case "Directory":
        return this[ir]();
      case "SymbolicLink":
        return this[is]();
      default:
        return this.end();
    }
  }
  [ri](t) {
    return Ji(t, this.type === "Directory", this.portable);
  }
  [q](t) {
    return rr(t, this.prefix);
  }
  [fe]() {
    if (!this.stat) throw new Error("cannot write header before stat");
    this.type === "Directory" && this.portable && (this.noMtime = true), this.onWriteEntry?.(this), this.header = new F({ path: this[q](this.path), linkpath: this.type === "Link" && this.linkpath !== void 0 ? this[q](this.linkpath) : this.linkpath, mode: this[ri](this.stat.mode), uid: this.portable ? void 0 : this.stat.uid, gid: this.portable ? void 0 : this.stat.gid, size: this.stat.size, mtime: this.noMtime ? void 0 : this.mtime || this.stat.mtime, type: this.type === "Unsupported" ? void 0 : this.type, uname: this.portable ? void 0 : this.stat.uid === this.myuid ? this.myuser : "", atime: this.portable ? void 0 : this.stat.atime, ctime: this.portable ? void 0 : this.stat.ctime }), this.header.encode() && !this.noPax && super.write(new ft({ atime: this.portable ? void 0 : this.header.atime, ctime: this.portable ? void 0 : this.header.ctime, gid: this.portable ? void 0 : this.header.gid, mtime: this.noMtime ? void 0 : this.mtime || this.header.mtime, path: this[q](this.path), linkpath: this.type === "Link" && this.linkpath !== void 0 ? this[q](this.linkpath) : this.linkpath, size: this.header.size, uid: this.portable ? void 0 : this.header.uid, uname: this.portable ? void 0 : this.header.uname, dev: this.portable ? void 0 : this.stat.dev, ino: this.portable ? void 0 : this.stat.ino, nlink: this.portable ? void 0 : this.stat.nlink }).encode());
    let t = this.header?.block;
    if (!t) throw new Error("failed to encode header");
    super.write(t);
  }
  [ir]() {
    if (!this.stat) throw new Error("cannot create directory entry without stat");
    this.path.slice(-1) !== "/" && (this.path += "/"), this.stat.size = 0, this[fe](), this.end();
  }
  [is]() {
    import_fs3.default.readlink(this.absolute, (t, e) => {
      if (t) return this.emit("error", t);
      this[ns](e);
    });
  }
  [ns](t) {
    this.linkpath = f(t), this[fe](), this.end();
  }
  [sr](t) {
    if (!this.stat) throw new Error("cannot create link entry without stat");
    this.type = "Link", this.linkpath = f(import_path2.default.relative(this.cwd, t)), this.stat.size = 0, this[fe](), this.end();
  }
  [er]() {
    if (!this.stat) throw new Error("cannot create file entry without stat");
    if (this.stat.nlink > 1) {
      let t = `${this.stat.dev}:${this.stat.ino}`, e = this.linkCache.get(t);
      if (e?.indexOf(this.cwd) === 0) return this[sr](e);
      this.linkCache.set(t, this.absolute);
    }
    if (this[fe](), this.stat.size === 0) return this.end();
    this[os]();
  }
  [os]() {
    import_fs3.default.open(this.absolute, "r", (t, e) => {
      if (t) return this.emit("error", t);
      this[hs](e);
    });
  }
  [hs](t) {
    if (this.fd = t, this.#t) return this[pt]();
    if (!this.stat) throw new Error("should stat before calling onopenfile");
    this.blockLen = 512 * Math.ceil(this.stat.size / 512), this.blockRemain = this.blockLen;
    let e = Math.min(this.blockLen, this.maxReadSize);
    this.buf = Buffer.allocUnsafe(e), this.offset = 0, this.pos = 0, this.remain = this.stat.size, this.length = this.buf.length, this[ii]();
  }
  [ii]() {
    let { fd: t, buf: e, offset: i, length: r, pos: n } = this;
    if (t === void 0 || e === void 0) throw new Error("cannot read file without first opening");
    import_fs3.default.read(t, e, i, r, n, (o, h) => {
      if (o) return this[pt](() => this.emit("error", o));
      this[rs](h);
    });
  }
  [pt](t = () => {
  }) {
    this.fd !== void 0 && import_fs3.default.close(this.fd, t);
  }
  [rs](t) {
    if (t <= 0 && this.remain > 0) {
      let r = Object.assign(new Error("encountered unexpected EOF"), { path: this.absolute, syscall: "read", code: "EOF" });
      return this[pt](() => this.emit("error", r));
    }
    if (t > this.remain) {
      let r = Object.assign(new Error("did not encounter expected EOF"), { path: this.absolute, syscall: "read", code: "EOF" });
      return this[pt](() => this.emit("error", r));
    }
    if (!this.buf) throw new Error("should have created buffer prior to reading");
    if (t === this.remain) for (let r = t; r < this.length && t < this.blockRemain; r++) this.buf[r + this.offset] = 0, t++, this.remain++;
    let e = this.offset === 0 && t === this.buf.length ? this.buf : this.buf.subarray(this.offset, this.offset + t);
    this.write(e) ? this[es]() : this[as](() => this[es]());
  }
  [as](t) {
    this.once("drain", t);
  }
  write(t, e, i) {
    if (typeof e == "function" && (i = e, e = void 0), typeof t == "string" && (t = Buffer.from(t, typeof e == "string" ? e : "utf8")), this.blockRemain < t.length) {
      let r = Object.assign(new Error("writing more data than expected"), { path: this.absolute });
      return this.emit("error", r);
    }
    return this.remain -= t.length, this.blockRemain -= t.length, this.pos += t.length, this.offset += t.length, super.write(t, null, i);
  }
  [es]() {
    if (!this.remain) return this.blockRemain && super.write(Buffer.alloc(this.blockRemain)), this[pt]((t) => t ? this.emit("error", t) : this.end());
    if (!this.buf) throw new Error("buffer lost somehow in ONDRAIN");
    this.offset >= this.length && (this.buf = Buffer.allocUnsafe(Math.min(this.blockRemain, this.buf.length)), this.offset = 0), this.length = this.buf.length - this.offset, this[ii]();
  }
};
var ni = class extends de {
  sync = true;
  [ss]() {
    this[si](import_fs3.default.lstatSync(this.absolute));
  }
  [is]() {
    this[ns](import_fs3.default.readlinkSync(this.absolute));
  }
  [os]() {
    this[hs](import_fs3.default.openSync(this.absolute, "r"));
  }
  [ii]() {
    let t = true;
    try {
      let { fd: e, buf: i, offset: r, length: n, pos: o } = this;
      if (e === void 0 || i === void 0) throw new Error("fd and buf must be set in READ method");
      let h = import_fs3.default.readSync(e, i, r, n, o);
      this[rs](h), t = false;
    } finally {
      if (t) try {
        this[pt](() => {
        });
      } catch {
      }
    }
  }
  [as](t) {
    t();
  }
  [pt](t = () => {
  }) {
    this.fd !== void 0 && import_fs3.default.closeSync(this.fd), t();
  }
};
var oi = class extends A {
  blockLen = 0;
  blockRemain = 0;
  buf = 0;
  pos = 0;
  remain = 0;
  length = 0;
  preservePaths;
  portable;
  strict;
  noPax;
  noMtime;
  readEntry;
  type;
  prefix;
  path;
  mode;
  uid;
  gid;
  uname;
  gname;
  header;
  mtime;
  atime;
  ctime;
  linkpath;
  size;
  onWriteEntry;
  warn(t, e, i = {}) {
    return Dt(this, t, e, i);
  }
  constructor(t, e = {}) {
    let i = se(e);
    super(), this.preservePaths = !!i.preservePaths, this.portable = !!i.portable, this.strict = !!i.strict, this.noPax = !!i.noPax, this.noMtime = !!i.noMtime, this.onWriteEntry = i.onWriteEntry, this.readEntry = t;
    let { type: r } = t;
    if (r === "Unsupported") throw new Error("writing entry that should be ignored");
    this.type = r, this.type === "Directory" && this.portable && (this.noMtime = true), this.prefix = i.prefix, this.path = f(t.path), this.mode = t.mode !== void 0 ? this[ri](t.mode) : void 0, this.uid = this.portable ? void 0 : t.uid, this.gid = this.portable ? void 0 : t.gid, this.uname = this.portable ? void 0 : t.uname, this.gname = this.portable ? void 0 : t.gname, this.size = t.size, this.mtime = this.noMtime ? void 0 : i.mtime || t.mtime, this.atime = this.portable ? void 0 : t.atime, this.ctime = this.portable ? void 0 : t.ctime, this.linkpath = t.linkpath !== void 0 ? f(t.linkpath) : void 0, typeof i.onwarn == "function" && this.on("warn", i.onwarn);
    let n = false;
    if (!this.preservePaths) {
      let [h, a] = ce(this.path);
      h && typeof a == "string" && (this.path = a, n = h);
    }
    this.remain = t.size, this.blockRemain = t.startBlockSize, this.onWriteEntry?.(this), this.header = new F({ path: this[q](this.path), linkpath: this.type === "Link" && this.linkpath !== void 0 ? this[q](this.linkpath) : this.linkpath, mode: this.mode, uid: this.portable ? void 0 : this.uid, gid: this.portable ? void 0 : this.gid, size: this.size, mtime: this.noMtime ? void 0 : this.mtime, type: this.type, uname: this.portable ? void 0 : this.uname, atime: this.portable ? void 0 : this.atime, ctime: this.portable ? void 0 : this.ctime }), n && this.warn("TAR_ENTRY_INFO", `stripping ${n} from absolute path`, { entry: this, path: n + this.path }), this.header.encode() && !this.noPax && super.write(new ft({ atime: this.portable ? void 0 : this.atime, ctime: this.portable ? void 0 : this.ctime, gid: this.portable ? void 0 : this.gid, mtime: this.noMtime ? void 0 : this.mtime, path: this[q](this.path), linkpath: this.type === "Link" && this.linkpath !== void 0 ? this[q](this.linkpath) : this.linkpath, size: this.size, uid: this.portable ? void 0 : this.uid, uname: this.portable ? void 0 : this.uname, dev: this.portable ? void 0 : this.readEntry.dev, ino: this.portable ? void 0 : this.readEntry.ino, nlink: this.portable ? void 0 : this.readEntry.nlink }).encode());
    let o = this.header?.block;
    if (!o) throw new Error("failed to encode header");
    super.write(o), t.pipe(this);
  }
  [q](t) {
    return rr(t, this.prefix);
  }
  [ri](t) {
    return Ji(t, this.type === "Directory", this.portable);
  }
  write(t, e, i) {
    typeof e == "function" && (i = e, e = void 0), typeof t == "string" && (t = Buffer.from(t, typeof e == "string" ? e : "utf8"));
    let r = t.length;
    if (r > this.blockRemain) throw new Error("writing more to entry than is appropriate");
    return this.blockRemain -= r, super.write(t, i);
  }
  end(t, e, i) {
    return this.blockRemain && super.write(Buffer.alloc(this.blockRemain)), typeof t == "function" && (i = t, e = void 0, t = void 0), typeof e == "function" && (i = e, e = void 0), typeof t == "string" && (t = Buffer.from(t, e ?? "utf8")), i && this.once("finish", i), t ? super.end(t, i) : super.end(i), this;
  }
};
var Gn = (s3) => s3.isFile() ? "File" : s3.isDirectory() ? "Directory" : s3.isSymbolicLink() ? "SymbolicLink" : "Unsupported";
var hi = class s2 {
  tail;
  head;
  length = 0;
  static create(t = []) {
    return new s2(t);
  }
  constructor(t = []) {
    for (let e of t) this.push(e);
  }
  *[Symbol.iterator]() {
    for (let t = this.head; t; t = t.next) yield t.value;
  }
  removeNode(t) {
    if (t.list !== this) throw new Error("removing node which does not belong to this list");
    let e = t.next, i = t.prev;
    return e && (e.prev = i), i && (i.next = e), t === this.head && (this.head = e), t === this.tail && (this.tail = i), this.length--, t.next = void 0, t.prev = void 0, t.list = void 0, e;
  }
  unshiftNode(t) {
    if (t === this.head) return;
    t.list && t.list.removeNode(t);
    let e = this.head;
    t.list = this, t.next = e, e && (e.prev = t), this.head = t, this.tail || (this.tail = t), this.length++;
  }
  pushNode(t) {
    if (t === this.tail) return;
    t.list && t.list.removeNode(t);
    let e = this.tail;
    t.list = this, t.prev = e, e && (e.next = t), this.tail = t, this.head || (this.head = t), this.length++;
  }
  push(...t) {
    for (let e = 0, i = t.length; e < i; e++) Yn(this, t[e]);
    return this.length;
  }
  unshift(...t) {
    for (var e = 0, i = t.length; e < i; e++) Kn(this, t[e]);
    return this.length;
  }
  pop() {
    if (!this.tail) return;
    let t = this.tail.value, e = this.tail;
    return this.tail = this.tail.prev, this.tail ? this.tail.next = void 0 : this.head = void 0, e.list = void 0, this.length--, t;
  }
  shift() {
    if (!this.head) return;
    let t = this.head.value, e = this.head;
    return this.head = this.head.next, this.head ? this.head.prev = void 0 : this.tail = void 0, e.list = void 0, this.length--, t;
  }
  forEach(t, e) {
    e = e || this;
    for (let i = this.head, r = 0; i; r++) t.call(e, i.value, r, this), i = i.next;
  }
  forEachReverse(t, e) {
    e = e || this;
    for (let i = this.tail, r = this.length - 1; i; r--) t.call(e, i.value, r, this), i = i.prev;
  }
  get(t) {
    let e = 0, i = this.head;
    for (; i && e < t; e++) i = i.next;
    if (e === t && i) return i.value;
  }
  getReverse(t) {
    let e = 0, i = this.tail;
    for (; i && e < t; e++) i = i.prev;
    if (e === t && i) return i.value;
  }
  map(t, e) {
    e = e || this;
    let i = new s2();
    for (let r = this.head; r; ) i.push(t.call(e, r.value, this)), r = r.next;
    return i;
  }
  mapReverse(t, e) {
    e = e || this;
    var i = new s2();
    for (let r = this.tail; r; ) i.push(t.call(e, r.value, this)), r = r.prev;
    return i;
  }
  reduce(t, e) {
    let i, r = this.head;
    if (arguments.length > 1) i = e;
    else if (this.head) r = this.head.next, i = this.head.value;
    else throw new TypeError("Reduce of empty list with no initial value");
    for (var n = 0; r; n++) i = t(i, r.value, n), r = r.next;
    return i;
  }
  reduceReverse(t, e) {
    let i, r = this.tail;
    if (arguments.length > 1) i = e;
    else if (this.tail) r = this.tail.prev, i = this.tail.value;
    else throw new TypeError("Reduce of empty list with no initial value");
    for (let n = this.length - 1; r; n--) i = t(i, r.value, n), r = r.prev;
    return i;
  }
  toArray() {
    let t = new Array(this.length);
    for (let e = 0, i = this.head; i; e++) t[e] = i.value, i = i.next;
    return t;
  }
  toArrayReverse() {
    let t = new Array(this.length);
    for (let e = 0, i = this.tail; i; e++) t[e] = i.value, i = i.prev;
    return t;
  }
  slice(t = 0, e = this.length) {
    e < 0 && (e += this.length), t < 0 && (t += this.length);
    let i = new s2();
    if (e < t || e < 0) return i;
    t < 0 && (t = 0), e > this.length && (e = this.length);
    let r = this.head, n = 0;
    for (n = 0; r && n < t; n++) r = r.next;
    for (; r && n < e; n++, r = r.next) i.push(r.value);
    return i;
  }
  sliceReverse(t = 0, e = this.length) {
    e < 0 && (e += this.length), t < 0 && (t += this.length);
    let i = new s2();
    if (e < t || e < 0) return i;
    t < 0 && (t = 0), e > this.length && (e = this.length);
    let r = this.length, n = this.tail;
    for (; n && r > e; r--) n = n.prev;
    for (; n && r > t; r--, n = n.prev) i.push(n.value);
    return i;
  }
  splice(t, e = 0, ...i) {
    t > this.length && (t = this.length - 1), t < 0 && (t = this.length + t);
    let r = this.head;
    for (let o = 0; r && o < t; o++) r = r.next;
    let n = [];
    for (let o = 0; r && o < e; o++) n.push(r.value), r = this.removeNode(r);
    r ? r !== this.tail && (r = r.prev) : r = this.tail;
    for (let o of i) r = Zn(this, r, o);
    return n;
  }
  reverse() {
    let t = this.head, e = this.tail;
    for (let i = t; i; i = i.prev) {
      let r = i.prev;
      i.prev = i.next, i.next = r;
    }
    return this.head = e, this.tail = t, this;
  }
};
function Zn(s3, t, e) {
  let i = t, r = t ? t.next : s3.head, n = new ue(e, i, r, s3);
  return n.next === void 0 && (s3.tail = n), n.prev === void 0 && (s3.head = n), s3.length++, n;
}
function Yn(s3, t) {
  s3.tail = new ue(t, s3.tail, void 0, s3), s3.head || (s3.head = s3.tail), s3.length++;
}
function Kn(s3, t) {
  s3.head = new ue(t, void 0, s3.head, s3), s3.tail || (s3.tail = s3.head), s3.length++;
}
var ue = class {
  list;
  next;
  prev;
  value;
  constructor(t, e, i, r) {
    this.list = r, this.value = t, e ? (e.next = this, this.prev = e) : this.prev = void 0, i ? (i.prev = this, this.next = i) : this.next = void 0;
  }
};
var pi = class {
  path;
  absolute;
  entry;
  stat;
  readdir;
  pending = false;
  pendingLink = false;
  ignore = false;
  piped = false;
  constructor(t, e) {
    this.path = t || "./", this.absolute = e;
  }
};
var nr = Buffer.alloc(1024);
var li = /* @__PURE__ */ Symbol("onStat");
var me = /* @__PURE__ */ Symbol("ended");
var W = /* @__PURE__ */ Symbol("queue");
var pe = /* @__PURE__ */ Symbol("pendingLinks");
var Et = /* @__PURE__ */ Symbol("current");
var Ft = /* @__PURE__ */ Symbol("process");
var Ee = /* @__PURE__ */ Symbol("processing");
var ai = /* @__PURE__ */ Symbol("processJob");
var G = /* @__PURE__ */ Symbol("jobs");
var ls = /* @__PURE__ */ Symbol("jobDone");
var ci = /* @__PURE__ */ Symbol("addFSEntry");
var or = /* @__PURE__ */ Symbol("addTarEntry");
var ds = /* @__PURE__ */ Symbol("stat");
var us = /* @__PURE__ */ Symbol("readdir");
var fi = /* @__PURE__ */ Symbol("onreaddir");
var di = /* @__PURE__ */ Symbol("pipe");
var hr = /* @__PURE__ */ Symbol("entry");
var cs = /* @__PURE__ */ Symbol("entryOpt");
var ui = /* @__PURE__ */ Symbol("writeEntryClass");
var lr = /* @__PURE__ */ Symbol("write");
var fs = /* @__PURE__ */ Symbol("ondrain");
var wt = class extends A {
  sync = false;
  opt;
  cwd;
  maxReadSize;
  preservePaths;
  strict;
  noPax;
  prefix;
  linkCache;
  statCache;
  file;
  portable;
  zip;
  readdirCache;
  noDirRecurse;
  follow;
  noMtime;
  mtime;
  filter;
  jobs;
  [ui];
  onWriteEntry;
  [W];
  [pe] = /* @__PURE__ */ new Map();
  [G] = 0;
  [Ee] = false;
  [me] = false;
  constructor(t = {}) {
    if (super(), this.opt = t, this.file = t.file || "", this.cwd = t.cwd || process.cwd(), this.maxReadSize = t.maxReadSize, this.preservePaths = !!t.preservePaths, this.strict = !!t.strict, this.noPax = !!t.noPax, this.prefix = f(t.prefix || ""), this.linkCache = t.linkCache || /* @__PURE__ */ new Map(), this.statCache = t.statCache || /* @__PURE__ */ new Map(), this.readdirCache = t.readdirCache || /* @__PURE__ */ new Map(), this.onWriteEntry = t.onWriteEntry, this[ui] = de, typeof t.onwarn == "function" && this.on("warn", t.onwarn), this.portable = !!t.portable, t.gzip || t.brotli || t.zstd) {
      if ((t.gzip ? 1 : 0) + (t.brotli ? 1 : 0) + (t.zstd ? 1 : 0) > 1) throw new TypeError("gzip, brotli, zstd are mutually exclusive");
      if (t.gzip && (typeof t.gzip != "object" && (t.gzip = {}), this.portable && (t.gzip.portable = true), this.zip = new ze(t.gzip)), t.brotli && (typeof t.brotli != "object" && (t.brotli = {}), this.zip = new We(t.brotli)), t.zstd && (typeof t.zstd != "object" && (t.zstd = {}), this.zip = new Ye(t.zstd)), !this.zip) throw new Error("impossible");
      let e = this.zip;
      e.on("data", (i) => super.write(i)), e.on("end", () => super.end()), e.on("drain", () => this[fs]()), this.on("resume", () => e.resume());
    } else this.on("drain", this[fs]);
    this.noDirRecurse = !!t.noDirRecurse, this.follow = !!t.follow, this.noMtime = !!t.noMtime, t.mtime && (this.mtime = t.mtime), this.filter = typeof t.filter == "function" ? t.filter : () => true, this[W] = new hi(), this[G] = 0, this.jobs = Number(t.jobs) || 4, this[Ee] = false, this[me] = false;
  }
  [lr](t) {
    return super.write(t);
  }
  add(t) {
    return this.write(t), this;
  }
  end(t, e, i) {
    return typeof t == "function" && (i = t, t = void 0), typeof e == "function" && (i = e, e = void 0), t && this.add(t), this[me] = true, this[Ft](), i && i(), this;
  }
  write(t) {
    if (this[me]) throw new Error("write after end");
    return typeof t == "string" ? this[ci](t) : this[or](t), this.flowing;
  }
  [or](t) {
    let e = f(import_path3.default.resolve(this.cwd, t.path));
    if (!this.filter(t.path, t)) t.resume();
    else {
      let i = new pi(t.path, e);
      i.entry = new oi(t, this[cs](i)), i.entry.on("end", () => this[ls](i)), this[G] += 1, this[W].push(i);
    }
    this[Ft]();
  }
  [ci](t) {
    let e = f(import_path3.default.resolve(this.cwd, t));
    this[W].push(new pi(t, e)), this[Ft]();
  }
  [ds](t) {
    t.pending = true, this[G] += 1;
    let e = this.follow ? "stat" : "lstat";
    import_fs2.default[e](t.absolute, (i, r) => {
      t.pending = false, this[G] -= 1, i ? this.emit("error", i) : this[li](t, r);
    });
  }
  [li](t, e) {
    if (this.statCache.set(t.absolute, e), t.stat = e, !this.filter(t.path, e)) t.ignore = true;
    else if (e.isFile() && e.nlink > 1 && !this.linkCache.get(`${e.dev}:${e.ino}`) && !this.sync) if (t === this[Et]) this[ai](t);
    else {
      let i = `${e.dev}:${e.ino}`, r = this[pe].get(i);
      r ? r.push(t) : this[pe].set(i, [t]), t.pendingLink = true, t.pending = true;
    }
    this[Ft]();
  }
  [us](t) {
    t.pending = true, this[G] += 1, import_fs2.default.readdir(t.absolute, (e, i) => {
      if (t.pending = false, this[G] -= 1, e) return this.emit("error", e);
      this[fi](t, i);
    });
  }
  [fi](t, e) {
    this.readdirCache.set(t.absolute, e), t.readdir = e, this[Ft]();
  }
  [Ft]() {
    if (!this[Ee]) {
      this[Ee] = true;
      for (let t = this[W].head; t && this[G] < this.jobs; t = t.next) if (this[ai](t.value), t.value.ignore) {
        let e = t.next;
        this[W].removeNode(t), t.next = e;
      }
      this[Ee] = false, this[me] && this[W].length === 0 && this[G] === 0 && (this.zip ? this.zip.end(nr) : (super.write(nr), super.end()));
    }
  }
  get [Et]() {
    return this[W] && this[W].head && this[W].head.value;
  }
  [ls](t) {
    this[W].shift(), this[G] -= 1;
    let { stat: e } = t;
    if (e && e.isFile() && e.nlink > 1) {
      let i = `${e.dev}:${e.ino}`, r = this[pe].get(i);
      if (r) {
        this[pe].delete(i);
        for (let n of r) n.pending = false, this[ai](n);
      }
    }
    this[Ft]();
  }
  [ai](t) {
    if (t.pending && t.pendingLink && t === this[Et] && (t.pending = false, t.pendingLink = false), !t.pending) {
      if (t.entry) {
        t === this[Et] && !t.piped && this[di](t);
        return;
      }
      if (!t.stat) {
        let e = this.statCache.get(t.absolute);
        e ? this[li](t, e) : this[ds](t);
      }
      if (t.stat && !t.ignore) {
        if (!this.noDirRecurse && t.stat.isDirectory() && !t.readdir) {
          let e = this.readdirCache.get(t.absolute);
          if (e ? this[fi](t, e) : this[us](t), !t.readdir) return;
        }
        if (t.entry = this[hr](t), !t.entry) {
          t.ignore = true;
          return;
        }
        t === this[Et] && !t.piped && this[di](t);
      }
    }
  }
  [cs](t) {
    return { onwarn: (e, i, r) => this.warn(e, i, r), noPax: this.noPax, cwd: this.cwd, absolute: t.absolute, preservePaths: this.preservePaths, maxReadSize: this.maxReadSize, strict: this.strict, portable: this.portable, linkCache: this.linkCache, statCache: this.statCache, noMtime: this.noMtime, mtime: this.mtime, prefix: this.prefix, onWriteEntry: this.onWriteEntry };
  }
  [hr](t) {
    this[G] += 1;
    try {
      return new this[ui](t.path, this[cs](t)).on("end", () => this[ls](t)).on("error", (i) => this.emit("error", i));
    } catch (e) {
      this.emit("error", e);
    }
  }
  [fs]() {
    this[Et] && this[Et].entry && this[Et].entry.resume();
  }
  [di](t) {
    t.piped = true, t.readdir && t.readdir.forEach((r) => {
      let n = t.path, o = n === "./" ? "" : n.replace(/\/*$/, "/");
      this[ci](o + r);
    });
    let e = t.entry, i = this.zip;
    if (!e) throw new Error("cannot pipe without source");
    i ? e.on("data", (r) => {
      i.write(r) || e.pause();
    }) : e.on("data", (r) => {
      super.write(r) || e.pause();
    });
  }
  pause() {
    return this.zip && this.zip.pause(), super.pause();
  }
  warn(t, e, i = {}) {
    Dt(this, t, e, i);
  }
};
var kt = class extends wt {
  sync = true;
  constructor(t) {
    super(t), this[ui] = ni;
  }
  pause() {
  }
  resume() {
  }
  [ds](t) {
    let e = this.follow ? "statSync" : "lstatSync";
    this[li](t, import_fs2.default[e](t.absolute));
  }
  [us](t) {
    this[fi](t, import_fs2.default.readdirSync(t.absolute));
  }
  [di](t) {
    let e = t.entry, i = this.zip;
    if (t.readdir && t.readdir.forEach((r) => {
      let n = t.path, o = n === "./" ? "" : n.replace(/\/*$/, "/");
      this[ci](o + r);
    }), !e) throw new Error("Cannot pipe without source");
    i ? e.on("data", (r) => {
      i.write(r);
    }) : e.on("data", (r) => {
      super[lr](r);
    });
  }
};
var Vn = (s3, t) => {
  let e = new kt(s3), i = new Wt(s3.file, { mode: s3.mode || 438 });
  e.pipe(i), fr(e, t);
};
var $n = (s3, t) => {
  let e = new wt(s3), i = new et(s3.file, { mode: s3.mode || 438 });
  e.pipe(i);
  let r = new Promise((n, o) => {
    i.on("error", o), i.on("close", n), e.on("error", o);
  });
  return dr(e, t).catch((n) => e.emit("error", n)), r;
};
var fr = (s3, t) => {
  t.forEach((e) => {
    e.charAt(0) === "@" ? Ct({ file: import_node_path8.default.resolve(s3.cwd, e.slice(1)), sync: true, noResume: true, onReadEntry: (i) => s3.add(i) }) : s3.add(e);
  }), s3.end();
};
var dr = async (s3, t) => {
  for (let e of t) e.charAt(0) === "@" ? await Ct({ file: import_node_path8.default.resolve(String(s3.cwd), e.slice(1)), noResume: true, onReadEntry: (i) => {
    s3.add(i);
  } }) : s3.add(e);
  s3.end();
};
var Xn = (s3, t) => {
  let e = new kt(s3);
  return fr(e, t), e;
};
var qn = (s3, t) => {
  let e = new wt(s3);
  return dr(e, t).catch((i) => e.emit("error", i)), e;
};
var Qn = K(Vn, $n, Xn, qn, (s3, t) => {
  if (!t?.length) throw new TypeError("no paths specified to add to archive");
});
var Jn = process.env.__FAKE_PLATFORM__ || process.platform;
var Er = Jn === "win32";
var { O_CREAT: wr, O_NOFOLLOW: ur, O_TRUNC: Sr, O_WRONLY: yr } = import_fs4.default.constants;
var Rr = Number(process.env.__FAKE_FS_O_FILENAME__) || import_fs4.default.constants.UV_FS_O_FILEMAP || 0;
var jn = Er && !!Rr;
var to = 512 * 1024;
var eo = Rr | Sr | wr | yr;
var mr = !Er && typeof ur == "number" ? ur | Sr | wr | yr : null;
var ms = mr !== null ? () => mr : jn ? (s3) => s3 < to ? eo : "w" : () => "w";
var ps = (s3, t, e) => {
  try {
    return import_node_fs9.default.lchownSync(s3, t, e);
  } catch (i) {
    if (i?.code !== "ENOENT") throw i;
  }
};
var Ei = (s3, t, e, i) => {
  import_node_fs9.default.lchown(s3, t, e, (r) => {
    i(r && r?.code !== "ENOENT" ? r : null);
  });
};
var io = (s3, t, e, i, r) => {
  if (t.isDirectory()) Es(import_node_path13.default.resolve(s3, t.name), e, i, (n) => {
    if (n) return r(n);
    let o = import_node_path13.default.resolve(s3, t.name);
    Ei(o, e, i, r);
  });
  else {
    let n = import_node_path13.default.resolve(s3, t.name);
    Ei(n, e, i, r);
  }
};
var Es = (s3, t, e, i) => {
  import_node_fs9.default.readdir(s3, { withFileTypes: true }, (r, n) => {
    if (r) {
      if (r.code === "ENOENT") return i();
      if (r.code !== "ENOTDIR" && r.code !== "ENOTSUP") return i(r);
    }
    if (r || !n.length) return Ei(s3, t, e, i);
    let o = n.length, h = null, a = (l) => {
      if (!h) {
        if (l) return i(h = l);
        if (--o === 0) return Ei(s3, t, e, i);
      }
    };
    for (let l of n) io(s3, l, t, e, a);
  });
};
var so = (s3, t, e, i) => {
  t.isDirectory() && ws(import_node_path13.default.resolve(s3, t.name), e, i), ps(import_node_path13.default.resolve(s3, t.name), e, i);
};
var ws = (s3, t, e) => {
  let i;
  try {
    i = import_node_fs9.default.readdirSync(s3, { withFileTypes: true });
  } catch (r) {
    let n = r;
    if (n?.code === "ENOENT") return;
    if (n?.code === "ENOTDIR" || n?.code === "ENOTSUP") return ps(s3, t, e);
    throw n;
  }
  for (let r of i) so(s3, r, t, e);
  return ps(s3, t, e);
};
var Se = class extends Error {
  path;
  code;
  syscall = "chdir";
  constructor(t, e) {
    super(`${e}: Cannot cd into '${t}'`), this.path = t, this.code = e;
  }
  get name() {
    return "CwdError";
  }
};
var St = class extends Error {
  path;
  symlink;
  syscall = "symlink";
  code = "TAR_SYMLINK_ERROR";
  constructor(t, e) {
    super("TAR_SYMLINK_ERROR: Cannot extract through symbolic link"), this.symlink = t, this.path = e;
  }
  get name() {
    return "SymlinkError";
  }
};
var no = (s3, t) => {
  import_node_fs10.default.stat(s3, (e, i) => {
    (e || !i.isDirectory()) && (e = new Se(s3, e?.code || "ENOTDIR")), t(e);
  });
};
var gr = (s3, t, e) => {
  s3 = f(s3);
  let i = t.umask ?? 18, r = t.mode | 448, n = (r & i) !== 0, o = t.uid, h = t.gid, a = typeof o == "number" && typeof h == "number" && (o !== t.processUid || h !== t.processGid), l = t.preserve, c = t.unlink, d = f(t.cwd), y = (E, x) => {
    E ? e(E) : x && a ? Es(x, o, h, (Le) => y(Le)) : n ? import_node_fs10.default.chmod(s3, r, e) : e();
  };
  if (s3 === d) return no(s3, y);
  if (l) return import_promises5.default.mkdir(s3, { mode: r, recursive: true }).then((E) => y(null, E ?? void 0), y);
  let D = f(import_node_path14.default.relative(d, s3)).split("/");
  Ss(d, D, r, c, d, void 0, y);
};
var Ss = (s3, t, e, i, r, n, o) => {
  if (t.length === 0) return o(null, n);
  let h = t.shift(), a = f(import_node_path14.default.resolve(s3 + "/" + h));
  import_node_fs10.default.mkdir(a, e, br(a, t, e, i, r, n, o));
};
var br = (s3, t, e, i, r, n, o) => (h) => {
  h ? import_node_fs10.default.lstat(s3, (a, l) => {
    if (a) a.path = a.path && f(a.path), o(a);
    else if (l.isDirectory()) Ss(s3, t, e, i, r, n, o);
    else if (i) import_node_fs10.default.unlink(s3, (c) => {
      if (c) return o(c);
      import_node_fs10.default.mkdir(s3, e, br(s3, t, e, i, r, n, o));
    });
    else {
      if (l.isSymbolicLink()) return o(new St(s3, s3 + "/" + t.join("/")));
      o(h);
    }
  }) : (n = n || s3, Ss(s3, t, e, i, r, n, o));
};
var oo = (s3) => {
  let t = false, e;
  try {
    t = import_node_fs10.default.statSync(s3).isDirectory();
  } catch (i) {
    e = i?.code;
  } finally {
    if (!t) throw new Se(s3, e ?? "ENOTDIR");
  }
};
var _r = (s3, t) => {
  s3 = f(s3);
  let e = t.umask ?? 18, i = t.mode | 448, r = (i & e) !== 0, n = t.uid, o = t.gid, h = typeof n == "number" && typeof o == "number" && (n !== t.processUid || o !== t.processGid), a = t.preserve, l = t.unlink, c = f(t.cwd), d = (E) => {
    E && h && ws(E, n, o), r && import_node_fs10.default.chmodSync(s3, i);
  };
  if (s3 === c) return oo(c), d();
  if (a) return d(import_node_fs10.default.mkdirSync(s3, { mode: i, recursive: true }) ?? void 0);
  let T = f(import_node_path14.default.relative(c, s3)).split("/"), D;
  for (let E = T.shift(), x = c; E && (x += "/" + E); E = T.shift()) {
    x = f(import_node_path14.default.resolve(x));
    try {
      import_node_fs10.default.mkdirSync(x, i), D = D || x;
    } catch {
      let Le = import_node_fs10.default.lstatSync(x);
      if (Le.isDirectory()) continue;
      if (l) {
        import_node_fs10.default.unlinkSync(x), import_node_fs10.default.mkdirSync(x, i), D = D || x;
        continue;
      } else if (Le.isSymbolicLink()) return new St(x, x + "/" + T.join("/"));
    }
  }
  return d(D);
};
var ys = /* @__PURE__ */ Object.create(null);
var Or = 1e4;
var Vt = /* @__PURE__ */ new Set();
var Tr = (s3) => {
  Vt.has(s3) ? Vt.delete(s3) : ys[s3] = s3.normalize("NFD").toLocaleLowerCase("en").toLocaleUpperCase("en"), Vt.add(s3);
  let t = ys[s3], e = Vt.size - Or;
  if (e > Or / 10) {
    for (let i of Vt) if (Vt.delete(i), delete ys[i], --e <= 0) break;
  }
  return t;
};
var ho = process.env.TESTING_TAR_FAKE_PLATFORM || process.platform;
var ao = ho === "win32";
var lo = (s3) => s3.split("/").slice(0, -1).reduce((e, i) => {
  let r = e.at(-1);
  return r !== void 0 && (i = (0, import_node_path15.join)(r, i)), e.push(i || "/"), e;
}, []);
var yi = class {
  #t = /* @__PURE__ */ new Map();
  #i = /* @__PURE__ */ new Map();
  #s = /* @__PURE__ */ new Set();
  reserve(t, e) {
    t = ao ? ["win32 parallelization disabled"] : t.map((r) => mt((0, import_node_path15.join)(Tr(r))));
    let i = new Set(t.map((r) => lo(r)).reduce((r, n) => r.concat(n)));
    this.#i.set(e, { dirs: i, paths: t });
    for (let r of t) {
      let n = this.#t.get(r);
      n ? n.push(e) : this.#t.set(r, [e]);
    }
    for (let r of i) {
      let n = this.#t.get(r);
      if (!n) this.#t.set(r, [/* @__PURE__ */ new Set([e])]);
      else {
        let o = n.at(-1);
        o instanceof Set ? o.add(e) : n.push(/* @__PURE__ */ new Set([e]));
      }
    }
    return this.#r(e);
  }
  #n(t) {
    let e = this.#i.get(t);
    if (!e) throw new Error("function does not have any path reservations");
    return { paths: e.paths.map((i) => this.#t.get(i)), dirs: [...e.dirs].map((i) => this.#t.get(i)) };
  }
  check(t) {
    let { paths: e, dirs: i } = this.#n(t);
    return e.every((r) => r && r[0] === t) && i.every((r) => r && r[0] instanceof Set && r[0].has(t));
  }
  #r(t) {
    return this.#s.has(t) || !this.check(t) ? false : (this.#s.add(t), t(() => this.#e(t)), true);
  }
  #e(t) {
    if (!this.#s.has(t)) return false;
    let e = this.#i.get(t);
    if (!e) throw new Error("invalid reservation");
    let { paths: i, dirs: r } = e, n = /* @__PURE__ */ new Set();
    for (let o of i) {
      let h = this.#t.get(o);
      if (!h || h?.[0] !== t) continue;
      let a = h[1];
      if (!a) {
        this.#t.delete(o);
        continue;
      }
      if (h.shift(), typeof a == "function") n.add(a);
      else for (let l of a) n.add(l);
    }
    for (let o of r) {
      let h = this.#t.get(o), a = h?.[0];
      if (!(!h || !(a instanceof Set))) if (a.size === 1 && h.length === 1) {
        this.#t.delete(o);
        continue;
      } else if (a.size === 1) {
        h.shift();
        let l = h[0];
        typeof l == "function" && n.add(l);
      } else a.delete(t);
    }
    return this.#s.delete(t), n.forEach((o) => this.#r(o)), true;
  }
};
var Lr = () => process.umask();
var Dr = /* @__PURE__ */ Symbol("onEntry");
var _s = /* @__PURE__ */ Symbol("checkFs");
var Nr = /* @__PURE__ */ Symbol("checkFs2");
var Os = /* @__PURE__ */ Symbol("isReusable");
var P = /* @__PURE__ */ Symbol("makeFs");
var Ts = /* @__PURE__ */ Symbol("file");
var xs = /* @__PURE__ */ Symbol("directory");
var gi = /* @__PURE__ */ Symbol("link");
var Ar = /* @__PURE__ */ Symbol("symlink");
var Ir = /* @__PURE__ */ Symbol("hardlink");
var Re = /* @__PURE__ */ Symbol("ensureNoSymlink");
var Cr = /* @__PURE__ */ Symbol("unsupported");
var Fr = /* @__PURE__ */ Symbol("checkPath");
var Rs = /* @__PURE__ */ Symbol("stripAbsolutePath");
var yt = /* @__PURE__ */ Symbol("mkdir");
var O = /* @__PURE__ */ Symbol("onError");
var Ri = /* @__PURE__ */ Symbol("pending");
var kr = /* @__PURE__ */ Symbol("pend");
var $t = /* @__PURE__ */ Symbol("unpend");
var gs = /* @__PURE__ */ Symbol("ended");
var bs = /* @__PURE__ */ Symbol("maybeClose");
var Ls = /* @__PURE__ */ Symbol("skip");
var ge = /* @__PURE__ */ Symbol("doChown");
var be = /* @__PURE__ */ Symbol("uid");
var _e = /* @__PURE__ */ Symbol("gid");
var Oe = /* @__PURE__ */ Symbol("checkedCwd");
var fo = process.env.TESTING_TAR_FAKE_PLATFORM || process.platform;
var Te = fo === "win32";
var uo = 1024;
var mo = (s3, t) => {
  if (!Te) return import_node_fs8.default.unlink(s3, t);
  let e = s3 + ".DELETE." + (0, import_node_crypto2.randomBytes)(16).toString("hex");
  import_node_fs8.default.rename(s3, e, (i) => {
    if (i) return t(i);
    import_node_fs8.default.unlink(e, t);
  });
};
var po = (s3) => {
  if (!Te) return import_node_fs8.default.unlinkSync(s3);
  let t = s3 + ".DELETE." + (0, import_node_crypto2.randomBytes)(16).toString("hex");
  import_node_fs8.default.renameSync(s3, t), import_node_fs8.default.unlinkSync(t);
};
var vr = (s3, t, e) => s3 !== void 0 && s3 === s3 >>> 0 ? s3 : t !== void 0 && t === t >>> 0 ? t : e;
var Xt = class extends rt {
  [gs] = false;
  [Oe] = false;
  [Ri] = 0;
  reservations = new yi();
  transform;
  writable = true;
  readable = false;
  uid;
  gid;
  setOwner;
  preserveOwner;
  processGid;
  processUid;
  maxDepth;
  forceChown;
  win32;
  newer;
  keep;
  noMtime;
  preservePaths;
  unlink;
  cwd;
  strip;
  processUmask;
  umask;
  dmode;
  fmode;
  chmod;
  constructor(t = {}) {
    if (t.ondone = () => {
      this[gs] = true, this[bs]();
    }, super(t), this.transform = t.transform, this.chmod = !!t.chmod, typeof t.uid == "number" || typeof t.gid == "number") {
      if (typeof t.uid != "number" || typeof t.gid != "number") throw new TypeError("cannot set owner without number uid and gid");
      if (t.preserveOwner) throw new TypeError("cannot preserve owner in archive and also set owner explicitly");
      this.uid = t.uid, this.gid = t.gid, this.setOwner = true;
    } else this.uid = void 0, this.gid = void 0, this.setOwner = false;
    this.preserveOwner = t.preserveOwner === void 0 && typeof t.uid != "number" ? process.getuid?.() === 0 : !!t.preserveOwner, this.processUid = (this.preserveOwner || this.setOwner) && process.getuid ? process.getuid() : void 0, this.processGid = (this.preserveOwner || this.setOwner) && process.getgid ? process.getgid() : void 0, this.maxDepth = typeof t.maxDepth == "number" ? t.maxDepth : uo, this.forceChown = t.forceChown === true, this.win32 = !!t.win32 || Te, this.newer = !!t.newer, this.keep = !!t.keep, this.noMtime = !!t.noMtime, this.preservePaths = !!t.preservePaths, this.unlink = !!t.unlink, this.cwd = f(import_node_path12.default.resolve(t.cwd || process.cwd())), this.strip = Number(t.strip) || 0, this.processUmask = this.chmod ? typeof t.processUmask == "number" ? t.processUmask : Lr() : 0, this.umask = typeof t.umask == "number" ? t.umask : this.processUmask, this.dmode = t.dmode || 511 & ~this.umask, this.fmode = t.fmode || 438 & ~this.umask, this.on("entry", (e) => this[Dr](e));
  }
  warn(t, e, i = {}) {
    return (t === "TAR_BAD_ARCHIVE" || t === "TAR_ABORT") && (i.recoverable = false), super.warn(t, e, i);
  }
  [bs]() {
    this[gs] && this[Ri] === 0 && (this.emit("prefinish"), this.emit("finish"), this.emit("end"));
  }
  [Rs](t, e) {
    let i = t[e], { type: r } = t;
    if (!i || this.preservePaths) return true;
    let [n, o] = ce(i), h = o.replaceAll(/\\/g, "/").split("/");
    if (h.includes("..") || Te && /^[a-z]:\.\.$/i.test(h[0] ?? "")) {
      if (e === "path" || r === "Link") return this.warn("TAR_ENTRY_ERROR", `${e} contains '..'`, { entry: t, [e]: i }), false;
      let a = import_node_path12.default.posix.dirname(t.path), l = import_node_path12.default.posix.normalize(import_node_path12.default.posix.join(a, h.join("/")));
      if (l.startsWith("../") || l === "..") return this.warn("TAR_ENTRY_ERROR", `${e} escapes extraction directory`, { entry: t, [e]: i }), false;
    }
    return n && (t[e] = String(o), this.warn("TAR_ENTRY_INFO", `stripping ${n} from absolute ${e}`, { entry: t, [e]: i })), true;
  }
  [Fr](t) {
    let e = f(t.path), i = e.split("/");
    if (this.strip) {
      if (i.length < this.strip) return false;
      if (t.type === "Link") {
        let r = f(String(t.linkpath)).split("/");
        if (r.length >= this.strip) t.linkpath = r.slice(this.strip).join("/");
        else return false;
      }
      i.splice(0, this.strip), t.path = i.join("/");
    }
    if (isFinite(this.maxDepth) && i.length > this.maxDepth) return this.warn("TAR_ENTRY_ERROR", "path excessively deep", { entry: t, path: e, depth: i.length, maxDepth: this.maxDepth }), false;
    if (!this[Rs](t, "path") || !this[Rs](t, "linkpath")) return false;
    if (t.absolute = import_node_path12.default.isAbsolute(t.path) ? f(import_node_path12.default.resolve(t.path)) : f(import_node_path12.default.resolve(this.cwd, t.path)), !this.preservePaths && typeof t.absolute == "string" && t.absolute.indexOf(this.cwd + "/") !== 0 && t.absolute !== this.cwd) return this.warn("TAR_ENTRY_ERROR", "path escaped extraction target", { entry: t, path: f(t.path), resolvedPath: t.absolute, cwd: this.cwd }), false;
    if (t.absolute === this.cwd && t.type !== "Directory" && t.type !== "GNUDumpDir") return false;
    if (this.win32) {
      let { root: r } = import_node_path12.default.win32.parse(String(t.absolute));
      t.absolute = r + ts(String(t.absolute).slice(r.length));
      let { root: n } = import_node_path12.default.win32.parse(t.path);
      t.path = n + ts(t.path.slice(n.length));
    }
    return true;
  }
  [Dr](t) {
    if (!this[Fr](t)) return t.resume();
    switch (import_node_assert.default.equal(typeof t.absolute, "string"), t.type) {
      case "Directory":
      case "GNUDumpDir":
        t.mode && (t.mode = t.mode | 448);
      case "File":
      case "OldFile":
      case "ContiguousFile":
      case "Link":
      case "SymbolicLink":
        return this[_s](t);
      default:
        return this[Cr](t);
    }
  }
  [O](t, e) {
    t.name === "CwdError" ? this.emit("error", t) : (this.warn("TAR_ENTRY_ERROR", t, { entry: e }), this[$t](), e.resume());
  }
  [yt](t, e, i) {
    gr(f(t), { uid: this.uid, gid: this.gid, processUid: this.processUid, processGid: this.processGid, umask: this.processUmask, preserve: this.preservePaths, unlink: this.unlink, cwd: this.cwd, mode: e }, i);
  }
  [ge](t) {
    return this.forceChown || this.preserveOwner && (typeof t.uid == "number" && t.uid !== this.processUid || typeof t.gid == "number" && t.gid !== this.processGid) || typeof this.uid == "number" && this.uid !== this.processUid || typeof this.gid == "number" && this.gid !== this.processGid;
  }
  [be](t) {
    return vr(this.uid, t.uid, this.processUid);
  }
  [_e](t) {
    return vr(this.gid, t.gid, this.processGid);
  }
  [Ts](t, e) {
    let i = typeof t.mode == "number" ? t.mode & 4095 : this.fmode, r = new et(String(t.absolute), { flags: ms(t.size), mode: i, autoClose: false });
    r.on("error", (a) => {
      r.fd && import_node_fs8.default.close(r.fd, () => {
      }), r.write = () => true, this[O](a, t), e();
    });
    let n = 1, o = (a) => {
      if (a) {
        r.fd && import_node_fs8.default.close(r.fd, () => {
        }), this[O](a, t), e();
        return;
      }
      --n === 0 && r.fd !== void 0 && import_node_fs8.default.close(r.fd, (l) => {
        l ? this[O](l, t) : this[$t](), e();
      });
    };
    r.on("finish", () => {
      let a = String(t.absolute), l = r.fd;
      if (typeof l == "number" && t.mtime && !this.noMtime) {
        n++;
        let c = t.atime || /* @__PURE__ */ new Date(), d = t.mtime;
        import_node_fs8.default.futimes(l, c, d, (y) => y ? import_node_fs8.default.utimes(a, c, d, (T) => o(T && y)) : o());
      }
      if (typeof l == "number" && this[ge](t)) {
        n++;
        let c = this[be](t), d = this[_e](t);
        typeof c == "number" && typeof d == "number" && import_node_fs8.default.fchown(l, c, d, (y) => y ? import_node_fs8.default.chown(a, c, d, (T) => o(T && y)) : o());
      }
      o();
    });
    let h = this.transform && this.transform(t) || t;
    h !== t && (h.on("error", (a) => {
      this[O](a, t), e();
    }), t.pipe(h)), h.pipe(r);
  }
  [xs](t, e) {
    let i = typeof t.mode == "number" ? t.mode & 4095 : this.dmode;
    this[yt](String(t.absolute), i, (r) => {
      if (r) {
        this[O](r, t), e();
        return;
      }
      let n = 1, o = () => {
        --n === 0 && (e(), this[$t](), t.resume());
      };
      t.mtime && !this.noMtime && (n++, import_node_fs8.default.utimes(String(t.absolute), t.atime || /* @__PURE__ */ new Date(), t.mtime, o)), this[ge](t) && (n++, import_node_fs8.default.chown(String(t.absolute), Number(this[be](t)), Number(this[_e](t)), o)), o();
    });
  }
  [Cr](t) {
    t.unsupported = true, this.warn("TAR_ENTRY_UNSUPPORTED", `unsupported entry type: ${t.type}`, { entry: t }), t.resume();
  }
  [Ar](t, e) {
    let i = f(import_node_path12.default.relative(this.cwd, import_node_path12.default.resolve(import_node_path12.default.dirname(String(t.absolute)), String(t.linkpath)))).split("/");
    this[Re](t, this.cwd, i, () => this[gi](t, String(t.linkpath), "symlink", e), (r) => {
      this[O](r, t), e();
    });
  }
  [Ir](t, e) {
    let i = f(import_node_path12.default.resolve(this.cwd, String(t.linkpath))), r = f(String(t.linkpath)).split("/");
    this[Re](t, this.cwd, r, () => this[gi](t, i, "link", e), (n) => {
      this[O](n, t), e();
    });
  }
  [Re](t, e, i, r, n) {
    let o = i.shift();
    if (this.preservePaths || o === void 0) return r();
    let h = import_node_path12.default.resolve(e, o);
    import_node_fs8.default.lstat(h, (a, l) => {
      if (a) return r();
      if (l?.isSymbolicLink()) return n(new St(h, import_node_path12.default.resolve(h, i.join("/"))));
      this[Re](t, h, i, r, n);
    });
  }
  [kr]() {
    this[Ri]++;
  }
  [$t]() {
    this[Ri]--, this[bs]();
  }
  [Ls](t) {
    this[$t](), t.resume();
  }
  [Os](t, e) {
    return t.type === "File" && !this.unlink && e.isFile() && e.nlink <= 1 && !Te;
  }
  [_s](t) {
    this[kr]();
    let e = [t.path];
    t.linkpath && e.push(t.linkpath), this.reservations.reserve(e, (i) => this[Nr](t, i));
  }
  [Nr](t, e) {
    let i = (h) => {
      e(h);
    }, r = () => {
      this[yt](this.cwd, this.dmode, (h) => {
        if (h) {
          this[O](h, t), i();
          return;
        }
        this[Oe] = true, n();
      });
    }, n = () => {
      if (t.absolute !== this.cwd) {
        let h = f(import_node_path12.default.dirname(String(t.absolute)));
        if (h !== this.cwd) return this[yt](h, this.dmode, (a) => {
          if (a) {
            this[O](a, t), i();
            return;
          }
          o();
        });
      }
      o();
    }, o = () => {
      import_node_fs8.default.lstat(String(t.absolute), (h, a) => {
        if (a && (this.keep || this.newer && a.mtime > (t.mtime ?? a.mtime))) {
          this[Ls](t), i();
          return;
        }
        if (h || this[Os](t, a)) return this[P](null, t, i);
        if (a.isDirectory()) {
          if (t.type === "Directory") {
            let l = this.chmod && t.mode && (a.mode & 4095) !== t.mode, c = (d) => this[P](d ?? null, t, i);
            return l ? import_node_fs8.default.chmod(String(t.absolute), Number(t.mode), c) : c();
          }
          if (t.absolute !== this.cwd) return import_node_fs8.default.rmdir(String(t.absolute), (l) => this[P](l ?? null, t, i));
        }
        if (t.absolute === this.cwd) return this[P](null, t, i);
        mo(String(t.absolute), (l) => this[P](l ?? null, t, i));
      });
    };
    this[Oe] ? n() : r();
  }
  [P](t, e, i) {
    if (t) {
      this[O](t, e), i();
      return;
    }
    switch (e.type) {
      case "File":
      case "OldFile":
      case "ContiguousFile":
        return this[Ts](e, i);
      case "Link":
        return this[Ir](e, i);
      case "SymbolicLink":
        return this[Ar](e, i);
      case "Directory":
      case "GNUDumpDir":
        return this[xs](e, i);
    }
  }
  [gi](t, e, i, r) {
    import_node_fs8.default[i](e, String(t.absolute), (n) => {
      n ? this[O](n, t) : (this[$t](), t.resume()), r();
    });
  }
};
var ye = (s3) => {
  try {
    return [null, s3()];
  } catch (t) {
    return [t, null];
  }
};
var xe = class extends Xt {
  sync = true;
  [P](t, e) {
    return super[P](t, e, () => {
    });
  }
  [_s](t) {
    if (!this[Oe]) {
      let n = this[yt](this.cwd, this.dmode);
      if (n) return this[O](n, t);
      this[Oe] = true;
    }
    if (t.absolute !== this.cwd) {
      let n = f(import_node_path12.default.dirname(String(t.absolute)));
      if (n !== this.cwd) {
        let o = this[yt](n, this.dmode);
        if (o) return this[O](o, t);
      }
    }
    let [e, i] = ye(() => import_node_fs8.default.lstatSync(String(t.absolute)));
    if (i && (this.keep || this.newer && i.mtime > (t.mtime ?? i.mtime))) return this[Ls](t);
    if (e || this[Os](t, i)) return this[P](null, t);
    if (i.isDirectory()) {
      if (t.type === "Directory") {
        let o = this.chmod && t.mode && (i.mode & 4095) !== t.mode, [h] = o ? ye(() => {
          import_node_fs8.default.chmodSync(String(t.absolute), Number(t.mode));
        }) : [];
        return this[P](h, t);
      }
      let [n] = ye(() => import_node_fs8.default.rmdirSync(String(t.absolute)));
      this[P](n, t);
    }
    let [r] = t.absolute === this.cwd ? [] : ye(() => po(String(t.absolute)));
    this[P](r, t);
  }
  [Ts](t, e) {
    let i = typeof t.mode == "number" ? t.mode & 4095 : this.fmode, r = (h) => {
      let a;
      try {
        import_node_fs8.default.closeSync(n);
      } catch (l) {
        a = l;
      }
      (h || a) && this[O](h || a, t), e();
    }, n;
    try {
      n = import_node_fs8.default.openSync(String(t.absolute), ms(t.size), i);
    } catch (h) {
      return r(h);
    }
    let o = this.transform && this.transform(t) || t;
    o !== t && (o.on("error", (h) => this[O](h, t)), t.pipe(o)), o.on("data", (h) => {
      try {
        import_node_fs8.default.writeSync(n, h, 0, h.length);
      } catch (a) {
        r(a);
      }
    }), o.on("end", () => {
      let h = null;
      if (t.mtime && !this.noMtime) {
        let a = t.atime || /* @__PURE__ */ new Date(), l = t.mtime;
        try {
          import_node_fs8.default.futimesSync(n, a, l);
        } catch (c) {
          try {
            import_node_fs8.default.utimesSync(String(t.absolute), a, l);
          } catch {
            h = c;
          }
        }
      }
      if (this[ge](t)) {
        let a = this[be](t), l = this[_e](t);
        try {
          import_node_fs8.default.fchownSync(n, Number(a), Number(l));
        } catch (c) {
          try {
            import_node_fs8.default.chownSync(String(t.absolute), Number(a), Number(l));
          } catch {
            h = h || c;
          }
        }
      }
      r(h);
    });
  }
  [xs](t, e) {
    let i = typeof t.mode == "number" ? t.mode & 4095 : this.dmode, r = this[yt](String(t.absolute), i);
    if (r) {
      this[O](r, t), e();
      return;
    }
    if (t.mtime && !this.noMtime) try {
      import_node_fs8.default.utimesSync(String(t.absolute), t.atime || /* @__PURE__ */ new Date(), t.mtime);
    } catch {
    }
    if (this[ge](t)) try {
      import_node_fs8.default.chownSync(String(t.absolute), Number(this[be](t)), Number(this[_e](t)));
    } catch {
    }
    e(), t.resume();
  }
  [yt](t, e) {
    try {
      return _r(f(t), { uid: this.uid, gid: this.gid, processUid: this.processUid, processGid: this.processGid, umask: this.processUmask, preserve: this.preservePaths, unlink: this.unlink, cwd: this.cwd, mode: e });
    } catch (i) {
      return i;
    }
  }
  [Re](t, e, i, r, n) {
    if (this.preservePaths || i.length === 0) return r();
    let o = e;
    for (let h of i) {
      o = import_node_path12.default.resolve(o, h);
      let [a, l] = ye(() => import_node_fs8.default.lstatSync(o));
      if (a) return r();
      if (l.isSymbolicLink()) return n(new St(o, import_node_path12.default.resolve(e, i.join("/"))));
    }
    r();
  }
  [gi](t, e, i, r) {
    let n = `${i}Sync`;
    try {
      import_node_fs8.default[n](e, String(t.absolute)), r(), t.resume();
    } catch (o) {
      return this[O](o, t);
    }
  }
};
var Eo = (s3) => {
  let t = new xe(s3), e = s3.file, i = import_node_fs7.default.statSync(e), r = s3.maxReadSize || 16 * 1024 * 1024;
  new Be(e, { readSize: r, size: i.size }).pipe(t);
};
var wo = (s3, t) => {
  let e = new Xt(s3), i = s3.maxReadSize || 16 * 1024 * 1024, r = s3.file;
  return new Promise((o, h) => {
    e.on("error", h), e.on("close", o), import_node_fs7.default.stat(r, (a, l) => {
      if (a) h(a);
      else {
        let c = new _t(r, { readSize: i, size: l.size });
        c.on("error", h), c.pipe(e);
      }
    });
  });
};
var So = K(Eo, wo, (s3) => new xe(s3), (s3) => new Xt(s3), (s3, t) => {
  t?.length && Qi(s3, t);
});
var yo = (s3, t) => {
  let e = new kt(s3), i = true, r, n;
  try {
    try {
      r = import_node_fs11.default.openSync(s3.file, "r+");
    } catch (a) {
      if (a?.code === "ENOENT") r = import_node_fs11.default.openSync(s3.file, "w+");
      else throw a;
    }
    let o = import_node_fs11.default.fstatSync(r), h = Buffer.alloc(512);
    t: for (n = 0; n < o.size; n += 512) {
      for (let c = 0, d = 0; c < 512; c += d) {
        if (d = import_node_fs11.default.readSync(r, h, c, h.length - c, n + c), n === 0 && h[0] === 31 && h[1] === 139) throw new Error("cannot append to compressed archives");
        if (!d) break t;
      }
      let a = new F(h);
      if (!a.cksumValid) break;
      let l = 512 * Math.ceil((a.size || 0) / 512);
      if (n + l + 512 > o.size) break;
      n += l, s3.mtimeCache && a.mtime && s3.mtimeCache.set(String(a.path), a.mtime);
    }
    i = false, Ro(s3, e, n, r, t);
  } finally {
    if (i) try {
      import_node_fs11.default.closeSync(r);
    } catch {
    }
  }
};
var Ro = (s3, t, e, i, r) => {
  let n = new Wt(s3.file, { fd: i, start: e });
  t.pipe(n), bo(t, r);
};
var go = (s3, t) => {
  t = Array.from(t);
  let e = new wt(s3), i = (n, o, h) => {
    let a = (T, D) => {
      T ? import_node_fs11.default.close(n, (E) => h(T)) : h(null, D);
    }, l = 0;
    if (o === 0) return a(null, 0);
    let c = 0, d = Buffer.alloc(512), y = (T, D) => {
      if (T || D === void 0) return a(T);
      if (c += D, c < 512 && D) return import_node_fs11.default.read(n, d, c, d.length - c, l + c, y);
      if (l === 0 && d[0] === 31 && d[1] === 139) return a(new Error("cannot append to compressed archives"));
      if (c < 512) return a(null, l);
      let E = new F(d);
      if (!E.cksumValid) return a(null, l);
      let x = 512 * Math.ceil((E.size ?? 0) / 512);
      if (l + x + 512 > o || (l += x + 512, l >= o)) return a(null, l);
      s3.mtimeCache && E.mtime && s3.mtimeCache.set(String(E.path), E.mtime), c = 0, import_node_fs11.default.read(n, d, 0, 512, l, y);
    };
    import_node_fs11.default.read(n, d, 0, 512, l, y);
  };
  return new Promise((n, o) => {
    e.on("error", o);
    let h = "r+", a = (l, c) => {
      if (l && l.code === "ENOENT" && h === "r+") return h = "w+", import_node_fs11.default.open(s3.file, h, a);
      if (l || !c) return o(l);
      import_node_fs11.default.fstat(c, (d, y) => {
        if (d) return import_node_fs11.default.close(c, () => o(d));
        i(c, y.size, (T, D) => {
          if (T) return o(T);
          let E = new et(s3.file, { fd: c, start: D });
          e.pipe(E), E.on("error", o), E.on("close", n), _o(e, t);
        });
      });
    };
    import_node_fs11.default.open(s3.file, h, a);
  });
};
var bo = (s3, t) => {
  t.forEach((e) => {
    e.charAt(0) === "@" ? Ct({ file: import_node_path16.default.resolve(s3.cwd, e.slice(1)), sync: true, noResume: true, onReadEntry: (i) => s3.add(i) }) : s3.add(e);
  }), s3.end();
};
var _o = async (s3, t) => {
  for (let e of t) e.charAt(0) === "@" ? await Ct({ file: import_node_path16.default.resolve(String(s3.cwd), e.slice(1)), noResume: true, onReadEntry: (i) => s3.add(i) }) : s3.add(e);
  s3.end();
};
var vt = K(yo, go, () => {
  throw new TypeError("file is required");
}, () => {
  throw new TypeError("file is required");
}, (s3, t) => {
  if (!Bs(s3)) throw new TypeError("file is required");
  if (s3.gzip || s3.brotli || s3.zstd || s3.file.endsWith(".br") || s3.file.endsWith(".tbr")) throw new TypeError("cannot append to compressed archives");
  if (!t?.length) throw new TypeError("no paths specified to add/replace");
});
var Oo = K(vt.syncFile, vt.asyncFile, vt.syncNoFile, vt.asyncNoFile, (s3, t = []) => {
  vt.validate?.(s3, t), To(s3);
});
var To = (s3) => {
  let t = s3.filter;
  s3.mtimeCache || (s3.mtimeCache = /* @__PURE__ */ new Map()), s3.filter = t ? (e, i) => t(e, i) && !((s3.mtimeCache?.get(e) ?? i.mtime ?? 0) > (i.mtime ?? 0)) : (e, i) => !((s3.mtimeCache?.get(e) ?? i.mtime ?? 0) > (i.mtime ?? 0));
};

// src/adapters/tar-safe.ts
function unsafeEntry(path, type, linkpath, strip) {
  const parts = path.replaceAll("\\", "/").split("/");
  if (path.startsWith("/") || /^[a-zA-Z]:/.test(path)) return "an absolute path";
  if (parts.includes("..")) return "a '..' component";
  if ((type === "SymbolicLink" || type === "Link") && linkpath !== void 0) {
    if (linkpath.startsWith("/")) return `a link to the absolute path ${linkpath}`;
    const inside = parts.slice(strip).join("/");
    const target = type === "Link" ? import_node_path17.posix.normalize(linkpath.split("/").slice(strip).join("/")) : import_node_path17.posix.normalize(import_node_path17.posix.join(import_node_path17.posix.dirname(inside), linkpath));
    if (target === ".." || target.startsWith("../")) return `a link that leads out (${linkpath})`;
  }
  return void 0;
}
async function extractSafely(options) {
  const strip = options.strip ?? 0;
  const refused = [];
  let extracted = 0;
  await So({
    file: options.file,
    cwd: options.cwd,
    strip,
    strict: true,
    filter: (path, entry) => {
      const e = entry;
      const why = unsafeEntry(path, e.type, e.linkpath, strip);
      if (why) {
        refused.push(`${path}: ${why}`);
        return false;
      }
      const inside = path.split("/").slice(strip).join("/");
      if (!inside || options.include && !options.include(inside)) return false;
      extracted++;
      return true;
    }
  });
  if (refused.length) {
    throw new InputError(`${options.file}: refusing entries that would write outside ${options.cwd}:
  ${refused.slice(0, 20).join("\n  ")}`);
  }
  return extracted;
}

// src/pipeline/audit.ts
var AUDITED = /^([^/]+\.ya?ml|playbooks\/[^/]+\.ya?ml|contrib\/offline\/[^/]+)$|^roles\/(.+\/)?(defaults|vars|meta|tasks|templates)\//;
async function extractAuditedTree(tarball, dir) {
  await (0, import_promises6.mkdir)(dir, { recursive: true });
  await extractSafely({ file: tarball, cwd: dir, strip: 1, include: (path) => AUDITED.test(path) });
}
async function treeReferences(options) {
  const scratch = options.treeDir ? void 0 : await (0, import_promises6.mkdtemp)((0, import_node_path18.join)((0, import_node_os2.tmpdir)(), "kubespray-extras-"));
  try {
    let treeDir = options.treeDir;
    if (!treeDir) {
      treeDir = (0, import_node_path18.join)(scratch, "tree");
      await extractAuditedTree(options.tarball ?? "", treeDir);
    }
    const request = { bundleDir: "", extraVars: options.extraVars, inventories: options.inventories, hostMachine: options.hostMachine, cwd: options.cwd };
    const asBuilt = { extraVars: {}, kubeVersion: options.kubeVersion };
    return referencesByArch(request, asBuilt, treeDir, [...options.arches]).entries;
  } finally {
    if (scratch) await (0, import_promises6.rm)(scratch, { recursive: true, force: true });
  }
}
function referencesByArch(request, manifest, treeDir, arches) {
  const tree = readKubesprayTree(treeDir);
  const files = readTreeTexts(treeDir);
  const bundleVars = JSON.stringify({ ...manifest.extraVars ?? {}, kube_version: manifest.kubeVersion });
  const extraVars = [bundleVars, ...request.extraVars ?? []];
  const defaultsOrigins = new Set(tree.roleDefaults.map((l) => l.origin));
  const extraOrigins = /* @__PURE__ */ new Set([...extraVars.map((a) => a.trim().startsWith("@") ? a.trim().slice(1) : "extra vars (-e)"), "magic variables", "--arch"]);
  const merged = /* @__PURE__ */ new Map();
  const warnings = /* @__PURE__ */ new Set();
  for (const arch of arches) {
    const listsRequest = {
      kubesprayDir: treeDir,
      outDir: treeDir,
      extraVars,
      inventories: request.inventories ?? [],
      arch,
      hostMachine: request.hostMachine,
      cwd: request.cwd,
      environment: request.environment
    };
    const variables = composeVariables(listsRequest, tree);
    const kubeadm = kubeadmReferences(tree, variables, request);
    const found = findReferences({
      files,
      variables: asEveryNode(variables),
      isDefaultsOrigin: (origin) => defaultsOrigins.has(origin),
      isAboveRoleVars: (origin) => extraOrigins.has(origin),
      templar: { environment: request.environment }
    });
    for (const w2 of found.warnings) warnings.add(w2);
    for (const reference of [...found.references, ...kubeadm]) {
      const key = referenceKey(reference);
      const known = merged.get(key);
      if (!known) merged.set(key, { reference, arches: [arch] });
      else {
        known.arches.push(arch);
        if (rank(reference.enabled.state) > rank(known.reference.enabled.state)) known.reference = reference;
      }
    }
  }
  return { entries: [...merged.values()].map(({ reference, arches: on }) => toEntry(reference, on)), warnings: [...warnings] };
}
function kubeadmReferences(tree, variables, request) {
  let images;
  try {
    const templar = new Templar(variables, { environment: request.environment });
    images = roleDownloads(templar, tree.kubeImageLine, tree.kubeImages, tree.downloadYml.path).images;
  } catch {
    return [];
  }
  const enabled = { state: "yes", because: "kubeadm config images list, run by the download role on the control plane" };
  return images.filter((i) => i.wantedBy.variable === "kubeadm_images").map((i) => ({
    kind: "image",
    value: i.ref,
    enabled,
    sources: [{ role: "download", file: "roles/download/tasks/prep_kubeadm_images.yml", variable: "kubeadm_images", expression: tree.kubeImageLine.replace("$i", i.component.replace(/^kubeadm_/, "")), enabled }]
  }));
}
var NODE_GROUPS = ["etcd", "k8s_cluster", "kube_control_plane", "kube_node"];
function asEveryNode(variables) {
  const host = pyStr(variables.get("inventory_hostname")?.value ?? "localhost");
  const groups = variables.get("groups")?.value;
  const merged = new Map(groups instanceof Map ? groups : []);
  for (const group of [...NODE_GROUPS, "all"]) {
    const members = merged.get(group);
    const list = Array.isArray(members) ? members.filter((m2) => m2 !== host) : [];
    merged.set(group, [host, ...list]);
  }
  const current = variables.get("group_names")?.value;
  const names = [.../* @__PURE__ */ new Set([...Array.isArray(current) ? current.map((v2) => pyStr(v2)) : [], ...NODE_GROUPS])].sort();
  variables.set("groups", { value: merged, origin: "magic variables" });
  variables.set("group_names", { value: names, origin: "magic variables" });
  return variables;
}
function readTreeTexts(root) {
  const files = /* @__PURE__ */ new Map();
  const walk = (dir) => {
    for (const name of (0, import_node_fs12.readdirSync)(dir).sort()) {
      const full = (0, import_node_path18.join)(dir, name);
      const info = (0, import_node_fs12.lstatSync)(full);
      if (info.isDirectory()) walk(full);
      else if (info.isFile() && info.size < 1 << 20) {
        const path = (0, import_node_path18.relative)(root, full).split("\\").join("/");
        if (/^(roles|playbooks)\//.test(path) || /^[^/]+\.ya?ml$/.test(path)) files.set(path, (0, import_node_fs12.readFileSync)(full, "utf8"));
      }
    }
  };
  for (const top of (0, import_node_fs12.readdirSync)(root)) {
    const full = (0, import_node_path18.join)(root, top);
    const info = (0, import_node_fs12.lstatSync)(full);
    if (info.isDirectory() && (top === "roles" || top === "playbooks")) walk(full);
    else if (info.isFile() && /\.ya?ml$/.test(top)) files.set(top, (0, import_node_fs12.readFileSync)(full, "utf8"));
  }
  return files;
}
function referenceKey(r) {
  return `${r.kind}\0${r.value ?? `?${r.sources[0].expression}`}`;
}
var rank = (s3) => ({ no: 0, unknown: 1, yes: 2 })[s3];
function toEntry(reference, arches) {
  const sources = reference.sources.map((s3) => ({ role: s3.role, file: s3.file, ...s3.line ? { line: s3.line } : {}, variable: s3.variable, expression: s3.expression }));
  const deciding = reference.sources.find((s3) => s3.enabled.state === reference.enabled.state) ?? reference.sources[0];
  const ordered = [sources[reference.sources.indexOf(deciding)], ...sources.filter((_2, i) => reference.sources[i] !== deciding)];
  return {
    kind: reference.kind,
    reference: reference.value ?? deciding.expression,
    rendered: reference.value !== void 0,
    ...reference.problem ? { problem: reference.problem } : {},
    arches,
    enabled: reference.enabled.state,
    because: reference.enabled.because,
    sources: ordered,
    ...reference.chart ? { chart: reference.chart } : {}
  };
}

// src/adapters/chart-archive.ts
var import_node_fs13 = require("node:fs");
var MAX_TEXT_BYTES = 4 << 20;
var MAX_EXPANDED_BYTES = 256 << 20;
function readChartTexts(archive) {
  return new Promise((resolve5, reject) => {
    const out = {};
    let expanded2 = 0;
    let settled = false;
    const input = (0, import_node_fs13.createReadStream)(archive);
    const finish = (error) => {
      if (settled) return;
      settled = true;
      input.destroy();
      if (error) reject(error);
      else resolve5(out);
    };
    const parser = new rt({
      onReadEntry: (entry) => {
        expanded2 += entry.size ?? 0;
        if (expanded2 > MAX_EXPANDED_BYTES) return finish(new Error(`expands past ${MAX_EXPANDED_BYTES >> 20} MiB; not a chart Kubespray installs`));
        const parts = entry.path.replace(/^\.\//, "").split("/");
        const key = entry.type === "File" && parts.length === 2 ? { "Chart.yaml": "chartYaml", "values.yaml": "valuesYaml" }[parts[1]] : void 0;
        if (!key || out[key] !== void 0) return entry.resume();
        if ((entry.size ?? 0) > MAX_TEXT_BYTES) return finish(new Error(`${entry.path} is larger than ${MAX_TEXT_BYTES >> 20} MiB; not a chart Kubespray installs`));
        const chunks = [];
        entry.on("data", (c) => chunks.push(c));
        entry.on("end", () => {
          out[key] = Buffer.concat(chunks).toString("utf8");
          if (out.chartYaml !== void 0 && out.valuesYaml !== void 0) finish();
        });
      }
    });
    parser.on("error", (e) => finish(e));
    parser.on("end", () => finish());
    input.on("error", (e) => finish(e));
    input.pipe(parser);
  });
}

// src/domain/helm/values.ts
var jsYaml = lazyRequire("js-yaml");
function parseValues(text3, origin) {
  let doc;
  try {
    doc = jsYaml().load(text3, { schema: jsYaml().CORE_SCHEMA, filename: origin });
  } catch (e) {
    throw new Error(`${origin}: not YAML (${e.message.split("\n")[0]})`);
  }
  if (doc === void 0 || doc === null) return {};
  if (!isRecord(doc)) throw new Error(`${origin}: chart values must be a mapping`);
  return expanded(doc, origin);
}
var MAX_VALUES_NODES = 2e5;
function expanded(doc, origin) {
  let nodes = 0;
  const copy = (v2) => {
    if (++nodes > MAX_VALUES_NODES) throw new Error(`${origin}: expands to more than ${MAX_VALUES_NODES} nodes (YAML aliases); not a chart's values`);
    if (Array.isArray(v2)) return v2.map(copy);
    if (isRecord(v2)) return Object.fromEntries(Object.entries(v2).map(([k2, x]) => [k2, copy(x)]));
    return v2;
  };
  return copy(doc);
}
function mergeValues(defaults, override) {
  const out = { ...defaults };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else if (isRecord(value) && isRecord(out[key])) out[key] = mergeValues(out[key], value);
    else out[key] = value;
  }
  return out;
}
function isRecord(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function digestPinsOff(values) {
  const walk = (value) => {
    if (!isRecord(value)) return void 0;
    const pinned = Object.entries(value).some(([k2, d]) => (k2 === "digest" || k2.endsWith("Digest")) && typeof d === "string" && d.trim() !== "");
    if (value.useDigest === true && pinned) return { useDigest: false };
    const out = {};
    for (const [key, v2] of Object.entries(value)) {
      const inner = walk(v2);
      if (inner) out[key] = inner;
    }
    return Object.keys(out).length ? out : void 0;
  };
  return walk(values) ?? {};
}

// src/pipeline/offline-yml.ts
async function makeOfflineYml(request) {
  const { manifest, lists } = versionView(await readBundleManifest(request.bundleDir), request.kubespray);
  const filesUrl = request.filesUrl.replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+(\/.*)?$/.test(filesUrl)) throw new InputError(`--files-url ${request.filesUrl}: expected http://HOST:PORT`);
  if (!/^[\w.-]+(:\d+)?$/.test(request.registry)) throw new InputError(`--registry ${request.registry}: expected HOST:PORT (no scheme)`);
  const work = await ensureDirUnder(request.bundleDir, (0, import_node_path19.join)(STATE_DIR, "offline-yml"));
  const tree = await kubesprayTreeOf(manifest, request, work);
  const defaults = readKubesprayTree(tree).roleDefaults.flatMap((layer) => [...layer.vars.entries()].map(([k2, v2]) => [String(k2), v2]));
  const bundleFiles = new Map(manifest.files.map((f2) => [f2.url, f2.path.slice("files/".length)]));
  const bundleImages = await layoutImages(request.bundleDir);
  const overrides = { files_repo: filesUrl, registry_host: request.registry };
  if (manifest.layout === "original-host") {
    for (const root of urlRoots(defaults)) overrides[root.name] = `{{ files_repo }}/${rootPathOf(manifest.extraVars?.[root.name], root.host)}`;
  }
  for (const root of registryRoots(defaults)) overrides[root.name] = `{{ registry_host }}${registryPathOf(manifest.extraVars?.[root.name], root.path)}`;
  Object.assign(overrides, imageVariablesOutsideRoots(manifest, overrides));
  const { carried: kept, secret } = withoutRedacted(manifest);
  const carried = { ...kept, kube_version: manifest.kubeVersion };
  const chartVars = chartRepositoryVars(manifest, new Map(defaults));
  if (request.digestPins === false) Object.assign(chartVars, await chartValuesWithoutPins(request.bundleDir, manifest));
  Object.assign(overrides, chartVars);
  let vars = compose(carried, overrides);
  let gaps = await closedLoop(request, manifest, lists, tree, work, vars, filesUrl, bundleFiles, bundleImages);
  const perFile = {};
  const defaultOf = new Map(defaults);
  if (manifest.layout === "original-host") {
    for (const variable of gaps.components.keys()) {
      const moved = movedOrigin(defaultOf.get(variable));
      if (moved) perFile[variable] = moved;
    }
  }
  if (Object.keys(perFile).length) {
    vars = compose(carried, { ...overrides, ...perFile });
    gaps = await closedLoop(request, manifest, lists, tree, work, vars, filesUrl, bundleFiles, bundleImages);
  }
  for (const [variable, byArch] of gaps.components) {
    const url = perFileUrl(byArch);
    if (url) perFile[variable] = url;
  }
  if (gaps.components.size && Object.keys(perFile).length) {
    vars = compose(carried, { ...overrides, ...perFile });
    gaps = await closedLoop(request, manifest, lists, tree, work, vars, filesUrl, bundleFiles, bundleImages);
  }
  const chartGaps = await chartsClosedLoop(request, manifest, tree, work, vars, filesUrl);
  gaps.messages.push(...chartGaps.messages);
  for (const note of [...chartGaps.notes, ...chartVariableNotes(manifest, chartVars)]) gaps.unlisted.add(note);
  await (0, import_promises7.rm)(work, { recursive: true, force: true });
  if (gaps.messages.length) {
    throw new InputError(`with the generated variables, Kubespray would still fetch ${gaps.messages.length} thing(s) the bundle does not hold:
` + gaps.messages.map((m2) => `  ${m2}`).join("\n"));
  }
  const byName = pulledByName(manifest, overrides);
  const engine = String(manifest.extraVars?.container_manager ?? "containerd");
  const engineNote = byName.length && engine !== "containerd" ? [`container_manager is ${engine}: containerd_registries_mirrors does not reach it; mirror ${[...new Set(byName.map((i) => parseReference(i.line).registry))].join(", ")} to the bundle's registry in ${engine}'s own configuration (crio_registries for CRI-O).`] : [];
  const mustSupply = secret.filter((name) => !Object.hasOwn(overrides, name) && !Object.hasOwn(perFile, name));
  const secretNote = mustSupply.length ? [`Redacted when the bundle was built (secrets never travel in it): set ${mustSupply.join(", ")} yourself on this side (e.g. in a vault file).`] : [];
  const text3 = renderOfflineYml(
    [
      `Kubespray ${manifest.kubespray.tag ?? manifest.kubespray.spec} offline: files from ${filesUrl}, images from ${request.registry}.`,
      "Generated by kubespray-bundle offline-yml; checked by generating Kubespray's lists with it:",
      `every url is a file of the bundle, every image one of its layout (${manifest.arches.join(", ")}).`,
      "Put it in inventory/<name>/group_vars/all/offline.yml.",
      ...secretNote,
      ...engineNote
    ],
    [
      { comment: "Where the bundle is served", vars: { files_repo: filesUrl, registry_host: request.registry } },
      { comment: "Url roots and registries, pointed at the bundle", vars: withoutKeys(overrides, ["files_repo", "registry_host", ...Object.keys(chartVars)]) },
      { comment: `Helm chart repositories, served from the bundle's files/charts/${request.digestPins === false ? "; chart values pulling by tag, not by digest (--no-digest-pins)" : ""}`, vars: chartVars },
      { comment: "Files no root variable reaches", vars: perFile },
      {
        comment: `Registries that images are pulled from by name (${pullingRoles(byName).join(", ") || "none"}): containerd asks the bundle's registry (plain HTTP, as serve speaks; use https:// for a TLS registry)`,
        vars: registryMirrors(byName)
      },
      { comment: "What the bundle was built with (so the far side asks for the same things)", vars: withoutKeys(carried, Object.keys({ ...overrides, ...perFile })) }
    ]
  );
  const secretNotes = mustSupply.map((name) => `${name}: redacted in the bundle (a secret); supply it on this side, in group_vars or a vault file`);
  return { text: text3, vars, checked: gaps.checked, notes: [...secretNotes, ...engineNote, ...gaps.unlisted] };
}
function imageVariablesOutsideRoots(manifest, roots) {
  const out = {};
  for (const image of manifest.images) {
    const variable = image.wantedBy?.variable;
    if (!variable || image.wantedBy?.role === "download" || !/^\w+_image_repo$/.test(variable) || Object.hasOwn(roots, variable)) continue;
    out[variable] = `{{ registry_host }}/${parseReference(image.line).repository}`;
  }
  return out;
}
function chartRepositoryVars(manifest, defaults) {
  const out = {};
  for (const chart of manifest.charts ?? []) {
    const served = `{{ files_repo }}/${chart.index.slice("files/".length, -"/index.yaml".length)}`;
    const { variable, form } = chart.movedBy;
    if (form === "url") {
      out[variable] = served;
      continue;
    }
    const given = manifest.extraVars?.[variable] ?? defaults.get(variable) ?? "";
    const words = String(given).split(/\s+/).filter(Boolean);
    const kept = words.filter((w2, i) => !(w2 === "--repository" || w2.startsWith("--repository=") || i > 0 && words[i - 1] === "--repository"));
    out[variable] = [...kept, "--repository", served].join(" ");
  }
  return out;
}
async function chartValuesWithoutPins(bundleDir, manifest) {
  const out = {};
  for (const chart of manifest.charts ?? []) {
    const texts = await readChartTexts((0, import_node_path19.join)(bundleDir, chart.path));
    const off = digestPinsOff(texts.valuesYaml === void 0 ? {} : parseValues(texts.valuesYaml, `${chart.path} values.yaml`));
    if (!Object.keys(off).length) continue;
    if (!chart.valuesVariable) throw new InputError(`chart ${chart.name} ${chart.version} pins images by digest, and no variable passes it values: --no-digest-pins cannot turn them off; serve the bundle's registry instead, which keeps the digests`);
    out[chart.valuesVariable] = mergeValues(off, givenValues(manifest.extraVars?.[chart.valuesVariable], chart.valuesVariable));
  }
  return out;
}
function givenValues(given, variable) {
  let value = given;
  if (typeof given === "string") {
    try {
      value = JSON.parse(given);
    } catch {
      value = void 0;
    }
  }
  if (given === void 0 || given === null) return {};
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  throw new InputError(`${variable}: the bundle was built with a value that is no mapping (${JSON.stringify(given).slice(0, 80)}); --no-digest-pins cannot add to it`);
}
async function chartsClosedLoop(request, manifest, tree, work, vars, filesUrl) {
  const varsFile = (0, import_node_path19.join)(work, "offline-charts.json");
  await writeFileAtomic(varsFile, JSON.stringify(vars));
  const entries = await treeReferences({ treeDir: tree, extraVars: [`@${varsFile}`], inventories: [], arches: manifest.arches, kubeVersion: manifest.kubeVersion, hostMachine: request.hostMachine, cwd: work });
  const charts = manifest.charts ?? [];
  const served = new Set(charts.map((c) => `${filesUrl}/${c.index.slice("files/".length, -"/index.yaml".length)}\0${c.name}\0${c.version}`));
  const out = { messages: [], notes: [] };
  for (const entry of entries) {
    if (entry.kind !== "chart" || entry.enabled !== "yes") continue;
    const c = entry.chart;
    if (!c) {
      out.notes.push(`chart ${entry.reference} (${entry.sources[0].role}): a chart the bundle cannot carry (an OCI or archive url); Kubespray fetches it from there`);
      continue;
    }
    if (served.has(`${c.repository.replace(/\/+$/, "")}\0${c.name}\0${c.version}`)) continue;
    if (charts.some((h) => h.name === c.name && h.version === c.version)) out.messages.push(`chart ${c.name} ${c.version} from ${redactText(c.repository)} (${entry.sources[0].role}, ${c.movedBy.variable})`);
    else out.notes.push(`chart ${c.name} ${c.version} from ${redactText(c.repository)} (${entry.sources[0].role}): this bundle does not hold it (built with --extras none, or it was disabled); Kubespray fetches it from there`);
  }
  return out;
}
function chartVariableNotes(manifest, chartVars) {
  const whole = (manifest.charts ?? []).flatMap((c) => [...c.movedBy.form === "repository-flag" ? [c.movedBy.variable] : [], ...c.valuesVariable && Object.hasOwn(chartVars, c.valuesVariable) ? [c.valuesVariable] : []]);
  return [...new Set(whole)].map((v2) => `${v2}: written whole (from the bundle's -e variables); if your inventory sets it too, merge yours into this value by hand`);
}
function movedOrigin(value) {
  if (typeof value !== "string") return void 0;
  const m2 = /^https?:\/\/([a-z0-9.-]+(?::\d+)?)(\/.*)$/i.exec(value);
  return m2 ? `{{ files_repo }}/${m2[1]}${m2[2]}` : void 0;
}
function pulledByName(manifest, moved) {
  return manifest.images.filter((i) => {
    const wanted = i.wantedBy;
    if (!wanted || wanted.role === "download" || wanted.variable === "--kubespray-image") return false;
    return !Object.hasOwn(moved, wanted.variable);
  });
}
function pullingRoles(images) {
  return [...new Set(images.map((i) => i.wantedBy?.role ?? ""))].filter(Boolean).sort();
}
function registryMirrors(images) {
  const hosts = [...new Set(images.map((i) => parseReference(i.line).registry))].sort();
  if (!hosts.length) return {};
  return {
    containerd_registries_mirrors: hosts.map((prefix) => ({
      prefix,
      mirrors: [{ host: "http://{{ registry_host }}", capabilities: ["pull", "resolve"], skip_verify: true }]
    }))
  };
}
function withoutRedacted(manifest) {
  const topLevel = (path) => path.split(/[.[]/)[0];
  const secret = new Set((manifest.redacted ?? []).map(topLevel));
  for (const [name, value] of Object.entries(manifest.extraVars ?? {})) if (JSON.stringify(value).includes(REDACTED)) secret.add(name);
  return { carried: Object.fromEntries(Object.entries(manifest.extraVars ?? {}).filter(([k2]) => !secret.has(k2))), secret: [...secret].sort() };
}
function compose(carried, overrides) {
  return { ...carried, ...overrides };
}
function withoutKeys(vars, keys) {
  return Object.fromEntries(Object.entries(vars).filter(([k2]) => !keys.includes(k2)));
}
async function kubesprayTreeOf(manifest, request, work) {
  if (request.kubesprayDir) return request.kubesprayDir;
  if (!manifest.kubespray.tarball) {
    throw new InputError(`${request.bundleDir} was built from a local Kubespray tree (it carries no tarball): give it with --kubespray-dir`);
  }
  const tree = (0, import_node_path19.join)(work, "tree");
  await (0, import_promises7.rm)(tree, { recursive: true, force: true });
  await extractAuditedTree(await bundlePathOf(request.bundleDir, manifest.kubespray.tarball.path), tree);
  return tree;
}
async function layoutImages(bundleDir) {
  const index = await new OciLayout((0, import_node_path19.join)(bundleDir, "images")).readIndex();
  return new Set(
    index.manifests.flatMap((d) => {
      const line = d.annotations?.[REF_NAME];
      if (!line) return [];
      const ref = parseReference(line);
      return [`${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`];
    })
  );
}
async function closedLoop(request, manifest, listsDir, tree, work, vars, filesUrl, bundleFiles, bundleImages) {
  const varsFile = (0, import_node_path19.join)(work, "offline.json");
  await writeFileAtomic(varsFile, JSON.stringify(vars));
  const gaps = { messages: [], components: /* @__PURE__ */ new Map(), checked: { files: 0, images: 0 }, unlisted: /* @__PURE__ */ new Set() };
  const heldPaths = new Set(bundleFiles.values());
  const heldSha256 = new Map(manifest.files.map((f2) => [f2.path.slice("files/".length), f2.sha256]));
  for (const arch of manifest.arches) {
    const offline = await runLists({ kubesprayDir: tree, outDir: (0, import_node_path19.join)(work, arch), extraVars: [`@${varsFile}`], inventories: [], arch, hostMachine: request.hostMachine, cwd: work });
    const original = JSON.parse(await (0, import_promises7.readFile)(await bundlePathOf(request.bundleDir, `${listsDir}/${arch}/files.json`), "utf8"));
    const originalUrl = new Map(original.files.map((f2) => [f2.component, f2.url]));
    for (const f2 of original.role?.files ?? []) if (!originalUrl.has(f2.component) && bundleFiles.has(f2.url)) originalUrl.set(f2.component, f2.url);
    for (const d of offline.downloads) {
      if (!originalUrl.has(d.component)) {
        gaps.unlisted.add(`${d.component} (${d.url}): generate_list.sh does not list it and this bundle does not hold it (built with --extras none, or it was disabled); Kubespray fetches it from there if it is enabled`);
        continue;
      }
      gaps.checked.files++;
      const path = d.url.startsWith(`${filesUrl}/`) ? d.url.slice(filesUrl.length + 1) : void 0;
      if (path !== void 0 && heldPaths.has(path)) continue;
      const was = originalUrl.get(d.component);
      const held = was === void 0 ? void 0 : bundleFiles.get(was);
      if (held && d.urlVariable) {
        const byArch = gaps.components.get(d.urlVariable) ?? /* @__PURE__ */ new Map();
        byArch.set(arch, held);
        gaps.components.set(d.urlVariable, byArch);
      }
      gaps.messages.push(`${arch}: file ${d.url} (${d.component}${held ? `; the bundle holds it as files/${held}` : ", not in the bundle"})`);
    }
    for (const f2 of offline.role.files) {
      if (f2.wantedBy.role === "download" || !f2.enabled) continue;
      const heldByBundle = [...original.role?.files ?? []].some((o) => o.component === f2.component && bundleFiles.has(o.url));
      if (!heldByBundle) continue;
      gaps.checked.files++;
      const path = f2.url.startsWith(`${filesUrl}/`) ? f2.url.slice(filesUrl.length + 1) : void 0;
      const sha = path === void 0 ? void 0 : heldSha256.get(path);
      const expected = f2.checksum?.startsWith("sha256:") ? f2.checksum.slice("sha256:".length) : void 0;
      if (sha === void 0 || expected !== void 0 && sha !== expected) {
        gaps.messages.push(`${arch}: file ${f2.url} (${f2.component}, as ${f2.wantedBy.role} fetches it${sha === void 0 ? "" : ": the bundle holds other bytes there"})`);
      }
    }
    const listed = new Set(offline.images.map((i) => i.ref));
    const pulled = [...offline.images, ...offline.role.images.filter((i) => i.enabled && !listed.has(i.ref))];
    for (const image of [...new Map(pulled.map((i) => [i.ref, i])).values()]) {
      gaps.checked.images++;
      const ref = parseReference(image.ref);
      const inside = ref.registry === request.registry && bundleImages.has(`${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`);
      if (!inside) gaps.messages.push(`${arch}: image ${image.ref}${ref.registry === request.registry ? " (not in the bundle)" : " (not from the registry)"}`);
    }
  }
  return gaps;
}

// src/report/output.ts
var import_node_fs14 = require("node:fs");
function writeAll(fd, text3) {
  let buffer = Buffer.from(text3);
  while (buffer.length) {
    try {
      buffer = buffer.subarray((0, import_node_fs14.writeSync)(fd, buffer));
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}
var writeOut = (text3) => writeAll(1, text3);
var writeErr = (text3) => writeAll(2, text3);

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

// src/cli/commands/offline-yml.ts
var import_node_path20 = require("node:path");
var USAGE = `Usage:
  kubespray-bundle offline-yml --bundle DIR --files-url http://HOST:PORT --registry HOST:PORT [--kubespray TAG] [--out FILE] [--no-digest-pins]

Writes the inventory group_vars file (offline.yml) that points Kubespray at this bundle, served
by 'serve' (or nginx and a registry you pushed it into): files_repo and registry_host, the url
roots (github_url, dl_k8s_io_url, \u2026) and the *_image_repo registries, per-file *_download_url
where no root fits, and the variables the bundle was built with. It is checked before it is
written: Kubespray's lists generated with it must name only files and images of the bundle,
for every arch; otherwise the gaps are named and nothing is written.

Options:
  --bundle DIR            the bundle directory
  --files-url URL         where DIR/files is served (http://HOST:PORT)
  --registry HOST:PORT    where the images are (serve's registry, or where push put them)
  --out FILE              write it there (default: print it)
  --kubespray TAG         which version, for a bundle of several (build --kubespray 2.30,2.31):
                          the file for that one, checked against its lists (required there)
  --kubespray-dir DIR     the Kubespray tree, for a bundle built from a local tree
  --no-digest-pins        Helm charts pull by tag, not by the upstream digests their values pin
                          (Cilium's): for a registry that cannot keep those digests, as push
                          warns; serve keeps them, so it needs no such values
  -h, --help              show this help
`;
async function run(args) {
  const values = parseCommandArgs(
    args,
    { bundle: { type: "string" }, "files-url": { type: "string" }, registry: { type: "string" }, out: { type: "string" }, "kubespray-dir": { type: "string" }, kubespray: { type: "string" }, "no-digest-pins": { type: "boolean" } },
    USAGE
  );
  if (!values) return;
  if (!values.bundle) throw new UsageError("--bundle DIR is required");
  if (!values["files-url"]) throw new UsageError("--files-url http://HOST:PORT is required");
  if (!values.registry) throw new UsageError("--registry HOST:PORT is required");
  await requireDir("--bundle", values.bundle);
  if (values["kubespray-dir"]) await requireDir("--kubespray-dir", values["kubespray-dir"]);
  else await requireKubesprayTarball(values.bundle, values.kubespray);
  const out = values.out === void 0 ? void 0 : await checkOutFile("--out", values.out, "offline.yml");
  const result = await makeOfflineYml({
    bundleDir: values.bundle,
    filesUrl: values["files-url"],
    registry: values.registry,
    kubesprayDir: values["kubespray-dir"],
    ...values.kubespray !== void 0 ? { kubespray: values.kubespray } : {},
    hostMachine: machineOfNodeArch(process.arch),
    digestPins: !values["no-digest-pins"]
  });
  for (const note of result.notes) writeErr(`note: ${note}
`);
  if (!out) return writeOut(result.text);
  await ensureDirUnder((0, import_node_path20.dirname)(out), ".");
  await writeFileAtomic(out, result.text);
  writeErr(`${(0, import_node_path20.basename)(out)}: checked ${result.checked.files} file urls and ${result.checked.images} images, all in the bundle
`);
}
async function requireKubesprayTarball(bundleDir, version) {
  const tarball = versionView(await readBundleManifest(bundleDir), version).manifest.kubespray.tarball;
  if (tarball && !await regularFile((0, import_node_path20.join)(bundleDir, tarball.path))) {
    throw new InputError(`--bundle ${bundleDir}: its Kubespray source ${tarball.path} is missing (fetch the bundle again, or give a Kubespray tree with --kubespray-dir)`);
  }
}
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  USAGE,
  run
});
