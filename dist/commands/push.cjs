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

// src/cli/commands/push.ts
var push_exports = {};
__export(push_exports, {
  USAGE: () => USAGE,
  run: () => run
});
module.exports = __toCommonJS(push_exports);
var import_node_path5 = require("node:path");

// src/adapters/http/bytes.ts
async function readSmallBody(response, cap, refuse) {
  const announced = Number(headerValue(response.headers["content-length"]) ?? 0);
  if (announced > cap) {
    response.body.discard();
    throw refuse(String(announced));
  }
  const pieces = [];
  let size = 0;
  await response.body.pump((piece) => {
    size += piece.length;
    if (size > cap) return false;
    pieces.push(Buffer.from(piece));
    return true;
  });
  if (size > cap) throw refuse(`more than ${cap}`);
  return Buffer.concat(pieces, size);
}
function fromUndici(response) {
  return { statusCode: response.statusCode, headers: response.headers, body: readableBody(response.body) };
}
function readableBody(body) {
  return {
    pump: (take) => new Promise((resolve3, reject) => {
      const done = (error) => {
        body.off("data", onData);
        body.off("end", onEnd);
        body.off("error", onError);
        body.on("error", () => void 0);
        if (error === void 0) resolve3();
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
    const u = new URL(url);
    return fromUndici(await this.http.request({ origin: u.origin, path: `${u.pathname}${u.search}`, method: "GET", headers }));
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
function describeRetry(notice) {
  return `retry ${notice.retry}/${notice.of} after ${notice.after}: ${notice.host}`;
}
var listeners = /* @__PURE__ */ new Set();
function onRetry(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
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
function parseUrl(text) {
  try {
    return new URL(text);
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
    await new Promise((resolve3) => this.waiting.push(resolve3));
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
    return new Promise((resolve3, reject) => {
      let connection;
      let socket;
      const onConnectError = (e) => reject(e);
      if (url.protocol === "https:") {
        const gathered = new Gather((buffer, length) => connection?.feed(buffer, length));
        const tlsOptions = { host, port, servername: (0, import_node_net.isIP)(host) ? void 0 : host, ALPNProtocols: ["http/1.1"], ca: this.options.ca, lookup: this.options.lookup, onread: gathered.onread };
        socket = (0, import_node_tls.connect)(tlsOptions, () => {
          clearTimeout(timer);
          socket.off("error", onConnectError);
          resolve3(connection = new Connection(socket, pool, this.options.idleTimeoutMs));
        });
        for (const event of ["end", "error", "close"]) socket.on(event, () => gathered.flush());
      } else {
        socket = (0, import_node_net.connect)({ host, port, lookup: this.options.lookup, onread: { buffer: this.readBuffer, callback: (n, buffer) => (connection?.feed(buffer, n), true) } }, () => {
          clearTimeout(timer);
          socket.off("error", onConnectError);
          resolve3(connection = new Connection(socket, pool, this.options.idleTimeoutMs));
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
    return new Promise((resolve3, reject) => {
      this.onHead = resolve3;
      this.onHeadFailed = reject;
      this.socket.resume();
      this.socket.write(`${lines.join("\r\n")}\r
\r
`);
    });
  }
  /** Bytes from the socket (pausing is done with socket.pause()). */
  feed(buffer, length) {
    let offset = 0;
    if (this.phase === "head") {
      this.answered = true;
      offset = this.readHead(buffer, 0, length);
      if (offset < 0) return;
    }
    if (this.phase === "body" && offset < length) this.readBody(buffer, offset, length);
  }
  /**
   * Gathers the head from `start`; returns where the body starts in `buffer`, or -1 when the head
   * goes on. Only head bytes are copied: the body that came in the same read is delivered from
   * `buffer`. Informational heads (1xx: 100 Continue, 103 Early Hints) are skipped: the final
   * head follows them on the same connection.
   */
  readHead(buffer, start, length) {
    for (; ; ) {
      const carried = this.headBytes;
      const window = buffer.subarray(start, Math.min(length, start + MAX_HEAD + 4 - carried));
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
      const text = all.toString("latin1", 0, end);
      const interim = interimStatus(text);
      if (interim !== 0) {
        if (!this.skipInterim(interim)) return -1;
        start = headEnd;
        if (start === length) return -1;
        continue;
      }
      return this.startBody(text, headEnd);
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
  parseHead(text) {
    const [statusLine = "", ...headerLines] = text.split("\r\n");
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
    const length = headerValue(headers["content-length"]);
    if (statusCode === 204 || statusCode === 304) this.framing = { kind: "none" };
    else if (encoding.includes("chunked")) {
      this.framing = { kind: "chunked" };
      this.chunkState = "size";
      this.line = "";
    } else if (length !== void 0 && /^\d+$/.test(length)) this.framing = { kind: "length", left: Number(length) };
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
    return new Promise((resolve3, reject) => {
      if (this.take || this.onBodyDone) {
        reject(new Error("the body is already being read"));
        return;
      }
      this.onBodyDone = (error) => error ? reject(error) : resolve3();
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
var sleep = (ms) => new Promise((resolve3) => setTimeout(resolve3, ms));

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
function bulkFetcher(http) {
  let fetcher = bulk.get(http);
  if (!fetcher) bulk.set(http, fetcher = new DispatcherBytes(http));
  return fetcher;
}
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

// src/adapters/registry/credentials.ts
var import_node_fs = require("node:fs");
var import_node_os = require("node:os");
var import_node_path = require("node:path");

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

// src/adapters/registry/credentials.ts
function authFilePaths(env = process.env) {
  const paths = [];
  if (env.REGISTRY_AUTH_FILE) paths.push(env.REGISTRY_AUTH_FILE);
  if (env.DOCKER_CONFIG) paths.push((0, import_node_path.join)(env.DOCKER_CONFIG, "config.json"));
  paths.push((0, import_node_path.join)(env.HOME ?? (0, import_node_os.homedir)(), ".docker", "config.json"));
  if (env.XDG_RUNTIME_DIR) paths.push((0, import_node_path.join)(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  return paths;
}
function keysFor(registry) {
  const keys = [registry, `https://${registry}`, `http://${registry}`];
  if (registry === DOCKER_HUB) keys.push("https://index.docker.io/v1/", "index.docker.io", "registry-1.docker.io");
  return keys;
}
function decode(entry) {
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (!entry.auth) return void 0;
  const plain = Buffer.from(entry.auth, "base64").toString("utf8");
  const colon = plain.indexOf(":");
  return colon > 0 ? { username: plain.slice(0, colon), password: plain.slice(colon + 1) } : void 0;
}
function credentialsFromAuthFiles(paths = authFilePaths()) {
  const files = [];
  for (const path of paths) {
    try {
      files.push(JSON.parse((0, import_node_fs.readFileSync)(path, "utf8")));
    } catch {
    }
  }
  return (registry) => {
    for (const file of files) {
      for (const key of keysFor(registry)) {
        const entry = file.auths?.[key];
        const found = entry && decode(entry);
        if (found) return found;
      }
    }
    return void 0;
  };
}

// src/pipeline/push.ts
var import_node_stream = require("node:stream");

// src/domain/images/media-types.ts
var OCI_INDEX = "application/vnd.oci.image.index.v1+json";
var OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
var DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
var DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
var DOCKER_SCHEMA1 = ["application/vnd.docker.distribution.manifest.v1+json", "application/vnd.docker.distribution.manifest.v1+prettyjws"];
var MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(", ");
var isIndex = (mediaType) => mediaType === OCI_INDEX || mediaType === DOCKER_LIST;

// src/domain/images/layout-index.ts
var REF_NAME = "org.opencontainers.image.ref.name";
var SOURCE_DIGEST = "dev.kubespray-bundle.source-digest";
var UPSTREAM_INDEX = "dev.kubespray-bundle.upstream-index";
function pushTarget(registry, repository, tag, digest) {
  return `${registry}/${repository}${tag ? `:${tag}` : `@${digest ?? ""}`}`;
}

// src/domain/errors.ts
var InputError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InputError";
  }
};

// src/adapters/oci-layout.ts
var import_node_crypto = require("node:crypto");
var import_node_fs3 = require("node:fs");
var import_promises2 = require("node:fs/promises");
var import_node_os2 = require("node:os");
var import_node_path3 = require("node:path");

// src/adapters/fs-atomic.ts
var import_node_fs2 = require("node:fs");
var import_promises = require("node:fs/promises");
var import_node_path2 = require("node:path");
var tempCounter = 0;
function tempPathFor(target, dir = (0, import_node_path2.dirname)(target)) {
  return (0, import_node_path2.join)(dir, `.${(0, import_node_path2.basename)(target)}.${process.pid}.${(tempCounter++).toString(36)}.tmp`);
}
var UnsafePathError = class extends Error {
  constructor(path, what) {
    super(`${path} is ${what}; refusing to write through it (remove it, or choose another output directory)`);
    this.name = "UnsafePathError";
  }
};
async function ensureDirUnder(root, rel) {
  const base = (0, import_node_path2.resolve)(root);
  const target = (0, import_node_path2.resolve)(base, rel);
  const path = (0, import_node_path2.relative)(base, target);
  if (path.startsWith("..") || (0, import_node_path2.isAbsolute)(path)) throw new UnsafePathError(target, `outside ${base}`);
  await (0, import_promises.mkdir)(base, { recursive: true });
  let current = base;
  for (const part of path.split(import_node_path2.sep).filter(Boolean)) {
    current = (0, import_node_path2.join)(current, part);
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
var NOFOLLOW = import_node_fs2.constants.O_NOFOLLOW ?? 0;
var CREATE_EXCLUSIVE = import_node_fs2.constants.O_RDWR | import_node_fs2.constants.O_CREAT | import_node_fs2.constants.O_EXCL | NOFOLLOW;
var OPEN_EXISTING = import_node_fs2.constants.O_RDWR | NOFOLLOW;
function createExclusive(path, mode = 420) {
  return (0, import_promises.open)(path, CREATE_EXCLUSIVE, mode);
}
function createExclusiveFd(path, mode = 420) {
  return (0, import_node_fs2.openSync)(path, CREATE_EXCLUSIVE, mode);
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
    this.root = (0, import_node_path3.dirname)(dir);
    this.tempDir = (0, import_node_path3.join)(this.root, ".kubespray-bundle", "tmp", (0, import_node_path3.basename)(dir));
    this.lockPath = (0, import_node_path3.join)(this.root, ".kubespray-bundle", `${(0, import_node_path3.basename)(dir)}.lock`);
  }
  dir;
  /** The output directory the layout sits in (its parent). */
  root;
  tempDir;
  lockPath;
  async init() {
    await ensureDirUnder(this.root, (0, import_node_path3.join)((0, import_node_path3.basename)(this.dir), "blobs", "sha256"));
    await ensureDirUnder(this.root, (0, import_node_path3.join)(".kubespray-bundle", "tmp", (0, import_node_path3.basename)(this.dir)));
    const marker = (0, import_node_path3.join)(this.dir, "oci-layout");
    const current = await regularFile(marker) ? await (0, import_promises2.readFile)(marker, { encoding: "utf8", flag: READ_NOFOLLOW }).catch(() => "") : "";
    if (current !== OCI_LAYOUT_MARKER) await writeFileAtomic(marker, OCI_LAYOUT_MARKER, this.tempDir);
  }
  /**
   * Holds the layout for one writing run: a second run on the same layout fails at once, by
   * name, instead of interleaving index.json writes. A lock left by a process that is gone
   * (on this host) is taken over.
   */
  async lock() {
    const mine = JSON.stringify({ pid: process.pid, host: (0, import_node_os2.hostname)(), started: (/* @__PURE__ */ new Date()).toISOString() });
    for (let attempt = 0; ; attempt++) {
      try {
        const file = await createExclusive(this.lockPath);
        await file.writeFile(mine);
        await file.close();
        return () => (0, import_promises2.rm)(this.lockPath, { force: true });
      } catch (e) {
        if (e.code !== "EEXIST" || attempt > 0) throw e;
        const holder = await this.lockHolder();
        if (holder && (holder.host !== (0, import_node_os2.hostname)() || processAlive(holder.pid))) {
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
    return (0, import_node_path3.join)(this.dir, "blobs", "sha256", hex);
  }
  /** A blob is there when a regular file of the right size is (a link planted there is not). */
  async has(digest, size) {
    const info = (0, import_node_fs3.lstatSync)(this.blobPath(digest), { throwIfNoEntry: false });
    return info?.isFile() === true && info.size === size;
  }
  async readBlob(digest) {
    return (0, import_promises2.readFile)(this.blobPath(digest), { flag: READ_NOFOLLOW });
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
    return (0, import_node_path3.join)(this.tempDir, `${(0, import_node_path3.basename)(this.blobPath(digest))}.part`);
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
      const index = JSON.parse(await (0, import_promises2.readFile)((0, import_node_path3.join)(this.dir, "index.json"), { encoding: "utf8", flag: READ_NOFOLLOW }));
      return { schemaVersion: 2, mediaType: index.mediaType, manifests: Array.isArray(index.manifests) ? index.manifests : [] };
    } catch (e) {
      if (e.code === "ENOENT") return { schemaVersion: 2, manifests: [] };
      throw new InputError(`${(0, import_node_path3.join)(this.dir, "index.json")}: not a readable OCI index (${e.message}); remove it to start the layout afresh`);
    }
  }
  async writeIndex(index) {
    await writeFileAtomic((0, import_node_path3.join)(this.dir, "index.json"), JSON.stringify(index), this.tempDir);
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
    const dir = (0, import_node_path3.join)(this.dir, "blobs", "sha256");
    let blobs = 0;
    let bytes = 0;
    for (const name of await (0, import_promises2.readdir)(dir)) {
      if (keep.has(name)) continue;
      const info = await regularFile((0, import_node_path3.join)(dir, name));
      await (0, import_promises2.rm)((0, import_node_path3.join)(dir, name), { force: true, recursive: true });
      blobs++;
      bytes += info?.size ?? 0;
    }
    for (const name of await (0, import_promises2.readdir)(this.tempDir).catch(() => [])) await (0, import_promises2.rm)((0, import_node_path3.join)(this.tempDir, name), { force: true, recursive: true });
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

// src/adapters/registry/client.ts
var MAX_TOKEN_BYTES = 1 << 20;
var RegistryError = class extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
    this.name = "RegistryError";
  }
  status;
};
function parseChallenge(header) {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return void 0;
  const params = {};
  for (const m of match[2].matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[m[1].toLowerCase()] = m[2] !== void 0 ? m[2].replace(/\\(.)/g, "$1") : m[3] ?? "";
  }
  return { scheme: match[1].toLowerCase(), params };
}
var RegistryClient = class {
  constructor(host, options) {
    this.host = host;
    this.options = options;
    this.base = `${options.insecureHosts.has(host) ? "http" : "https"}://${host}`;
    this.origin = new URL(this.base).origin;
    this.bytes = bulkFetcher(options.http);
  }
  host;
  options;
  base;
  origin;
  tokens = /* @__PURE__ */ new Map();
  basicAuth;
  bearer;
  bytes;
  /** Sends a request, answering an auth challenge once; the caller reads or discards the body. */
  async request(req) {
    const first = await this.send(req, await this.authorization(req.scope, false));
    if (first.statusCode !== 401) return first;
    await first.body.dump();
    const challenge = this.answer(first.headers);
    if (req.replayable === false && req.body) throw new RegistryError(`${this.host} asked for credentials in the middle of an upload`, 401);
    return this.send(req, await this.authorization(req.scope, true, challenge));
  }
  /**
   * A bulk GET (a blob), through the bulk fetcher (http/client.ts), with the same auth as
   * request(): credentials go to this registry's origin only, and a redirect to another
   * origin (a CDN) drops them.
   */
  async getBytes(path, scope, headers) {
    const url = new URL(path, this.base);
    const send = (authorization) => this.bytes.get(url.toString(), authorization && url.origin === this.origin ? { ...headers, authorization } : headers).catch((e) => {
      throw this.explained(e);
    });
    const first = await send(await this.authorization(scope, false));
    if (first.statusCode !== 401) return first;
    first.body.discard();
    const challenge = this.answer(first.headers);
    return send(await this.authorization(scope, true, challenge));
  }
  /** Learns what a 401 asks for. */
  answer(headers) {
    const challenge = parseChallenge(headerValue(headers["www-authenticate"]) ?? "");
    if (!challenge) throw new RegistryError(`${this.host} answered 401 without an auth challenge`, 401);
    this.learn(challenge);
    return challenge;
  }
  learn(challenge) {
    if (challenge.scheme === "bearer") this.bearer = challenge;
    else if (challenge.scheme === "basic") {
      const credentials = this.options.credentials(this.host);
      if (!credentials) throw new RegistryError(`${this.host} requires a login (Basic auth) and no credentials were found for it (docker login / REGISTRY_AUTH_FILE)`, 401);
      this.basicAuth = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
    } else throw new RegistryError(`${this.host} asks for '${challenge.scheme}' authentication, which is not supported`, 401);
  }
  async authorization(scope, refresh, challenge) {
    if (this.basicAuth) return this.basicAuth;
    if (!this.bearer) return void 0;
    const key = scope;
    if (!refresh) {
      const cached = this.tokens.get(key);
      if (cached) return `Bearer ${cached}`;
    }
    const token = await this.fetchToken(challenge?.params.scope ? mergeScopes(scope, challenge.params.scope) : scope);
    this.tokens.set(key, token);
    return `Bearer ${token}`;
  }
  async fetchToken(scope) {
    const params = this.bearer?.params ?? {};
    if (!params.realm) throw new RegistryError(`${this.host}: its Bearer challenge names no realm`, 401);
    let url;
    try {
      url = new URL(params.realm);
    } catch {
      throw new RegistryError(`${this.host}: its Bearer challenge names realm '${params.realm}', which is not a url`, 401);
    }
    if (params.service) url.searchParams.set("service", params.service);
    for (const s of scope.split(" ").filter(Boolean)) url.searchParams.append("scope", s);
    const credentials = this.options.credentials(this.host);
    const trusted = url.protocol === "https:" || url.origin === this.origin;
    const withheld = credentials && !trusted;
    const headers = {};
    if (credentials && trusted) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
    const res = await this.bytes.get(url.toString(), headers);
    if (res.statusCode !== 200) {
      res.body.discard();
      const who = withheld ? `anonymous access (your credentials were withheld: the realm ${url.origin} is plain HTTP on another host)` : credentials ? "the credentials" : "anonymous access";
      throw new RegistryError(`${this.host}: the token service ${url.origin} refused ${who} (HTTP ${res.statusCode})`, res.statusCode);
    }
    const body = await readSmallBody(res, MAX_TOKEN_BYTES, (size) => new RegistryError(`${this.host}: the token service ${url.origin} answered ${size} bytes (the limit is ${MAX_TOKEN_BYTES})`));
    let json;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      throw new RegistryError(`${this.host}: the token service ${url.origin} answered something that is not JSON`);
    }
    const token = typeof json.token === "string" && json.token ? json.token : typeof json.access_token === "string" ? json.access_token : void 0;
    if (!token) throw new RegistryError(`${this.host}: the token service ${url.origin} returned no token`);
    return token;
  }
  send(req, authorization) {
    const url = new URL(req.path, this.base);
    const headers = { ...req.headers };
    if (authorization && url.origin === this.origin) headers.authorization = authorization;
    return this.options.http.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: req.method, headers, body: req.body }).catch((e) => {
      throw this.explained(e);
    });
  }
  /**
   * TLS spoken to a plain-HTTP registry fails deep in OpenSSL ("ssl3_get_record:wrong version
   * number"): said as what it means and what to do, in one line that is the same for every
   * image of that registry.
   */
  explained(e) {
    const text = `${e?.code ?? ""} ${e?.message ?? ""}`;
    if (this.base.startsWith("https:") && /WRONG_VERSION_NUMBER|wrong version number|packet length too long|http request/i.test(text)) {
      return new RegistryError(`${this.host} answered plain HTTP, not TLS: add --insecure-registry ${this.host} (push: --insecure; action input: insecure-registries)`);
    }
    return e;
  }
};
function mergeScopes(a, b) {
  return [...new Set([...a.split(" "), ...b.split(" ")].filter(Boolean))].join(" ");
}

// src/adapters/registry/repository.ts
var MAX_MANIFEST_BYTES = 4 << 20;
function statusReason(status) {
  if (status === 401) return "HTTP 401: not authorized (check the credentials)";
  if (status === 403) return "HTTP 403: access denied";
  if (status === 404) return "HTTP 404: not found";
  return `HTTP ${status}`;
}
var Repository = class {
  constructor(client, name, actions) {
    this.client = client;
    this.name = name;
    this.actions = actions;
  }
  client;
  name;
  actions;
  get scope() {
    return `repository:${this.name}:${this.actions}`;
  }
  /**
   * A manifest by tag or digest; its digest is computed from the bytes (and checked against the
   * registry's). Through the bulk fetcher, as blobs are: our own reader answers the first
   * manifests of a run in a third of undici's time, and a run that pulls needs nothing else.
   */
  async manifest(reference) {
    const res = await this.client.getBytes(`/v2/${this.name}/manifests/${reference}`, this.scope, { accept: MANIFEST_ACCEPT });
    if (res.statusCode !== 200) {
      res.body.discard();
      throw new RegistryError(`manifest ${reference}: ${statusReason(res.statusCode)}`, res.statusCode);
    }
    const bytes = await readSmallBody(res, MAX_MANIFEST_BYTES, (size) => new RegistryError(`manifest ${reference}: a ${size}-byte manifest is not plausible (the limit is ${MAX_MANIFEST_BYTES})`));
    const declared = headerValue(res.headers["content-type"])?.split(";")[0].trim() ?? "";
    let mediaType = declared;
    try {
      mediaType = JSON.parse(bytes.toString("utf8")).mediaType ?? declared;
    } catch {
      throw new RegistryError(`manifest ${reference}: the manifest is not JSON`);
    }
    if (DOCKER_SCHEMA1.includes(mediaType) || DOCKER_SCHEMA1.includes(declared)) {
      throw new RegistryError(`manifest ${reference}: Docker schema 1 manifests are not supported (deprecated since 2017); ask for a newer tag`);
    }
    const digest = sha256Digest(bytes);
    if (reference.includes(":") && reference !== digest) {
      throw new RegistryError(`manifest ${reference}: digest mismatch: the registry served bytes that hash to ${digest}`);
    }
    const said = headerValue(res.headers["docker-content-digest"]);
    if (said?.startsWith("sha256:") && said !== digest) {
      throw new RegistryError(`manifest ${reference}: the registry says digest ${said}, the bytes hash to ${digest}`);
    }
    return { bytes, mediaType, digest };
  }
  /** A blob as a byte source for the resumable fetcher (adapters/http/fetch-file). */
  blobSource(digest, size) {
    return {
      id: `${this.client.host}/${this.name}@${digest}`,
      size,
      get: (headers) => this.client.getBytes(`/v2/${this.name}/blobs/${digest}`, this.scope, headers)
    };
  }
  async hasBlob(digest) {
    const res = await this.client.request({ method: "HEAD", path: `/v2/${this.name}/blobs/${digest}`, scope: this.scope });
    await res.body.dump();
    if (res.statusCode === 200) return true;
    if (res.statusCode === 404) return false;
    throw new RegistryError(`blob ${digest}: checking the blob: ${statusReason(res.statusCode)}`, res.statusCode);
  }
  /** Asks the registry to link a blob it has in another repository; false when it cannot. */
  async mountBlob(digest, from) {
    const res = await this.client.request({
      method: "POST",
      path: `/v2/${this.name}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      scope: `${this.scope} repository:${from}:pull`
    });
    await res.body.dump();
    if (res.statusCode === 201) return true;
    return false;
  }
  /** A monolithic upload: POST for an upload url, then one PUT with the whole body. */
  async uploadBlob(digest, size, open3) {
    const start = await this.client.request({ method: "POST", path: `/v2/${this.name}/blobs/uploads/`, scope: this.scope, headers: { "content-length": "0" } });
    await start.body.dump();
    const location = headerValue(start.headers.location);
    if (start.statusCode !== 202 || !location) {
      throw new RegistryError(`starting an upload to ${this.client.host}/${this.name}: ${statusReason(start.statusCode)}`, start.statusCode);
    }
    const url = new URL(location, this.client.base);
    url.searchParams.set("digest", digest);
    const put = await this.client.request({
      method: "PUT",
      path: url.toString(),
      scope: this.scope,
      headers: { "content-type": "application/octet-stream", "content-length": String(size) },
      body: open3(),
      replayable: false
    });
    await put.body.dump();
    if (put.statusCode !== 201) throw new RegistryError(`blob ${digest}: uploading the blob: ${statusReason(put.statusCode)}`, put.statusCode);
  }
  async putManifest(reference, bytes, mediaType) {
    const res = await this.client.request({
      method: "PUT",
      path: `/v2/${this.name}/manifests/${reference}`,
      scope: this.scope,
      headers: { "content-type": mediaType },
      body: bytes
    });
    const text = await res.body.text();
    if (res.statusCode !== 201) {
      throw new RegistryError(`manifest ${reference}: pushing the manifest: ${statusReason(res.statusCode)} ${text.slice(0, 300)}`, res.statusCode);
    }
    const said = headerValue(res.headers["docker-content-digest"]);
    const digest = sha256Digest(bytes);
    if (said && said !== digest) throw new RegistryError(`manifest ${reference}: the registry stored digest ${said}, ours is ${digest}`);
  }
};

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

// src/pipeline/push.ts
var PushJob = class {
  constructor(request, registry, progress) {
    this.request = request;
    this.progress = progress;
    this.layout = new OciLayout(request.layoutDir);
    this.client = new RegistryClient(request.registry, registry);
  }
  request;
  progress;
  layout;
  client;
  /** Blob digest → a repository of the target registry that has it (for cross-repository mounts). */
  placed = /* @__PURE__ */ new Map();
  /** Blob digest → its upload in progress, so a second repository waits and mounts it. */
  uploading = /* @__PURE__ */ new Map();
  /** `${repository} ${digest}` being pushed: each blob once per repository. */
  inFlight = /* @__PURE__ */ new Map();
  async run() {
    const index = await this.layout.readIndex();
    const entries = index.manifests.filter((d) => d.annotations?.[REF_NAME]);
    if (!entries.length) throw new InputError(`${this.request.layoutDir}: no images (index.json has no entries named by ${REF_NAME}); run the images command first`);
    this.progress.planned(entries.length);
    return runPool(entries, this.request.concurrency, async (entry) => {
      const result = await this.pushImage(entry);
      this.progress.finished(result);
      return result;
    });
  }
  async pushImage(entry) {
    const started = Date.now();
    const name = entry.annotations?.[REF_NAME] ?? "";
    const counter = { uploaded: 0 };
    let target = name;
    try {
      const ref = parseReference(name);
      const top = await this.unwrap(entry);
      target = pushTarget(this.request.registry, ref.repository, ref.tag, top.descriptor.digest);
      const repo = new Repository(this.client, ref.repository, "pull,push");
      const children = isIndex(top.descriptor.mediaType) ? await this.children(top) : [];
      for (const manifest of [...children, ...isIndex(top.descriptor.mediaType) ? [] : [top]]) {
        const parsed = JSON.parse(manifest.bytes.toString("utf8"));
        await Promise.all([parsed.config, ...parsed.layers].map((b) => this.pushBlob(repo, b, counter)));
        await repo.putManifest(manifest.descriptor.digest, manifest.bytes, manifest.descriptor.mediaType);
      }
      await repo.putManifest(ref.tag ?? top.descriptor.digest, top.bytes, top.descriptor.mediaType);
      const pinRefused = await this.pushUpstreamIndex(repo, entry);
      return { reference: name, target, status: "pushed", digest: top.descriptor.digest, uploaded: counter.uploaded, ms: Date.now() - started, ...pinRefused ? { pinRefused } : {} };
    } catch (e) {
      return { reference: name, target, status: "failed", error: e.message, uploaded: counter.uploaded, ms: Date.now() - started };
    }
  }
  /**
   * A platform subset's upstream index, by its digest only (never the tag), so pins to it
   * resolve at the target as they do at `serve`. A registry that refuses an index whose other
   * platforms are absent is no failure of the push: the reference is returned to be named.
   */
  async pushUpstreamIndex(repo, entry) {
    const upstream = entry.annotations?.[UPSTREAM_INDEX];
    if (!upstream) return void 0;
    const original = await this.manifest({ mediaType: "", digest: upstream, size: 0 });
    const mediaType = JSON.parse(original.bytes.toString("utf8")).mediaType ?? OCI_INDEX;
    try {
      await repo.putManifest(upstream, original.bytes, mediaType);
      return void 0;
    } catch (e) {
      const status = e.status;
      if (status !== void 0 && status >= 400 && status < 500 && status !== 401 && status !== 403) return `${repo.name}@${upstream}`;
      throw e;
    }
  }
  async manifest(descriptor) {
    const bytes = await this.layout.readBlob(descriptor.digest).catch(() => {
      throw new Error(`the layout lacks ${descriptor.digest} (an incomplete save: run the images command again)`);
    });
    return { descriptor, bytes };
  }
  /**
   * Our OCI rendering of a Docker manifest or list is ours alone: push the registry's
   * original (its media type is in its own bytes), so the digest stays the source's.
   */
  async unwrap(entry) {
    const source = entry.annotations?.[SOURCE_DIGEST];
    if (!source) return this.manifest(entry);
    const original = await this.manifest({ mediaType: "", digest: source, size: 0 });
    const mediaType = JSON.parse(original.bytes.toString("utf8")).mediaType;
    if (!mediaType) throw new Error(`${source}, the original of this image, names no media type`);
    return { descriptor: { mediaType, digest: source, size: original.bytes.length }, bytes: original.bytes };
  }
  async children(top) {
    const index = JSON.parse(top.bytes.toString("utf8"));
    return Promise.all(index.manifests.map((d) => this.manifest(d)));
  }
  pushBlob(repo, blob, counter) {
    const key = `${repo.name} ${blob.digest}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.placeBlob(repo, blob);
      this.inFlight.set(key, pending);
      pending.then((n) => counter.uploaded += n).catch(() => this.inFlight.delete(key));
    }
    return pending;
  }
  async placeBlob(repo, blob) {
    if (!await this.layout.has(blob.digest, blob.size)) throw new Error(`the layout lacks blob ${blob.digest} (an incomplete save: run the images command again)`);
    if (await repo.hasBlob(blob.digest)) return this.placedIn(repo, blob, 0);
    const other = this.uploading.get(blob.digest);
    if (other) await other.catch(() => void 0);
    const elsewhere = this.placed.get(blob.digest);
    if (elsewhere && elsewhere !== repo.name && await repo.mountBlob(blob.digest, elsewhere)) return this.placedIn(repo, blob, 0);
    const upload = repo.uploadBlob(blob.digest, blob.size, () => this.layout.openBlob(blob.digest).pipe(this.meter()));
    this.uploading.set(blob.digest, upload);
    try {
      await upload;
    } finally {
      this.uploading.delete(blob.digest);
    }
    return this.placedIn(repo, blob, blob.size);
  }
  /** Counts bytes as the upload reads them (a 'data' listener would start the stream too early). */
  meter() {
    const progress = this.progress;
    return new import_node_stream.Transform({
      transform(chunk, _encoding, done) {
        progress.bytes(chunk.length);
        done(null, chunk);
      }
    });
  }
  placedIn(repo, blob, uploaded) {
    if (!this.placed.has(blob.digest)) this.placed.set(blob.digest, repo.name);
    return uploaded;
  }
};

// src/report/table.ts
function formatTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd() + "\n";
  return line(header) + line(widths.map((w) => "-".repeat(w))) + rows.map(line).join("");
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

// src/report/progress.ts
var RETRY_SHOWN_MS = 3e3;
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
var ProgressLine = class {
  constructor(render, tty = Boolean(process.stderr.isTTY), intervalMs = tty ? 250 : Number(process.env.KUBESPRAY_BUNDLE_PROGRESS_MS) || 5e3) {
    this.render = render;
    this.tty = tty;
    this.timer = setInterval(() => this.draw(), intervalMs);
    this.timer.unref();
    this.stopHearingRetries = onRetry((notice) => this.retried(notice));
  }
  render;
  tty;
  timer;
  started = Date.now();
  lastLength = 0;
  /** The latest retry, until a line has shown it (and, on a terminal, for RETRY_SHOWN_MS). */
  retry;
  stopHearingRetries;
  retried(notice) {
    this.retry = { text: describeRetry(notice), at: Date.now(), shown: false };
  }
  /** The retry to show on this line, if any: each is shown at least once. */
  retryText() {
    const retry = this.retry;
    if (!retry) return "";
    if (retry.shown && (!this.tty || Date.now() - retry.at > RETRY_SHOWN_MS)) {
      this.retry = void 0;
      return "";
    }
    retry.shown = true;
    return `  (${retry.text})`;
  }
  draw() {
    const rendered = this.render(Date.now() - this.started);
    if (!rendered) return;
    const text = rendered + this.retryText();
    if (this.tty) {
      writeErr(`\r${text.padEnd(this.lastLength)}`);
      this.lastLength = text.length;
    } else writeErr(`${text}
`);
  }
  /** A message that must not be overdrawn (a failure, a warning). */
  note(text) {
    if (this.tty && this.lastLength) writeErr(`\r${" ".repeat(this.lastLength)}\r`);
    this.lastLength = 0;
    writeErr(`${text}
`);
  }
  stop() {
    if (!this.timer) return;
    this.stopHearingRetries();
    clearInterval(this.timer);
    this.timer = void 0;
    this.draw();
    if (this.tty) writeErr("\n");
  }
};

// src/report/job.ts
var JobProgress = class {
  /** With `line`, several jobs running at once share one progress line (build: files | images). */
  constructor(noun, nameOf, line) {
    this.noun = noun;
    this.nameOf = nameOf;
    this.line = line ?? new ProgressLine((ms) => this.render(ms));
  }
  noun;
  nameOf;
  total = 0;
  done = 0;
  failed = 0;
  knownBytes = 0;
  /** Errors already printed: the same cause (an unreachable host) is said once, not per item. */
  said = /* @__PURE__ */ new Set();
  transferred = 0;
  line;
  planned(items) {
    this.total = items;
  }
  sizeKnown(bytes) {
    this.knownBytes += bytes;
  }
  bytes(count) {
    this.transferred += count;
  }
  finished(result) {
    this.done++;
    if (result.status === "failed") {
      this.failed++;
      if (!this.said.has(result.error ?? "")) this.line.note(`failed: ${this.nameOf(result)} (${shortCause(result.error ?? "")})`);
      this.said.add(result.error ?? "");
    }
  }
  /** Whether anything was planned (a job that has not started says nothing). */
  get started() {
    return this.total > 0;
  }
  render(elapsedMs) {
    const rate = elapsedMs > 0 ? this.transferred / elapsedMs * 1e3 : 0;
    const failed = this.failed ? `, ${this.failed} failed` : "";
    const known = this.knownBytes ? ` of ${formatBytes(this.knownBytes)} known` : "";
    return `${this.noun} ${this.done}/${this.total}${failed}  ${formatBytes(this.transferred)}${known}  ${formatBytes(rate)}/s  ${(elapsedMs / 1e3).toFixed(0)} s`;
  }
};
function shortCause(error) {
  const code = /\(([A-Z][A-Z0-9_]{2,})\)/.exec(error)?.[1] ?? /\b(HTTP \d{3})\b/.exec(error)?.[1];
  if (code) return code;
  const first = error.split(/: |; /)[0];
  return first.length > 80 ? `${first.slice(0, 77)}...` : first;
}
async function runJob(progress, http, job) {
  try {
    return await job();
  } finally {
    progress.line.stop();
    await http.close();
  }
}
function throwIfFailed(results, noun, nameOf) {
  const failed = results.filter((r) => r.status === "failed");
  if (!failed.length) return;
  const byError = /* @__PURE__ */ new Map();
  for (const r of failed) byError.set(r.error ?? "", [...byError.get(r.error ?? "") ?? [], nameOf(r)]);
  const lines = [...byError].map(([error, names]) => names.length === 1 ? `  ${names[0]}: ${error}` : `  ${error}
    (${names.length} ${noun}: ${names.join(", ")})`);
  throw new Error(`${failed.length} of ${results.length} ${noun} failed:
` + lines.join("\n"));
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

// src/adapters/out-dir.ts
var import_promises3 = require("node:fs/promises");
var import_node_path4 = require("node:path");
function reason(e) {
  return e.message.split(", ")[0];
}
var isMissing = (e) => e.code === "ENOENT" || e.code === "ENOTDIR";
function kindOf(info) {
  return info.isFile() ? "a file" : info.isSocket() ? "a socket" : info.isFIFO() ? "a FIFO" : info.isCharacterDevice() || info.isBlockDevice() ? "a device" : "a special file";
}
async function requireDir(flag, path) {
  const label = `${flag} ${path}`;
  const dir = (0, import_node_path4.resolve)(path);
  const info = await (0, import_promises3.stat)(dir).catch((e) => {
    throw new InputError(isMissing(e) ? `${label}: no such directory` : `${label}: cannot read it (${reason(e)})`);
  });
  if (!info.isDirectory()) throw new InputError(`${label}: is ${kindOf(info)}, not a directory`);
  return dir;
}

// src/cli/commands/push.ts
var USAGE = `Usage:
  kubespray-bundle push --bundle DIR --registry HOST:PORT [--insecure]
  kubespray-bundle push --from DIR/images --registry HOST:PORT [--insecure]

Pushes every image of the OCI layout to HOST:PORT/<repository path without its registry
host>:<tag> (quay.io/calico/node:v3.30.5 -> HOST:PORT/calico/node:v3.30.5), blobs as they
are and manifests byte for byte, so digests equal the source's. Blobs the registry has are
skipped; blobs in another repository of the registry are mounted. An image saved with every
platform goes as the registry's original index (or list) under its tag, so its digest is the
upstream one.

Options:
  --bundle DIR        a bundle directory (its layout is DIR/images)
  --from DIR          the layout written by the images command (DIR/images)
  --registry HOST     the target registry, HOST:PORT
  --insecure          plain HTTP to the registry (default HTTPS; a custom CA via NODE_EXTRA_CA_CERTS)
  --concurrency N     images at once (default 4)
  -h, --help          show this help
Credentials: REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json, ~/.docker/config.json (never printed).
`;
async function run(args) {
  const values = parseCommandArgs(
    args,
    {
      from: { type: "string" },
      bundle: { type: "string" },
      registry: { type: "string" },
      insecure: { type: "boolean" },
      concurrency: { type: "string" }
    },
    USAGE
  );
  if (!values) return;
  const { registry } = values;
  if (values.from && values.bundle) throw new UsageError("give --bundle DIR or --from DIR/images, not both");
  const from = values.bundle ? (0, import_node_path5.join)(values.bundle, "images") : values.from;
  if (!from) throw new UsageError("--bundle DIR (or --from DIR/images) is required");
  if (!registry || !/^[\w.-]+(:\d+)?$/.test(registry)) throw new UsageError("--registry HOST:PORT is required (no scheme, no path)");
  const concurrency = positiveInt("concurrency", values.concurrency, 4);
  await (values.bundle ? requireDir("--bundle", values.bundle) : requireDir("--from", from));
  const http = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, connectionsPerHost: 8 });
  const progress = new JobProgress("pushed", (r) => r.reference);
  const started = Date.now();
  const results = await runJob(
    progress,
    http,
    () => new PushJob(
      { layoutDir: from, registry, concurrency },
      { http, credentials: credentialsFromAuthFiles(), insecureHosts: new Set(values.insecure ? [registry] : []) },
      progress
    ).run()
  );
  writeOut(
    formatTable(
      ["image", "pushed to", "digest", "uploaded", "time", "result"],
      results.map((r) => [r.reference, r.target, r.digest ? r.digest.slice(0, 19) : "-", formatBytes(r.uploaded), `${(r.ms / 1e3).toFixed(1)} s`, r.status === "pushed" ? "pushed" : "FAILED"])
    )
  );
  const failed = results.filter((r) => r.status === "failed");
  writeOut(`${results.length - failed.length}/${results.length} images pushed to ${values.registry} in ${((Date.now() - started) / 1e3).toFixed(1)} s
`);
  const refused = results.flatMap((r) => r.pinRefused ? [r.pinRefused] : []);
  if (refused.length) {
    writeErr(
      `warning: ${values.registry} refuses an index whose other platforms are absent (Distribution 2.8 does), so ${refused.length} upstream digest(s) of images saved for some platforms only are not there; references pinned to them will miss (tags work): ${refused.join(", ")}. serve answers them; for Helm charts that pin them, offline-yml --no-digest-pins writes values that pull by tag.
`
    );
  }
  throwIfFailed(results, "image(s)", (r) => r.reference);
}
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  USAGE,
  run
});
