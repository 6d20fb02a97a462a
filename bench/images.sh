#!/usr/bin/env bash
# Benchmark: `kubespray-bundle images` vs `skopeo copy` of each image in turn into one OCI layout
# (what a script would do without a daemon), and vs the raw limit: every unique blob fetched once
# with `curl -Z --parallel-max 8`. Same run, medians of RUNS (default 3).
#
# The set is generated (bench/images-fixture.mjs): 48 images shaped like Kubespray's default
# images.list, two thirds multi-arch, four shared base layers, ~1.5 GB of unique amd64 blobs, in
# Debian's docker-registry, reached through nginx with a per-connection cap (CAP, default 30m)
# as real registries' CDNs cap a connection. Everyone fetches linux/amd64.
#
# Then the same through an uncapped door (a registry mirror on the LAN), where our own CPU is
# the limit: ours against the floor of a verified download of the same bytes, curl -Z to disk
# plus sha256sum, in CPU seconds per GB (user + sys) and in wall time against raw curl.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
cap=${CAP:-30m}

source bench/lib.sh
need_tools nginx:nginx docker-registry:docker-registry skopeo:skopeo curl:curl
[ -f dist/cli.js ] || npm run -s build

work=$(mktemp -d /var/tmp/kb-bench-images.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

reg=$(free_port); door=$(free_port); open_door=$(free_port)
cat > "$work/registry.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/storage}}
http: {addr: 127.0.0.1:$reg, secret: bench}
YML
docker-registry serve "$work/registry.yml" 2>"$work/registry.log" & pids+=($!)
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
$( [ "$(id -u)" = 0 ] && echo 'user root;' )
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/body; proxy_temp_path $work/proxy; fastcgi_temp_path $work/fcgi;
  uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  server {
    listen 127.0.0.1:$door;
    location / { proxy_pass http://127.0.0.1:$reg; proxy_http_version 1.1; proxy_max_temp_file_size 0; limit_rate $cap; }
  }
  server {
    listen 127.0.0.1:$open_door;
    location / { proxy_pass http://127.0.0.1:$reg; proxy_http_version 1.1; proxy_max_temp_file_size 0; }
  }
}
NGINX
nginx -p "$work" -c "$work/nginx.conf" & pids+=($!)
wait_port "$reg"; wait_port "$door"; wait_port "$open_door"

echo "generating the image set..." >&2
summary=$(node bench/images-fixture.mjs "127.0.0.1:$reg" "127.0.0.1:$door" "$work")
sed "s#^127.0.0.1:$door/#127.0.0.1:$open_door/#" "$work/images.list" > "$work/open.list"
sync

rss=(); [ -x /usr/bin/time ] && rss=(/usr/bin/time -f "%M %U %S" -a -o "$work/rss")
# Machine-wide CPU use while ours runs (registry, nginx and us share the cores).
cpu_busy() { awk '/^cpu / { print $2+$3+$4+$7+$8, $5+$6 }' /proc/stat; }
run_ours() {
  rm -rf "$work/ours"
  "${rss[@]}" node dist/cli.js images --list "$work/images.list" --out "$work/ours" --platform linux/amd64 --insecure-registry "127.0.0.1:$door" ${OURS_ARGS:-} >/dev/null 2>"$work/ours.err" ||
    { cat "$work/ours.err" >&2; exit 1; }
}
run_skopeo() {
  rm -rf "$work/skopeo"; mkdir -p "$work/skopeo"
  while read -r ref; do
    skopeo copy -q --src-tls-verify=false --override-arch amd64 --override-os linux "docker://$ref" "oci:$work/skopeo/images:$ref" >/dev/null
  done < "$work/images.list"
}
# Every url gets its own output line (curl's -o applies to one url).
run_raw() {
  : > "$work/curl.cfg"
  while read -r path; do printf 'url = "http://127.0.0.1:%s/v2/%s"\noutput = "/dev/null"\n' "$door" "$path" >> "$work/curl.cfg"; done < "$work/blobs.list"
  curl -s -f -Z --parallel-max 8 -K "$work/curl.cfg" 2>/dev/null
}
check_ours() {
  skopeo inspect "oci:$work/ours/images:$(head -1 "$work/images.list")" >/dev/null
  [ "$(node -e 'console.log(require(process.argv[1]).manifests.length)' "$work/ours/images/index.json")" = 48 ] || { echo "our layout lacks images" >&2; exit 1; }
}

o=(); s=(); r=()
for i in $(seq "$runs"); do
  sync; read -r b0 i0 < <(cpu_busy); o+=("$(time_ms run_ours)"); read -r b1 i1 < <(cpu_busy); check_ours
  echo "$(( 100 * (b1 - b0) / (b1 - b0 + i1 - i0) ))" >> "$work/busy"
  sync; r+=("$(time_ms run_raw)")
  sync; s+=("$(time_ms run_skopeo)")
  echo "run $i: ours ${o[-1]} ms, raw curl ${r[-1]} ms, skopeo ${s[-1]} ms" >&2
done
mo=$(printf '%s\n' "${o[@]}" | median); ms=$(printf '%s\n' "${s[@]}" | median); mr=$(printf '%s\n' "${r[@]}" | median)
echo "images: $summary; docker-registry behind nginx capped at $cap per connection; $runs runs each"
printf '%-42s %8s ms   runs: %s\n' "skopeo copy, one image after another" "$ms" "${s[*]}"
printf '%-42s %8s ms   runs: %s\n' "raw: unique blobs, curl -Z --parallel-max 8" "$mr" "${r[*]}"
printf '%-42s %8s ms   runs: %s\n' "kubespray-bundle images (median)" "$mo" "${o[*]}"
[ -f "$work/rss" ] && echo "kubespray-bundle images peak RSS: $(sort -n "$work/rss" | tail -1 | cut -d' ' -f1) KiB (max over runs); its CPU (user+sys) per run: $(awk '{ printf "%.1f s ", $2 + $3 }' "$work/rss")"
echo "machine CPU busy while ours ran ($(nproc) cores): $(tr '\n' ' ' < "$work/busy")%"
awk -v s="$ms" -v r="$mr" -v o="$mo" 'BEGIN { printf "ratio: %.1fx skopeo (goal >= 2x, aim 3x); %.0f%% of the raw blob rate (goal >= 40%%, aim 70%%)\n", s / o, 100 * r / o }'

# ---- uncapped door: CPU per GB against the floor of a verified download ----
# User + sys seconds of a command and its children (the last line /usr/bin/time writes).
cpu_of() { /usr/bin/time -f "%U %S" -o "$work/cpu.$1" "${@:2}"; }
cpu_seconds() { tail -1 "$work/cpu.$1" | awk '{ print $1 + $2 }'; }
run_ours_open() {
  rm -rf "$work/ours"
  cpu_of ours node dist/cli.js images --list "$work/open.list" --out "$work/ours" --platform linux/amd64 --insecure-registry "127.0.0.1:$open_door" >/dev/null 2>"$work/ours.err" ||
    { cat "$work/ours.err" >&2; exit 1; }
}
run_floor() {
  rm -rf "$work/floor"; mkdir -p "$work/floor"
  : > "$work/floor.cfg"; n=0
  while read -r path; do n=$((n + 1)); printf 'url = "http://127.0.0.1:%s/v2/%s"\noutput = "%s/floor/%s"\n' "$open_door" "$path" "$work" "$n" >> "$work/floor.cfg"; done < "$work/blobs.list"
  # Manifests are in blobs.list too (a registry wants their media types in Accept; curl does not send them):
  # the floor counts what arrives, failed manifest requests included, as raw curl does.
  cpu_of floor bash -c "curl -s -Z --parallel-max 8 -K '$work/floor.cfg' 2>/dev/null; sha256sum '$work'/floor/* >/dev/null"
}
run_raw_open() {
  sed "s#127.0.0.1:$door/#127.0.0.1:$open_door/#" "$work/curl.cfg" > "$work/curl-open.cfg"
  curl -s -f -Z --parallel-max 8 -K "$work/curl-open.cfg" 2>/dev/null
}
oo=(); fo=(); ro=(); oc=(); fc=()
for i in $(seq "$runs"); do
  sync; oo+=("$(time_ms run_ours_open)"); oc+=("$(cpu_seconds ours)")
  sync; fo+=("$(time_ms run_floor)"); fc+=("$(cpu_seconds floor)")
  sync; ro+=("$(time_ms run_raw_open)")
  echo "uncapped run $i: ours ${oo[-1]} ms (${oc[-1]} s CPU), curl+sha256sum ${fo[-1]} ms (${fc[-1]} s CPU), raw curl ${ro[-1]} ms" >&2
done
gb=$(du -sb "$work/floor" | awk '{ print $1 / 1e9 }')
moo=$(printf '%s\n' "${oo[@]}" | median); mfo=$(printf '%s\n' "${fo[@]}" | median); mro=$(printf '%s\n' "${ro[@]}" | median)
moc=$(printf '%s\n' "${oc[@]}" | median); mfc=$(printf '%s\n' "${fc[@]}" | median)
echo "uncapped door ($gb GB of unique blobs), medians of $runs:"
printf '%-42s %8s ms   %5.1f s CPU, %4.2f s/GB\n' "kubespray-bundle images" "$moo" "$moc" "$(awk -v c="$moc" -v g="$gb" 'BEGIN { print c / g }')"
printf '%-42s %8s ms   %5.1f s CPU, %4.2f s/GB\n' "floor: curl -Z to disk + sha256sum" "$mfo" "$mfc" "$(awk -v c="$mfc" -v g="$gb" 'BEGIN { print c / g }')"
printf '%-42s %8s ms\n' "raw: curl -Z to /dev/null" "$mro"
awk -v oc="$moc" -v fc="$mfc" -v o="$moo" -v r="$mro" 'BEGIN { printf "uncapped: CPU per GB %.2fx the floor (goal <= 1.5x); wall %.2fx raw curl (goal <= 1.4x)\n", oc / fc, o / r }'
