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

// src/cli/commands/files.ts
var files_exports = {};
__export(files_exports, {
  USAGE: () => USAGE,
  run: () => run
});
module.exports = __toCommonJS(files_exports);

// src/domain/files/layout.ts
var LAYOUTS = ["original-host", "kubespray-offline"];
var KUBESPRAY_OFFLINE_RULES = [
  [/^.*\/(v[0-9.]*)\/.*\/kube(adm|ctl|let)$/, (m) => `kubernetes/${m[1]}`],
  [/^.*\/etcd-.*\.tar\.gz$/, () => "kubernetes/etcd"],
  [/^.*\/cni-plugins.*\.tgz$/, () => "kubernetes/cni"],
  [/^.*\/crictl-.*\.tar\.gz$/, () => "kubernetes/cri-tools"],
  [/^.*\/(v.*)\/calicoctl-[^/]*$/, (m) => `kubernetes/calico/${m[1]}`],
  [/^.*\/(v[^/]*)\/runc\.[a-z0-9]+$/, (m) => `runc/${m[1]}`],
  [/^.*\/(v[^/]*)\/cilium-linux-[^/]*$/, (m) => `cilium-cli/${m[1]}`],
  [/^.*\/([^/]*)\/([^/]*)\/(runsc|containerd-shim-runsc-v1)$/, (m) => `gvisor/${m[1]}/${m[2]}`],
  [/^.*\/(v[^/]*)\/skopeo-linux-[^/]*$/, (m) => `skopeo/${m[1]}`],
  [/^.*\/(v[^/]*)\/yq_linux_[^/]*$/, (m) => `yq/${m[1]}`],
  [/^.*\/calico\/.*$/, () => "kubernetes/calico"]
];
function kubesprayOfflineDirectory(url) {
  const text = `${url.origin}${url.pathname}`;
  for (const [pattern, directory] of KUBESPRAY_OFFLINE_RULES) {
    const match = pattern.exec(text);
    if (match) return directory(match);
  }
  return "";
}
function safeSegments(path, url) {
  const segments = path.split("/").filter((s) => s !== "");
  if (!segments.length || segments.some((s) => s === "." || s === "..")) {
    throw new Error(`${url}: cannot store this url under files/ (empty or '..' path segments)`);
  }
  return segments;
}
function relativePathFor(url, layout) {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.split("/").pop() ?? "");
  if (layout === "kubespray-offline") {
    const directory = kubesprayOfflineDirectory(parsed);
    return safeSegments(directory ? `${directory}/${name}` : name, url).join("/");
  }
  return safeSegments(`${parsed.host}${decodeURIComponent(parsed.pathname)}`, url).join("/");
}

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
function redactText(text) {
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url));
}
function splitUserinfo(url) {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url };
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.toString(), username, password };
}

// src/domain/files/mirror.ts
function parseMirror(spec) {
  const eq = spec.indexOf("=");
  const from = eq > 0 ? spec.slice(0, eq) : "";
  const to = eq > 0 ? spec.slice(eq + 1) : "";
  if (!/^https?:\/\/[^/]/.test(from) || !/^https?:\/\/[^/]/.test(to)) {
    throw new Error(`--mirror ${redactText(spec)}: expected FROM=TO, both http(s) url prefixes, e.g. https://github.com=http://mirror.local/github.com`);
  }
  if (/^https?:\/\/[^/]*@/.test(from)) {
    throw new Error(`--mirror ${redactUrl(from)}=\u2026: FROM is matched against Kubespray's urls and cannot carry credentials; put them in TO (https://user:token@mirror/\u2026)`);
  }
  return { from, to };
}
function applyMirrors(url, mirrors) {
  let best;
  for (const m of mirrors) if (url.startsWith(m.from) && (!best || m.from.length > best.from.length)) best = m;
  return best ? best.to + url.slice(best.from.length) : url;
}

// src/adapters/http/bytes.ts
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

// src/pipeline/files.ts
var import_node_fs4 = require("node:fs");
var import_promises3 = require("node:fs/promises");
var import_node_crypto2 = require("node:crypto");
var import_node_path3 = require("node:path");

// src/domain/files/checksum.ts
var HEX_LENGTH = { sha256: 64, sha512: 128 };
function parseChecksum(text) {
  const match = /^(sha256|sha512):([0-9a-fA-F]+)$/.exec(text);
  if (!match) throw new Error(`checksum '${text}': expected sha256:<hex> or sha512:<hex>`);
  const algorithm = match[1];
  if (match[2].length !== HEX_LENGTH[algorithm]) {
    throw new Error(`checksum '${text}': a ${algorithm} has ${HEX_LENGTH[algorithm]} hex digits, this has ${match[2].length}`);
  }
  return { algorithm, hex: match[2].toLowerCase() };
}
var formatChecksum = (c) => `${c.algorithm}:${c.hex}`;
function formatSha256Sums(entries) {
  return [...entries].sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0).map((e) => `${e.sha256}  ${e.path}
`).join("");
}

// src/domain/files/list.ts
function checkUrl(url, where) {
  if (typeof url !== "string" || !/^https?:\/\/[^/\s]+\/\S*$/.test(url)) {
    throw new Error(`${where}: '${String(url)}' is not an http(s) url`);
  }
  return url;
}
function fromJson(text, source) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${e.message})`);
  }
  const files = data?.files;
  if (!Array.isArray(files)) throw new Error(`${source}: expected {"files": [...]}, as 'kubespray-bundle lists' writes it`);
  return files.map((entry, i) => {
    const where = `${source}: files[${i}]`;
    const e = entry ?? {};
    const url = checkUrl(e.url, `${where}.url`);
    let checksum = null;
    if (e.checksum !== null && e.checksum !== void 0) {
      try {
        checksum = parseChecksum(String(e.checksum));
      } catch (err) {
        throw new Error(`${where} (${url}): ${err.message}`);
      }
    }
    return { url, checksum, component: typeof e.component === "string" ? e.component : null };
  });
}
function fromPlainList(text, source) {
  return text.split("\n").flatMap((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return [];
    return [{ url: checkUrl(line, `${source}:${i + 1}`), checksum: null, component: null }];
  });
}
function parseFileList(text, source) {
  const json = text.trimStart().startsWith("{");
  const parsed = json ? fromJson(text, source) : fromPlainList(text, source);
  const byUrl = /* @__PURE__ */ new Map();
  for (const f of parsed) {
    const seen = byUrl.get(f.url);
    if (!seen) byUrl.set(f.url, f);
    else if (f.checksum && seen.checksum && f.checksum.hex !== seen.checksum.hex) {
      throw new Error(`${source}: ${f.url} is listed twice with different checksums`);
    } else if (!seen.checksum) byUrl.set(f.url, f);
  }
  return { files: [...byUrl.values()], unverified: !json };
}

// src/domain/errors.ts
var InputError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InputError";
  }
};

// src/domain/bundle.ts
var STATE_DIR = ".kubespray-bundle";

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
function openExistingFd(path) {
  return (0, import_node_fs.openSync)(path, OPEN_EXISTING);
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

// src/adapters/http/fetch-file.ts
var import_promises2 = require("node:fs/promises");
var import_node_path2 = require("node:path");
var import_node_fs3 = require("node:fs");

// src/adapters/hashing.ts
var import_node_crypto = require("node:crypto");
var import_node_fs2 = require("node:fs");
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
    const hashes = algorithms.map((a) => [a, (0, import_node_crypto.createHash)(a)]);
    return {
      update(piece) {
        for (const [, h] of hashes) h.update(piece);
      },
      fromDisk(from, to) {
        const buffer = sharedReadBackBuffer();
        for (let at = from; at < to; ) {
          const n = (0, import_node_fs2.readSync)(fd, buffer, 0, Math.min(buffer.length, to - at), at);
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
  const { openSync: openSync2, readSync: readSync2, closeSync: closeSync3, constants: constants2 } = require("node:fs");
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
    file.fd ??= openSync2(file.path, constants2.O_RDONLY | (constants2.O_NOFOLLOW ?? 0));
    for (let at = from; at < to; ) {
      const n = readSync2(file.fd, readBack, 0, Math.min(readBack.length, to - at), at);
      if (n === 0) throw new Error(`${file.path} ends at ${at} bytes, its segments say ${to}`);
      for (const [, h] of file.hashes) h.update(readBack.subarray(0, n));
      at += n;
    }
  };
  const close = (id, file) => {
    if (file.fd !== void 0) closeSync3(file.fd);
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
function urlSource(http, url) {
  const { url: bare, username, password } = splitUserinfo(url);
  const auth = username !== void 0 ? { authorization: `Basic ${Buffer.from(`${username}:${password ?? ""}`).toString("base64")}` } : {};
  const bytes = bulkFetcher(http);
  return { id: redactUrl(url), get: (headers) => bytes.get(bare, { ...headers, ...auth }) };
}
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
        (0, import_node_fs3.closeSync)(file);
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
      (0, import_node_fs3.closeSync)(file);
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
        const n = (0, import_node_fs3.writeSync)(file, piece, written, piece.length - written, position + written);
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
  const length = headerValue(response.headers["content-length"]);
  return length !== void 0 && /^\d+$/.test(length) ? Number(length) : void 0;
}
async function readPartState(statePath, url, partPath) {
  let state;
  try {
    state = JSON.parse((0, import_node_fs3.readFileSync)(statePath, "utf8"));
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
  const prefix = `.${(0, import_node_path2.basename)(statePath)}.`;
  const dir = (0, import_node_path2.dirname)(statePath);
  for (const name of await (0, import_promises2.readdir)(dir).catch(() => [])) {
    if (name.startsWith(prefix) && name.endsWith(".tmp")) await (0, import_promises2.rm)((0, import_node_path2.join)(dir, name), { force: true });
  }
}
async function partBytes(statePath) {
  try {
    const state = JSON.parse((0, import_node_fs3.readFileSync)(statePath, "utf8"));
    return state.segments.reduce((n, s) => n + s.done, 0);
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

// src/pipeline/files.ts
var STATE_FILE = `${STATE_DIR}/files-state.json`;
var PARTS_DIR = `${STATE_DIR}/parts/files`;
async function readFileListFile(path) {
  let text;
  try {
    text = await (0, import_promises3.readFile)(path, "utf8");
  } catch (e) {
    throw new InputError(`--list ${path}: cannot read it (${e.code ?? e.message})`);
  }
  let list;
  try {
    list = parseFileList(text, path);
  } catch (e) {
    throw new InputError(redactText(e.message));
  }
  if (!list.files.length) throw new InputError(`--list ${path}: no urls in it`);
  return list;
}
async function readState(outDir) {
  try {
    const state = JSON.parse(await (0, import_promises3.readFile)((0, import_node_path3.join)(outDir, STATE_FILE), "utf8"));
    return state.version === 1 && state.files ? state : { version: 1, files: {} };
  } catch {
    return { version: 1, files: {} };
  }
}
async function hashFile(path, algorithms) {
  const hashes = algorithms.map((a) => [a, (0, import_node_crypto2.createHash)(a)]);
  for await (const chunk of (0, import_node_fs4.createReadStream)(path, { highWaterMark: 1 << 20 })) {
    for (const [, h] of hashes) h.update(chunk);
  }
  return new Map(hashes.map(([a, h]) => [a, h.digest("hex")]));
}
function plan(files, layout, mirrors) {
  const byPath = /* @__PURE__ */ new Map();
  return files.map((f) => {
    let path;
    try {
      path = f.path ?? relativePathFor(f.url, layout);
    } catch (e) {
      throw new InputError(redactText(e.message));
    }
    const other = byPath.get(path);
    if (other) throw new InputError(`${redactUrl(other)} and ${redactUrl(f.url)} would both be stored as files/${path} in the ${layout} layout`);
    byPath.set(path, f.url);
    return { ...f, path, fetchUrl: applyMirrors(f.url, mirrors) };
  });
}
var FilesJob = class {
  constructor(request, http, progress) {
    this.request = request;
    this.http = http;
    this.progress = progress;
    this.filesDir = (0, import_node_path3.join)(request.outDir, "files");
  }
  request;
  http;
  progress;
  state = { version: 1, files: {} };
  discarded = [];
  stateWrite = Promise.resolve();
  filesDir;
  async run() {
    const list = this.request.list;
    const planned = plan(list.files, this.request.layout, this.request.mirrors);
    this.state = this.request.trustState === false ? { version: 1, files: {} } : await readState(this.request.outDir);
    this.progress.planned(planned.length);
    const slots = new PrioritySlots(this.request.connections);
    const fetcher = new FileFetcher(slots, this.request.segments);
    await ensureDirUnder(this.request.outDir, STATE_DIR);
    const results = await runPool(planned, this.request.concurrency, async (file) => {
      const result = await this.one(file, fetcher);
      this.progress.finished(result);
      return result;
    });
    await this.stateWrite;
    if (this.request.prune && results.every((r) => r.status !== "failed")) await this.prune(new Set(planned.map((p) => p.path)));
    const sumsPath = await this.writeSums();
    return { results, unverifiedList: list.unverified, sumsPath, discarded: [...this.discarded] };
  }
  /** Files of earlier lists (a cache restored from another version) leave the bundle. */
  async prune(listed) {
    const entries = await (0, import_promises3.readdir)(this.filesDir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = (0, import_node_path3.relative)(this.filesDir, (0, import_node_path3.join)(e.parentPath, e.name)).split(import_node_path3.sep).join("/");
      if (e.isDirectory() || path === "SHA256SUMS" || listed.has(path)) continue;
      await (0, import_promises3.rm)((0, import_node_path3.join)(this.filesDir, path), { force: true });
      delete this.state.files[path];
    }
    await writeFileAtomic((0, import_node_path3.join)(this.request.outDir, STATE_FILE), JSON.stringify(this.state, null, 1));
  }
  async one(file, fetcher) {
    const started = Date.now();
    const finalPath = (0, import_node_path3.join)(this.filesDir, file.path);
    const base = { url: redactUrl(file.url), path: file.path };
    try {
      const kept = await this.alreadyThere(file, finalPath);
      if (kept) return { ...base, status: "skipped", verified: file.checksum !== null, size: kept.size, sha256: kept.sha256, ms: Date.now() - started };
      await ensureDirUnder(this.request.outDir, (0, import_node_path3.dirname)((0, import_node_path3.join)("files", file.path)));
      const partPath = (0, import_node_path3.join)(await ensureDirUnder(this.request.outDir, (0, import_node_path3.dirname)((0, import_node_path3.join)(PARTS_DIR, file.path))), `${file.path.split("/").pop()}.part`);
      const algorithms = [.../* @__PURE__ */ new Set(["sha256", ...file.checksum ? [file.checksum.algorithm] : []])];
      const fetched = await fetcher.fetch(urlSource(this.http, file.fetchUrl), partPath, algorithms, {
        size: (total) => total !== void 0 && this.progress.sizeKnown(total),
        bytes: (n) => this.progress.bytes(n)
      });
      const digests = fetched.digests;
      const mismatch = file.checksum && describeMismatch(file.checksum, digests.get(file.checksum.algorithm) ?? "");
      if (mismatch) {
        await discardPart(partPath);
        throw new Error(mismatch);
      }
      await (0, import_promises3.rename)(partPath, finalPath);
      const sha256 = digests.get("sha256") ?? "";
      await this.record(file, finalPath, sha256);
      return { ...base, status: "downloaded", verified: file.checksum !== null, size: fetched.size, sha256, ms: Date.now() - started };
    } catch (e) {
      return { ...base, status: "failed", verified: false, error: redactText(e.message), ms: Date.now() - started };
    }
  }
  /**
   * A file at its final path was verified when it was put there. The state tells us so
   * without reading it; a file we have no record of (or that changed) is hashed locally,
   * never fetched again when it matches.
   */
  async alreadyThere(file, finalPath) {
    const info = await regularFile(finalPath);
    if (!info) return void 0;
    const wanted = file.checksum ? formatChecksum(file.checksum) : null;
    const known = this.state.files[file.path];
    if (known && known.url === redactUrl(file.url) && known.size === info.size && known.mtimeMs === info.mtimeMs && (wanted === null || known.checksum === wanted)) {
      return { size: info.size, sha256: known.sha256 };
    }
    if (!file.checksum) return void 0;
    const digests = await hashFile(finalPath, [.../* @__PURE__ */ new Set(["sha256", file.checksum.algorithm])]);
    if (digests.get(file.checksum.algorithm) !== file.checksum.hex) {
      await (0, import_promises3.rm)(finalPath, { force: true });
      this.discarded.push(file.path);
      return void 0;
    }
    const sha256 = digests.get("sha256") ?? "";
    await this.record(file, finalPath, sha256);
    return { size: info.size, sha256 };
  }
  async record(file, finalPath, sha256) {
    const info = await regularFile(finalPath);
    if (!info) throw new Error(`${finalPath} vanished right after it was written`);
    this.state.files[file.path] = {
      url: redactUrl(file.url),
      checksum: file.checksum ? formatChecksum(file.checksum) : null,
      sha256,
      size: info.size,
      mtimeMs: info.mtimeMs
    };
    const snapshot = JSON.stringify(this.state, null, 1);
    this.stateWrite = this.stateWrite.catch(() => void 0).then(() => writeFileAtomic((0, import_node_path3.join)(this.request.outDir, STATE_FILE), snapshot));
    await this.stateWrite;
  }
  /** SHA256SUMS of every file we put under files/ that is still there. */
  async writeSums() {
    const entries = [];
    for (const [path, recorded] of Object.entries(this.state.files).sort(([a], [b]) => a < b ? -1 : 1)) {
      const info = await regularFile((0, import_node_path3.join)(this.filesDir, path));
      if (info && info.size === recorded.size) entries.push({ path, sha256: recorded.sha256 });
    }
    const sumsPath = (0, import_node_path3.join)(await ensureDirUnder(this.request.outDir, "files"), "SHA256SUMS");
    await writeFileAtomic(sumsPath, formatSha256Sums(entries));
    return sumsPath;
  }
};
function describeMismatch(expected, got) {
  if (got === expected.hex) return void 0;
  return `checksum mismatch: expected ${formatChecksum(expected)}, got ${expected.algorithm}:${got}`;
}

// src/report/table.ts
function formatTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd() + "\n";
  return line(header) + line(widths.map((w) => "-".repeat(w))) + rows.map(line).join("");
}

// src/report/output.ts
var import_node_fs5 = require("node:fs");
function writeAll(fd, text) {
  let buffer = Buffer.from(text);
  while (buffer.length) {
    try {
      buffer = buffer.subarray((0, import_node_fs5.writeSync)(fd, buffer));
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
var import_promises4 = require("node:fs/promises");
var import_node_path4 = require("node:path");
function reason(e) {
  return e.message.split(", ")[0];
}
var isMissing = (e) => e.code === "ENOENT" || e.code === "ENOTDIR";
function kindOf(info) {
  return info.isFile() ? "a file" : info.isSocket() ? "a socket" : info.isFIFO() ? "a FIFO" : info.isCharacterDevice() || info.isBlockDevice() ? "a device" : "a special file";
}
async function checkCreatable(label, dir, named) {
  let firstMissing;
  for (let current = dir; ; current = (0, import_node_path4.dirname)(current)) {
    const info = await (0, import_promises4.stat)(current).catch((e) => {
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
    if ((0, import_node_path4.dirname)(current) === current) break;
  }
  if (!firstMissing) return true;
  const created = await (0, import_promises4.mkdir)(firstMissing).then(
    () => true,
    (e) => {
      if (e.code === "EEXIST") return false;
      throw new InputError(`${label}: cannot create ${firstMissing} (${reason(e)})`);
    }
  );
  if (created) await (0, import_promises4.rmdir)(firstMissing).catch(() => void 0);
  return false;
}
async function checkWritable(label, dir) {
  const probe = (0, import_node_path4.join)(dir, `.kubespray-bundle-write-test.${process.pid}`);
  try {
    await (await (0, import_promises4.open)(probe, "wx")).close();
  } catch (e) {
    throw new InputError(`${label}: cannot write in ${dir} (${reason(e)})`);
  }
  await (0, import_promises4.unlink)(probe).catch(() => void 0);
}
async function checkOutDir(flag, path) {
  const label = `${flag} ${path}`;
  const dir = (0, import_node_path4.resolve)(path);
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

// src/cli/commands/files.ts
var USAGE = `Usage:
  kubespray-bundle files --list OUT/files.json --out DIR [--concurrency N] [--layout original-host|kubespray-offline] [--mirror FROM=TO]...

Downloads every file of the list into DIR/files, in parallel, each verified against the
checksum Kubespray itself uses, and writes DIR/files/SHA256SUMS. A file appears at its
final path only once verified; a re-run skips verified files and resumes partial ones.

Options:
  --list FILE           files.json from 'kubespray-bundle lists' (with checksums), or a plain
                        files.list (one url a line: nothing can be verified then)
  --out DIR             output directory; files go to DIR/files
  --concurrency N       files downloading at once (default 8); big files also take extra
                        connections, up to --connections in all
  --connections N       connections at once over all files (default 24), and per host
  --layout LAYOUT       original-host (default): files/<host>/<path>, as wget -x stores them
                        kubespray-offline: the directories that project's offline.yml expects
  --mirror FROM=TO      fetch urls starting with FROM from TO instead; repeatable
  --retries N           retries of a failing request, with backoff (default 5)
  -h, --help            show this help
Environment: HTTPS_PROXY/HTTP_PROXY/NO_PROXY, NODE_EXTRA_CA_CERTS.
`;
function parseLayout(value) {
  if (value === void 0) return "original-host";
  if (LAYOUTS.includes(value)) return value;
  throw new UsageError(`--layout ${value}: expected ${LAYOUTS.join(" or ")}`);
}
function summaryTable(results) {
  const rows = results.map((r) => [
    r.url,
    r.size === void 0 ? "-" : formatBytes(r.size),
    `${(r.ms / 1e3).toFixed(1)} s`,
    r.status === "failed" ? "FAILED" : `${r.status}, ${r.verified ? "verified" : "NOT verified (no checksum)"}`
  ]);
  return formatTable(["url", "size", "time", "result"], rows);
}
async function run(args) {
  const values = parseCommandArgs(
    args,
    {
      list: { type: "string" },
      out: { type: "string" },
      concurrency: { type: "string" },
      connections: { type: "string" },
      layout: { type: "string" },
      mirror: { type: "string", multiple: true },
      retries: { type: "string" }
    },
    USAGE
  );
  if (!values) return;
  const listPath = values.list;
  const outDir = values.out;
  if (!listPath) throw new UsageError("--list FILE is required (files.json from the lists command)");
  if (!outDir) throw new UsageError("--out DIR is required");
  let mirrors;
  try {
    mirrors = (values.mirror ?? []).map(parseMirror);
  } catch (e) {
    throw new UsageError(e.message);
  }
  const connections = positiveInt("connections", values.connections, DEFAULT_HTTP_OPTIONS.connectionsPerHost);
  const retries = values.retries === "0" ? 0 : positiveInt("retries", values.retries, DEFAULT_HTTP_OPTIONS.retries);
  const layout = parseLayout(values.layout);
  const concurrency = positiveInt("concurrency", values.concurrency, 8);
  await checkOutDir("--out", outDir);
  const http = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, connectionsPerHost: connections, retries });
  const list = await readFileListFile(listPath);
  const progress = new JobProgress("files", (r) => r.url);
  const started = Date.now();
  const outcome = await runJob(
    progress,
    http,
    () => new FilesJob(
      {
        list,
        outDir,
        layout,
        mirrors,
        concurrency,
        connections
      },
      http,
      progress
    ).run()
  );
  const { results } = outcome;
  writeOut(summaryTable(results));
  const failed = results.filter((r) => r.status === "failed");
  const bytes = results.reduce((n, r) => n + (r.status === "downloaded" ? r.size ?? 0 : 0), 0);
  const seconds = (Date.now() - started) / 1e3;
  writeOut(
    `${results.length - failed.length}/${results.length} files in ${values.out}/files (${results.filter((r) => r.status === "skipped").length} already there), ${formatBytes(bytes)} downloaded in ${seconds.toFixed(1)} s (${formatBytes(bytes / Math.max(seconds, 1e-3))}/s); ${outcome.sumsPath} written
`
  );
  const unverified = results.filter((r) => r.status !== "failed" && !r.verified);
  if (unverified.length) {
    progress.line.note(
      `WARNING: ${unverified.length} file(s) were NOT verified: ${outcome.unverifiedList ? "a plain files.list has no checksums" : "the list has no checksum for them"}. Their sha256 is recorded in SHA256SUMS; use files.json from the lists command to verify against Kubespray.`
    );
  }
  throwIfFailed(results, "file(s)", (r) => r.url);
}
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  USAGE,
  run
});
