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

// src/cli/commands/lists.ts
var lists_exports = {};
__export(lists_exports, {
  USAGE: () => USAGE,
  run: () => run
});
module.exports = __toCommonJS(lists_exports);

// src/pipeline/lists.ts
var import_node_fs4 = require("node:fs");
var import_node_path4 = require("node:path");

// src/adapters/kubespray-tree.ts
var import_node_fs = require("node:fs");
var import_node_path = require("node:path");

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
    return [...this.dict.entries()].map(([k, v]) => new PyTuple([k, v]));
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
function isNumber(v) {
  return typeof v === "number" || v instanceof PyFloat;
}
function numericValue(v) {
  if (v instanceof PyFloat) return v.value;
  if (typeof v === "boolean") return v ? 1 : 0;
  return v;
}
function failIfUndefined(v) {
  if (v instanceof Undefined) throw new UndefinedError(v);
  return v;
}
function typeName(v) {
  if (v instanceof Undefined) return "AnsibleUndefined";
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "int";
  if (v === null) return "NoneType";
  if (v instanceof PyFloat) return "float";
  if (v instanceof PyTuple) return "tuple";
  if (Array.isArray(v)) return "list";
  if (v instanceof Map) return "dict";
  if (v instanceof DictView) return `dict_${v.kind}`;
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
function stringRepr(s) {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
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
function pyRepr(v) {
  if (typeof v === "string") return stringRepr(v);
  return pyStr(v);
}
function pyStr(v) {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v === null) return "None";
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (v instanceof Undefined) {
    if (v.lenient) return "";
    throw new UndefinedError(v);
  }
  if (v instanceof PyTuple) {
    const inner = v.items.map(pyRepr);
    return inner.length === 1 ? `(${inner[0]},)` : `(${inner.join(", ")})`;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (v instanceof Map) {
    return `{${[...v.entries()].map(([k, val]) => `${pyRepr(k)}: ${pyRepr(val)}`).join(", ")}}`;
  }
  if (v instanceof DictView) return `dict_${v.kind}(${pyStr(v.items)})`;
  return `<built-in method ${v.name}>`;
}
function truthy(v) {
  if (v instanceof Undefined) {
    if (v.lenient) return false;
    throw new UndefinedError(v);
  }
  if (typeof v === "string") return v.length > 0;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "boolean") return v;
  if (v === null) return false;
  if (v instanceof PyFloat) return v.value !== 0;
  if (v instanceof PyTuple) return v.items.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof DictView) return v.dict.size > 0;
  return true;
}
function pyEquals(a, b) {
  if (a instanceof Undefined) throw new UndefinedError(a);
  if (b instanceof Undefined) throw new UndefinedError(b);
  const numA = isNumber(a) || typeof a === "boolean";
  const numB = isNumber(b) || typeof b === "boolean";
  if (numA && numB) return numericValue(a) === numericValue(b);
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (a === null || b === null) return a === b;
  if (a instanceof PyTuple && b instanceof PyTuple) return sequenceEquals(a.items, b.items);
  if (Array.isArray(a) && Array.isArray(b)) return sequenceEquals(a, b);
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      const other = dictGet(b, k);
      if (other === void 0 || !pyEquals(v, other)) return false;
    }
    return true;
  }
  return a === b;
}
function sequenceEquals(a, b) {
  return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
}
function pyCompare(a, b, op) {
  failIfUndefined(a);
  failIfUndefined(b);
  const numA = isNumber(a) || typeof a === "boolean";
  const numB = isNumber(b) || typeof b === "boolean";
  if (numA && numB) return Math.sign(numericValue(a) - numericValue(b));
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  const seqA = a instanceof PyTuple ? a.items : Array.isArray(a) ? a : void 0;
  const seqB = b instanceof PyTuple ? b.items : Array.isArray(b) ? b : void 0;
  if (seqA && seqB && a instanceof PyTuple === b instanceof PyTuple) {
    for (let i = 0; i < Math.min(seqA.length, seqB.length); i++) {
      if (!pyEquals(seqA[i], seqB[i])) return pyCompare(seqA[i], seqB[i], op);
    }
    return Math.sign(seqA.length - seqB.length);
  }
  throw new PyError(
    "TypeError",
    `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`
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
    for (const [k, v] of d) {
      if (typeof k !== "string" && k !== null && pyEquals(k, key)) return v;
    }
  }
  return void 0;
}
function iterate(v) {
  if (v instanceof Undefined) {
    if (v.lenient) return [];
    throw new UndefinedError(v);
  }
  if (typeof v === "string") return [...v];
  if (Array.isArray(v)) return v;
  if (v instanceof PyTuple) return v.items;
  if (v instanceof Map) return [...v.keys()];
  if (v instanceof DictView) return v.items;
  throw new PyError("TypeError", `'${typeName(v)}' object is not iterable`);
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
        for (const source of merges.flatMap((m) => Array.isArray(m) ? m : [m]).reverse()) {
          if (!(source instanceof Map)) this.fail(node, "expected a mapping for merging");
          for (const [k, v] of source) merged.set(k, v);
        }
        for (const [k, v] of dict) merged.set(k, v);
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
    const v = this.value;
    if (v === null) return "\0n";
    if (typeof v === "boolean") return `\0b${v ? 1 : 0}`;
    if (v instanceof PyFloat) return `\0f${v.value}`;
    return `\0i${String(v)}`;
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
      implicitType("bool", new RegExp(`${BOOL_TRUE.source}|${BOOL_FALSE.source}`), (s) => BOOL_TRUE.test(s)),
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
var joinLines = (ls) => ls.map((l) => `${l}
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
  return (0, import_node_fs.existsSync)(path) && (0, import_node_fs.statSync)(path).isDirectory();
}
function dirVarsFiles(dir) {
  return (0, import_node_fs.readdirSync)(dir).sort().flatMap((name) => {
    if (name.startsWith(".")) return [];
    const full = (0, import_node_path.join)(dir, name);
    if (isDir(full)) return dirVarsFiles(full);
    const dot = name.lastIndexOf(".");
    const ext = dot > 0 ? name.slice(dot) : "";
    return VARS_EXTENSIONS.includes(ext) ? [full] : [];
  });
}
function findVarsFiles(dir, name = "main") {
  for (const ext of VARS_EXTENSIONS) {
    const full = (0, import_node_path.join)(dir, name + ext);
    if (!(0, import_node_fs.existsSync)(full)) continue;
    return isDir(full) ? dirVarsFiles(full) : [full];
  }
  return [];
}
function loadVarsFile(path, root) {
  const origin = (0, import_node_path.relative)(root, path) || path;
  return { origin, vars: asVarsMapping(loadYaml((0, import_node_fs.readFileSync)(path, "utf8"), origin), origin) };
}
function chooseDefaultsRole(root, playbook) {
  const named = playbook ? /role:\s*(kubespray[-_]defaults)/.exec(playbook)?.[1] : void 0;
  const candidates = named ? [named] : ["kubespray_defaults", "kubespray-defaults"];
  for (const role of candidates) {
    const dir = (0, import_node_path.join)(root, "roles", role);
    if (findVarsFiles((0, import_node_path.join)(dir, "defaults")).length || findVarsFiles((0, import_node_path.join)(dir, "vars")).length) return role;
  }
  throw new TreeError(
    `${root} is not a Kubespray tree: found no roles/${candidates.join(" or roles/")}/defaults/main*. Point --kubespray-dir at the root of a Kubespray checkout (the directory holding roles/).`
  );
}
function readOptional(path) {
  return (0, import_node_fs.existsSync)(path) ? (0, import_node_fs.readFileSync)(path, "utf8") : void 0;
}
function readKubesprayTree(root) {
  if (!isDir(root)) throw new TreeError(`--kubespray-dir ${root}: no such directory`);
  const script = readOptional((0, import_node_path.join)(root, "contrib/offline/generate_list.sh"));
  const playbook = readOptional((0, import_node_path.join)(root, "contrib/offline/generate_list.yml"));
  const defaultsRole = chooseDefaultsRole(root, playbook);
  const fromScript = script ? readGenerateListScript(script) : {};
  const downloadRel = fromScript.downloadYml ?? `roles/${defaultsRole}/defaults/main/download.yml`;
  const downloadPath = (0, import_node_path.join)(root, downloadRel);
  if (!(0, import_node_fs.existsSync)(downloadPath)) {
    throw new TreeError(`${downloadRel} is missing from ${root}: generate_list.sh scrapes the list templates from it`);
  }
  const kubeImageLine = fromScript.kubeImageLine ?? (defaultsRole === "kubespray_defaults" ? KUBE_IMAGE_LINE_V_PREFIXED : KUBE_IMAGE_LINE_PLAIN);
  const roles = [(0, import_node_path.join)(root, "roles", defaultsRole), (0, import_node_path.join)(root, "roles", "download")];
  const load = (sub) => roles.flatMap((role) => findVarsFiles((0, import_node_path.join)(role, sub)).map((f) => loadVarsFile(f, root)));
  return {
    root,
    defaultsRole,
    downloadYml: { text: (0, import_node_fs.readFileSync)(downloadPath, "utf8"), path: downloadRel },
    kubeImageLine,
    kubeImages: fromScript.kubeImages?.length ? fromScript.kubeImages : KUBE_IMAGES,
    roleDefaults: load("defaults"),
    roleVars: load("vars")
  };
}

// src/adapters/inventory-files.ts
var import_node_fs2 = require("node:fs");
var import_node_path2 = require("node:path");

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
function pythonUnescape(s) {
  return s.replace(
    /\\(?:([\\'"abfnrtv\n])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{1,3}))/g,
    (whole, simple, x, u, U, oct) => {
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
      const hex = x ?? u ?? U;
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
    const ws = WHITESPACE.exec(source);
    if (ws) {
      addLines(countLines(ws[0]));
      pos += ws[0].length;
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
    const m = TOKEN.exec(src);
    if (!m) throw new LiteralSyntaxError(`invalid syntax at ${pos}`);
    pos += m[0].length;
    if (m[2] !== void 0) {
      const prefix = m[1].toLowerCase();
      if (prefix.includes("b")) throw new LiteralSyntaxError("bytes literals are not supported");
      const quoteLen = m[2].startsWith("'''") || m[2].startsWith('"""') ? 3 : 1;
      const body = m[2].slice(quoteLen, -quoteLen);
      tokens.push({ kind: "str", text: prefix.includes("r") ? body : pythonUnescape(body) });
    } else if (m[3] !== void 0) tokens.push({ kind: "num", text: m[3] });
    else if (m[4] !== void 0) tokens.push({ kind: "name", text: m[4] });
    else if (m[5] !== void 0) tokens.push({ kind: "op", text: m[5] });
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
      let s = t.text;
      while (this.peek()?.kind === "str") s += this.tokens[this.pos++].text;
      return s;
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
  for (const [k, v] of vars) existing.set(k, v);
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
  const m = /^(.*?)\[([0-9a-z]+):([0-9a-z]+)(?::(\d+))?\](.*)$/.exec(pattern);
  if (!m) return [pattern];
  const [, head, from, to, stepText, tail] = m;
  const step = Number(stepText ?? 1);
  const out = [];
  if (/^\d+$/.test(from)) {
    const width = from.startsWith("0") ? from.length : 0;
    for (let i = Number(from); i <= Number(to); i += step) out.push(`${head}${String(i).padStart(width, "0")}${tail}`);
  } else {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c += step) out.push(`${head}${String.fromCharCode(c)}${tail}`);
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
      const g = ensureGroup(inv, group);
      g.vars.set(line.slice(0, eq).trim(), iniValue(line.slice(eq + 1).trim()));
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
        for (const [k, v] of asMapping(value, file, `${name}.vars`)) group.vars.set(k, v);
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
  return 1 + Math.max(...[...group.parents].map((p) => depth(inv, p, seen)));
}
function hostGroups(inv, host) {
  const found = /* @__PURE__ */ new Set();
  const addWithAncestors = (name) => {
    if (found.has(name) || name === "all") return;
    found.add(name);
    for (const p of inv.groups.get(name)?.parents ?? []) addWithAncestors(p);
  };
  for (const group of inv.groups.values()) if (group.hosts.has(host)) addWithAncestors(group.name);
  return [...found].sort((a, b) => depth(inv, a) - depth(inv, b) || (a < b ? -1 : a > b ? 1 : 0));
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
  const text3 = (0, import_node_fs2.readFileSync)(path, "utf8");
  if (YAML_EXTS.includes((0, import_node_path2.extname)(path))) parseYamlInventory(inv, loadYaml(text3, path), path);
  else parseIniInventory(inv, text3, path);
}
function inventorySourceFiles(path) {
  if (!(0, import_node_fs2.existsSync)(path)) throw new InventoryFileError(`-i ${path}: no such file or directory`);
  if (!(0, import_node_fs2.statSync)(path).isDirectory()) return [path];
  return (0, import_node_fs2.readdirSync)(path).sort().filter((name) => !name.startsWith(".") && name !== "group_vars" && name !== "host_vars").filter((name) => !IGNORED_IN_DIR.some((ext) => name.endsWith(ext))).map((name) => (0, import_node_path2.join)(path, name)).filter((full) => (0, import_node_fs2.statSync)(full).isFile());
}
function entityVars(baseDir, kind, name, root) {
  const dir = (0, import_node_path2.join)(baseDir, kind);
  if (!(0, import_node_fs2.existsSync)(dir)) return [];
  return findVarsFiles(dir, name).map((file) => loadVarsFile(file, root));
}
function readInventoryVars(paths, playbookDir, host = "localhost", cwd = process.cwd()) {
  const inv = emptyInventory();
  const baseDirs = [];
  for (const path of paths) {
    for (const file of inventorySourceFiles(path)) parseInventoryFile(inv, file);
    baseDirs.push((0, import_node_fs2.existsSync)(path) && (0, import_node_fs2.statSync)(path).isDirectory() ? path : (0, import_node_path2.dirname)(path));
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
    ...groups.flatMap((g) => pluginLayers("group_vars", g)),
    { origin: inv.origins.get(`host:${host}`) ?? "inventory", vars: inv.hostVars.get(host) ?? /* @__PURE__ */ new Map() },
    ...pluginLayers("host_vars", host)
  ];
  return { layers, groupNames: groups, inventory: inv };
}

// src/adapters/fs-atomic.ts
var import_node_fs3 = require("node:fs");
var import_promises = require("node:fs/promises");
var import_node_path3 = require("node:path");
var tempCounter = 0;
function tempPathFor(target, dir = (0, import_node_path3.dirname)(target)) {
  return (0, import_node_path3.join)(dir, `.${(0, import_node_path3.basename)(target)}.${process.pid}.${(tempCounter++).toString(36)}.tmp`);
}
var UnsafePathError = class extends Error {
  constructor(path, what) {
    super(`${path} is ${what}; refusing to write through it (remove it, or choose another output directory)`);
    this.name = "UnsafePathError";
  }
};
async function ensureDirUnder(root, rel) {
  const base = (0, import_node_path3.resolve)(root);
  const target = (0, import_node_path3.resolve)(base, rel);
  const path = (0, import_node_path3.relative)(base, target);
  if (path.startsWith("..") || (0, import_node_path3.isAbsolute)(path)) throw new UnsafePathError(target, `outside ${base}`);
  await (0, import_promises.mkdir)(base, { recursive: true });
  let current = base;
  for (const part of path.split(import_node_path3.sep).filter(Boolean)) {
    current = (0, import_node_path3.join)(current, part);
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
var NOFOLLOW = import_node_fs3.constants.O_NOFOLLOW ?? 0;
var CREATE_EXCLUSIVE = import_node_fs3.constants.O_RDWR | import_node_fs3.constants.O_CREAT | import_node_fs3.constants.O_EXCL | NOFOLLOW;
var OPEN_EXISTING = import_node_fs3.constants.O_RDWR | NOFOLLOW;
function createExclusive(path, mode = 420) {
  return (0, import_promises.open)(path, CREATE_EXCLUSIVE, mode);
}
function createExclusiveFd(path, mode = 420) {
  return (0, import_node_fs3.openSync)(path, CREATE_EXCLUSIVE, mode);
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
      for (let written = 0; written < bytes.length; ) written += (0, import_node_fs3.writeSync)(fd, bytes, written, bytes.length - written);
    } finally {
      (0, import_node_fs3.closeSync)(fd);
    }
    (0, import_node_fs3.renameSync)(temp, target);
  } catch (e) {
    (0, import_node_fs3.rmSync)(temp, { force: true });
    throw e;
  }
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
function extraVarsLayer(arg, readFile) {
  const trimmed = arg.trim();
  if (trimmed.startsWith("@")) {
    const path = trimmed.slice(1);
    let text3;
    try {
      text3 = readFile(path);
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
  for (const [k, v] of facts) vars.set(`ansible_${String(k)}`, v);
  vars.set("ansible_facts", facts);
  return vars;
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
    } else if ((["name", "string", "integer", "float"].includes(this.current.type) || this.isOp("[") || this.isOp("{")) && !["else", "or", "and"].some((w) => this.isName(w))) {
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
function str(v, what) {
  if (typeof v !== "string") throw new PyError("TypeError", `${what} must be str, not ${typeName(v ?? null)}`);
  return v;
}
function pySplit(s, sep2, maxsplit = -1) {
  if (sep2 === void 0 || sep2 === null) {
    const parts = [];
    let rest = s.replace(/^\s+/, "");
    while (rest) {
      if (maxsplit >= 0 && parts.length === maxsplit) {
        parts.push(rest);
        break;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        parts.push(rest);
        break;
      }
      parts.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return parts;
  }
  const separator = str(sep2, "separator");
  if (!separator) throw new PyError("ValueError", "empty separator");
  const all = s.split(separator);
  if (maxsplit < 0 || all.length <= maxsplit + 1) return all;
  return [...all.slice(0, maxsplit), all.slice(maxsplit).join(separator)];
}
function stripChars(s, chars, side) {
  const set = chars === void 0 || chars === null ? null : str(chars, "strip arg");
  const strip = (c) => set === null ? /\s/.test(c) : set.includes(c);
  let start = 0;
  let end = s.length;
  if (side !== "right") while (start < end && strip(s[start])) start++;
  if (side !== "left") while (end > start && strip(s[end - 1])) end--;
  return s.slice(start, end);
}
var DICT_METHODS = {
  keys: (d) => new DictView("keys", d),
  values: (d) => new DictView("values", d),
  items: (d) => new DictView("items", d),
  get: (d, args) => dictGet(d, args[0]) ?? (args.length > 1 ? args[1] : null),
  copy: (d) => new Map(d)
};
var STRING_METHODS = {
  split: (s, args) => pySplit(s, args[0], typeof args[1] === "number" ? args[1] : -1),
  rsplit: (s, args) => {
    const max = typeof args[1] === "number" ? args[1] : -1;
    if (max < 0) return pySplit(s, args[0]);
    const parts = pySplit(s, args[0]);
    const sep2 = args[0] === void 0 || args[0] === null ? " " : str(args[0], "separator");
    return parts.length <= max + 1 ? parts : [parts.slice(0, parts.length - max).join(sep2), ...parts.slice(parts.length - max)];
  },
  splitlines: (s) => s.split(/\r\n|\r|\n/).filter((_, i, a) => i < a.length - 1 || a[i] !== ""),
  startswith: (s, args) => prefixTest(args[0], (p) => s.startsWith(p)),
  endswith: (s, args) => prefixTest(args[0], (p) => s.endsWith(p)),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  strip: (s, args) => stripChars(s, args[0], "both"),
  lstrip: (s, args) => stripChars(s, args[0], "left"),
  rstrip: (s, args) => stripChars(s, args[0], "right"),
  replace: (s, args) => s.split(str(args[0], "replace() argument 1")).join(str(args[1], "replace() argument 2")),
  find: (s, args) => s.indexOf(str(args[0], "find() argument")),
  count: (s, args) => s.split(str(args[0], "count() argument")).length - 1,
  join: (s, args) => iterate(args[0] ?? []).map((x) => str(x, "sequence item")).join(s),
  isdigit: (s) => /^\d+$/.test(s),
  title: (s) => s.replace(/[A-Za-z]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()),
  capitalize: (s) => s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s,
  format: (s, args) => {
    let i = 0;
    return s.replace(/\{(\d*)\}/g, (_, n) => pyStr(args[n === "" ? i++ : Number(n)] ?? ""));
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
  if (arg instanceof PyTuple) return arg.items.some((p) => test(str(p, "prefix")));
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
        const branch = stmt.branches.find((b) => truthy(this.eval(b.test, scopes)));
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
        const v = numericValue(n);
        const result = expr.op === "-" ? -v : v;
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
        for (const [k, v] of expr.entries) d.set(failIfUndefined(this.eval(k, scopes)), this.eval(v, scopes));
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
    return new Map(kwargs.map(([k, e]) => [k, this.eval(e, scopes)]));
  }
};
var TemplateError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "TemplateError";
  }
};
function finalize(v) {
  if (v instanceof Undefined && !v.lenient) throw new UndefinedError(v);
  return v === null ? "" : v;
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
function arithmetic(op, a, b) {
  const isFloat = a instanceof PyFloat || b instanceof PyFloat;
  const x = numericValue(a);
  const y = numericValue(b);
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
function finalizeForConcat(v) {
  if (v instanceof Undefined && !v.lenient) throw new UndefinedError(v);
  return v;
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
  const toInt2 = (v) => {
    if (v === void 0 || v === null) return void 0;
    const n = failIfUndefined(v);
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
function text(v) {
  return pyStr(failIfUndefined(v));
}
function toList(v) {
  return [...iterate(failIfUndefined(v))];
}
function requireDict(v, filter) {
  const d = failIfUndefined(v);
  if (!(d instanceof Map)) throw new PyError("AnsibleFilterError", `${filter} requires a dictionary, got ${typeName(d)} instead.`);
  return d;
}
function toBool(v) {
  const value = failIfUndefined(v);
  if (value === null || typeof value === "boolean") return value;
  const probe = typeof value === "string" ? value.toLowerCase() : value;
  return ["yes", "on", "1", "true"].includes(probe) || probe === 1;
}
function toInt(v, fallback = 0, base = 10) {
  const value = failIfUndefined(v);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  if (value instanceof PyFloat) return Math.trunc(value.value);
  if (typeof value === "string") {
    const s = value.trim().replace(/_/g, "");
    if (base === 10 && /^[-+]?\d+$/.test(s)) return parseInt(s, 10);
    if (base !== 10) {
      const n = parseInt(s.replace(/^0[xob]/i, ""), base);
      if (!Number.isNaN(n)) return n;
    }
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Math.trunc(Number(s));
  }
  return fallback;
}
function toFloat(v, fallback = new PyFloat(0)) {
  const value = failIfUndefined(v);
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
  for (const [k, v] of source) {
    const existing = target.get(k);
    if (recursive && existing instanceof Map && v instanceof Map) {
      const merged = new Map(existing);
      mergeInto(merged, v, recursive, listMerge);
      target.set(k, merged);
    } else if (Array.isArray(existing) && Array.isArray(v) && listMerge !== "replace") {
      const merged = listMerge === "append" ? [...existing, ...v] : listMerge === "prepend" ? [...v, ...existing] : listMerge === "append_rp" ? [...existing.filter((x) => !v.some((y) => pyEquals(x, y))), ...v] : listMerge === "prepend_rp" ? [...v, ...existing.filter((x) => !v.some((y) => pyEquals(x, y)))] : v;
      target.set(k, merged);
    } else {
      target.set(k, v);
    }
  }
}
function unique(items) {
  const out = [];
  for (const item of items) if (!out.some((x) => pyEquals(x, item))) out.push(item);
  return out;
}
function sortKey(a, b) {
  return pyEquals(a, b) ? 0 : pyCompare(a, b, "<");
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
  return template.replace(/%(-?\d*)(?:\.(\d+))?([sdifr%])/g, (_, width, precision, conv) => {
    if (conv === "%") return "%";
    const arg = failIfUndefined(args[i++] ?? null);
    let out;
    if (conv === "s") out = pyStr(arg);
    else if (conv === "r") out = typeof arg === "string" ? `'${arg}'` : pyStr(arg);
    else if (conv === "f") out = numericValue(arg).toFixed(precision ? Number(precision) : 6);
    else out = String(Math.trunc(numericValue(arg)));
    const w = Number(width);
    return w < 0 ? out.padEnd(-w) : out.padStart(w);
  });
}
function length(value) {
  const v = failIfUndefined(value);
  if (typeof v === "string") return [...v].length;
  if (v instanceof Map) return v.size;
  if (v instanceof DictView) return v.dict.size;
  if (Array.isArray(v)) return v.length;
  if (v instanceof PyTuple) return v.items.length;
  throw new PyError("TypeError", `object of type '${typeName(v)}' has no len()`);
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
    const s = text(value);
    return s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s;
  },
  title: (value) => text(value).replace(/[A-Za-z0-9]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()),
  trim: (value, args) => {
    const s = text(value);
    if (args[0] === void 0 || args[0] === null) return s.trim();
    const chars = text(args[0]);
    let a = 0;
    let b = s.length;
    while (a < b && chars.includes(s[a])) a++;
    while (b > a && chars.includes(s[b - 1])) b--;
    return s.slice(a, b);
  },
  replace: (value, args, kwargs) => {
    const s = text(value);
    const old = text(args[0]);
    const replacement = text(args[1]);
    const count = argument(args, kwargs, 2, "count", null);
    if (count === null) return s.split(old).join(replacement);
    const parts = s.split(old);
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
    const v = failIfUndefined(value);
    if (typeof v === "string") return [...v].reverse().join("");
    return toList(v).reverse();
  },
  sort: (value, args, kwargs) => {
    const reverse = truthy(argument(args, kwargs, 0, "reverse", false));
    const attr = argument(args, kwargs, 2, "attribute", null);
    const keyOf = (v) => {
      const k = attr === null ? v : getPath(v, attr);
      return typeof k === "string" && !truthy(argument(args, kwargs, 1, "case_sensitive", false)) ? k.toLowerCase() : k;
    };
    const sorted = toList(value).sort((a, b) => sortKey(keyOf(a), keyOf(b)));
    return reverse ? sorted.reverse() : sorted;
  },
  min: (value) => toList(value).reduce((a, b) => sortKey(b, a) < 0 ? b : a),
  max: (value) => toList(value).reduce((a, b) => sortKey(b, a) > 0 ? b : a),
  sum: (value, args, kwargs) => {
    const start = argument(args, kwargs, 1, "start", 0);
    return toList(value).reduce((acc, v) => acc + numericValue(failIfUndefined(v)), numericValue(start));
  },
  abs: (value) => {
    const v = failIfUndefined(value);
    return v instanceof PyFloat ? new PyFloat(Math.abs(v.value)) : Math.abs(numericValue(v));
  },
  round: (value, args, kwargs) => {
    const precision = numericValue(argument(args, kwargs, 0, "precision", 0));
    const method = text(argument(args, kwargs, 1, "method", "common"));
    const f = 10 ** precision;
    const x = numericValue(failIfUndefined(value)) * f;
    const r = method === "ceil" ? Math.ceil(x) : method === "floor" ? Math.floor(x) : Math.sign(x) * Math.round(Math.abs(x));
    return new PyFloat(r / f);
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
    return [...d.entries()].map(([k, v]) => /* @__PURE__ */ new Map([[keyName, k], [valueName, v]]));
  },
  items2dict: (value, args, kwargs) => {
    const keyName = text(argument(args, kwargs, 0, "key_name", "key"));
    const valueName = text(argument(args, kwargs, 1, "value_name", "value"));
    return new Map(toList(value).map((item) => [getItem(item, keyName), getItem(item, valueName)]));
  },
  dictsort: (value) => [...requireDict(value, "dictsort").entries()].sort((a, b) => sortKey(a[0], b[0])).map(([k, v]) => new PyTuple([k, v])),
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
    const b = toList(args[0]);
    return unique([...a.filter((x) => !b.some((y) => pyEquals(x, y))), ...b.filter((x) => !a.some((y) => pyEquals(x, y)))]);
  },
  zip: (value, args) => {
    const lists = [toList(value), ...args.map(toList)];
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => new PyTuple(lists.map((l) => l[i])));
  },
  regex_replace: (value, args, kwargs) => {
    const pattern = text(argument(args, kwargs, 0, "pattern", ""));
    const replacement = text(argument(args, kwargs, 1, "replacement", ""));
    const re = compilePyRegex(pattern, {
      ignorecase: truthy(argument(args, kwargs, 2, "ignorecase", false)),
      multiline: truthy(argument(args, kwargs, 3, "multiline", false))
    });
    return text(value).replace(re, pyReplacement(replacement));
  },
  regex_search: (value, args, kwargs) => {
    const re = compilePyRegex(text(args[0]), { ignorecase: truthy(kwargs.get("ignorecase") ?? false), multiline: truthy(kwargs.get("multiline") ?? false) }, false);
    const m = re.exec(text(value));
    if (!m) return null;
    const refs = args.slice(1).map(text);
    if (!refs.length) return m[0];
    return refs.map((r) => {
      const g = /^\\(\d+)$/.exec(r) ?? /^\\g<(\w+)>$/.exec(r);
      if (!g) throw new PyError("AnsibleFilterError", `Unknown argument '${r}'`);
      return (/^\d+$/.test(g[1]) ? m[Number(g[1])] : m.groups && ownEntry(m.groups, g[1])) ?? null;
    });
  },
  regex_findall: (value, args, kwargs) => {
    const re = compilePyRegex(text(args[0]), { ignorecase: truthy(kwargs.get("ignorecase") ?? false), multiline: truthy(kwargs.get("multiline") ?? false) });
    return [...text(value).matchAll(re)].map((m) => m.length === 1 ? m[0] : m.length === 2 ? m[1] ?? "" : new PyTuple(m.slice(1).map((g) => g ?? "")));
  },
  regex_escape: (value) => text(value).replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`),
  ternary: (value, args, kwargs) => {
    const noneValue = argument(args, kwargs, 2, "none_val", null);
    if (value === null && args.length > 2) return noneValue;
    return truthy(value) ? argument(args, kwargs, 0, "true_val", null) : argument(args, kwargs, 1, "false_val", null);
  },
  basename: (value) => text(value).split("/").pop() ?? "",
  dirname: (value) => {
    const s = text(value);
    const i = s.lastIndexOf("/");
    return i < 0 ? "" : s.slice(0, i) || "/";
  },
  format: (value, args) => percentFormat(text(value), args),
  to_json: (value) => JSON.stringify(toJson(value)),
  quote: (value) => {
    const s = text(value);
    return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
  },
  attr: (value, args) => attribute(value, text(args[0])),
  random: () => {
    throw new TemplateError("the random filter makes lists non-reproducible and is not supported");
  }
};
FILTERS.d = FILTERS.default;
FILTERS.e = FILTERS.escape = (value) => text(value);
function toJson(value) {
  const v = failIfUndefined(value);
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyTuple) return v.items.map(toJson);
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof DictView) return v.items.map(toJson);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [pyStr(k), toJson(x)]));
  if (typeof v === "object" && v !== null) return pyStr(v);
  return v;
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
  const m = /^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$/.exec(text3);
  if (!m) throw new PyError("ValueError", `invalid version number '${text3}'`);
  const pre = m[5] ? [m[5][0], Number(m[6])] : ["z", 0];
  return [Number(m[1]), Number(m[2]), Number(m[4] ?? 0), ...pre];
}
function semanticVersion(text3) {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text3);
  if (!m) throw new PyError("ValueError", `invalid semantic version '${text3}'`);
  const pre = m[4] ? [0, ...m[4].split(".").map((p) => /^\d+$/.test(p) ? Number(p) : p)] : [1];
  return [Number(m[1]), Number(m[2]), Number(m[3]), ...pre];
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
    const b = parse(version);
    if (op === "eq") return pyEquals(a, b);
    if (op === "ne") return !pyEquals(a, b);
    const c = pyEquals(a, b) ? 0 : pyCompare(a, b, op === "lt" || op === "le" ? "<" : ">");
    return op === "lt" ? c < 0 : op === "le" ? c <= 0 : op === "gt" ? c > 0 : c >= 0;
  } catch (e) {
    throw new PyError("AnsibleFilterError", `Version comparison failed: ${e.message}`);
  }
}

// src/domain/jinja/tests.ts
function text2(v) {
  return pyStr(failIfUndefined(v));
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
    const re = compilePyRegex(anchored, {
      ignorecase: truthy(argument(args, kwargs, 1, "ignorecase", false)),
      multiline: truthy(argument(args, kwargs, 2, "multiline", false))
    }, false);
    return re.test(text2(value));
  };
}
var isSequenceLike = (v) => typeof v === "string" || Array.isArray(v) || v instanceof PyTuple || v instanceof Map || v instanceof DictView;
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
    if (Array.isArray(value)) return value.map((v) => this.template(v));
    if (value instanceof Map) {
      const out = /* @__PURE__ */ new Map();
      for (const [k, v] of value) out.set(k, this.template(v));
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
function isSet(v) {
  return v !== void 0 && v !== null && v !== false && v !== "" && v !== 0;
}
function trailingNewlines(s) {
  let n = 0;
  while (n < s.length && s[s.length - 1 - n] === "\n") n++;
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

// src/domain/secrets.ts
var REDACTED = "***";
var SECRET_WORD = /^(pass(word|wd|phrase)?|pwd|secrets?|tokens?|auth|credentials?|creds?)$/i;
var SECRET_PAIR = /(^|_)(private|api|access|secret|signing|ssh|tls|client|encryption)_?keys?(_|$)/i;
var NOT_A_VALUE = /[_.-](url|repo|path|file|dir|enabled|version|ttl|mode|type|name|user|username)$/i;
function isSecretName(name) {
  if (NOT_A_VALUE.test(name)) return false;
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").split(/[_.\-\s]+/).filter(Boolean);
  return words.some((w) => SECRET_WORD.test(w)) || SECRET_PAIR.test(words.join("_")) || /(password|passwd|passphrase|secret|credential)/i.test(name);
}
function collectSecretStrings(v, into) {
  if (typeof v === "string") into.push(v);
  else if (typeof v === "number") into.push(String(v));
  else if (Array.isArray(v)) v.forEach((x) => collectNestedSecrets(x, into));
  else if (v && typeof v === "object") collectNestedSecrets(v, into);
}
function collectNestedSecrets(v, into) {
  if (Array.isArray(v)) v.forEach((x) => collectNestedSecrets(x, into));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (isSecretName(k)) collectSecretStrings(x, into);
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
    for (const [where, text3] of places) if (forms.some((f) => text3.includes(f))) leaks.push({ secret: name, where });
  }
  return leaks;
}

// src/domain/errors.ts
var InputError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InputError";
  }
};

// src/domain/bundle.ts
function toJson2(v) {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [pyStr(k), toJson2(x)]));
  if (Array.isArray(v)) return v.map(toJson2);
  if (v instanceof PyTuple) return v.items.map(toJson2);
  if (v instanceof PyFloat) return v.value;
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return pyStr(v);
}

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
  const entries = role.files.filter((f) => f.wantedBy.role === "download");
  const warnings = [];
  const files = describeFiles(entries, filesList, fileLines, warnings);
  const images = zipLines(imagesList, imageLines).map(([ref, line]) => ({ ref, component: line?.component ?? "image" }));
  const downloads = entries.map((f) => ({ component: f.component, url: f.url, ...f.urlVariable ? { urlVariable: f.urlVariable } : {} }));
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
    const value = toJson2(resolved);
    const strings = [];
    collectSecretStrings(value, strings);
    for (const v of strings) found.push({ name, value: v });
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
  return [...forArch.keys()].map((k) => pyStr(k));
}

// src/domain/kubespray/secret-marks.ts
function markSecrets(variables) {
  const marks = /* @__PURE__ */ new Map();
  const mark = (path) => {
    const m = `kbsecretmark${marks.size}x`;
    marks.set(m, path);
    return m;
  };
  const replaceSecret = (value, path) => {
    if (typeof value === "string" || typeof value === "number") return mark(path);
    return replaceNested(value, path);
  };
  const replaceNested = (value, path) => {
    if (Array.isArray(value)) return value.map((v, i) => replaceNested(v, `${path}[${i}]`));
    if (value instanceof Map) {
      return new Map([...value].map(([k, v]) => [k, typeof k === "string" && isSecretName(k) ? replaceSecret(v, `${path}.${k}`) : replaceNested(v, `${path}.${String(k)}`)]));
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
  const groupsDict = new Map([...groups.entries()].map(([g, hosts]) => [g, hosts]));
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
    const files = findVarsFiles((0, import_node_path4.join)(tree.root, "roles", role, "defaults"));
    if (files.length) scopes.set(role, composeVariables(request, tree, files.map((f) => loadVarsFile(f, tree.root))));
  }
  return scopes;
}
function composeVariables(request, tree, roleDefaults = []) {
  const at = (p) => (0, import_node_path4.isAbsolute)(p) ? p : (0, import_node_path4.join)(request.cwd, p);
  const inventory = readInventoryVars(request.inventories.map(at), tree.root, "localhost", request.cwd);
  const machine = request.arch ? MACHINE_OF_ARCH[request.arch] : request.hostMachine;
  const archLayer = request.arch ? [{ origin: "--arch", vars: /* @__PURE__ */ new Map([["image_arch", request.arch]]) }] : [];
  const extra = request.extraVars.map((arg) => extraVarsLayer(arg, (p) => (0, import_node_fs4.readFileSync)(at(p), "utf8")));
  const groups = new Map(
    [...inventory.inventory.groups.values()].map((g) => [g.name, [...g.hosts]])
  );
  groups.set("all", [...new Set([...inventory.inventory.groups.values()].flatMap((g) => [...g.hosts]))]);
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
  const tree = readKubesprayTree((0, import_node_path4.resolve)(request.cwd, request.kubesprayDir));
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
  const outDir = (0, import_node_path4.resolve)(request.cwd, request.outDir);
  const manifest = `${JSON.stringify({ files: lists.files, images: lists.images, downloads: lists.downloads, role: lists.role }, null, 2)}
`;
  await ensureDirUnder(outDir, ".");
  const written = request.redact ?? ((text3) => text3);
  await writeFileAtomic((0, import_node_path4.join)(outDir, LIST_FILES.files), written(lists.filesList));
  await writeFileAtomic((0, import_node_path4.join)(outDir, LIST_FILES.images), written(lists.imagesList));
  await writeFileAtomic((0, import_node_path4.join)(outDir, LIST_FILES.manifest), written(manifest));
  return { outDir, files: lists.files, images: lists.images, warnings: lists.warnings, kubesprayRole: tree.defaultsRole, kubeVersion: lists.kubeVersion, downloads: lists.downloads, role: lists.role, secretValues: lists.secretValues };
}
function refuseLeaks(lists, marked, marks) {
  if (!marks.size) return;
  const placesOf = (l) => [
    ...l.files.map((f) => [`the url of ${f.component}`, redactText(f.url)]),
    ...l.role.files.map((f) => [`the url of ${f.component}`, redactText(f.url)]),
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

// src/report/table.ts
function formatTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd() + "\n";
  return line(header) + line(widths.map((w) => "-".repeat(w))) + rows.map(line).join("");
}

// src/report/output.ts
var import_node_fs5 = require("node:fs");
function writeAll(fd, text3) {
  let buffer = Buffer.from(text3);
  while (buffer.length) {
    try {
      buffer = buffer.subarray((0, import_node_fs5.writeSync)(fd, buffer));
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}
var writeOut = (text3) => writeAll(1, text3);
var writeErr = (text3) => writeAll(2, text3);

// src/adapters/out-dir.ts
var import_promises2 = require("node:fs/promises");
var import_node_path5 = require("node:path");
function reason(e) {
  return e.message.split(", ")[0];
}
var isMissing = (e) => e.code === "ENOENT" || e.code === "ENOTDIR";
function kindOf(info) {
  return info.isFile() ? "a file" : info.isSocket() ? "a socket" : info.isFIFO() ? "a FIFO" : info.isCharacterDevice() || info.isBlockDevice() ? "a device" : "a special file";
}
async function checkCreatable(label, dir, named) {
  let firstMissing;
  for (let current = dir; ; current = (0, import_node_path5.dirname)(current)) {
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
    if ((0, import_node_path5.dirname)(current) === current) break;
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
  const probe = (0, import_node_path5.join)(dir, `.kubespray-bundle-write-test.${process.pid}`);
  try {
    await (await (0, import_promises2.open)(probe, "wx")).close();
  } catch (e) {
    throw new InputError(`${label}: cannot write in ${dir} (${reason(e)})`);
  }
  await (0, import_promises2.unlink)(probe).catch(() => void 0);
}
async function checkOutDir(flag2, path) {
  const label = `${flag2} ${path}`;
  const dir = (0, import_node_path5.resolve)(path);
  if (await checkCreatable(label, dir, true)) await checkWritable(label, dir);
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

// src/cli/commands/lists.ts
var USAGE = `Usage:
  kubespray-bundle lists --kubespray-dir DIR --out OUT [-e k=v | -e @vars.yml | -e '{json}']... [-i inventory]... [--arch amd64|arm64]

Writes OUT/files.list and OUT/images.list exactly as Kubespray's
contrib/offline/generate_list.sh would, and OUT/files.json with the checksum Kubespray
verifies for every file. No Ansible needed.

Options:
  --kubespray-dir DIR   root of a Kubespray checkout (only roles/kubespray[-_]defaults is read)
  --out OUT             output directory (created if missing)
  -e, --extra-vars X    extra variables, as ansible-playbook -e; repeatable, later wins
  -i, --inventory INV   INI/YAML inventory file or directory (group_vars/ beside it); repeatable
  --arch ARCH           amd64 or arm64: image_arch and the control host's architecture facts
                        (default: this machine's architecture)
  -h, --help            show this help
`;
function parseArch(value) {
  if (value === void 0) return void 0;
  if (value === "amd64" || value === "arm64") return value;
  throw new UsageError(`--arch ${value}: expected amd64 or arm64`);
}
async function run(args) {
  const values = parseCommandArgs(
    args,
    {
      "kubespray-dir": { type: "string" },
      out: { type: "string" },
      "extra-vars": { type: "string", short: "e", multiple: true },
      inventory: { type: "string", short: "i", multiple: true },
      arch: { type: "string" }
    },
    USAGE
  );
  if (!values) return;
  const kubesprayDir = values["kubespray-dir"];
  const out = values.out;
  if (!kubesprayDir) throw new UsageError("--kubespray-dir DIR is required");
  if (!out) throw new UsageError("--out OUT is required");
  const arch = parseArch(values.arch);
  await checkOutDir("--out", out);
  const started = Date.now();
  const result = await runLists({
    kubesprayDir,
    outDir: out,
    extraVars: values["extra-vars"] ?? [],
    inventories: values.inventory ?? [],
    arch,
    hostMachine: machineOfNodeArch(process.arch),
    cwd: process.cwd(),
    environment: process.env
  });
  for (const warning of result.warnings) writeErr(`warning: ${warning}
`);
  const verified = result.files.filter((f) => f.checksum).length;
  writeOut(
    formatTable(
      ["output", "entries", "note"],
      [
        [LIST_FILES.files, String(result.files.length), `${verified} with a Kubespray checksum`],
        [LIST_FILES.images, String(result.images.length), `${new Set(result.images.map((i) => i.ref)).size} distinct`],
        [LIST_FILES.manifest, String(result.files.length + result.images.length), "urls with checksums, images with components"]
      ]
    ) + `written to ${result.outDir} in ${Date.now() - started} ms
`
  );
}
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  USAGE,
  run
});
