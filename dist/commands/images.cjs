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

// src/cli/commands/images.ts
var images_exports = {};
__export(images_exports, {
  USAGE: () => USAGE,
  parsePlatforms: () => parsePlatforms,
  run: () => run
});
module.exports = __toCommonJS(images_exports);

// src/domain/images/platform.ts
function parsePlatform(text) {
  const parts = text.trim().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) {
    throw new Error(`--platform ${text}: expected os/arch[/variant], e.g. linux/amd64 or linux/arm64`);
  }
  return { os: parts[0], architecture: parts[1], variant: parts[2] };
}
var formatPlatform = (p) => p ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}` : "unknown";
function isAttestation(d) {
  return d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest" || d.platform?.os === "unknown" && d.platform.architecture === "unknown";
}
function sameVariant(wanted, have) {
  if (!wanted.variant) return true;
  const norm = (p) => p.architecture === "arm64" && !p.variant ? "v8" : p.variant;
  return norm(wanted) === norm(have);
}
function matchesPlatform(d, wanted) {
  const have = d.platform;
  if (!have || isAttestation(d)) return false;
  return wanted.some((w) => w.os === have.os && w.architecture === have.architecture && sameVariant(w, have));
}

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
function normalizedName(ref) {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}
function apiHost(registry) {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
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

// src/pipeline/images.ts
var import_promises4 = require("node:fs/promises");
var import_node_path5 = require("node:path");

// src/domain/images/media-types.ts
var OCI_INDEX = "application/vnd.oci.image.index.v1+json";
var OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
var DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
var DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
var DOCKER_SCHEMA1 = ["application/vnd.docker.distribution.manifest.v1+json", "application/vnd.docker.distribution.manifest.v1+prettyjws"];
var MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(", ");
var isIndex = (mediaType) => mediaType === OCI_INDEX || mediaType === DOCKER_LIST;
var isImageManifest = (mediaType) => mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST;
var isDockerType = (mediaType) => mediaType === DOCKER_LIST || mediaType === DOCKER_MANIFEST;

// src/domain/images/layout-index.ts
var REF_NAME = "org.opencontainers.image.ref.name";
var CONTAINERD_NAME = "io.containerd.image.name";
var SOURCE_DIGEST = "dev.kubespray-bundle.source-digest";
var UPSTREAM_INDEX = "dev.kubespray-bundle.upstream-index";
function encodeIndex(index) {
  return Buffer.from(JSON.stringify(index));
}
function wrapperIndex(child) {
  return {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: child.mediaType, digest: child.digest, size: child.size, ...child.platform ? { platform: child.platform } : {} }]
  };
}
function ociIndexOf(list) {
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: list.manifests, ...list.annotations ? { annotations: list.annotations } : {} };
}
function filteredIndex(original, kept) {
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: kept, ...original.annotations ? { annotations: original.annotations } : {} };
}
function indexForList(lines, existing, saved) {
  const before = new Map(existing.map((d) => [d.annotations?.[REF_NAME], d]));
  return lines.flatMap((line) => {
    const entry = saved.get(line) ?? before.get(line);
    return entry ? [entry] : [];
  });
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

// src/adapters/http/fetch-file.ts
var import_promises3 = require("node:fs/promises");
var import_node_path4 = require("node:path");
var import_node_fs5 = require("node:fs");

// src/adapters/hashing.ts
var import_node_crypto2 = require("node:crypto");
var import_node_fs4 = require("node:fs");
var import_node_os3 = require("node:os");
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
      fromDisk(from, to) {
        const buffer = sharedReadBackBuffer();
        for (let at = from; at < to; ) {
          const n = (0, import_node_fs4.readSync)(fd, buffer, 0, Math.min(buffer.length, to - at), at);
          if (n === 0) throw new Error(`${path} ends at ${at} bytes, its segments say ${to}`);
          for (const [, h] of hashes) h.update(buffer.subarray(0, n));
          at += n;
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
      fromDisk: (from, to) => {
        span[0] = from;
        span[1] = to;
        this.unwoken += to - from;
        this.send(Kind.fromDisk, id, new Uint8Array(span.buffer), this.unwoken >= WAKE_AFTER_BYTES);
      },
      digest: () => {
        finished = true;
        return new Promise((resolve3, reject) => {
          if (this.broken) return reject(this.broken);
          this.waiting.set(id, { resolve: resolve3, reject });
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
    const length = payload?.length ?? 0;
    const size = HEADER + (length + 7 & ~7);
    this.waitForRoom(size);
    this.header[0] = kind;
    this.header[1] = id;
    this.header[2] = length;
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
    const at = position & RING_BYTES - 1;
    const first = Math.min(bytes.length, RING_BYTES - at);
    this.ring.set(bytes.subarray(0, first), at);
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
  const { createHash: createHash3 } = require("node:crypto");
  const { openSync: openSync3, readSync: readSync2, closeSync: closeSync4, constants: constants3 } = require("node:fs");
  const ring = new Uint8Array(workerData.ring);
  const RING = ring.length;
  const control = new Int32Array(workerData.control);
  const header = new Int32Array(4);
  const headerBytes = new Uint8Array(header.buffer);
  const span = new Float64Array(2);
  const spanBytes = new Uint8Array(span.buffer);
  const readBack = Buffer.allocUnsafe(workerData.readBack);
  const files = /* @__PURE__ */ new Map();
  const copyOut = (position, into, length = into.length) => {
    const at = position & RING - 1;
    const first = Math.min(length, RING - at);
    into.set(ring.subarray(at, at + first), 0);
    if (first < length) into.set(ring.subarray(0, length - first), first);
  };
  const hashFromDisk = (file, from, to) => {
    file.fd ??= openSync3(file.path, constants3.O_RDONLY | (constants3.O_NOFOLLOW ?? 0));
    for (let at = from; at < to; ) {
      const n = readSync2(file.fd, readBack, 0, Math.min(readBack.length, to - at), at);
      if (n === 0) throw new Error(`${file.path} ends at ${at} bytes, its segments say ${to}`);
      for (const [, h] of file.hashes) h.update(readBack.subarray(0, n));
      at += n;
    }
  };
  const close = (id, file) => {
    if (file.fd !== void 0) closeSync4(file.fd);
    files.delete(id);
  };
  const take = (position) => {
    copyOut(position, headerBytes);
    const [kind, id, length] = header;
    const payload = position + 16;
    const file = files.get(id);
    if (kind === 1) {
      const open3 = JSON.parse(new TextDecoder().decode(Uint8Array.from({ length }, (_, i) => ring[payload + i & RING - 1])));
      files.set(id, { path: open3.path, hashes: open3.algorithms.map((a) => [a, createHash3(a)]) });
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
    return position + 16 + (length + 7 & ~7) | 0;
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
  constructor(times = () => (0, import_node_os3.cpus)().map((c) => c.times), now = () => performance.now(), windowMs = 100, idleBelow = 0.1) {
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
    const at = this.now();
    if (at - this.since.at < this.windowMs) return this.verdict;
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
    const mode = hashingMode(process.env.KUBESPRAY_BUNDLE_HASH_THREAD, (0, import_node_os3.availableParallelism)());
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
    for (const s of this.segments) {
      if (s.start !== end) break;
      end = s.start + s.done;
      if (s.end === null || s.done < s.end - s.start) break;
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
        const others = segments.slice(1).map((s) => this.fetchSegment(source, file, s, state, statePath, hasher, events));
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
        const size = segments.reduce((n, s) => n + s.done, 0);
        if (total !== void 0 && size !== total) throw new Error(`${url}: got ${size} bytes, ${total} were expected`);
        const digests = await hasher.finish();
        if (segments.length > 1) await removeState(state, statePath);
        return { size, digests };
      } finally {
        hasher.abandon();
        (0, import_node_fs5.closeSync)(file);
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
    events.bytes(state.segments.reduce((n, s) => n + s.done, 0));
    const file = openExistingFd(partPath);
    const hasher = new PrefixHasher(this.hashing.open(partPath, file, algorithms), state.segments);
    try {
      await writeFileAtomic(statePath, JSON.stringify(state));
      hasher.advance();
      const results = await Promise.allSettled(state.segments.map((s) => this.fetchSegment(source, file, s, state, statePath, hasher, events)));
      const failed = results.find((r) => r.status === "rejected");
      if (failed) {
        await saveState(state, statePath).catch(() => void 0);
        throw failed.reason;
      }
      const digests = await hasher.finish();
      await removeState(state, statePath);
      return { size: state.segments.reduce((n, s) => n + s.done, 0), digests };
    } finally {
      hasher.abandon();
      (0, import_node_fs5.closeSync)(file);
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
        const n = (0, import_node_fs5.writeSync)(file, piece, written, piece.length - written, position + written);
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
function endsWith(segment, from, length) {
  return length !== void 0 && segment.end !== null && from + length === segment.end;
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
  await (0, import_promises3.rm)(statePath, { force: true });
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
  const length = headerValue(response.headers["content-length"]);
  return length !== void 0 && /^\d+$/.test(length) ? Number(length) : void 0;
}
async function readPartState(statePath, url, partPath) {
  let state;
  try {
    state = JSON.parse((0, import_node_fs5.readFileSync)(statePath, "utf8"));
  } catch (e) {
    return e.code === "ENOENT" ? "absent" : "unusable";
  }
  const wellFormed = state.url === url && Array.isArray(state.segments) && state.segments.length > 0 && state.segments.every((s) => Number.isInteger(s.start) && Number.isInteger(s.done) && s.done >= 0 && (s.end === null || s.start + s.done <= s.end));
  if (!wellFormed) return "unusable";
  const part = await regularFile(partPath);
  const needed = Math.max(0, ...state.segments.filter((s) => s.done > 0).map((s) => s.start + s.done));
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
  const prefix = `.${(0, import_node_path4.basename)(statePath)}.`;
  const dir = (0, import_node_path4.dirname)(statePath);
  for (const name of await (0, import_promises3.readdir)(dir).catch(() => [])) {
    if (name.startsWith(prefix) && name.endsWith(".tmp")) await (0, import_promises3.rm)((0, import_node_path4.join)(dir, name), { force: true });
  }
}
async function partBytes(statePath) {
  try {
    const state = JSON.parse((0, import_node_fs5.readFileSync)(statePath, "utf8"));
    return state.segments.reduce((n, s) => n + s.done, 0);
  } catch {
    return 0;
  }
}
async function discardPart(partPath) {
  await Promise.all([(0, import_promises3.rm)(partPath, { force: true }), (0, import_promises3.rm)(`${partPath}.json`, { force: true })]);
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
    return new Promise((resolve3) => {
      const grant = () => resolve3(this.releaser());
      if (this.free > 0) {
        this.free--;
        grant();
      } else if (priority === "segment") this.segments.push(grant);
      else if (size !== void 0 && size > this.firstAbove) this.enqueueBig({ grant, size });
      else this.files.push(grant);
    });
  }
  enqueueBig(waiter) {
    let at = this.big.length;
    while (at > 0 && this.big[at - 1].size < waiter.size) at--;
    this.big.splice(at, 0, waiter);
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

// src/pipeline/images.ts
function parseImagesList(text, source) {
  const seen = /* @__PURE__ */ new Set();
  const refs = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#") || seen.has(line)) return;
    seen.add(line);
    try {
      refs.push(parseReference(line));
    } catch (e) {
      throw new InputError(`${source}:${i + 1}: ${e.message}`);
    }
  });
  return refs;
}
async function readImagesListFile(path) {
  let text;
  try {
    text = await (0, import_promises4.readFile)(path, "utf8");
  } catch (e) {
    throw new InputError(`--list ${path}: cannot read it (${e.code ?? e.message})`);
  }
  const refs = parseImagesList(text, path);
  if (!refs.length) throw new InputError(`--list ${path}: no image references in it`);
  return refs;
}
function coalesced(write) {
  let running;
  let again = false;
  const loop = async () => {
    do {
      again = false;
      await write().catch(() => void 0);
    } while (again);
    running = void 0;
  };
  return {
    request: () => {
      if (running) again = true;
      else running = loop();
    },
    settled: () => running ?? Promise.resolve()
  };
}
var parseJson = (bytes) => JSON.parse(bytes.toString("utf8"));
var IMAGE_SEGMENT_POLICY = { splitAbove: 64 << 20, minSegment: 24 << 20, maxSegments: 6 };
var ImagesJob = class {
  constructor(request, registry, progress) {
    this.request = request;
    this.registry = registry;
    this.progress = progress;
    this.layout = new OciLayout((0, import_node_path5.join)(request.outDir, "images"));
    this.segments = request.segments ?? IMAGE_SEGMENT_POLICY;
    this.fetcher = new FileFetcher(new PrioritySlots(request.connections, this.segments.splitAbove), this.segments);
  }
  request;
  registry;
  progress;
  layout;
  clients = /* @__PURE__ */ new Map();
  /** Blobs being fetched or fetched by this run: the same digest is fetched once. */
  blobs = /* @__PURE__ */ new Map();
  segments;
  fetcher;
  client(registry) {
    const host = apiHost(registry);
    let client = this.clients.get(host);
    if (!client) this.clients.set(host, client = new RegistryClient(host, this.registry));
    return client;
  }
  async run() {
    const refs = this.request.refs;
    await this.layout.init();
    const unlock = await this.layout.lock();
    try {
      return await this.saveAll(refs);
    } finally {
      await unlock();
    }
  }
  async saveAll(refs) {
    const lines = refs.map((r) => r.original);
    const existing = (await this.layout.readIndex()).manifests;
    const saved = /* @__PURE__ */ new Map();
    const writeIndex = () => this.layout.writeIndex({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: indexForList(lines, existing, saved) });
    const indexWrites = coalesced(writeIndex);
    this.progress.planned(refs.length);
    const results = await runPool(refs, this.request.concurrency, async (ref) => {
      const started = Date.now();
      const counter = { fetched: 0, size: 0 };
      let result;
      try {
        const { entry, platforms } = await this.saveImage(ref, counter);
        saved.set(ref.original, entry);
        indexWrites.request();
        result = { reference: ref.original, status: "saved", digest: entry.annotations?.[SOURCE_DIGEST] ?? entry.digest, platforms, fetched: counter.fetched, size: counter.size, ms: Date.now() - started };
      } catch (e) {
        result = { reference: ref.original, status: "failed", error: e.message, fetched: counter.fetched, ms: Date.now() - started };
      }
      this.progress.finished(result);
      return result;
    });
    await indexWrites.settled();
    await writeIndex();
    const complete = results.every((r) => r.status === "saved");
    const removed = complete && !this.request.keepUnreferenced ? await this.layout.collectGarbage((await this.layout.readIndex()).manifests) : { blobs: 0, bytes: 0 };
    return { results, layoutDir: this.layout.dir, removed };
  }
  async saveImage(ref, counter) {
    const repo = new Repository(this.client(ref.registry), ref.repository, "pull");
    const top = await repo.manifest(ref.digest ?? ref.tag ?? "latest");
    let saved;
    if (isIndex(top.mediaType)) saved = await this.saveIndex(repo, top, counter);
    else if (isImageManifest(top.mediaType)) {
      await this.saveManifest(repo, top, counter);
      const descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length };
      const entry = isDockerType(top.mediaType) ? { ...await this.storeIndex(wrapperIndex(descriptor)), annotations: { [SOURCE_DIGEST]: top.digest } } : descriptor;
      saved = { entry, platforms: ["(single-platform image)"] };
    } else {
      throw new Error(`unsupported manifest media type '${top.mediaType}'`);
    }
    const annotations = { ...saved.entry.annotations, [REF_NAME]: ref.original, [CONTAINERD_NAME]: normalizedName(ref) };
    return { entry: { ...saved.entry, annotations }, platforms: saved.platforms };
  }
  /**
   * A multi-platform image. With every platform kept, the index is kept whole, attestations
   * included, so its digest stays the registry's (a Docker list is listed as an OCI index of
   * the same children, its original bytes beside it); otherwise a new OCI index of the kept
   * platforms is written.
   */
  async saveIndex(repo, top, counter) {
    const index = parseJson(top.bytes);
    const images = index.manifests.filter((d) => !isAttestation(d));
    const wanted = this.request.platforms;
    const kept = wanted ? images.filter((d) => matchesPlatform(d, wanted)) : images;
    const missing = (wanted ?? []).filter((p) => !kept.some((d) => matchesPlatform(d, [p])));
    if (missing.length) {
      throw new Error(`has no ${missing.map(formatPlatform).join(", ")} (it has ${images.map((d) => formatPlatform(d.platform)).join(", ")})`);
    }
    const whole = kept.length === images.length;
    for (const child of whole ? index.manifests : kept) {
      const manifest = await repo.manifest(child.digest);
      if (manifest.bytes.length !== child.size) throw new Error(`manifest ${child.digest}: ${manifest.bytes.length} bytes, the index says ${child.size}`);
      if (isIndex(manifest.mediaType)) throw new Error(`nested index ${child.digest} is not supported`);
      await this.saveManifest(repo, manifest, counter);
    }
    const platforms = kept.map((d) => formatPlatform(d.platform));
    if (!whole) {
      await this.layout.putBytes(top.digest, top.bytes, `${repo.name} upstream index`);
      const entry = await this.storeIndex(filteredIndex(index, kept));
      return { entry: { ...entry, annotations: { ...entry.annotations, [UPSTREAM_INDEX]: top.digest } }, platforms };
    }
    await this.layout.putBytes(top.digest, top.bytes, `${repo.name} index`);
    if (!isDockerType(top.mediaType)) return { entry: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length }, platforms };
    return { entry: { ...await this.storeIndex(ociIndexOf(index)), annotations: { [SOURCE_DIGEST]: top.digest } }, platforms };
  }
  async storeIndex(index) {
    const bytes = encodeIndex(index);
    const digest = sha256Digest(bytes);
    await this.layout.putBytes(digest, bytes, "index");
    return { mediaType: index.mediaType ?? OCI_INDEX, digest, size: bytes.length };
  }
  async saveManifest(repo, manifest, counter) {
    const parsed = parseJson(manifest.bytes);
    if (!parsed.config?.digest || !Array.isArray(parsed.layers)) throw new Error(`manifest ${manifest.digest} has no config or layers`);
    await Promise.all([parsed.config, ...parsed.layers].map((blob) => this.fetchBlob(repo, blob, counter)));
    counter.size += manifest.bytes.length + [parsed.config, ...parsed.layers].reduce((n, b) => n + b.size, 0);
    await this.layout.putBytes(manifest.digest, manifest.bytes, `${repo.name} manifest`);
  }
  async fetchBlob(repo, blob, counter) {
    let pending = this.blobs.get(blob.digest);
    if (!pending) {
      pending = (async () => {
        if (await this.layout.has(blob.digest, blob.size)) return 0;
        const what = `${repo.client.host}/${repo.name}@${blob.digest}`;
        await this.fetchToLayout(repo, blob, what);
        return blob.size;
      })();
      this.blobs.set(blob.digest, pending);
      pending.catch(() => this.blobs.delete(blob.digest));
      counter.fetched += await pending;
      return;
    }
    await pending;
  }
  /**
   * A blob through the same fetcher as `files`: hashed and written as it arrives, and a big
   * layer (a whole run's tail on one capped connection) in Range segments on several
   * connections, resumable across runs.
   */
  async fetchToLayout(repo, blob, what) {
    const part = this.layout.partPathFor(blob.digest);
    try {
      const fetched = await this.fetcher.fetch(repo.blobSource(blob.digest, blob.size), part, ["sha256"], {
        size: () => void 0,
        bytes: (n) => this.progress.bytes(n)
      });
      await this.layout.adoptPart(blob, part, fetched.size, fetched.digests.get("sha256") ?? "", what);
    } catch (e) {
      if (!isTransient(e) || e instanceof DigestMismatchError) await discardPart(part);
      throw e;
    }
  }
};

// src/report/table.ts
function formatTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd() + "\n";
  return line(header) + line(widths.map((w) => "-".repeat(w))) + rows.map(line).join("");
}

// src/report/output.ts
var import_node_fs6 = require("node:fs");
function writeAll(fd, text) {
  let buffer = Buffer.from(text);
  while (buffer.length) {
    try {
      buffer = buffer.subarray((0, import_node_fs6.writeSync)(fd, buffer));
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

// src/adapters/out-dir.ts
var import_promises5 = require("node:fs/promises");
var import_node_path6 = require("node:path");
function reason(e) {
  return e.message.split(", ")[0];
}
var isMissing = (e) => e.code === "ENOENT" || e.code === "ENOTDIR";
function kindOf(info) {
  return info.isFile() ? "a file" : info.isSocket() ? "a socket" : info.isFIFO() ? "a FIFO" : info.isCharacterDevice() || info.isBlockDevice() ? "a device" : "a special file";
}
async function checkCreatable(label, dir, named) {
  let firstMissing;
  for (let current = dir; ; current = (0, import_node_path6.dirname)(current)) {
    const info = await (0, import_promises5.stat)(current).catch((e) => {
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
    if ((0, import_node_path6.dirname)(current) === current) break;
  }
  if (!firstMissing) return true;
  const created = await (0, import_promises5.mkdir)(firstMissing).then(
    () => true,
    (e) => {
      if (e.code === "EEXIST") return false;
      throw new InputError(`${label}: cannot create ${firstMissing} (${reason(e)})`);
    }
  );
  if (created) await (0, import_promises5.rmdir)(firstMissing).catch(() => void 0);
  return false;
}
async function checkWritable(label, dir) {
  const probe = (0, import_node_path6.join)(dir, `.kubespray-bundle-write-test.${process.pid}`);
  try {
    await (await (0, import_promises5.open)(probe, "wx")).close();
  } catch (e) {
    throw new InputError(`${label}: cannot write in ${dir} (${reason(e)})`);
  }
  await (0, import_promises5.unlink)(probe).catch(() => void 0);
}
async function checkOutDir(flag, path) {
  const label = `${flag} ${path}`;
  const dir = (0, import_node_path6.resolve)(path);
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
function positiveInt(name, value, fallback) {
  if (value === void 0) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} ${value}: expected a whole number of at least 1`);
  return Number(value);
}

// src/cli/commands/images.ts
var USAGE = `Usage:
  kubespray-bundle images --list images.list --out DIR [--platform linux/amd64[,linux/arm64]] [--concurrency N] [--insecure-registry HOST:PORT]...

Saves every image of the list into DIR/images, one OCI image layout shared by all of them
(a layer used by many images is stored once), without any container engine. Manifests and
layers keep their registry digests and are verified while they stream. index.json names
exactly the list's images; after a successful run, blobs no listed image uses are removed.

Options:
  --list FILE                 images.list (one reference a line, as generate_list.sh writes it)
  --out DIR                   output directory; the layout is DIR/images
  --platform LIST             platforms to keep from multi-platform images, comma-separated
                              (default linux/amd64; 'all' keeps every platform)
  --concurrency N             images at once (default 16)
  --connections N             connections per registry host (default 16)
  --insecure-registry HOST    speak plain HTTP to HOST:PORT; repeatable
  --keep-unreferenced         keep blobs of images no longer in the list
  -h, --help                  show this help
Credentials: REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json, ~/.docker/config.json (never printed).
`;
function parsePlatforms(value) {
  if (value === "all") return void 0;
  try {
    return (value ?? "linux/amd64").split(",").map(parsePlatform);
  } catch (e) {
    throw new UsageError(e.message);
  }
}
async function run(args) {
  const values = parseCommandArgs(
    args,
    {
      list: { type: "string" },
      out: { type: "string" },
      platform: { type: "string" },
      concurrency: { type: "string" },
      connections: { type: "string" },
      "insecure-registry": { type: "string", multiple: true },
      "keep-unreferenced": { type: "boolean" }
    },
    USAGE
  );
  if (!values) return;
  const listPath = values.list;
  if (!listPath) throw new UsageError("--list FILE is required (images.list)");
  if (!values.out) throw new UsageError("--out DIR is required");
  const platforms = parsePlatforms(values.platform);
  const connections = positiveInt("connections", values.connections, 16);
  const concurrency = positiveInt("concurrency", values.concurrency, 16);
  await checkOutDir("--out", values.out);
  const http = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, connectionsPerHost: connections });
  const refs = await readImagesListFile(listPath);
  const progress = new JobProgress("images", (r) => r.reference);
  const started = Date.now();
  const outDir = values.out;
  const { results, layoutDir, removed } = await runJob(
    progress,
    http,
    () => new ImagesJob(
      {
        refs,
        outDir,
        platforms,
        concurrency,
        connections,
        keepUnreferenced: values["keep-unreferenced"] ?? false
      },
      { http, credentials: credentialsFromAuthFiles(), insecureHosts: new Set(values["insecure-registry"] ?? []) },
      progress
    ).run()
  );
  writeOut(
    formatTable(
      ["image", "digest", "platforms", "fetched", "time", "result"],
      results.map((r) => [
        r.reference,
        r.digest ? r.digest.slice(0, 19) : "-",
        r.platforms?.join(",") ?? "-",
        formatBytes(r.fetched),
        `${(r.ms / 1e3).toFixed(1)} s`,
        r.status === "saved" ? "saved, verified" : "FAILED"
      ])
    )
  );
  const failed = results.filter((r) => r.status === "failed");
  const seconds = (Date.now() - started) / 1e3;
  writeOut(
    `${results.length - failed.length}/${results.length} images in ${layoutDir}; ${formatBytes(progress.transferred)} fetched in ${seconds.toFixed(1)} s (${formatBytes(progress.transferred / Math.max(seconds, 1e-3))}/s)` + (removed.blobs ? `; ${removed.blobs} blob(s) no listed image uses removed (${formatBytes(removed.bytes)})` : "") + "\n"
  );
  throwIfFailed(results, "image(s)", (r) => r.reference);
}
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  USAGE,
  parsePlatforms,
  run
});
