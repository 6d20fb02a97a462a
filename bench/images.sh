#!/usr/bin/env bash
# Benchmark: `kubespray-bundle images` vs `skopeo copy` of each image in turn into one OCI layout
# (what a script would do without a daemon), and vs the raw limit: every registry object the pull
# stores (layers, configs, manifests, the indexes the tags name) fetched once with
# `curl -Z --parallel-max 8`. Same run, medians of RUNS (default 3).
#
# The set is generated (bench/images-fixture.mjs): 48 images shaped like Kubespray's default
# images.list, two thirds multi-arch, four shared base layers, ~1.5 GB of unique amd64 blobs, in
# Debian's docker-registry, reached through nginx with a per-connection cap (CAP, default 30m)
# as real registries' CDNs cap a connection. Everyone fetches linux/amd64.
#
# Then the same through an uncapped door (a registry mirror on the LAN), where our own CPU is
# the limit: ours against the floor of a verified download of the same bytes, curl -Z to disk
# plus sha256sum, in CPU seconds per GB (user + sys), and in wall time against raw curl and
# against curl with the hash's CPU alongside (what a verifying client as lean as curl could do
# on cores it shares with the servers). Last, that door over TLS (CDNs and registries speak
# HTTPS): ours against curl, wall and CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
# CAPPED=0 skips the capped comparison (the uncapped measurement alone, for profiling work).
cap=${CAP:-30m}

source bench/lib.sh
need_tools nginx:nginx docker-registry:docker-registry skopeo:skopeo curl:curl openssl:openssl
[ -f dist/cli.js ] || npm run -s build

bench_setup images
reg=$(free_port); door=$(free_port); open_door=$(free_port); tls_door=$(free_port)
start_registry "$reg"
# The uncapped door once more over TLS, as CDNs and registries speak it: a throwaway certificate.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/tls.key" -out "$work/tls.crt" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
start_nginx "
  server {
    listen 127.0.0.1:$tls_door ssl;
    ssl_certificate $work/tls.crt; ssl_certificate_key $work/tls.key;
    location / { proxy_pass http://127.0.0.1:$reg; proxy_http_version 1.1; proxy_max_temp_file_size 0; }
  }
  server {
    listen 127.0.0.1:$door;
    location / { proxy_pass http://127.0.0.1:$reg; proxy_http_version 1.1; proxy_max_temp_file_size 0; limit_rate $cap; }
  }
  server {
    listen 127.0.0.1:$open_door;
    location / { proxy_pass http://127.0.0.1:$reg; proxy_http_version 1.1; proxy_max_temp_file_size 0; }
  }"
wait_port "$reg"; wait_port "$door"; wait_port "$open_door"; wait_port "$tls_door"

echo "generating the image set..." >&2
summary=$(node bench/images-fixture.mjs "127.0.0.1:$reg" "127.0.0.1:$door" "$work")
sed "s#^127.0.0.1:$door/#127.0.0.1:$open_door/#" "$work/images.list" > "$work/open.list"
sync

rss=(); [ -x /usr/bin/time ] && rss=(/usr/bin/time -f "%M %U %S" -a -o "$work/rss")
# Machine-wide CPU use while ours runs (registry, nginx and us share the cores).
cpu_busy() { awk '/^cpu / { print $2+$3+$4+$7+$8, $5+$6 }' /proc/stat; }
run_ours() {
  "${rss[@]}" "$ours_node" dist/cli.js images --list "$work/images.list" --out "$work/ours" --platform linux/amd64 --insecure-registry "127.0.0.1:$door" ${OURS_ARGS:-} >/dev/null 2>"$work/ours.err" ||
    { cat "$work/ours.err" >&2; exit 1; }
}
run_skopeo() {
  mkdir -p "$work/skopeo"
  while read -r ref; do
    skopeo copy -q --src-tls-verify=false --override-arch amd64 --override-os linux "docker://$ref" "oci:$work/skopeo/images:$ref" >/dev/null
  done < "$work/images.list"
}
# Every url gets its own output line (curl's -o applies to one url).
sed "s#^#http://127.0.0.1:$door/v2/#" "$work/blobs.list" > "$work/blob-urls.list"
curl_config "$work/blob-urls.list" /dev/null "$work/curl.cfg"
run_raw() { curl -s -f -Z --parallel-max 8 -K "$work/curl.cfg" 2>/dev/null; }
check_ours() {
  skopeo inspect "oci:$work/ours/images:$(head -1 "${1:-$work/images.list}")" >/dev/null
  [ "$(node -e 'console.log(require(process.argv[1]).manifests.length)' "$work/ours/images/index.json")" = 48 ] || { echo "our layout lacks images" >&2; exit 1; }
}

if [ "${CAPPED:-1}" != 0 ]; then
o=(); s=(); r=()
for i in $(seq "$runs"); do
  rm -rf "$work/ours"; sync; read -r b0 i0 < <(cpu_busy); o+=("$(time_ms run_ours)"); read -r b1 i1 < <(cpu_busy); check_ours
  echo "$(( 100 * (b1 - b0) / (b1 - b0 + i1 - i0) ))" >> "$work/busy"
  sync; r+=("$(time_ms run_raw)")
  s+=("$(cleared_time_ms "$work/skopeo" run_skopeo)")
  echo "run $i: ours ${o[-1]} ms, raw curl ${r[-1]} ms, skopeo ${s[-1]} ms" >&2
done
mo=$(printf '%s\n' "${o[@]}" | median); ms=$(printf '%s\n' "${s[@]}" | median); mr=$(printf '%s\n' "${r[@]}" | median)
echo "images: $summary; docker-registry behind nginx capped at $cap per connection; $runs runs each"
printf '%-42s %8s ms   runs: %s\n' "skopeo copy, one image after another" "$ms" "${s[*]}"
printf '%-42s %8s ms   runs: %s\n' "raw: unique objects, curl -Z --parallel-max 8" "$mr" "${r[*]}"
printf '%-42s %8s ms   runs: %s\n' "kubespray-bundle images (median)" "$mo" "${o[*]}"
[ -f "$work/rss" ] && echo "kubespray-bundle images peak RSS: $(sort -n "$work/rss" | tail -1 | cut -d' ' -f1) KiB (max over runs); its CPU (user+sys) per run: $(awk '{ printf "%.1f s ", $2 + $3 }' "$work/rss")"
echo "machine CPU busy while ours ran ($(nproc) cores): $(tr '\n' ' ' < "$work/busy")%"
awk -v s="$ms" -v r="$mr" -v o="$mo" 'BEGIN { printf "ratio: %.1fx skopeo (goal >= 2x, aim 3x); %.0f%% of the raw blob rate (goal >= 40%%, aim 70%%)\n", s / o, 100 * r / o }'
fi

# ---- uncapped door: CPU per GB against the floor of a verified download ----
run_ours_open() {
  cpu_of ours "$ours_node" dist/cli.js images --list "$work/open.list" --out "$work/ours" --platform linux/amd64 --insecure-registry "127.0.0.1:$open_door" >/dev/null 2>"$work/ours.err" ||
    { cat "$work/ours.err" >&2; exit 1; }
}
sed "s#^#http://127.0.0.1:$open_door/v2/#" "$work/blobs.list" > "$work/open-urls.list"
check_ours_open() { check_ours "$work/open.list"; }
measure_uncapped "kubespray-bundle images" "$work/open-urls.list" check_ours_open "$work/ours"

# ---- the uncapped door over TLS: ours against curl, both trusting the door's certificate ----
sed "s#^127.0.0.1:$door/#127.0.0.1:$tls_door/#" "$work/images.list" > "$work/tls.list"
sed "s#^#https://127.0.0.1:$tls_door/v2/#" "$work/blobs.list" > "$work/tls-urls.list"
curl_config "$work/tls-urls.list" "$work/floor" "$work/tls.cfg"
run_ours_tls() {
  cpu_of ours env NODE_EXTRA_CA_CERTS="$work/tls.crt" "$ours_node" dist/cli.js images --list "$work/tls.list" --out "$work/ours" --platform linux/amd64 >/dev/null 2>"$work/ours.err" ||
    { cat "$work/ours.err" >&2; exit 1; }
}
run_curl_tls() { mkdir -p "$work/floor"; cpu_of curl bash -c "curl -s -Z --parallel-max 8 --cacert '$work/tls.crt' -K '$work/tls.cfg' 2>/dev/null || true"; }
to=(); tc=(); co=(); cc=()
for i in $(seq "$runs"); do
  to+=("$(cleared_time_ms "$work/ours" run_ours_tls)"); tc+=("$(cpu_seconds ours)"); check_ours "$work/tls.list"
  co+=("$(cleared_time_ms "$work/floor" run_curl_tls)"); cc+=("$(cpu_seconds curl)")
  echo "TLS run $i: ours ${to[-1]} ms (${tc[-1]} s CPU), curl to disk ${co[-1]} ms (${cc[-1]} s CPU)" >&2
done
mto=$(printf '%s\n' "${to[@]}" | median); mtc=$(printf '%s\n' "${tc[@]}" | median); mco=$(printf '%s\n' "${co[@]}" | median); mcc=$(printf '%s\n' "${cc[@]}" | median)
echo "uncapped over TLS, medians of $runs:"
printf '%-44s %8s ms   %5.1f s CPU   runs: %s\n' "kubespray-bundle images" "$mto" "$mtc" "${to[*]}"
printf '%-44s %8s ms   %5.1f s CPU   runs: %s\n' "raw: curl -Z --parallel-max 8 to disk" "$mco" "$mcc" "${co[*]}"
awk -v o="$mto" -v c="$mco" 'BEGIN { printf "uncapped over TLS: wall %.2fx raw curl to disk\n", o / c }'
