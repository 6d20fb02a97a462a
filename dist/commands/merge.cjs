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

// src/cli/commands/merge.ts
var merge_exports = {};
__export(merge_exports, {
  USAGE: () => USAGE,
  run: () => run
});
module.exports = __toCommonJS(merge_exports);
var import_promises8 = require("node:fs/promises");
var import_node_os2 = require("node:os");
var import_node_path16 = require("node:path");

// src/adapters/http/bytes.ts
function fromUndici(response) {
  return { statusCode: response.statusCode, headers: response.headers, body: readableBody(response.body) };
}
function readableBody(body) {
  return {
    pump: (take) => new Promise((resolve2, reject) => {
      const done = (error) => {
        body.off("data", onData);
        body.off("end", onEnd);
        body.off("error", onError);
        body.on("error", () => void 0);
        if (error === void 0) resolve2();
        else reject(error);
      };
      const onData = (chunk) => {
        let more;
        try {
          more = take(chunk);
        } catch (e) {
          body.destroy();
          done(e);
          return;
        }
        if (!more) {
          body.destroy();
          done();
        }
      };
      const onEnd = () => done();
      const onError = (e) => done(e);
      body.on("data", onData);
      body.once("end", onEnd);
      body.once("error", onError);
    }),
    discard: () => {
      body.on("error", () => void 0);
      body.destroy();
    }
  };
}
var DispatcherBytes = class {
  constructor(http) {
    this.http = http;
  }
  http;
  async get(url, headers) {
    const u2 = new URL(url);
    return fromUndici(await this.http.request({ origin: u2.origin, path: `${u2.pathname}${u2.search}`, method: "GET", headers }));
  }
};
function headerValue(value) {
  return Array.isArray(value) ? value[0] : value;
}

// src/adapters/http/fast-http.ts
var import_node_net = require("node:net");
var import_node_tls = require("node:tls");

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

// src/adapters/http/transient.ts
var RETRIED_ERRORS = [
  "ECONNRESET",
  "ENETDOWN",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT"
];
var AWAY = ["ECONNREFUSED", "EAI_AGAIN"];
function isTransient(error) {
  const code = error?.code;
  return typeof code === "string" && (RETRIED_ERRORS.includes(code) || AWAY.includes(code) || code === "UND_ERR_ABORTED" || code === "UND_ERR_REQ_RETRY");
}
function isHostAway(error) {
  const code = error?.code;
  return typeof code === "string" && AWAY.includes(code);
}

// src/adapters/http/retry-policy.ts
var RETRIED_STATUS = [429, 500, 502, 503, 504];
var REFUSED_RETRY_DELAY_MS = 250;
var REFUSED = "ECONNREFUSED";
var NO_DNS_ANSWER = "EAI_AGAIN";
var NOT_FOUND = "ENOTFOUND";
var QUICK_RETRIED = [REFUSED, NO_DNS_ANSWER];
var UNREACHABLE = [REFUSED, NO_DNS_ANSWER, NOT_FOUND];
function unreachableMessage(target, code) {
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  switch (code) {
    case REFUSED:
      return `${target.hostname}:${port} refused the connection (${REFUSED}): nothing listens there; check that the server is up and the host and port are right`;
    case NOT_FOUND:
      return `${target.hostname}: the name does not resolve (${NOT_FOUND}): check the host name, and this machine's DNS`;
    case NO_DNS_ANSWER:
      return `${target.hostname}: no DNS server answered (${NO_DNS_ANSWER}): check /etc/resolv.conf, or use --mirror`;
    default:
      return void 0;
  }
}
function retryDelayMs(outcome, retriesDone, options) {
  if (outcome.code !== void 0 && QUICK_RETRIED.includes(outcome.code)) return retriesDone === 0 && options.retries > 0 ? REFUSED_RETRY_DELAY_MS : void 0;
  if (retriesDone >= options.retries) return void 0;
  const retried = outcome.statusCode !== void 0 ? RETRIED_STATUS.includes(outcome.statusCode) : outcome.code !== void 0 && RETRIED_ERRORS.includes(outcome.code);
  if (!retried) return void 0;
  return (outcome.headers && retryAfterMs(outcome.headers)) ?? backoffMs(retriesDone, options.minRetryDelayMs);
}
function retriesAllowed(outcome, options) {
  return outcome.code !== void 0 && QUICK_RETRIED.includes(outcome.code) ? Math.min(1, options.retries) : options.retries;
}
function backoffMs(retriesDone, minRetryDelayMs) {
  return Math.min(3e4, minRetryDelayMs * 2 ** retriesDone);
}
function retryAfterMs(headers) {
  const value = headerValue(headers["retry-after"]);
  if (!value) return void 0;
  const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1e3;
  return Number.isFinite(seconds) ? Math.min(6e4, Math.max(0, seconds * 1e3)) : void 0;
}
var listeners = /* @__PURE__ */ new Set();
function announceRetry(notice) {
  for (const listener of listeners) listener(notice);
}
function retryNotice(url, outcome, retriesDone, options, delayMs) {
  const host = typeof url === "string" ? safeHost(url) : url.host;
  return { host, retry: retriesDone + 1, of: retriesAllowed(outcome, options), after: String(outcome.statusCode ?? outcome.code ?? "an error"), delayMs };
}
function safeHost(id) {
  const parsed = parseUrl(id);
  if (parsed && (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.host) return parsed.host;
  const first = id.split("/")[0] ?? "";
  const looksLikeHost = first.includes(".") || first.includes(":") || first === "localhost";
  const host = looksLikeHost && !first.includes("@") ? parseUrl(`http://${first}`)?.host : void 0;
  return host || id;
}
function parseUrl(text3) {
  try {
    return new URL(text3);
  } catch {
    return void 0;
  }
}

// src/adapters/http/fast-http.ts
var READ_BUFFER = 512 << 10;
var MAX_HEAD = 64 << 10;
var MAX_REDIRECTS = 10;
var KEEP_ALIVE_MS = 4e3;
var CONNECT_TIMEOUT_MS = 1e4;
var MAX_INTERIM = 10;
var REDIRECTS = /* @__PURE__ */ new Set([301, 302, 303, 307, 308]);
var UNREACHABLE_FOR_MS = 3e4;
var failure = (message, code) => Object.assign(new Error(message), { code });
var OriginPool = class {
  constructor(cap) {
    this.cap = cap;
  }
  cap;
  idle = [];
  active = 0;
  waiting = [];
  async acquire() {
    if (this.active < this.cap) {
      this.active++;
      return;
    }
    await new Promise((resolve2) => this.waiting.push(resolve2));
  }
  /** A slot is given up: the next waiter takes it over. */
  release() {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
};
var FastHttp = class {
  constructor(options) {
    this.options = options;
  }
  options;
  pools = /* @__PURE__ */ new Map();
  /** Origins that refused the connection or do not resolve, with what their requests fail with, until when. */
  unreachable = /* @__PURE__ */ new Map();
  /** One buffer for every plain-http read: pieces are consumed before the next read reuses it. */
  readBuffer = Buffer.allocUnsafe(READ_BUFFER);
  async get(url, headers) {
    let target = new URL(url);
    let sent = { ...headers };
    for (let redirects = 0, retries = 0; ; ) {
      const unreachable = this.unreachable.get(target.origin);
      if (unreachable && Date.now() < unreachable.until) throw failure(unreachable.message, unreachable.code);
      let response;
      try {
        response = await this.once(target, sent);
      } catch (e) {
        const code = e?.code;
        const delay2 = isRetried(e) ? this.retryDelay(target, { code }, retries) : void 0;
        if (delay2 === void 0) throw code !== void 0 && UNREACHABLE.includes(code) ? this.unreachableFor(target, code) : e;
        retries++;
        await sleep(delay2);
        continue;
      }
      this.unreachable.delete(target.origin);
      const delay = RETRIED_STATUS.includes(response.statusCode) ? this.retryDelay(target, { statusCode: response.statusCode, headers: response.headers }, retries) : void 0;
      if (delay !== void 0) {
        response.body.discard();
        retries++;
        await sleep(delay);
        continue;
      }
      const location = headerValue(response.headers.location);
      if (REDIRECTS.has(response.statusCode) && location) {
        response.body.discard();
        if (++redirects > MAX_REDIRECTS) throw new Error(`${redactUrl(url)}: more than ${MAX_REDIRECTS} redirects`);
        const next = new URL(location, target);
        if (next.origin !== target.origin) {
          sent = Object.fromEntries(Object.entries(sent).filter(([name]) => name.toLowerCase() !== "authorization"));
        }
        target = next;
        continue;
      }
      return response;
    }
  }
  /** The wait before retrying after `outcome` (announced to the progress line), or undefined: failed for good. */
  retryDelay(target, outcome, retriesDone) {
    const delay = retryDelayMs(outcome, retriesDone, this.options);
    if (delay !== void 0) announceRetry(retryNotice(target, outcome, retriesDone, this.options, delay));
    return delay;
  }
  /**
   * A host that refused twice, whose name does not resolve, or for which no DNS server answered
   * twice, stays so for a while (UNREACHABLE_FOR_MS): every request to it meanwhile fails at once
   * with the same message (one line for all it would have served), instead of each waiting out
   * its own retry or DNS lookup. Then it is tried again, in case it came back.
   */
  unreachableFor(target, code) {
    const message = unreachableMessage(target, code) ?? code;
    this.unreachable.set(target.origin, { message, code, until: Date.now() + (this.options.unreachableForMs ?? UNREACHABLE_FOR_MS) });
    return failure(message, code);
  }
  pool(origin) {
    let pool = this.pools.get(origin);
    if (!pool) this.pools.set(origin, pool = new OriginPool(this.options.connectionsPerHost));
    return pool;
  }
  /** One request on a kept-alive connection or a new one; a kept-alive one the server closed meanwhile is replaced once. */
  async once(url, headers) {
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`${url.protocol} urls are not supported`);
    const pool = this.pool(url.origin);
    await pool.acquire();
    let slotHeld = true;
    const releaseSlot = () => {
      if (slotHeld) pool.release();
      slotHeld = false;
    };
    try {
      const reused = takeIdle(pool);
      if (reused) {
        try {
          return await reused.send(url, headers, releaseSlot);
        } catch (e) {
          if (!reused.closedBeforeAnswer) throw e;
        }
      }
      const fresh = await this.open(url, pool);
      return await fresh.send(url, headers, releaseSlot);
    } catch (e) {
      releaseSlot();
      throw e;
    }
  }
  open(url, pool) {
    const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    return new Promise((resolve2, reject) => {
      let connection;
      let socket;
      const onConnectError = (e) => reject(e);
      if (url.protocol === "https:") {
        const gathered = new Gather((buffer, length2) => connection?.feed(buffer, length2));
        const tlsOptions = { host, port, servername: (0, import_node_net.isIP)(host) ? void 0 : host, ALPNProtocols: ["http/1.1"], ca: this.options.ca, lookup: this.options.lookup, onread: gathered.onread };
        socket = (0, import_node_tls.connect)(tlsOptions, () => {
          clearTimeout(timer);
          socket.off("error", onConnectError);
          resolve2(connection = new Connection(socket, pool, this.options.idleTimeoutMs));
        });
        for (const event of ["end", "error", "close"]) socket.on(event, () => gathered.flush());
      } else {
        socket = (0, import_node_net.connect)({ host, port, lookup: this.options.lookup, onread: { buffer: this.readBuffer, callback: (n, buffer) => (connection?.feed(buffer, n), true) } }, () => {
          clearTimeout(timer);
          socket.off("error", onConnectError);
          resolve2(connection = new Connection(socket, pool, this.options.idleTimeoutMs));
        });
      }
      socket.setNoDelay(true);
      socket.once("error", onConnectError);
      const timer = setTimeout(() => socket.destroy(failure(`connecting to ${url.host} took more than ${CONNECT_TIMEOUT_MS / 1e3} s`, "UND_ERR_CONNECT_TIMEOUT")), CONNECT_TIMEOUT_MS);
      socket.once("close", () => clearTimeout(timer));
    });
  }
};
var RECORD_ROOM = 32 << 10;
var Gather = class {
  constructor(feed) {
    this.feed = feed;
  }
  feed;
  buffer = Buffer.allocUnsafe(READ_BUFFER);
  /** Bytes [start, end) have come and are not fed on yet; the next record lands at `end`. */
  start = 0;
  end = 0;
  scheduled = false;
  onread = {
    buffer: () => this.nextRegion(),
    callback: (n) => {
      this.end += n;
      if (this.buffer.length - this.end < RECORD_ROOM) this.flush();
      else this.flushLater();
      return true;
    }
  };
  /** Where the next record goes: after the last one, or from the start once all is fed on. */
  nextRegion() {
    if (this.start === this.end && this.buffer.length - this.end < RECORD_ROOM) this.start = this.end = 0;
    return this.buffer.subarray(this.end);
  }
  flushLater() {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }
  /** Feeds on what came; those bytes are free again once the feed returns. */
  flush() {
    if (this.start === this.end) return;
    const piece = this.buffer.subarray(this.start, this.end);
    this.start = this.end;
    this.feed(piece, piece.length);
  }
};
function takeIdle(pool) {
  for (let c = pool.idle.pop(); c; c = pool.idle.pop()) if (c.usable) return c;
  return void 0;
}
var Connection = class {
  constructor(socket, pool, idleTimeoutMs) {
    this.socket = socket;
    this.pool = pool;
    this.idleTimeoutMs = idleTimeoutMs;
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(failure("the server closed the connection", "UND_ERR_SOCKET")));
    socket.on("end", () => this.endOfStream());
    socket.setTimeout(idleTimeoutMs, () => {
      if (this.phase === "idle") this.socket.destroy();
      else this.socket.destroy(failure(`no data for ${idleTimeoutMs / 1e3} s`, this.phase === "head" ? "UND_ERR_HEADERS_TIMEOUT" : "UND_ERR_BODY_TIMEOUT"));
    });
  }
  socket;
  pool;
  idleTimeoutMs;
  phase = "idle";
  head = [];
  headBytes = 0;
  /** Informational (1xx) heads skipped since the request. */
  interim = 0;
  answered = false;
  /** What the current request asked for, to name it in errors. */
  target;
  /** True when the socket closed before any byte of an answer (a kept-alive socket the server dropped). */
  closedBeforeAnswer = false;
  framing = { kind: "none" };
  keepAlive = false;
  chunkLeft = 0;
  chunkState = "size";
  line = "";
  /** Body pieces that came before pump() was called (copied: the read buffer is reused). */
  early = [];
  take;
  onHead;
  onHeadFailed;
  onBodyDone;
  bodyError;
  bodyComplete = false;
  releaseSlot = () => void 0;
  get usable() {
    return this.phase === "idle" && !this.socket.destroyed;
  }
  send(url, headers, releaseSlot) {
    const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`];
    for (const [name, value] of Object.entries(headers)) {
      if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) return Promise.reject(new Error(`header ${name}: line breaks are not allowed`));
      if (name.toLowerCase() !== "host") lines.push(`${name}: ${value}`);
    }
    this.phase = "head";
    this.releaseSlot = releaseSlot;
    this.head = [];
    this.headBytes = 0;
    this.interim = 0;
    this.target = url;
    this.answered = false;
    this.closedBeforeAnswer = false;
    this.early = [];
    this.take = void 0;
    this.bodyError = void 0;
    this.bodyComplete = false;
    this.socket.setTimeout(this.idleTimeoutMs);
    this.socket.ref();
    return new Promise((resolve2, reject) => {
      this.onHead = resolve2;
      this.onHeadFailed = reject;
      this.socket.resume();
      this.socket.write(`${lines.join("\r\n")}\r
\r
`);
    });
  }
  /** Bytes from the socket (pausing is done with socket.pause()). */
  feed(buffer, length2) {
    let offset = 0;
    if (this.phase === "head") {
      this.answered = true;
      offset = this.readHead(buffer, 0, length2);
      if (offset < 0) return;
    }
    if (this.phase === "body" && offset < length2) this.readBody(buffer, offset, length2);
  }
  /**
   * Gathers the head from `start`; returns where the body starts in `buffer`, or -1 when the head
   * goes on. Only head bytes are copied: the body that came in the same read is delivered from
   * `buffer`. Informational heads (1xx: 100 Continue, 103 Early Hints) are skipped: the final
   * head follows them on the same connection.
   */
  readHead(buffer, start, length2) {
    for (; ; ) {
      const carried = this.headBytes;
      const window = buffer.subarray(start, Math.min(length2, start + MAX_HEAD + 4 - carried));
      const all = carried === 0 ? window : Buffer.concat([...this.head, window]);
      const end = all.indexOf("\r\n\r\n", Math.max(0, carried - 3));
      if (end < 0) {
        if (carried + window.length > MAX_HEAD) {
          this.socket.destroy(failure(`a response head of more than ${MAX_HEAD} bytes`, "UND_ERR_HEADERS_OVERFLOW"));
          return -1;
        }
        this.head.push(Buffer.from(window));
        this.headBytes += window.length;
        return -1;
      }
      const headEnd = start + end + 4 - carried;
      this.head = [];
      this.headBytes = 0;
      const text3 = all.toString("latin1", 0, end);
      const interim = interimStatus(text3);
      if (interim !== 0) {
        if (!this.skipInterim(interim)) return -1;
        start = headEnd;
        if (start === length2) return -1;
        continue;
      }
      return this.startBody(text3, headEnd);
    }
  }
  /** Whether an informational head can be passed over; fails the request when it cannot. */
  skipInterim(status) {
    const url = this.named();
    if (status === 101) {
      this.socket.destroy(failure(`${url}: the server answered 101 Switching Protocols to a plain GET, which asked for no upgrade`, "KB_HTTP_PROTOCOL"));
      return false;
    }
    if (++this.interim > MAX_INTERIM) {
      this.socket.destroy(failure(`${url}: more than ${MAX_INTERIM} informational (1xx) responses and no final one`, "KB_HTTP_PROTOCOL"));
      return false;
    }
    return true;
  }
  /** The final head is in: hands the response over; returns where its body starts, or -1. */
  startBody(head, bodyStart) {
    const response = this.parseHead(head);
    if (!response) return -1;
    this.phase = "body";
    this.socket.pause();
    const onHead = this.onHead;
    this.onHead = this.onHeadFailed = void 0;
    if (this.framing.kind === "none" || this.framing.kind === "length" && this.framing.left === 0) this.completeBody();
    onHead?.(response);
    return bodyStart;
  }
  parseHead(text3) {
    const [statusLine = "", ...headerLines] = text3.split("\r\n");
    const status = /^HTTP\/1\.([01]) (\d{3})/.exec(statusLine);
    if (!status) {
      this.socket.destroy(failure(`not an HTTP/1.x response: ${JSON.stringify(statusLine.slice(0, 80))}`, "UND_ERR_SOCKET"));
      return void 0;
    }
    const headers = /* @__PURE__ */ Object.create(null);
    for (const line of headerLines) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const had = headers[name];
      headers[name] = had === void 0 ? value : Array.isArray(had) ? [...had, value] : [had, value];
    }
    const statusCode = Number(status[2]);
    const connection = (headerValue(headers.connection) ?? "").toLowerCase();
    this.keepAlive = status[1] === "1" ? connection !== "close" : connection === "keep-alive";
    const encoding = (headerValue(headers["transfer-encoding"]) ?? "").toLowerCase();
    const length2 = headerValue(headers["content-length"]);
    if (statusCode === 204 || statusCode === 304) this.framing = { kind: "none" };
    else if (encoding.includes("chunked")) {
      this.framing = { kind: "chunked" };
      this.chunkState = "size";
      this.line = "";
    } else if (length2 !== void 0 && /^\d+$/.test(length2)) this.framing = { kind: "length", left: Number(length2) };
    else {
      const expected = statusCode === 206 ? rangeLength(headers) : Infinity;
      this.framing = { kind: "close", expected, left: expected };
      this.keepAlive = false;
    }
    const body = { pump: (take) => this.pump(take), discard: () => this.discard() };
    return { statusCode, headers, body };
  }
  readBody(buffer, start, end) {
    const framing = this.framing;
    if (framing.kind === "length") {
      const n = Math.min(end - start, framing.left);
      framing.left -= n;
      this.deliver(buffer, start, start + n);
      if (framing.left === 0) this.completeBody();
    } else if (framing.kind === "close") {
      framing.left -= end - start;
      if (framing.left < 0) this.socket.destroy(failure(`${this.named()}: the server sent more than the ${framing.expected} bytes its Content-Range announced`, "KB_HTTP_PROTOCOL"));
      else this.deliver(buffer, start, end);
    } else if (framing.kind === "chunked") this.readChunked(buffer, start, end);
  }
  readChunked(buffer, start, end) {
    let i = start;
    while (i < end && this.phase === "body" && !this.bodyComplete) {
      if (this.chunkState === "data") {
        const n = Math.min(end - i, this.chunkLeft);
        this.deliver(buffer, i, i + n);
        this.chunkLeft -= n;
        i += n;
        if (this.chunkLeft === 0) this.chunkState = "data-end";
        continue;
      }
      const newline = buffer.indexOf(10, i);
      const stop = newline < 0 || newline >= end ? end : newline + 1;
      this.line += buffer.toString("latin1", i, stop);
      i = stop;
      if (!this.line.endsWith("\n")) {
        if (this.line.length > 4096) this.socket.destroy(failure("a chunk-size line of more than 4 KiB", "UND_ERR_SOCKET"));
        continue;
      }
      const line = this.line.trim();
      this.line = "";
      if (this.chunkState === "data-end") this.chunkState = "size";
      else if (this.chunkState === "size") {
        const size = Number.parseInt(line.split(";")[0] ?? "", 16);
        if (!Number.isFinite(size) || size < 0) {
          this.socket.destroy(failure(`a malformed chunk size ${JSON.stringify(line.slice(0, 40))}`, "UND_ERR_SOCKET"));
          return;
        }
        if (size === 0) this.chunkState = "trailer";
        else {
          this.chunkLeft = size;
          this.chunkState = "data";
        }
      } else if (line === "") this.completeBody();
    }
  }
  deliver(buffer, start, end) {
    if (start >= end || this.bodyError) return;
    if (!this.take) {
      this.early.push(Buffer.from(buffer.subarray(start, end)));
      return;
    }
    let more;
    try {
      more = this.take(buffer.subarray(start, end));
    } catch (e) {
      this.stopBody(e);
      return;
    }
    if (!more && !this.endsWithThisPiece()) this.stopBody();
  }
  endsWithThisPiece() {
    return this.framing.kind === "length" && this.framing.left === 0;
  }
  /** The consumer stopped (or threw) mid-body: the connection cannot be reused. */
  stopBody(error) {
    this.phase = "closed";
    this.socket.destroy();
    this.releaseSlot();
    this.settleBody(error);
  }
  /** Tells the pump how the body ended, once. */
  settleBody(error) {
    const done = this.onBodyDone;
    this.onBodyDone = void 0;
    this.take = void 0;
    done?.(error);
  }
  completeBody() {
    this.bodyComplete = true;
    if (!this.take && this.onBodyDone === void 0) return;
    this.finishBody();
  }
  finishBody() {
    this.take = void 0;
    this.recycle();
    this.settleBody();
  }
  /** Back to the pool for the next request, or closed. */
  recycle() {
    if (this.keepAlive && !this.socket.destroyed) {
      this.phase = "idle";
      this.socket.setTimeout(KEEP_ALIVE_MS);
      this.socket.unref();
      this.pool.idle.push(this);
    } else {
      this.phase = "closed";
      this.socket.destroy();
    }
    this.releaseSlot();
  }
  pump(take) {
    return new Promise((resolve2, reject) => {
      if (this.take || this.onBodyDone) {
        reject(new Error("the body is already being read"));
        return;
      }
      this.onBodyDone = (error) => error ? reject(error) : resolve2();
      this.take = take;
      for (const piece of this.early.splice(0)) {
        this.deliver(piece, 0, piece.length);
        if (!this.take) return;
      }
      if (this.bodyError) this.settleBody(this.bodyError);
      else if (this.bodyComplete) this.finishBody();
      else this.socket.resume();
    });
  }
  discard() {
    this.early = [];
    this.take = void 0;
    if (this.phase === "body" && this.bodyComplete) {
      this.recycle();
      return;
    }
    if (this.phase === "body") {
      this.phase = "closed";
      this.socket.destroy();
    }
    this.releaseSlot();
  }
  /**
   * The server ended its side: a close-delimited body is complete unless a Content-Range told a
   * length it falls short of (anything else is cut short). A size known only to the caller (a
   * blob's descriptor) is the caller's to hold the body to (fetch-file.ts); with no size known
   * anywhere, a cut close-delimited body passes here and the checksum verified downstream fails it.
   */
  endOfStream() {
    const framing = this.framing;
    if (this.phase !== "body" || framing.kind !== "close" || this.bodyComplete) return;
    if (framing.left > 0 && framing.left !== Infinity) {
      const got = framing.expected - framing.left;
      this.socket.destroy(failure(`${this.named()}: the server closed the connection after ${got} of the ${framing.expected} bytes its Content-Range announced`, "UND_ERR_SOCKET"));
      return;
    }
    this.keepAlive = false;
    this.completeBody();
  }
  /** The current request's url, for messages (secrets redacted). */
  named() {
    return redactUrl(this.target?.href ?? "");
  }
  fail(error) {
    const phase = this.phase;
    if (phase === "closed") return;
    this.phase = "closed";
    this.removeFromIdle();
    if (phase === "idle") return;
    if (phase === "head") {
      this.closedBeforeAnswer = !this.answered;
      const reject = this.onHeadFailed;
      this.onHead = this.onHeadFailed = void 0;
      this.releaseSlot = () => void 0;
      reject?.(error);
      return;
    }
    if (this.bodyComplete) {
      if (this.onBodyDone) this.finishBody();
      return;
    }
    this.releaseSlot();
    this.bodyError = error;
    this.settleBody(error);
  }
  removeFromIdle() {
    const i = this.pool.idle.indexOf(this);
    if (i >= 0) this.pool.idle.splice(i, 1);
  }
};
function interimStatus(head) {
  const status = /^HTTP\/1\.[01] (1\d\d)/.exec(head);
  return status ? Number(status[1]) : 0;
}
function rangeLength(headers) {
  const range = /^\s*bytes\s+(\d+)-(\d+)\//i.exec(headerValue(headers["content-range"]) ?? "");
  return range ? Number(range[2]) - Number(range[1]) + 1 : Infinity;
}
function isRetried(error) {
  const code = error?.code;
  return typeof code === "string" && code !== "UND_ERR_BODY_TIMEOUT" && (RETRIED_ERRORS.includes(code) || QUICK_RETRIED.includes(code));
}
var sleep = (ms2) => new Promise((resolve2) => setTimeout(resolve2, ms2));

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

// src/adapters/http/client.ts
var DEFAULT_HTTP_OPTIONS = {
  // bench/files.sh: 16, 24 and 32 connections took 3.2, 3.1 and 3.0 s for Kubespray's
  // 1.1 GB set behind a 32 MiB/s-per-connection cap; 24 keeps most of it and stays polite.
  connectionsPerHost: 24,
  retries: 5,
  minRetryDelayMs: 500,
  idleTimeoutMs: 6e4
};
var undici = lazyRequire("undici");
var bulk = /* @__PURE__ */ new WeakMap();
function createHttpClient(options) {
  const http = new LazyHttpClient(async () => createDispatcher(undici(), options));
  bulk.set(http, proxyConfigured() ? new DispatcherBytes(http) : new FastHttp(options));
  return http;
}
var LazyHttpClient = class {
  constructor(make) {
    this.make = make;
  }
  make;
  made;
  async request(options) {
    return (await this.client()).request(options);
  }
  /** Closes the client if one was made; one never made has nothing to close. */
  async close() {
    if (this.made) await (await this.made).close();
  }
  client() {
    return this.made ??= this.make();
  }
};
function proxyConfigured() {
  return ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"].some((name) => Boolean(process.env[name]));
}
var PROXY_REFUSED_TUNNEL = "KB_PROXY_REFUSED_TUNNEL";
function proxyClientFactory(Client) {
  return (origin, options) => {
    const client = new Client(origin, options);
    const connect = client.connect.bind(client);
    const connectOrRefuse = (o, callback) => {
      if (callback !== void 0) return connect(o, callback);
      return connect(o).catch((e) => {
        if (e?.code !== "UND_ERR_SOCKET") throw e;
        throw Object.assign(
          new Error(`the proxy ${origin.host} closed the connection when asked to tunnel to ${o.path ?? "?"} (CONNECT): it refuses the tunnel; check HTTPS_PROXY and NO_PROXY`),
          { code: PROXY_REFUSED_TUNNEL, cause: e }
        );
      });
    };
    Object.defineProperty(client, "connect", { value: connectOrRefuse });
    return client;
  };
}
function retryAsPolicySays(options) {
  return (err, { state, opts }, callback) => {
    const { code, statusCode, headers } = err;
    const outcome = statusCode !== void 0 ? { statusCode, headers } : { code: code === "UND_ERR_REQ_RETRY" ? "UND_ERR_SOCKET" : code };
    const retriesDone = Math.max(0, state.counter - 1);
    const delay = ["GET", "HEAD"].includes(opts.method) ? retryDelayMs(outcome, retriesDone, options) : void 0;
    if (delay === void 0) return callback(unreachableError(err, String(opts.origin ?? "")));
    announceRetry(retryNotice(`${String(opts.origin ?? "")}${opts.path}`, outcome, retriesDone, options, delay));
    setTimeout(() => callback(null), delay);
  };
}
function unreachableError(err, origin) {
  const code = err.code;
  if (code === void 0 || !UNREACHABLE.includes(code)) return err;
  let target;
  try {
    target = new URL(origin);
  } catch {
    return err;
  }
  const message = unreachableMessage(target, code);
  return message === void 0 ? err : Object.assign(new Error(message, { cause: err }), { code });
}
function createDispatcher({ Client, EnvHttpProxyAgent, interceptors }, options) {
  const agent = new EnvHttpProxyAgent({
    clientFactory: proxyClientFactory(Client),
    // Plain-HTTP urls go to an HTTP proxy as absolute-URI requests, the way curl sends them: a
    // CONNECT tunnel to port 80 is what proxies commonly refuse (Squid's default), and undici
    // reconnects without end when a proxy closes on a CONNECT. HTTPS is tunnelled as always.
    proxyTunnel: false,
    connections: options.connectionsPerHost,
    headersTimeout: options.idleTimeoutMs,
    bodyTimeout: options.idleTimeoutMs,
    ...options.lookup ? { connect: { lookup: options.lookup } } : {}
  });
  return agent.compose(
    interceptors.retry({
      maxRetries: options.retries,
      minTimeout: options.minRetryDelayMs,
      maxTimeout: 3e4,
      timeoutFactor: 2,
      retryAfter: true,
      methods: ["GET", "HEAD"],
      statusCodes: [...RETRIED_STATUS],
      errorCodes: [...RETRIED_ERRORS, ...QUICK_RETRIED],
      retry: retryAsPolicySays(options)
    }),
    interceptors.redirect({ maxRedirections: 10 })
  );
}

// src/adapters/github/client.ts
var GitHubError = class extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
    this.name = "GitHubError";
  }
  status;
};
var MAX_PAGES = 100;
var header = (res, name) => {
  const v2 = res.headers[name];
  return Array.isArray(v2) ? v2[0] : v2;
};
var GitHubClient = class {
  constructor(options) {
    this.options = options;
    this.base = new URL(options.apiUrl.endsWith("/") ? options.apiUrl : `${options.apiUrl}/`);
  }
  options;
  base;
  /** An absolute url for an API path (`repos/o/r/tags`), keeping a GHES base path such as /api/v3. */
  url(path) {
    return /^https?:\/\//.test(path) ? new URL(path) : new URL(path.replace(/^\//, ""), this.base);
  }
  headers(extra = {}) {
    return {
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "user-agent": this.options.userAgent,
      ...this.options.token ? { authorization: `Bearer ${this.options.token}` } : {},
      ...extra
    };
  }
  /** One request, waiting out a rate limit once when the wait is short. */
  async request(method, path, init = {}) {
    const url = this.url(path);
    for (let attempt = 0; ; attempt++) {
      let res;
      try {
        res = await this.options.http.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method,
          headers: this.headers(init.headers),
          body: init.body
        });
      } catch (e) {
        throw new GitHubError(`the GitHub API at ${this.base.origin} (${this.options.settings?.url ?? "GITHUB_API_URL"}) did not answer ${method} ${url.pathname}: ${e.message}`);
      }
      const replayable = !(init.body && typeof init.body.pipe === "function");
      const wait = attempt === 0 && replayable ? this.rateLimitWait(res) : void 0;
      if (wait === void 0) return res;
      await res.body.dump();
      if (wait > (this.options.maxRateLimitWaitMs ?? 6e4)) {
        const reset = header(res, "x-ratelimit-reset");
        const when = reset ? new Date(Number(reset) * 1e3).toISOString() : `in ${Math.ceil(wait / 1e3)} s`;
        throw new GitHubError(
          `${url.origin}: API rate limit exhausted (HTTP ${res.statusCode}) until ${when}` + (this.options.token ? "" : `; a token (${this.options.settings?.token ?? "GITHUB_TOKEN, or the github-token input"}) raises the limit`),
          res.statusCode
        );
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  /** How long a rate-limited answer asks us to wait (ms), or undefined when it is not one. */
  rateLimitWait(res) {
    if (res.statusCode !== 403 && res.statusCode !== 429) return void 0;
    const retryAfter = header(res, "retry-after");
    if (retryAfter && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1e3;
    if (header(res, "x-ratelimit-remaining") === "0") {
      const reset = Number(header(res, "x-ratelimit-reset") ?? 0) * 1e3;
      return Math.max(1e3, reset - Date.now() + 1e3);
    }
    return void 0;
  }
  async json(path) {
    const res = await this.request("GET", path);
    if (res.statusCode !== 200) throw await this.failure(res, `GET ${path}`);
    return await res.body.json();
  }
  /** A GET that may 404: undefined then. */
  async jsonOrMissing(path) {
    const res = await this.request("GET", path);
    if (res.statusCode === 404 || res.statusCode === 422) {
      await res.body.dump();
      return void 0;
    }
    if (res.statusCode !== 200) throw await this.failure(res, `GET ${path}`);
    return await res.body.json();
  }
  /** Every page of a list endpoint, following Link: <…>; rel="next". */
  async paginate(path) {
    const items = [];
    let next = `${path}${path.includes("?") ? "&" : "?"}per_page=100`;
    for (let page = 0; next; page++) {
      if (page === MAX_PAGES) throw new GitHubError(`GET ${path}: more than ${MAX_PAGES} pages of results`);
      const res = await this.request("GET", next);
      if (res.statusCode !== 200) throw await this.failure(res, `GET ${path}`);
      items.push(...await res.body.json());
      next = /<([^>]+)>;\s*rel="next"/.exec(header(res, "link") ?? "")?.[1];
    }
    return items;
  }
  /** A streamed GET (redirects followed); the caller consumes the body. */
  async stream(path) {
    const res = await this.request("GET", path, { headers: { accept: "application/octet-stream" } });
    if (res.statusCode !== 200) throw await this.failure(res, `GET ${path}`);
    return res.body;
  }
  async failure(res, what) {
    const text3 = await res.body.text().catch(() => "");
    let message = text3.slice(0, 300);
    try {
      message = JSON.parse(text3).message ?? message;
    } catch {
    }
    const hint = res.statusCode === 401 ? " (the token was refused)" : res.statusCode === 404 && !this.options.token ? " (a private repository needs a token)" : "";
    return new GitHubError(redactText(`${this.url(what.split(" ")[1] ?? "").origin}: ${what}: HTTP ${res.statusCode} ${message}${hint}`), res.statusCode);
  }
};

// src/domain/api-url.ts
var GITHUB_COM_API_URL = "https://api.github.com";

// src/version.ts
var TOOL_VERSION = true ? "1.0.0" : "0.0.0-dev";
var USER_AGENT = `kubespray-bundle/${TOOL_VERSION}`;

// src/cli/usage-error.ts
var UsageError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "UsageError";
  }
};

// src/cli/github-env.ts
var workflowApiUrl = () => process.env.GITHUB_API_URL || GITHUB_COM_API_URL;
function githubFromEnv(http, writeFor) {
  const token = process.env.GITHUB_TOKEN || void 0;
  if (writeFor && !token) throw new UsageError(`GITHUB_TOKEN is required to ${writeFor} (a token that may write the repository's contents)`);
  return new GitHubClient({ http, apiUrl: workflowApiUrl(), token, userAgent: USER_AGENT });
}

// src/adapters/github/releases.ts
var import_node_fs = require("node:fs");
var UPLOAD_ATTEMPTS = 4;
var GitHubReleases = class {
  constructor(client, repo) {
    this.client = client;
    this.repo = repo;
  }
  client;
  repo;
  byTag(tag) {
    return this.client.jsonOrMissing(`repos/${this.repo}/releases/tags/${encodeURIComponent(tag)}`);
  }
  /**
   * Creates the release, or finds it when another publisher created it first (jobs of a matrix
   * publish into one release at once: GitHub answers 422 for a tag that has a release).
   */
  async createOrFind(tag, name, body) {
    const res = await this.client.request("POST", `repos/${this.repo}/releases`, {
      body: JSON.stringify({ tag_name: tag, name, body, draft: false, prerelease: false }),
      headers: { "content-type": "application/json" }
    });
    if (res.statusCode === 201) return { release: await res.body.json(), created: true };
    const failure2 = await this.client.failure(res, `POST repos/${this.repo}/releases`);
    const existing = res.statusCode === 422 ? await this.byTag(tag) : void 0;
    if (existing) return { release: existing, created: false };
    throw failure2;
  }
  async update(release, fields) {
    const res = await this.client.request("PATCH", `repos/${this.repo}/releases/${release.id}`, { body: JSON.stringify(fields), headers: { "content-type": "application/json" } });
    if (res.statusCode !== 200) throw await this.client.failure(res, `PATCH repos/${this.repo}/releases/${release.id}`);
    return await res.body.json();
  }
  assets(release) {
    return this.client.paginate(`repos/${this.repo}/releases/${release.id}/assets`);
  }
  /** Deletes an asset by its id: false when it was gone already (someone else deleted it). */
  async deleteAsset(asset) {
    const res = await this.client.request("DELETE", `repos/${this.repo}/releases/assets/${asset.id}`);
    await res.body.dump();
    if (res.statusCode !== 204 && res.statusCode !== 404) throw new GitHubError(`deleting asset ${asset.name}: HTTP ${res.statusCode}`, res.statusCode);
    return res.statusCode === 204;
  }
  /** Renames an asset; GitHub answers 422 when the release has an asset of that name already. */
  async rename(asset, name) {
    const where = `PATCH repos/${this.repo}/releases/assets/${asset.id}`;
    const res = await this.client.request("PATCH", `repos/${this.repo}/releases/assets/${asset.id}`, { body: JSON.stringify({ name }), headers: { "content-type": "application/json" } });
    if (res.statusCode !== 200) throw await this.client.failure(res, `${where} (${asset.name} \u2192 ${name})`);
    return await res.body.json();
  }
  /**
   * Streams a file to the release as asset `name`. A 5xx or a cut connection is retried with a
   * fresh stream, after deleting the half-made asset the failure left: only one this upload
   * made (of that name, not there before it, still 'starter'), never another publisher's.
   */
  async upload(release, name, path, size) {
    const url = new URL(release.upload_url.replace(/\{.*\}$/, ""));
    url.searchParams.set("name", name);
    let last;
    const before = new Set((await this.assets(release)).filter((a) => a.name === name).map((a) => a.id));
    for (let attempt = 1; attempt <= UPLOAD_ATTEMPTS; attempt++) {
      let res;
      try {
        res = await this.client.request("POST", url.toString(), {
          body: (0, import_node_fs.createReadStream)(path, { highWaterMark: 1 << 20 }),
          headers: { "content-type": "application/octet-stream", "content-length": String(size) }
        });
      } catch (e) {
        last = e;
        await this.removeLeftover(release, name, before);
        continue;
      }
      if (res.statusCode === 201) return await res.body.json();
      const retryAfter = Number(res.headers["retry-after"] ?? NaN);
      const limited = (res.statusCode === 403 || res.statusCode === 429) && Number.isFinite(retryAfter);
      last = await this.client.failure(res, `POST ${url.pathname}`);
      if (res.statusCode < 500 && !limited) throw last;
      await this.removeLeftover(release, name, before);
      await new Promise((r) => setTimeout(r, limited ? retryAfter * 1e3 : 500 * 2 ** (attempt - 1)));
    }
    throw new GitHubError(`uploading ${name} failed ${UPLOAD_ATTEMPTS} times: ${last.message}`);
  }
  async removeLeftover(release, name, before) {
    for (const a of await this.assets(release)) if (a.name === name && a.state === "starter" && !before.has(a.id)) await this.deleteAsset(a);
  }
  /** An asset as a byte source for the resumable fetcher. */
  source(asset) {
    return {
      id: `${this.repo}@${asset.name}`,
      get: async (headers) => fromUndici(await this.client.request("GET", asset.url, { headers: { ...headers, accept: "application/octet-stream" } }))
    };
  }
  async text(asset) {
    const res = await this.client.request("GET", asset.url, { headers: { accept: "application/octet-stream" } });
    if (res.statusCode !== 200) throw await this.client.failure(res, `GET ${asset.url}`);
    return res.body.text();
  }
};

// src/pipeline/merge.ts
var import_promises7 = require("node:fs/promises");
var import_node_path15 = require("node:path");

// src/domain/errors.ts
var InputError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InputError";
  }
};

// src/domain/parts.ts
var import_node_crypto = require("node:crypto");
var DEFAULT_PART_SIZE = 2 * 1024 ** 3 - 16 * 1024 ** 2;
var DEFAULT_LAYOUT = "original-host";
function assetPrefix(manifest, sums) {
  const labelOf = (k2) => k2.tag ?? k2.commit?.slice(0, 12) ?? "local";
  const label = manifest.versions ? manifest.versions.map((v2) => labelOf(v2.kubespray)).join("+") : labelOf(manifest.kubespray);
  const kube = Object.hasOwn(manifest.extraVars ?? {}, "kube_version") ? `-k8s-${manifest.kubeVersion}` : "";
  const layout = manifest.layout && manifest.layout !== DEFAULT_LAYOUT ? `-${manifest.layout}` : "";
  return `kubespray-${label}${kube}-${manifest.arches.join("_")}${layout}-${configHash(manifest, sums)}`.replace(/[^\w.-]/g, "_");
}
function configHash(manifest, sums) {
  const lists = sums.filter((e) => e.path.startsWith("lists/")).sort((a, b2) => a.path < b2.path ? -1 : a.path > b2.path ? 1 : 0);
  const text3 = [...lists.map((e) => `${e.sha256}  ${e.path}`), `layout ${manifest.layout}`, `extraVars ${canonicalJson(manifest.extraVars ?? {})}`].join("\n");
  return (0, import_node_crypto.createHash)("sha256").update(text3).digest("hex").slice(0, 8);
}
function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b2]) => a < b2 ? -1 : a > b2 ? 1 : 0);
    return `{${entries.map(([k2, v2]) => `${JSON.stringify(k2)}:${canonicalJson(v2)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
function bundlePrefixes(names) {
  return [...new Set([...names].flatMap((n) => /^(.+)-bundle-[0-9a-f]{8}\.tar$/.exec(n)?.[1] ?? []))].sort();
}
function partKind(prefix, name) {
  const quoted = prefix.replace(/[.]/g, "\\.");
  const tar = new RegExp(`^${quoted}-(bundle|files-\\d{2,}|images-\\d{2,})-[0-9a-f]{8}\\.tar$`).exec(name);
  if (tar) return tar[1].replace(/-\d+$/, "");
  const meta = new RegExp(`^${quoted}-(sums-[0-9a-f]{8}\\.txt|delta-[0-9a-f]{8}\\.json)$`).exec(name);
  return meta ? meta[1].slice(0, meta[1].indexOf("-")) : void 0;
}
var PARTIAL = ".partial";

// src/domain/release-manifest.ts
var RELEASE_SCHEMA = "kubespray-bundle-release/v1";
var RELEASE_MANIFEST = "bundle.json";
function mergeBundles(tag, tool, published) {
  const bundles = [...published].sort((a, b2) => compare(a.prefix, b2.prefix));
  const files = /* @__PURE__ */ new Map();
  const images = /* @__PURE__ */ new Map();
  for (const { prefix, manifest } of bundles) {
    for (const f2 of manifest.files) {
      const key = `${f2.path}\0${f2.sha256}`;
      const seen = files.get(key);
      if (seen) {
        seen.arches = union(seen.arches, f2.arches);
        seen.bundles.push(prefix);
      } else files.set(key, { ...f2, arches: [...f2.arches], bundles: [prefix] });
    }
    for (const i of manifest.images) {
      const seen = images.get(i.line) ?? { line: i.line, platforms: [], arches: [], bundles: [] };
      seen.platforms = union(seen.platforms, i.platforms);
      seen.arches = union(seen.arches, i.arches);
      seen.bundles.push({ prefix, digest: i.digest, platforms: i.platforms, size: i.size });
      images.set(i.line, seen);
    }
  }
  const assets = bundles.flatMap((b2) => b2.assets);
  return {
    schema: RELEASE_SCHEMA,
    tool,
    tag,
    arches: union(...bundles.map((b2) => b2.manifest.arches)),
    kubeVersions: union(bundles.map((b2) => b2.manifest.kubeVersion)),
    bundles: bundles.map(({ prefix, manifest: m2, assets: a }) => ({
      prefix,
      kubespray: { repository: m2.kubespray.repository, spec: m2.kubespray.spec, tag: m2.kubespray.tag, commit: m2.kubespray.commit },
      kubeVersion: m2.kubeVersion,
      arches: m2.arches,
      layout: m2.layout,
      extraVars: m2.extraVars,
      totals: m2.totals,
      assets: [...a].sort((x, y) => compare(x.name, y.name))
    })),
    files: [...files.values()].sort((a, b2) => compare(a.path, b2.path) || compare(a.sha256, b2.sha256)),
    images: [...images.values()].sort((a, b2) => compare(a.line, b2.line)),
    totals: { bundles: bundles.length, assets: assets.length, assetBytes: assets.reduce((n, a) => n + a.size, 0), files: files.size, images: images.size }
  };
}
function encodeReleaseManifest(manifest) {
  return `${JSON.stringify(manifest, null, 2)}
`;
}
var compare = (a, b2) => a < b2 ? -1 : a > b2 ? 1 : 0;
function union(...lists) {
  return [...new Set(lists.flat())].sort(compare);
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
var BUNDLE_SUMS = "SHA256SUMS";
var STATE_DIR = ".kubespray-bundle";

// src/adapters/http/fetch-file.ts
var import_promises2 = require("node:fs/promises");
var import_node_path2 = require("node:path");
var import_node_fs4 = require("node:fs");

// src/adapters/fs-atomic.ts
var import_node_fs2 = require("node:fs");
var import_promises = require("node:fs/promises");
var import_node_path = require("node:path");
var tempCounter = 0;
function tempPathFor(target, dir = (0, import_node_path.dirname)(target)) {
  return (0, import_node_path.join)(dir, `.${(0, import_node_path.basename)(target)}.${process.pid}.${(tempCounter++).toString(36)}.tmp`);
}
var NOFOLLOW = import_node_fs2.constants.O_NOFOLLOW ?? 0;
var CREATE_EXCLUSIVE = import_node_fs2.constants.O_RDWR | import_node_fs2.constants.O_CREAT | import_node_fs2.constants.O_EXCL | NOFOLLOW;
var OPEN_EXISTING = import_node_fs2.constants.O_RDWR | NOFOLLOW;
function createExclusive(path, mode = 420) {
  return (0, import_promises.open)(path, CREATE_EXCLUSIVE, mode);
}
function createExclusiveFd(path, mode = 420) {
  return (0, import_node_fs2.openSync)(path, CREATE_EXCLUSIVE, mode);
}
function openExistingFd(path) {
  return (0, import_node_fs2.openSync)(path, OPEN_EXISTING);
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
      for (let written = 0; written < bytes.length; ) written += (0, import_node_fs2.writeSync)(fd, bytes, written, bytes.length - written);
    } finally {
      (0, import_node_fs2.closeSync)(fd);
    }
    (0, import_node_fs2.renameSync)(temp, target);
  } catch (e) {
    (0, import_node_fs2.rmSync)(temp, { force: true });
    throw e;
  }
}
async function regularFile(path) {
  const info = await (0, import_promises.lstat)(path).catch(() => void 0);
  return info?.isFile() ? info : void 0;
}

// src/adapters/hashing.ts
var import_node_crypto2 = require("node:crypto");
var import_node_fs3 = require("node:fs");
var import_node_os = require("node:os");
var import_node_worker_threads = require("node:worker_threads");
var READ_BACK = 1 << 20;
var readBackBuffer;
function sharedReadBackBuffer() {
  readBackBuffer ??= Buffer.allocUnsafe(READ_BACK);
  return readBackBuffer;
}
var inlineHashing = {
  open(path, fd, algorithms) {
    const hashes = algorithms.map((a) => [a, (0, import_node_crypto2.createHash)(a)]);
    return {
      update(piece) {
        for (const [, h] of hashes) h.update(piece);
      },
      fromDisk(from, to2) {
        const buffer = sharedReadBackBuffer();
        for (let at2 = from; at2 < to2; ) {
          const n = (0, import_node_fs3.readSync)(fd, buffer, 0, Math.min(buffer.length, to2 - at2), at2);
          if (n === 0) throw new Error(`${path} ends at ${at2} bytes, its segments say ${to2}`);
          for (const [, h] of hashes) h.update(buffer.subarray(0, n));
          at2 += n;
        }
      },
      digest: () => Promise.resolve(new Map(hashes.map(([a, h]) => [a, h.digest("hex")]))),
      abandon: () => void 0
    };
  }
};
var RING_BYTES = 64 << 10;
var HEADER = 16;
var WRITE = 0;
var READ = 1;
var FAILED = 2;
var THREAD_ASLEEP = 3;
var WAITING_FOR_ROOM = 4;
var WAKE_AFTER_BYTES = 4 << 20;
var Kind = { open: 1, fromDisk: 3, finish: 4, abandon: 5 };
var STALL_LIMIT_MS = 6e4;
var OffThreadHashing = class {
  ring = new Uint8Array(new SharedArrayBuffer(RING_BYTES));
  control = new Int32Array(new SharedArrayBuffer(5 * 4));
  header = new Int32Array(HEADER / 4);
  headerBytes = new Uint8Array(this.header.buffer);
  thread;
  waiting = /* @__PURE__ */ new Map();
  written = 0;
  /** Bytes of spans sent since the thread was last woken. */
  unwoken = 0;
  nextId = 1;
  broken;
  /** Started with the first file: a run with nothing to download starts no thread. */
  ensureThread() {
    if (this.thread) return this.thread;
    const worker = new import_node_worker_threads.Worker(`(${hashingThread.toString()})()`, { eval: true, workerData: { ring: this.ring.buffer, control: this.control.buffer, readBack: READ_BACK } });
    worker.on("message", (reply) => this.settle(reply));
    worker.on("error", (e) => this.fail(new Error(`the hashing thread failed: ${e.message}`)));
    worker.on("exit", (code) => this.fail(new Error(`the hashing thread exited (code ${code})`)));
    worker.unref();
    return this.thread = worker;
  }
  open(path, fd, algorithms) {
    if (this.broken) return inlineHashing.open(path, fd, algorithms);
    const id = this.nextId++;
    try {
      this.ensureThread();
      this.send(Kind.open, id, new TextEncoder().encode(JSON.stringify({ path, algorithms })));
    } catch {
      return inlineHashing.open(path, fd, algorithms);
    }
    let finished = false;
    const span = new Float64Array(2);
    return {
      fromDisk: (from, to2) => {
        span[0] = from;
        span[1] = to2;
        this.unwoken += to2 - from;
        this.send(Kind.fromDisk, id, new Uint8Array(span.buffer), this.unwoken >= WAKE_AFTER_BYTES);
      },
      digest: () => {
        finished = true;
        return new Promise((resolve2, reject) => {
          if (this.broken) return reject(this.broken);
          this.waiting.set(id, { resolve: resolve2, reject });
          this.ensureThread().ref();
          this.send(Kind.finish, id, void 0, true);
        });
      },
      abandon: () => {
        if (finished || this.broken) return;
        finished = true;
        try {
          this.send(Kind.abandon, id, void 0, true);
        } catch {
        }
      }
    };
  }
  /**
   * Copies a record into the ring, waiting for room (the hashing thread frees it as it goes).
   * `wake`: a sleeping thread must take it now; other records wait for the next wake.
   */
  send(kind, id, payload, wake = false) {
    const length2 = payload?.length ?? 0;
    const size = HEADER + (length2 + 7 & ~7);
    this.waitForRoom(size);
    this.header[0] = kind;
    this.header[1] = id;
    this.header[2] = length2;
    this.copyIn(this.written, this.headerBytes);
    if (payload) this.copyIn(this.written + HEADER, payload);
    this.written = this.written + size | 0;
    Atomics.store(this.control, WRITE, this.written);
    if (wake) this.wakeThread();
  }
  /** Only a sleeping thread is notified: a busy one finds the record when it looks. */
  wakeThread() {
    this.unwoken = 0;
    if (Atomics.load(this.control, THREAD_ASLEEP)) Atomics.notify(this.control, WRITE);
  }
  waitForRoom(size) {
    let stalledSince;
    for (; ; ) {
      if (this.broken) throw this.broken;
      if (Atomics.load(this.control, FAILED)) throw this.fail(new Error("the hashing thread failed"));
      const read = Atomics.load(this.control, READ);
      if (RING_BYTES - (this.written - read | 0) >= size) return;
      this.wakeThread();
      Atomics.store(this.control, WAITING_FOR_ROOM, 1);
      const outcome = Atomics.wait(this.control, READ, read, 1e3);
      Atomics.store(this.control, WAITING_FOR_ROOM, 0);
      if (outcome === "timed-out") {
        stalledSince ??= Date.now();
        if (Date.now() - stalledSince > STALL_LIMIT_MS) throw this.fail(new Error(`the hashing thread made no progress for ${STALL_LIMIT_MS / 1e3} s`));
      } else stalledSince = void 0;
    }
  }
  copyIn(position, bytes) {
    const at2 = position & RING_BYTES - 1;
    const first = Math.min(bytes.length, RING_BYTES - at2);
    this.ring.set(bytes.subarray(0, first), at2);
    if (first < bytes.length) this.ring.set(bytes.subarray(first), 0);
  }
  settle(reply) {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.thread?.unref();
    if ("error" in reply) waiter.reject(new Error(reply.error));
    else waiter.resolve(new Map(reply.digests));
  }
  fail(error) {
    this.broken ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(this.broken);
    this.waiting.clear();
    return this.broken;
  }
  /** Stops the thread (tests; a process that exits stops it anyway). */
  async close() {
    this.fail(new Error("hashing was closed"));
    await this.thread?.terminate();
  }
};
function hashingThread() {
  const { workerData, parentPort } = require("node:worker_threads");
  const { createHash: createHash4 } = require("node:crypto");
  const { openSync: openSync3, readSync: readSync2, closeSync: closeSync4, constants: constants3 } = require("node:fs");
  const ring = new Uint8Array(workerData.ring);
  const RING = ring.length;
  const control = new Int32Array(workerData.control);
  const header2 = new Int32Array(4);
  const headerBytes = new Uint8Array(header2.buffer);
  const span = new Float64Array(2);
  const spanBytes = new Uint8Array(span.buffer);
  const readBack = Buffer.allocUnsafe(workerData.readBack);
  const files = /* @__PURE__ */ new Map();
  const copyOut = (position, into, length2 = into.length) => {
    const at2 = position & RING - 1;
    const first = Math.min(length2, RING - at2);
    into.set(ring.subarray(at2, at2 + first), 0);
    if (first < length2) into.set(ring.subarray(0, length2 - first), first);
  };
  const hashFromDisk = (file, from, to2) => {
    file.fd ??= openSync3(file.path, constants3.O_RDONLY | (constants3.O_NOFOLLOW ?? 0));
    for (let at2 = from; at2 < to2; ) {
      const n = readSync2(file.fd, readBack, 0, Math.min(readBack.length, to2 - at2), at2);
      if (n === 0) throw new Error(`${file.path} ends at ${at2} bytes, its segments say ${to2}`);
      for (const [, h] of file.hashes) h.update(readBack.subarray(0, n));
      at2 += n;
    }
  };
  const close = (id, file) => {
    if (file.fd !== void 0) closeSync4(file.fd);
    files.delete(id);
  };
  const take = (position) => {
    copyOut(position, headerBytes);
    const [kind, id, length2] = header2;
    const payload = position + 16;
    const file = files.get(id);
    if (kind === 1) {
      const open2 = JSON.parse(new TextDecoder().decode(Uint8Array.from({ length: length2 }, (_2, i) => ring[payload + i & RING - 1])));
      files.set(id, { path: open2.path, hashes: open2.algorithms.map((a) => [a, createHash4(a)]) });
    } else if (file && !file.error) {
      try {
        if (kind === 3) {
          copyOut(payload, spanBytes);
          hashFromDisk(file, span[0], span[1]);
        }
      } catch (e) {
        file.error = e instanceof Error ? e.message : String(e);
      }
    }
    if (file && kind === 4) {
      parentPort?.postMessage(file.error ? { id, error: file.error } : { id, digests: file.hashes.map(([a, h]) => [a, h.digest("hex")]) });
      close(id, file);
    } else if (file && kind === 5) close(id, file);
    return position + 16 + (length2 + 7 & ~7) | 0;
  };
  let read = 0;
  try {
    for (; ; ) {
      const written = Atomics.load(control, 0);
      if (written === read) {
        Atomics.store(control, 3, 1);
        Atomics.wait(control, 0, read);
        Atomics.store(control, 3, 0);
        continue;
      }
      while (read !== written) {
        read = take(read);
        Atomics.store(control, 1, read);
        if (Atomics.load(control, 4)) Atomics.notify(control, 1);
      }
    }
  } catch (e) {
    Atomics.store(control, 2, 1);
    Atomics.notify(control, 1);
    throw e;
  }
}
var CpuIdleSampler = class {
  constructor(times = () => (0, import_node_os.cpus)().map((c) => c.times), now = () => performance.now(), windowMs = 100, idleBelow = 0.1) {
    this.times = times;
    this.now = now;
    this.windowMs = windowMs;
    this.idleBelow = idleBelow;
    this.since = this.sample();
  }
  times;
  now;
  windowMs;
  idleBelow;
  since;
  verdict = false;
  saturated() {
    const at2 = this.now();
    if (at2 - this.since.at < this.windowMs) return this.verdict;
    const next = this.sample();
    const total = next.total - this.since.total;
    this.verdict = total > 0 && (next.idle - this.since.idle) / total < this.idleBelow;
    this.since = next;
    return this.verdict;
  }
  sample() {
    let idle = 0;
    let total = 0;
    for (const t of this.times()) {
      idle += t.idle;
      total += t.idle + t.user + t.nice + t.sys + t.irq;
    }
    return { at: this.now(), idle, total };
  }
};
var BalancedHashing = class {
  constructor(thread, load = new CpuIdleSampler()) {
    this.thread = thread;
    this.load = load;
  }
  thread;
  load;
  open(path, fd, algorithms, inOrder = false) {
    if (inOrder && this.load.saturated()) return inlineHashing.open(path, fd, algorithms);
    return this.thread.open(path, fd, algorithms);
  }
};
var shared;
function defaultHashing() {
  if (!shared) {
    const mode = hashingMode(process.env.KUBESPRAY_BUNDLE_HASH_THREAD, (0, import_node_os.availableParallelism)());
    shared = mode === "main" ? inlineHashing : mode === "thread" ? new OffThreadHashing() : new BalancedHashing(new OffThreadHashing());
  }
  return shared;
}
function hashingMode(forced, cores) {
  if (forced === void 0 || forced === "") return cores >= 2 ? "balanced" : "main";
  if (forced === "1") return "thread";
  if (forced === "0") return "main";
  throw new Error(`KUBESPRAY_BUNDLE_HASH_THREAD is ${JSON.stringify(forced)}: set it to 1 (hash on a second thread), 0 (on the main thread) or leave it unset`);
}

// src/adapters/http/fetch-file.ts
var DEFAULT_SEGMENT_POLICY = { splitAbove: 24 << 20, minSegment: 12 << 20, maxSegments: 8 };
var HttpStatusError = class extends Error {
  constructor(status, url) {
    super(`HTTP ${status}${STATUS_TEXT[status] ? " " + STATUS_TEXT[status] : ""} from ${url}`);
    this.status = status;
    this.name = "HttpStatusError";
  }
  status;
};
var STATUS_TEXT = {
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  410: "Gone",
  416: "Range Not Satisfiable",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
};
var HASH_STEP = 1 << 20;
var PrefixHasher = class {
  constructor(sink, segments) {
    this.sink = sink;
    this.segments = segments;
  }
  sink;
  segments;
  /** Bytes handed to the sink, all from byte 0 without a gap. */
  hashed = 0;
  /** The end of the bytes written without a gap from byte 0. */
  prefixEnd() {
    let end = 0;
    for (const s3 of this.segments) {
      if (s3.start !== end) break;
      end = s3.start + s3.done;
      if (s3.end === null || s3.done < s3.end - s3.start) break;
    }
    return end;
  }
  /** Bytes were just written at `position` (and counted in their segment). */
  written(position, piece) {
    if (position === this.hashed && this.sink.update) {
      this.sink.update(piece);
      this.hashed += piece.length;
      return;
    }
    this.advance();
  }
  /** Hands over from disk what became contiguous, `step` bytes or more at a time. */
  advance(step = HASH_STEP) {
    const end = this.prefixEnd();
    if (end - this.hashed < step) return;
    this.sink.fromDisk(this.hashed, end);
    this.hashed = end;
  }
  finish() {
    this.advance(1);
    return this.sink.digest();
  }
  /** No digest is wanted after all (a no-op once finish was called). */
  abandon() {
    this.sink.abandon();
  }
};
var MAX_BODY_ATTEMPTS = 4;
var RestartFromZero = class extends Error {
  constructor(message) {
    super(message);
    this.name = "RestartFromZero";
  }
};
var FileFetcher = class {
  constructor(slots, policy = DEFAULT_SEGMENT_POLICY, hashing = defaultHashing()) {
    this.slots = slots;
    this.policy = policy;
    this.hashing = hashing;
  }
  slots;
  policy;
  hashing;
  /**
   * Downloads `url` into `partPath` and returns its `algorithms` digests, hashed while it
   * downloads (a resumed file's earlier bytes included).
   */
  async fetch(source, partPath, algorithms, events) {
    const statePath = `${partPath}.json`;
    const resumed = await readPartState(statePath, source.id, partPath);
    if (resumed !== "absent") await removeStaleSaves(statePath);
    try {
      if (typeof resumed === "object") return await this.continueSegments(source, partPath, statePath, resumed, algorithms, events);
      if (resumed === "unusable") await discardPart(partPath);
      return await this.start(source, partPath, statePath, algorithms, events);
    } catch (e) {
      if (!(e instanceof RestartFromZero)) throw e;
      events.bytes(-await partBytes(statePath));
      await discardPart(partPath);
      try {
        return await this.start(source, partPath, statePath, algorithms, events);
      } catch (again) {
        if (again instanceof RestartFromZero) throw new Error(`${source.id}: ${again.message} (twice; giving up on this file)`);
        throw again;
      }
    }
  }
  async start(source, partPath, statePath, algorithms, events) {
    const url = source.id;
    const release = await this.slots.acquire("file", source.size);
    let released = false;
    const releaseOnce = () => {
      if (!released) release();
      released = true;
    };
    try {
      const planned = source.size === void 0 ? void 0 : this.plan(source.size);
      const asked = planned && planned.length > 1 ? `bytes=0-${(planned[0].end ?? 0) - 1}` : "bytes=0-";
      const response = await source.get({ range: asked });
      if (response.statusCode !== 200 && response.statusCode !== 206) {
        response.body.discard();
        throw new HttpStatusError(response.statusCode, url);
      }
      const range = response.statusCode === 206 ? contentRange(response) : void 0;
      if (response.statusCode === 206) {
        const wrongTotal = asked !== "bytes=0-" && range?.total !== source.size;
        if (!range || range.start !== 0 || wrongTotal) {
          response.body.discard();
          const expected = wrongTotal ? ` (${source.size} bytes were expected)` : "";
          throw new Error(`${url}: asked for ${asked}, the server answered Content-Range ${headerValue(response.headers["content-range"]) ?? "(none)"}${expected}`);
        }
      }
      const total = totalSize(response) ?? source.size;
      events.size(total);
      const rangesWork = response.statusCode === 206 && total !== void 0;
      const segments = rangesWork ? this.plan(total) : [{ start: 0, end: total ?? null, done: 0 }];
      const state = { url, size: total ?? null, validator: rangesWork ? strongValidator(response) : null, segments };
      const file = await createPart(partPath);
      const hasher = new PrefixHasher(this.hashing.open(partPath, file, algorithms, segments.length === 1), segments);
      try {
        if (rangesWork && segments.length > 1) await writeFileAtomic(statePath, JSON.stringify(state));
        const checkpoint = segments.length > 1 ? () => persist(state, statePath) : void 0;
        const bodyLength = range ? range.end - range.start + 1 : total;
        const first = this.copyBody(url, response.body, file, segments[0], endsWith(segments[0], 0, bodyLength), hasher, events, checkpoint).finally(releaseOnce);
        const others = segments.slice(1).map((s3) => this.fetchSegment(source, file, s3, state, statePath, hasher, events));
        const results = await Promise.allSettled([first, ...others]);
        const failed = results.find((r) => r.status === "rejected");
        if (failed) {
          if (rangesWork) await saveState(state, statePath).catch(() => void 0);
          const resumable = (e) => isTransient(e) && !isHostAway(e);
          if (resumable(failed.reason) && rangesWork && results.every((r) => r.status === "fulfilled" || resumable(r.reason))) {
            announceRetry(retryNotice(source.id, { code: failed.reason.code }, 0, { retries: MAX_BODY_ATTEMPTS - 1, minRetryDelayMs: 0 }, 0));
            return this.continueSegments(source, partPath, statePath, state, algorithms, events);
          }
          throw failed.reason;
        }
        const size = segments.reduce((n, s3) => n + s3.done, 0);
        if (total !== void 0 && size !== total) throw new Error(`${url}: got ${size} bytes, ${total} were expected`);
        const digests = await hasher.finish();
        if (segments.length > 1) await removeState(state, statePath);
        return { size, digests };
      } finally {
        hasher.abandon();
        (0, import_node_fs4.closeSync)(file);
      }
    } finally {
      releaseOnce();
    }
  }
  /** Equal segments, each at least minSegment, at most maxSegments of them. */
  plan(total) {
    const count = total <= this.policy.splitAbove ? 1 : Math.max(1, Math.min(this.policy.maxSegments, Math.floor(total / this.policy.minSegment)));
    const size = Math.ceil(total / count);
    const segments = [];
    for (let start = 0; start < total; start += size) segments.push({ start, end: Math.min(total, start + size), done: 0 });
    return segments.length ? segments : [{ start: 0, end: 0, done: 0 }];
  }
  async continueSegments(source, partPath, statePath, state, algorithms, events) {
    events.size(state.size ?? void 0);
    events.bytes(state.segments.reduce((n, s3) => n + s3.done, 0));
    const file = openExistingFd(partPath);
    const hasher = new PrefixHasher(this.hashing.open(partPath, file, algorithms), state.segments);
    try {
      await writeFileAtomic(statePath, JSON.stringify(state));
      hasher.advance();
      const results = await Promise.allSettled(state.segments.map((s3) => this.fetchSegment(source, file, s3, state, statePath, hasher, events)));
      const failed = results.find((r) => r.status === "rejected");
      if (failed) {
        await saveState(state, statePath).catch(() => void 0);
        throw failed.reason;
      }
      const digests = await hasher.finish();
      await removeState(state, statePath);
      return { size: state.segments.reduce((n, s3) => n + s3.done, 0), digests };
    } finally {
      hasher.abandon();
      (0, import_node_fs4.closeSync)(file);
    }
  }
  /** One Range segment, retried from where it stopped when the connection breaks. */
  async fetchSegment(source, file, segment, state, statePath, hasher, events) {
    for (let attempt = 1; segment.end === null || segment.start + segment.done < segment.end; attempt++) {
      const release = await this.slots.acquire("segment");
      try {
        const from = segment.start + segment.done;
        const range = `bytes=${from}-${segment.end === null ? "" : segment.end - 1}`;
        const headers = { range };
        if (state.validator) headers["if-range"] = state.validator;
        const response = await source.get(headers);
        if (response.statusCode !== 206) {
          response.body.discard();
          if (response.statusCode === 200) throw new RestartFromZero("the server no longer continues the partial file (it changed, or ignores Range)");
          if (response.statusCode === 416) throw new RestartFromZero(`the server refused range ${range} (416)`);
          throw new HttpStatusError(response.statusCode, source.id);
        }
        const answered = contentRange(response);
        if (!answered || answered.start !== from || state.size !== null && answered.total !== void 0 && answered.total !== state.size) {
          response.body.discard();
          throw new RestartFromZero(
            `asked for ${range} of ${state.size ?? "?"} bytes, the server answered Content-Range ${headerValue(response.headers["content-range"]) ?? "(none)"}`
          );
        }
        const bodyEnds = endsWith(segment, from, answered.end - answered.start + 1);
        await this.copyBody(source.id, response.body, file, segment, bodyEnds, hasher, events, () => persist(state, statePath));
        await saveState(state, statePath);
        return;
      } catch (e) {
        if (!isTransient(e) || isHostAway(e) || attempt >= MAX_BODY_ATTEMPTS) throw e;
        const code = e.code;
        announceRetry(retryNotice(source.id, { code }, attempt - 1, { retries: MAX_BODY_ATTEMPTS - 1, minRetryDelayMs: 0 }, 0));
      } finally {
        release();
      }
    }
  }
  /**
   * Writes a body at its segment's offset as it arrives: each piece is hashed and written at
   * once, while it is still in the CPU's cache (bytes count once written). A body that is to end
   * where the segment does (`bodyEnds`) is read to its very end, so one that runs longer fails
   * instead of being cut to size; one that ends short fails as a cut connection, to be resumed.
   */
  async copyBody(url, body, file, segment, bodyEnds, hasher, events, checkpoint) {
    const limit = () => segment.end === null ? Infinity : segment.end - segment.start;
    await body.pump((chunk) => {
      const room = limit() - segment.done;
      if (bodyEnds && chunk.length > room) throw new Error(`${url}: the server sent more than the ${segmentBytes(segment)} expected`);
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      const position = segment.start + segment.done;
      for (let written = 0; written < piece.length; ) {
        const n = (0, import_node_fs4.writeSync)(file, piece, written, piece.length - written, position + written);
        if (n === 0) throw new Error(`wrote 0 bytes to the partial file at ${position + written} (disk full?)`);
        written += n;
      }
      segment.done += piece.length;
      hasher.written(position, piece);
      events.bytes(piece.length);
      checkpoint?.();
      return bodyEnds || segment.done < limit();
    });
    if (segment.end !== null && segment.done < limit()) {
      throw Object.assign(new Error(`${url}: the connection closed after ${segment.done} of the ${segmentBytes(segment)} expected`), { code: "UND_ERR_SOCKET" });
    }
  }
};
function endsWith(segment, from, length2) {
  return length2 !== void 0 && segment.end !== null && from + length2 === segment.end;
}
function segmentBytes(segment) {
  const size = `${(segment.end ?? 0) - segment.start} bytes`;
  return segment.start === 0 ? size : `${size} from byte ${segment.start}`;
}
var lastPersisted = /* @__PURE__ */ new WeakMap();
var persisting = /* @__PURE__ */ new WeakMap();
var PERSIST_EVERY_MS = 1e3;
function persist(state, statePath) {
  const now = Date.now();
  if (now - (lastPersisted.get(state) ?? 0) < PERSIST_EVERY_MS) return;
  lastPersisted.set(state, now);
  const snapshot = JSON.stringify(state);
  const previous = persisting.get(state) ?? Promise.resolve();
  persisting.set(state, previous.then(() => writeFileAtomic(statePath, snapshot)).catch(() => void 0));
}
async function saveState(state, statePath) {
  await persisting.get(state);
  await writeFileAtomic(statePath, JSON.stringify(state));
}
async function removeState(state, statePath) {
  await persisting.get(state);
  await (0, import_promises2.rm)(statePath, { force: true });
}
function contentRange(response) {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(headerValue(response.headers["content-range"]) ?? "");
  return match ? { start: Number(match[1]), end: Number(match[2]), total: match[3] === "*" ? void 0 : Number(match[3]) } : void 0;
}
function strongValidator(response) {
  const etag = headerValue(response.headers.etag);
  if (etag && !etag.startsWith("W/")) return etag;
  return headerValue(response.headers["last-modified"]) ?? null;
}
function totalSize(response) {
  if (response.statusCode === 206) return contentRange(response)?.total;
  const length2 = headerValue(response.headers["content-length"]);
  return length2 !== void 0 && /^\d+$/.test(length2) ? Number(length2) : void 0;
}
async function readPartState(statePath, url, partPath) {
  let state;
  try {
    state = JSON.parse((0, import_node_fs4.readFileSync)(statePath, "utf8"));
  } catch (e) {
    return e.code === "ENOENT" ? "absent" : "unusable";
  }
  const wellFormed = state.url === url && Array.isArray(state.segments) && state.segments.length > 0 && state.segments.every((s3) => Number.isInteger(s3.start) && Number.isInteger(s3.done) && s3.done >= 0 && (s3.end === null || s3.start + s3.done <= s3.end));
  if (!wellFormed) return "unusable";
  const part = await regularFile(partPath);
  const needed = Math.max(0, ...state.segments.filter((s3) => s3.done > 0).map((s3) => s3.start + s3.done));
  return part && part.size >= needed ? state : "unusable";
}
async function createPart(partPath) {
  try {
    return createExclusiveFd(partPath);
  } catch (e) {
    if (e.code !== "EEXIST") throw e;
    await discardPart(partPath);
    return createExclusiveFd(partPath);
  }
}
async function removeStaleSaves(statePath) {
  const prefix = `.${(0, import_node_path2.basename)(statePath)}.`;
  const dir = (0, import_node_path2.dirname)(statePath);
  for (const name of await (0, import_promises2.readdir)(dir).catch(() => [])) {
    if (name.startsWith(prefix) && name.endsWith(".tmp")) await (0, import_promises2.rm)((0, import_node_path2.join)(dir, name), { force: true });
  }
}
async function partBytes(statePath) {
  try {
    const state = JSON.parse((0, import_node_fs4.readFileSync)(statePath, "utf8"));
    return state.segments.reduce((n, s3) => n + s3.done, 0);
  } catch {
    return 0;
  }
}
async function discardPart(partPath) {
  await Promise.all([(0, import_promises2.rm)(partPath, { force: true }), (0, import_promises2.rm)(`${partPath}.json`, { force: true })]);
}

// src/adapters/http/slots.ts
var PrioritySlots = class {
  constructor(capacity, firstAbove = Infinity) {
    this.firstAbove = firstAbove;
    this.free = capacity;
  }
  firstAbove;
  free;
  segments = [];
  /** Files above firstAbove, largest first (equal sizes in arrival order). */
  big = [];
  files = [];
  acquire(priority, size) {
    return new Promise((resolve2) => {
      const grant = () => resolve2(this.releaser());
      if (this.free > 0) {
        this.free--;
        grant();
      } else if (priority === "segment") this.segments.push(grant);
      else if (size !== void 0 && size > this.firstAbove) this.enqueueBig({ grant, size });
      else this.files.push(grant);
    });
  }
  enqueueBig(waiter) {
    let at2 = this.big.length;
    while (at2 > 0 && this.big[at2 - 1].size < waiter.size) at2--;
    this.big.splice(at2, 0, waiter);
  }
  releaser() {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.segments.shift() ?? this.big.shift()?.grant ?? this.files.shift();
      if (next) next();
      else this.free++;
    };
  }
};

// src/adapters/tar-safe.ts
var import_node_path12 = require("node:path");

// node_modules/tar/dist/esm/index.min.js
var import_events = __toESM(require("events"), 1);
var import_fs = __toESM(require("fs"), 1);
var import_node_events = require("node:events");
var import_node_stream = __toESM(require("node:stream"), 1);
var import_node_string_decoder = require("node:string_decoder");
var import_node_path3 = __toESM(require("node:path"), 1);
var import_node_fs5 = __toESM(require("node:fs"), 1);
var import_path = require("path");
var import_events2 = require("events");
var import_assert = __toESM(require("assert"), 1);
var import_buffer = require("buffer");
var Ps = __toESM(require("zlib"), 1);
var import_zlib = __toESM(require("zlib"), 1);
var import_node_path4 = require("node:path");
var import_node_path5 = require("node:path");
var import_fs2 = __toESM(require("fs"), 1);
var import_fs3 = __toESM(require("fs"), 1);
var import_path2 = __toESM(require("path"), 1);
var import_node_path6 = require("node:path");
var import_path3 = __toESM(require("path"), 1);
var import_node_fs6 = __toESM(require("node:fs"), 1);
var import_node_assert = __toESM(require("node:assert"), 1);
var import_node_crypto3 = require("node:crypto");
var import_node_fs7 = __toESM(require("node:fs"), 1);
var import_node_path7 = __toESM(require("node:path"), 1);
var import_fs4 = __toESM(require("fs"), 1);
var import_node_fs8 = __toESM(require("node:fs"), 1);
var import_node_path8 = __toESM(require("node:path"), 1);
var import_node_fs9 = __toESM(require("node:fs"), 1);
var import_promises3 = __toESM(require("node:fs/promises"), 1);
var import_node_path9 = __toESM(require("node:path"), 1);
var import_node_path10 = require("node:path");
var import_node_fs10 = __toESM(require("node:fs"), 1);
var import_node_path11 = __toESM(require("node:path"), 1);
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
  let i = s3, r = "", n, o = import_node_path4.posix.parse(s3).root || ".";
  if (Buffer.byteLength(i) < 100) n = [i, r, false];
  else {
    r = import_node_path4.posix.dirname(i), i = import_node_path4.posix.basename(i);
    do
      Buffer.byteLength(i) <= 100 && Buffer.byteLength(r) <= t ? n = [i, r, false] : Buffer.byteLength(i) > 100 && Buffer.byteLength(r) <= t ? n = [i.slice(0, 99), r, true] : (i = import_node_path4.posix.join(import_node_path4.posix.basename(r), i), r = import_node_path4.posix.dirname(r));
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
    new F({ path: ("PaxHeader/" + (0, import_node_path5.basename)(this.path ?? "")).slice(0, 99), mode: this.mode || 420, uid: this.uid, gid: this.gid, size: e, mtime: this.mtime, type: this.global ? "GlobalExtendedHeader" : "ExtendedHeader", linkpath: "", uname: this.uname || "", gname: this.gname || "", devmaj: 0, devmin: 0, atime: this.atime, ctime: this.ctime }).encode(r), r.write(t, 512, e, "utf8");
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
    i = import_node_fs5.default.openSync(e, "r");
    let r = import_node_fs5.default.fstatSync(i), n = s3.maxReadSize || 16 * 1024 * 1024;
    if (r.size < n) {
      let o = Buffer.allocUnsafe(r.size), h = import_node_fs5.default.readSync(i, o, 0, r.size, 0);
      t.end(h === o.byteLength ? o : o.subarray(0, h));
    } else {
      let o = 0, h = Buffer.allocUnsafe(n);
      for (; o < r.size; ) {
        let a = import_node_fs5.default.readSync(i, h, 0, n, o);
        if (a === 0) break;
        o += a, t.write(h.subarray(0, a));
      }
      t.end();
    }
  } finally {
    if (typeof i == "number") try {
      import_node_fs5.default.closeSync(i);
    } catch {
    }
  }
};
var Bn = (s3, t) => {
  let e = new rt(s3), i = s3.maxReadSize || 16 * 1024 * 1024, r = s3.file;
  return new Promise((o, h) => {
    e.on("error", h), e.on("end", o), import_node_fs5.default.stat(r, (a, l) => {
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
var { isAbsolute: zn, parse: qs } = import_node_path6.win32;
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
    e.charAt(0) === "@" ? Ct({ file: import_node_path3.default.resolve(s3.cwd, e.slice(1)), sync: true, noResume: true, onReadEntry: (i) => s3.add(i) }) : s3.add(e);
  }), s3.end();
};
var dr = async (s3, t) => {
  for (let e of t) e.charAt(0) === "@" ? await Ct({ file: import_node_path3.default.resolve(String(s3.cwd), e.slice(1)), noResume: true, onReadEntry: (i) => {
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
    return import_node_fs8.default.lchownSync(s3, t, e);
  } catch (i) {
    if (i?.code !== "ENOENT") throw i;
  }
};
var Ei = (s3, t, e, i) => {
  import_node_fs8.default.lchown(s3, t, e, (r) => {
    i(r && r?.code !== "ENOENT" ? r : null);
  });
};
var io = (s3, t, e, i, r) => {
  if (t.isDirectory()) Es(import_node_path8.default.resolve(s3, t.name), e, i, (n) => {
    if (n) return r(n);
    let o = import_node_path8.default.resolve(s3, t.name);
    Ei(o, e, i, r);
  });
  else {
    let n = import_node_path8.default.resolve(s3, t.name);
    Ei(n, e, i, r);
  }
};
var Es = (s3, t, e, i) => {
  import_node_fs8.default.readdir(s3, { withFileTypes: true }, (r, n) => {
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
  t.isDirectory() && ws(import_node_path8.default.resolve(s3, t.name), e, i), ps(import_node_path8.default.resolve(s3, t.name), e, i);
};
var ws = (s3, t, e) => {
  let i;
  try {
    i = import_node_fs8.default.readdirSync(s3, { withFileTypes: true });
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
  import_node_fs9.default.stat(s3, (e, i) => {
    (e || !i.isDirectory()) && (e = new Se(s3, e?.code || "ENOTDIR")), t(e);
  });
};
var gr = (s3, t, e) => {
  s3 = f(s3);
  let i = t.umask ?? 18, r = t.mode | 448, n = (r & i) !== 0, o = t.uid, h = t.gid, a = typeof o == "number" && typeof h == "number" && (o !== t.processUid || h !== t.processGid), l = t.preserve, c = t.unlink, d = f(t.cwd), y = (E, x) => {
    E ? e(E) : x && a ? Es(x, o, h, (Le) => y(Le)) : n ? import_node_fs9.default.chmod(s3, r, e) : e();
  };
  if (s3 === d) return no(s3, y);
  if (l) return import_promises3.default.mkdir(s3, { mode: r, recursive: true }).then((E) => y(null, E ?? void 0), y);
  let D = f(import_node_path9.default.relative(d, s3)).split("/");
  Ss(d, D, r, c, d, void 0, y);
};
var Ss = (s3, t, e, i, r, n, o) => {
  if (t.length === 0) return o(null, n);
  let h = t.shift(), a = f(import_node_path9.default.resolve(s3 + "/" + h));
  import_node_fs9.default.mkdir(a, e, br(a, t, e, i, r, n, o));
};
var br = (s3, t, e, i, r, n, o) => (h) => {
  h ? import_node_fs9.default.lstat(s3, (a, l) => {
    if (a) a.path = a.path && f(a.path), o(a);
    else if (l.isDirectory()) Ss(s3, t, e, i, r, n, o);
    else if (i) import_node_fs9.default.unlink(s3, (c) => {
      if (c) return o(c);
      import_node_fs9.default.mkdir(s3, e, br(s3, t, e, i, r, n, o));
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
    t = import_node_fs9.default.statSync(s3).isDirectory();
  } catch (i) {
    e = i?.code;
  } finally {
    if (!t) throw new Se(s3, e ?? "ENOTDIR");
  }
};
var _r = (s3, t) => {
  s3 = f(s3);
  let e = t.umask ?? 18, i = t.mode | 448, r = (i & e) !== 0, n = t.uid, o = t.gid, h = typeof n == "number" && typeof o == "number" && (n !== t.processUid || o !== t.processGid), a = t.preserve, l = t.unlink, c = f(t.cwd), d = (E) => {
    E && h && ws(E, n, o), r && import_node_fs9.default.chmodSync(s3, i);
  };
  if (s3 === c) return oo(c), d();
  if (a) return d(import_node_fs9.default.mkdirSync(s3, { mode: i, recursive: true }) ?? void 0);
  let T = f(import_node_path9.default.relative(c, s3)).split("/"), D;
  for (let E = T.shift(), x = c; E && (x += "/" + E); E = T.shift()) {
    x = f(import_node_path9.default.resolve(x));
    try {
      import_node_fs9.default.mkdirSync(x, i), D = D || x;
    } catch {
      let Le = import_node_fs9.default.lstatSync(x);
      if (Le.isDirectory()) continue;
      if (l) {
        import_node_fs9.default.unlinkSync(x), import_node_fs9.default.mkdirSync(x, i), D = D || x;
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
  return r !== void 0 && (i = (0, import_node_path10.join)(r, i)), e.push(i || "/"), e;
}, []);
var yi = class {
  #t = /* @__PURE__ */ new Map();
  #i = /* @__PURE__ */ new Map();
  #s = /* @__PURE__ */ new Set();
  reserve(t, e) {
    t = ao ? ["win32 parallelization disabled"] : t.map((r) => mt((0, import_node_path10.join)(Tr(r))));
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
  if (!Te) return import_node_fs7.default.unlink(s3, t);
  let e = s3 + ".DELETE." + (0, import_node_crypto3.randomBytes)(16).toString("hex");
  import_node_fs7.default.rename(s3, e, (i) => {
    if (i) return t(i);
    import_node_fs7.default.unlink(e, t);
  });
};
var po = (s3) => {
  if (!Te) return import_node_fs7.default.unlinkSync(s3);
  let t = s3 + ".DELETE." + (0, import_node_crypto3.randomBytes)(16).toString("hex");
  import_node_fs7.default.renameSync(s3, t), import_node_fs7.default.unlinkSync(t);
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
    this.preserveOwner = t.preserveOwner === void 0 && typeof t.uid != "number" ? process.getuid?.() === 0 : !!t.preserveOwner, this.processUid = (this.preserveOwner || this.setOwner) && process.getuid ? process.getuid() : void 0, this.processGid = (this.preserveOwner || this.setOwner) && process.getgid ? process.getgid() : void 0, this.maxDepth = typeof t.maxDepth == "number" ? t.maxDepth : uo, this.forceChown = t.forceChown === true, this.win32 = !!t.win32 || Te, this.newer = !!t.newer, this.keep = !!t.keep, this.noMtime = !!t.noMtime, this.preservePaths = !!t.preservePaths, this.unlink = !!t.unlink, this.cwd = f(import_node_path7.default.resolve(t.cwd || process.cwd())), this.strip = Number(t.strip) || 0, this.processUmask = this.chmod ? typeof t.processUmask == "number" ? t.processUmask : Lr() : 0, this.umask = typeof t.umask == "number" ? t.umask : this.processUmask, this.dmode = t.dmode || 511 & ~this.umask, this.fmode = t.fmode || 438 & ~this.umask, this.on("entry", (e) => this[Dr](e));
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
      let a = import_node_path7.default.posix.dirname(t.path), l = import_node_path7.default.posix.normalize(import_node_path7.default.posix.join(a, h.join("/")));
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
    if (t.absolute = import_node_path7.default.isAbsolute(t.path) ? f(import_node_path7.default.resolve(t.path)) : f(import_node_path7.default.resolve(this.cwd, t.path)), !this.preservePaths && typeof t.absolute == "string" && t.absolute.indexOf(this.cwd + "/") !== 0 && t.absolute !== this.cwd) return this.warn("TAR_ENTRY_ERROR", "path escaped extraction target", { entry: t, path: f(t.path), resolvedPath: t.absolute, cwd: this.cwd }), false;
    if (t.absolute === this.cwd && t.type !== "Directory" && t.type !== "GNUDumpDir") return false;
    if (this.win32) {
      let { root: r } = import_node_path7.default.win32.parse(String(t.absolute));
      t.absolute = r + ts(String(t.absolute).slice(r.length));
      let { root: n } = import_node_path7.default.win32.parse(t.path);
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
      r.fd && import_node_fs7.default.close(r.fd, () => {
      }), r.write = () => true, this[O](a, t), e();
    });
    let n = 1, o = (a) => {
      if (a) {
        r.fd && import_node_fs7.default.close(r.fd, () => {
        }), this[O](a, t), e();
        return;
      }
      --n === 0 && r.fd !== void 0 && import_node_fs7.default.close(r.fd, (l) => {
        l ? this[O](l, t) : this[$t](), e();
      });
    };
    r.on("finish", () => {
      let a = String(t.absolute), l = r.fd;
      if (typeof l == "number" && t.mtime && !this.noMtime) {
        n++;
        let c = t.atime || /* @__PURE__ */ new Date(), d = t.mtime;
        import_node_fs7.default.futimes(l, c, d, (y) => y ? import_node_fs7.default.utimes(a, c, d, (T) => o(T && y)) : o());
      }
      if (typeof l == "number" && this[ge](t)) {
        n++;
        let c = this[be](t), d = this[_e](t);
        typeof c == "number" && typeof d == "number" && import_node_fs7.default.fchown(l, c, d, (y) => y ? import_node_fs7.default.chown(a, c, d, (T) => o(T && y)) : o());
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
      t.mtime && !this.noMtime && (n++, import_node_fs7.default.utimes(String(t.absolute), t.atime || /* @__PURE__ */ new Date(), t.mtime, o)), this[ge](t) && (n++, import_node_fs7.default.chown(String(t.absolute), Number(this[be](t)), Number(this[_e](t)), o)), o();
    });
  }
  [Cr](t) {
    t.unsupported = true, this.warn("TAR_ENTRY_UNSUPPORTED", `unsupported entry type: ${t.type}`, { entry: t }), t.resume();
  }
  [Ar](t, e) {
    let i = f(import_node_path7.default.relative(this.cwd, import_node_path7.default.resolve(import_node_path7.default.dirname(String(t.absolute)), String(t.linkpath)))).split("/");
    this[Re](t, this.cwd, i, () => this[gi](t, String(t.linkpath), "symlink", e), (r) => {
      this[O](r, t), e();
    });
  }
  [Ir](t, e) {
    let i = f(import_node_path7.default.resolve(this.cwd, String(t.linkpath))), r = f(String(t.linkpath)).split("/");
    this[Re](t, this.cwd, r, () => this[gi](t, i, "link", e), (n) => {
      this[O](n, t), e();
    });
  }
  [Re](t, e, i, r, n) {
    let o = i.shift();
    if (this.preservePaths || o === void 0) return r();
    let h = import_node_path7.default.resolve(e, o);
    import_node_fs7.default.lstat(h, (a, l) => {
      if (a) return r();
      if (l?.isSymbolicLink()) return n(new St(h, import_node_path7.default.resolve(h, i.join("/"))));
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
        let h = f(import_node_path7.default.dirname(String(t.absolute)));
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
      import_node_fs7.default.lstat(String(t.absolute), (h, a) => {
        if (a && (this.keep || this.newer && a.mtime > (t.mtime ?? a.mtime))) {
          this[Ls](t), i();
          return;
        }
        if (h || this[Os](t, a)) return this[P](null, t, i);
        if (a.isDirectory()) {
          if (t.type === "Directory") {
            let l = this.chmod && t.mode && (a.mode & 4095) !== t.mode, c = (d) => this[P](d ?? null, t, i);
            return l ? import_node_fs7.default.chmod(String(t.absolute), Number(t.mode), c) : c();
          }
          if (t.absolute !== this.cwd) return import_node_fs7.default.rmdir(String(t.absolute), (l) => this[P](l ?? null, t, i));
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
    import_node_fs7.default[i](e, String(t.absolute), (n) => {
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
      let n = f(import_node_path7.default.dirname(String(t.absolute)));
      if (n !== this.cwd) {
        let o = this[yt](n, this.dmode);
        if (o) return this[O](o, t);
      }
    }
    let [e, i] = ye(() => import_node_fs7.default.lstatSync(String(t.absolute)));
    if (i && (this.keep || this.newer && i.mtime > (t.mtime ?? i.mtime))) return this[Ls](t);
    if (e || this[Os](t, i)) return this[P](null, t);
    if (i.isDirectory()) {
      if (t.type === "Directory") {
        let o = this.chmod && t.mode && (i.mode & 4095) !== t.mode, [h] = o ? ye(() => {
          import_node_fs7.default.chmodSync(String(t.absolute), Number(t.mode));
        }) : [];
        return this[P](h, t);
      }
      let [n] = ye(() => import_node_fs7.default.rmdirSync(String(t.absolute)));
      this[P](n, t);
    }
    let [r] = t.absolute === this.cwd ? [] : ye(() => po(String(t.absolute)));
    this[P](r, t);
  }
  [Ts](t, e) {
    let i = typeof t.mode == "number" ? t.mode & 4095 : this.fmode, r = (h) => {
      let a;
      try {
        import_node_fs7.default.closeSync(n);
      } catch (l) {
        a = l;
      }
      (h || a) && this[O](h || a, t), e();
    }, n;
    try {
      n = import_node_fs7.default.openSync(String(t.absolute), ms(t.size), i);
    } catch (h) {
      return r(h);
    }
    let o = this.transform && this.transform(t) || t;
    o !== t && (o.on("error", (h) => this[O](h, t)), t.pipe(o)), o.on("data", (h) => {
      try {
        import_node_fs7.default.writeSync(n, h, 0, h.length);
      } catch (a) {
        r(a);
      }
    }), o.on("end", () => {
      let h = null;
      if (t.mtime && !this.noMtime) {
        let a = t.atime || /* @__PURE__ */ new Date(), l = t.mtime;
        try {
          import_node_fs7.default.futimesSync(n, a, l);
        } catch (c) {
          try {
            import_node_fs7.default.utimesSync(String(t.absolute), a, l);
          } catch {
            h = c;
          }
        }
      }
      if (this[ge](t)) {
        let a = this[be](t), l = this[_e](t);
        try {
          import_node_fs7.default.fchownSync(n, Number(a), Number(l));
        } catch (c) {
          try {
            import_node_fs7.default.chownSync(String(t.absolute), Number(a), Number(l));
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
      import_node_fs7.default.utimesSync(String(t.absolute), t.atime || /* @__PURE__ */ new Date(), t.mtime);
    } catch {
    }
    if (this[ge](t)) try {
      import_node_fs7.default.chownSync(String(t.absolute), Number(this[be](t)), Number(this[_e](t)));
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
      o = import_node_path7.default.resolve(o, h);
      let [a, l] = ye(() => import_node_fs7.default.lstatSync(o));
      if (a) return r();
      if (l.isSymbolicLink()) return n(new St(o, import_node_path7.default.resolve(e, i.join("/"))));
    }
    r();
  }
  [gi](t, e, i, r) {
    let n = `${i}Sync`;
    try {
      import_node_fs7.default[n](e, String(t.absolute)), r(), t.resume();
    } catch (o) {
      return this[O](o, t);
    }
  }
};
var Eo = (s3) => {
  let t = new xe(s3), e = s3.file, i = import_node_fs6.default.statSync(e), r = s3.maxReadSize || 16 * 1024 * 1024;
  new Be(e, { readSize: r, size: i.size }).pipe(t);
};
var wo = (s3, t) => {
  let e = new Xt(s3), i = s3.maxReadSize || 16 * 1024 * 1024, r = s3.file;
  return new Promise((o, h) => {
    e.on("error", h), e.on("close", o), import_node_fs6.default.stat(r, (a, l) => {
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
      r = import_node_fs10.default.openSync(s3.file, "r+");
    } catch (a) {
      if (a?.code === "ENOENT") r = import_node_fs10.default.openSync(s3.file, "w+");
      else throw a;
    }
    let o = import_node_fs10.default.fstatSync(r), h = Buffer.alloc(512);
    t: for (n = 0; n < o.size; n += 512) {
      for (let c = 0, d = 0; c < 512; c += d) {
        if (d = import_node_fs10.default.readSync(r, h, c, h.length - c, n + c), n === 0 && h[0] === 31 && h[1] === 139) throw new Error("cannot append to compressed archives");
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
      import_node_fs10.default.closeSync(r);
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
      T ? import_node_fs10.default.close(n, (E) => h(T)) : h(null, D);
    }, l = 0;
    if (o === 0) return a(null, 0);
    let c = 0, d = Buffer.alloc(512), y = (T, D) => {
      if (T || D === void 0) return a(T);
      if (c += D, c < 512 && D) return import_node_fs10.default.read(n, d, c, d.length - c, l + c, y);
      if (l === 0 && d[0] === 31 && d[1] === 139) return a(new Error("cannot append to compressed archives"));
      if (c < 512) return a(null, l);
      let E = new F(d);
      if (!E.cksumValid) return a(null, l);
      let x = 512 * Math.ceil((E.size ?? 0) / 512);
      if (l + x + 512 > o || (l += x + 512, l >= o)) return a(null, l);
      s3.mtimeCache && E.mtime && s3.mtimeCache.set(String(E.path), E.mtime), c = 0, import_node_fs10.default.read(n, d, 0, 512, l, y);
    };
    import_node_fs10.default.read(n, d, 0, 512, l, y);
  };
  return new Promise((n, o) => {
    e.on("error", o);
    let h = "r+", a = (l, c) => {
      if (l && l.code === "ENOENT" && h === "r+") return h = "w+", import_node_fs10.default.open(s3.file, h, a);
      if (l || !c) return o(l);
      import_node_fs10.default.fstat(c, (d, y) => {
        if (d) return import_node_fs10.default.close(c, () => o(d));
        i(c, y.size, (T, D) => {
          if (T) return o(T);
          let E = new et(s3.file, { fd: c, start: D });
          e.pipe(E), E.on("error", o), E.on("close", n), _o(e, t);
        });
      });
    };
    import_node_fs10.default.open(s3.file, h, a);
  });
};
var bo = (s3, t) => {
  t.forEach((e) => {
    e.charAt(0) === "@" ? Ct({ file: import_node_path11.default.resolve(s3.cwd, e.slice(1)), sync: true, noResume: true, onReadEntry: (i) => s3.add(i) }) : s3.add(e);
  }), s3.end();
};
var _o = async (s3, t) => {
  for (let e of t) e.charAt(0) === "@" ? await Ct({ file: import_node_path11.default.resolve(String(s3.cwd), e.slice(1)), noResume: true, onReadEntry: (i) => s3.add(i) }) : s3.add(e);
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
    const target = type === "Link" ? import_node_path12.posix.normalize(linkpath.split("/").slice(strip).join("/")) : import_node_path12.posix.normalize(import_node_path12.posix.join(import_node_path12.posix.dirname(inside), linkpath));
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

// src/pipeline/bundle-dir.ts
var import_promises4 = require("node:fs/promises");
var import_node_path13 = require("node:path");
async function readBundleManifest(bundleDir) {
  let text3;
  try {
    text3 = await (0, import_promises4.readFile)((0, import_node_path13.join)(bundleDir, BUNDLE_MANIFEST), "utf8");
  } catch {
    throw new InputError(`${bundleDir} is not a complete bundle: it has no ${BUNDLE_MANIFEST} (run the build command into it first)`);
  }
  try {
    return JSON.parse(text3);
  } catch (e) {
    throw new InputError(`${(0, import_node_path13.join)(bundleDir, BUNDLE_MANIFEST)}: not JSON (${e.message})`);
  }
}
function parseSums(text3) {
  return text3.split("\n").flatMap((l) => {
    const m2 = /^([0-9a-f]{64}) [ *](.+)$/.exec(l);
    return m2 ? [{ sha256: m2[1], path: m2[2] }] : [];
  });
}

// src/pipeline/fetch.ts
var import_promises6 = require("node:fs/promises");

// src/domain/images/media-types.ts
var OCI_INDEX = "application/vnd.oci.image.index.v1+json";
var OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
var DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
var DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
var MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(", ");

// src/adapters/zip-read.ts
var MAX_DIRECTORY = 64 << 20;

// src/pipeline/publish.ts
var import_node_crypto4 = require("node:crypto");
var import_promises5 = require("node:fs/promises");
var import_node_path14 = require("node:path");

// src/domain/files/checksum.ts
function formatSha256Sums(entries) {
  return [...entries].sort((a, b2) => a.path < b2.path ? -1 : a.path > b2.path ? 1 : 0).map((e) => `${e.sha256}  ${e.path}
`).join("");
}

// src/adapters/oci-layout.ts
var import_node_fs11 = require("node:fs");
var READ_NOFOLLOW = import_node_fs11.constants.O_RDONLY | (import_node_fs11.constants.O_NOFOLLOW ?? 0);

// src/pipeline/publish.ts
var ASSET_SUMS = "SHA256SUMS";
var SUMS_ATTEMPTS = 8;
var SWAP_WAITS = 3;
var DEAD_AFTER_MS = 10 * 6e4;
var tempName = (name) => `${name}.${(0, import_node_crypto4.randomBytes)(4).toString("hex")}${PARTIAL}`;
var isSumsTemp = (name) => new RegExp(`^${ASSET_SUMS}\\.[0-9a-f]+\\${PARTIAL}$`).test(name);
var olderThan = (asset, ms2) => asset.updated_at !== void 0 && Date.now() - Date.parse(asset.updated_at) > ms2;
async function updateReleaseSums(releases, release, dir, next) {
  await (0, import_promises5.mkdir)(dir, { recursive: true });
  const path = (0, import_node_path14.join)(dir, ASSET_SUMS);
  const temp = tempName(ASSET_SUMS);
  for (let attempt = 1; ; attempt++) {
    const read = await readReleaseSums(releases, release);
    const text3 = formatSha256Sums(next(read.lines, read.present));
    const base = { name: ASSET_SUMS, size: Buffer.byteLength(text3), sha256: sha256Of(text3) };
    if (read.current && read.text === text3) return { ...base, action: "unchanged" };
    await (0, import_promises5.writeFile)(path, text3);
    const ours = await releases.upload(release, temp, path, base.size);
    if (await swapSums(releases, release, read.current, ours)) {
      for (const dead of read.dead) await releases.deleteAsset(dead);
      return { ...base, action: read.current ? "replaced" : "uploaded" };
    }
    await releases.deleteAsset(ours);
    if (attempt >= SUMS_ATTEMPTS) throw new GitHubError(`${ASSET_SUMS}: other publishers replaced it ${attempt} times while this one tried; run publish again`);
    await new Promise((r) => setTimeout(r, 100 * attempt + Math.random() * 200));
  }
}
async function readReleaseSums(releases, release) {
  for (let wait = 0; ; wait++) {
    const assets = await releases.assets(release);
    const current = assets.find((a) => a.name === ASSET_SUMS);
    const present = new Set(assets.filter((a) => a.name !== ASSET_SUMS && !a.name.endsWith(PARTIAL)).map((a) => a.name));
    const temps = assets.filter((a) => isSumsTemp(a.name));
    const dead = temps.filter((a) => olderThan(a, DEAD_AFTER_MS));
    if (current) {
      const text3 = await releases.text(current).catch((e) => e instanceof GitHubError && e.status === 404 && wait < SUMS_ATTEMPTS ? void 0 : Promise.reject(e));
      if (text3 === void 0) continue;
      return { current, text: text3, lines: parseSums(text3), present, dead };
    }
    const swapping = temps.filter((a) => a.state === "uploaded" && !dead.includes(a)).sort((a, b2) => b2.id - a.id);
    if (!swapping.length) return { lines: [], present, dead };
    if (wait < SWAP_WAITS) {
      await new Promise((r) => setTimeout(r, 1e3));
      continue;
    }
    return { lines: parseSums(await releases.text(swapping[0])), present, dead: [...dead, swapping[0]] };
  }
}
async function swapSums(releases, release, read, ours) {
  const current = (await releases.assets(release)).find((a) => a.name === ASSET_SUMS);
  if (current?.id !== read?.id) return false;
  if (read && !await releases.deleteAsset(read)) return false;
  try {
    await releases.rename(ours, ASSET_SUMS);
    return true;
  } catch (e) {
    if (e instanceof GitHubError && e.status === 422) return false;
    throw e;
  }
}
async function placeAsset(releases, release, existing, part) {
  const base = { name: part.name, size: part.size, sha256: part.sha256 };
  if (existing && existing.state === "uploaded" && existing.size === part.size && existing.digest === `sha256:${part.sha256}`) return { ...base, action: "unchanged" };
  const uploaded = await releases.upload(release, tempName(part.name), part.path, part.size);
  try {
    if (existing) await releases.deleteAsset(existing);
    await releases.rename(uploaded, part.name);
  } catch (e) {
    await releases.deleteAsset(uploaded).catch(() => false);
    throw e;
  }
  return { ...base, action: existing ? "replaced" : "uploaded" };
}
var sha256Of = (text3) => (0, import_node_crypto4.createHash)("sha256").update(text3).digest("hex");

// src/pipeline/fetch.ts
async function downloadVerified(fetcher, releases, asset, path, sha256, recorded, bytes = () => void 0) {
  const part = `${path}.part`;
  const outcome = await fetcher.fetch(releases.source(asset), part, ["sha256"], { size: () => void 0, bytes });
  const got = outcome.digests.get("sha256");
  if (got !== sha256) {
    await discardPart(part);
    throw new InputError(`asset ${asset.name}: its bytes hash to sha256 ${got}, ${recorded}`);
  }
  await (0, import_promises6.rename)(part, path);
  await (0, import_promises6.rm)(`${part}.json`, { force: true });
}

// src/pipeline/merge.ts
async function runMerge(request, releases) {
  const where = `${releases.repo} release ${request.tag}`;
  const release = await releases.byTag(request.tag);
  if (!release) throw new InputError(`${releases.repo} has no release ${request.tag} (publish a bundle into it first)`);
  const assets = await releases.assets(release);
  const prefixes = bundlePrefixes(assets.map((a) => a.name));
  if (!prefixes.length) throw new InputError(`${where} holds no bundle (no *-bundle-*.tar asset): publish one into it first`);
  const sumsAsset = assets.find((a) => a.name === ASSET_SUMS);
  const listed = new Map(sumsAsset ? parseSums(await releases.text(sumsAsset)).map((e) => [e.path, e.sha256]) : []);
  const knownSha256 = (a) => githubSha256(a) ?? listed.get(a.name);
  const fetcher = new FileFetcher(new PrioritySlots(request.connections), DEFAULT_SEGMENT_POLICY);
  const published = [];
  for (const prefix of prefixes) {
    const parts = bundleParts(assets, prefix, listed);
    const entries = parts.map((a) => {
      const sha256 = knownSha256(a);
      if (!sha256) throw new InputError(`${where}: asset ${a.name} has no sha256 from GitHub and no line in ${ASSET_SUMS}; publish its bundle again`);
      return { name: a.name, kind: partKind(prefix, a.name) ?? "files", size: a.size, sha256 };
    });
    const bundleTars = parts.filter((a) => partKind(prefix, a.name) === "bundle");
    if (bundleTars.length !== 1) throw new InputError(`${where}: bundle ${prefix} has ${bundleTars.length} bundle parts (${bundleTars.map((a) => a.name).join(", ")}) and ${ASSET_SUMS} does not say which is current; publish it again`);
    const bundleTar = bundleTars[0];
    const { manifest: manifest2, sums } = await readPublishedManifest(releases, fetcher, bundleTar, knownSha256(bundleTar) ?? "", (0, import_node_path15.join)(request.workDir, prefix));
    const own = assetPrefix(manifest2, sums);
    if (own !== prefix) {
      throw new InputError(`${where}: ${bundleTar.name} holds the bundle ${own}, not ${prefix} (an asset renamed by hand?); publish it again`);
    }
    published.push({ prefix, manifest: manifest2, assets: entries });
  }
  const manifest = mergeBundles(request.tag, { name: "kubespray-bundle", version: TOOL_VERSION }, published);
  const text3 = encodeReleaseManifest(manifest);
  const manifestPath = (0, import_node_path15.join)(request.workDir, RELEASE_MANIFEST);
  await (0, import_promises7.writeFile)(manifestPath, text3);
  const manifestSha256 = sha256Of(text3);
  const wroteManifest = await placeAsset(releases, release, assets.find((a) => a.name === RELEASE_MANIFEST), { name: RELEASE_MANIFEST, path: manifestPath, size: Buffer.byteLength(text3), sha256: manifestSha256 });
  const isPart = (name) => prefixes.some((p2) => partKind(p2, name) !== void 0);
  const current = new Set(published.flatMap((b2) => b2.assets.map((a) => a.name)));
  const known = new Map(assets.flatMap((a) => a.name === ASSET_SUMS || isPart(a.name) && !current.has(a.name) ? [] : [[a.name, knownSha256(a)]]));
  known.set(RELEASE_MANIFEST, manifestSha256);
  const unlisted = /* @__PURE__ */ new Set();
  const wroteSums = await updateReleaseSums(releases, release, request.workDir, (lines, present) => {
    const now = new Map(lines.map((e) => [e.path, e.sha256]));
    return [...present].flatMap((name) => {
      const sha256 = known.get(name) ?? now.get(name);
      if (!sha256 && !isPart(name)) unlisted.add(name);
      return sha256 ? [{ path: name, sha256 }] : [];
    });
  });
  await releases.update(release, { body: releaseNotes(manifest) });
  return { releaseUrl: release.html_url, manifest, written: [wroteManifest, wroteSums], unlisted: [...unlisted].sort() };
}
function releaseNotes(m2) {
  const first = m2.bundles[0]?.prefix ?? "PREFIX";
  return [
    `Offline bundles of Kubespray, ${m2.totals.bundles} in this release (\`bundle.json\` lists the files and images each holds):`,
    "",
    "| bundle | Kubespray | kube_version | arches | files | images |",
    "| --- | --- | --- | --- | --- | --- |",
    ...m2.bundles.map(
      (b2) => `| \`${b2.prefix}\` | ${b2.kubespray.tag ?? b2.kubespray.spec} (${b2.kubespray.commit?.slice(0, 12) ?? "local tree"}) | ${b2.kubeVersion} | ${b2.arches.join(" + ")} | ${b2.totals.files} | ${b2.totals.images} |`
    ),
    "",
    "Download one bundle's assets (its prefix) and SHA256SUMS, then:",
    "```sh",
    `P=${first}`,
    "sha256sum -c --ignore-missing SHA256SUMS",
    'mkdir -p bundle/images && for p in "$P"-images-*.tar; do tar -xf "$p" -C bundle/images; done',
    'for p in "$P"-files-*.tar "$P"-bundle-*.tar; do tar -xf "$p" -C bundle; done',
    "(cd bundle && sha256sum -c SHA256SUMS)",
    "```",
    `or \`node dist/cli.js fetch --repo OWNER/NAME --tag ${m2.tag} --asset-prefix ${first} --out bundle\`.`
  ].join("\n");
}
function bundleParts(assets, prefix, listed) {
  const all = assets.filter((a) => partKind(prefix, a.name) !== void 0);
  const inSums = all.filter((a) => listed.has(a.name));
  return inSums.length ? inSums : all;
}
function githubSha256(asset) {
  if (asset.state !== "uploaded") return void 0;
  return /^sha256:([0-9a-f]{64})$/.exec(asset.digest ?? "")?.[1];
}
async function readPublishedManifest(releases, fetcher, asset, sha256, dir) {
  await (0, import_promises7.rm)(dir, { recursive: true, force: true });
  await (0, import_promises7.mkdir)(dir, { recursive: true });
  const tarPath = (0, import_node_path15.join)(dir, asset.name);
  await downloadVerified(fetcher, releases, asset, tarPath, sha256, `the release records ${sha256} (GitHub's digest of the upload, else its ${ASSET_SUMS} line)`);
  await extractSafely({ file: tarPath, cwd: dir, include: (path) => path === BUNDLE_MANIFEST || path === BUNDLE_SUMS });
  const sums = await (0, import_promises7.readFile)((0, import_node_path15.join)(dir, BUNDLE_SUMS), "utf8").catch(() => void 0);
  if (sums === void 0) throw new InputError(`asset ${asset.name} has no ${BUNDLE_MANIFEST} and ${BUNDLE_SUMS}: not a bundle part written by kubespray-bundle publish`);
  return { manifest: await readBundleManifest(dir), sums: parseSums(sums) };
}

// src/report/table.ts
function formatTable(header2, rows) {
  const widths = header2.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd() + "\n";
  return line(header2) + line(widths.map((w2) => "-".repeat(w2))) + rows.map(line).join("");
}

// src/report/output.ts
var import_node_fs12 = require("node:fs");
function writeAll(fd, text3) {
  let buffer = Buffer.from(text3);
  while (buffer.length) {
    try {
      buffer = buffer.subarray((0, import_node_fs12.writeSync)(fd, buffer));
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}
var writeOut = (text3) => writeAll(1, text3);
var writeErr = (text3) => writeAll(2, text3);

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
var TemplateError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "TemplateError";
  }
};
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

// src/domain/yaml11.ts
var yamlLibrary = lazyRequire("yaml");
var jsYamlLibrary = lazyRequire("js-yaml");

// src/pipeline/files.ts
var STATE_FILE = `${STATE_DIR}/files-state.json`;
var PARTS_DIR = `${STATE_DIR}/parts/files`;

// src/adapters/registry/client.ts
var MAX_TOKEN_BYTES = 1 << 20;

// src/adapters/registry/repository.ts
var MAX_MANIFEST_BYTES = 4 << 20;

// src/pipeline/images.ts
var IMAGE_SEGMENT_POLICY = { splitAbove: 64 << 20, minSegment: 24 << 20, maxSegments: 6 };

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
  to_json: (value) => JSON.stringify(toJson(value)),
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
function toJson(value) {
  const v2 = failIfUndefined(value);
  if (v2 instanceof PyFloat) return v2.value;
  if (v2 instanceof PyTuple) return v2.items.map(toJson);
  if (Array.isArray(v2)) return v2.map(toJson);
  if (v2 instanceof DictView) return v2.items.map(toJson);
  if (v2 instanceof Map) return Object.fromEntries([...v2.entries()].map(([k2, x]) => [pyStr(k2), toJson(x)]));
  if (typeof v2 === "object" && v2 !== null) return pyStr(v2);
  return v2;
}

// src/domain/ansible/version.ts
var OPERATORS = {
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
  const op = ownEntry(OPERATORS, operator);
  if (!op) {
    throw new PyError("AnsibleFilterError", `Invalid operator type (${operator}). Must be one of ${Object.keys(OPERATORS).map((o) => `'${o}'`).join(", ")}`);
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
function compare2(op) {
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
  lt: compare2("<"),
  le: compare2("<="),
  gt: compare2(">"),
  ge: compare2(">="),
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

// src/domain/helm/repository.ts
var jsYaml = lazyRequire("js-yaml");

// src/domain/helm/values.ts
var jsYaml2 = lazyRequire("js-yaml");

// src/adapters/chart-archive.ts
var MAX_TEXT_BYTES = 4 << 20;
var MAX_EXPANDED_BYTES = 256 << 20;

// src/pipeline/charts.ts
var MAX_INDEX_BYTES = 64 << 20;

// src/cli/commands/build.ts
function parseRepository(value) {
  const repo = value ?? "kubernetes-sigs/kubespray";
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new UsageError(`--kubespray-repository ${repo}: expected OWNER/NAME`);
  return repo;
}

// src/cli/commands/merge.ts
var USAGE = `Usage:
  kubespray-bundle merge --repo OWNER/NAME --tag TAG

The last step of a release built by several jobs (one per arch or Kubernetes version, each
running publish into the same TAG): writes the release's bundle.json, every bundle's manifest
merged (which bundle holds which file and image, for fetch --asset-prefix), and a SHA256SUMS
of every other asset from the sha256 GitHub computed of each upload. Each bundle's
PREFIX-bundle-SHA8.tar (the one SHA256SUMS lists) is downloaded and checked to read its
manifest; no other part is downloaded.
Safe to re-run: assets whose bytes are the same are kept.

Options:
  --repo OWNER/NAME     the repository of the release
  --tag TAG             the release's tag
  -h, --help            show this help
Environment: GITHUB_TOKEN (required: contents write), GITHUB_API_URL (GHES).
`;
async function run(args) {
  const values = parseCommandArgs(args, { repo: { type: "string" }, tag: { type: "string" } }, USAGE);
  if (!values) return;
  if (!values.repo) throw new UsageError("--repo OWNER/NAME is required");
  if (!values.tag) throw new UsageError("--tag TAG is required");
  const http = createHttpClient(DEFAULT_HTTP_OPTIONS);
  const releases = new GitHubReleases(githubFromEnv(http, "merge"), parseRepository(values.repo));
  const workDir = await (0, import_promises8.mkdtemp)((0, import_node_path16.join)((0, import_node_os2.tmpdir)(), "kubespray-bundle-merge-"));
  try {
    const result = await runMerge({ tag: values.tag, workDir, connections: DEFAULT_HTTP_OPTIONS.connectionsPerHost }, releases);
    const m2 = result.manifest;
    writeOut(
      formatTable(
        ["bundle", "arches", "kube_version", "files", "images", "parts", "size"],
        m2.bundles.map((b2) => [b2.prefix, b2.arches.join(","), b2.kubeVersion, String(b2.totals.files), String(b2.totals.images), String(b2.assets.length), formatBytes(b2.assets.reduce((n, a) => n + a.size, 0))])
      )
    );
    for (const a of result.written) writeOut(`${a.action} ${a.name}
`);
    if (result.unlisted.length) writeErr(`warning: left out of SHA256SUMS (no sha256 from GitHub, no earlier line): ${result.unlisted.join(", ")}
`);
    writeOut(`merged ${m2.totals.bundles} bundle${m2.totals.bundles === 1 ? "" : "s"} (${m2.arches.join(", ")}; ${m2.totals.files} files, ${m2.totals.images} images): ${result.releaseUrl}
`);
  } finally {
    await (0, import_promises8.rm)(workDir, { recursive: true, force: true });
    await http.close();
  }
}
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  USAGE,
  run
});
