/**
 * A real nginx (Debian's) on 127.0.0.1 for download tests, with its own prefix directory:
 *   /files/...      static files from `root`
 *   /slow/...       the same files at `slowRate` per connection
 *   /redirect/...   302 to /files/... (as GitHub release urls redirect to their CDN)
 *   /norange/...    the same files without Range support
 *   /private/...    the same files behind Basic auth (optional)
 *   /v2/...         optionally proxied to a registry (to see the requests a client makes)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Nginx {
  port: number
  root: string
  accessLog: string
  url(path: string): string
  /** kill -9 of every worker (the master starts new ones): cuts open connections mid-body. */
  killWorkers(): void
  stop(): Promise<void>
}

export const NGINX_BIN = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p))

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

async function waitForPort(port: number, child: ChildProcess, errorLog: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`)
    try {
      const res = await fetch(`http://127.0.0.1:${port}/__ping`)
      await res.arrayBuffer()
      return
    } catch {
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  throw new Error(`nginx did not listen on ${port}`)
}

export async function startNginx(options: { slowRate?: string; root?: string; proxyV2To?: string; basicAuth?: { user: string; password: string } } = {}): Promise<Nginx> {
  if (!NGINX_BIN) throw new Error('nginx is not installed: bash scripts/test.sh installs it (apt-get install nginx)')
  const prefix = mkdtempSync(join(tmpdir(), 'kb-nginx-'))
  const root = options.root ?? join(prefix, 'root')
  mkdirSync(root, { recursive: true })
  mkdirSync(join(prefix, 'logs'), { recursive: true })
  const port = await freePort()
  const conf = join(prefix, 'nginx.conf')
  if (options.basicAuth) execFileSync('htpasswd', ['-bc', join(prefix, 'htpasswd'), options.basicAuth.user, options.basicAuth.password], { stdio: 'ignore' })
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
master_process on;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 1024; }
http {
  # The combined format, plus whether an Authorization header arrived (tests check it never leaks).
  log_format withauth '$remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" auth="$http_authorization" done=$msec took=$request_time';
  access_log ${prefix}/logs/access.log withauth;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  sendfile on; tcp_nopush on;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    location = /__ping { return 204; }
    location /files/ { alias ${root}/; }
    location /slow/ { alias ${root}/; limit_rate ${options.slowRate ?? '256k'}; }
    location /norange/ { alias ${root}/; max_ranges 0; }
    location /redirect/ { rewrite ^/redirect/(.*)$ /files/$1 redirect; }
    ${options.basicAuth ? `location /private/ { alias ${root}/; auth_basic "mirror"; auth_basic_user_file ${prefix}/htpasswd; }` : ''}
    ${options.proxyV2To ? `location /v2/ { proxy_pass http://${options.proxyV2To}; proxy_http_version 1.1; proxy_request_buffering off; client_max_body_size 0; proxy_set_header Host $http_host; }` : ''}
  }
}
`
  )
  const child = spawn(NGINX_BIN, ['-p', prefix, '-c', conf], { stdio: 'ignore' })
  await waitForPort(port, child, join(prefix, 'logs/error.log'))
  return {
    port,
    root,
    accessLog: join(prefix, 'logs', 'access.log'),
    url: (path) => `http://127.0.0.1:${port}${path.startsWith('/') ? path : '/' + path}`,
    killWorkers() {
      const master = readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim()
      const workers = execFileSync('pgrep', ['-P', master], { encoding: 'utf8' }).trim().split('\n').filter(Boolean)
      for (const pid of workers) process.kill(Number(pid), 'SIGKILL')
    },
    async stop() {
      child.kill('SIGTERM')
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)))
      rmSync(prefix, { recursive: true, force: true })
    }
  }
}
