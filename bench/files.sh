#!/usr/bin/env bash
# Benchmark: `kubespray-bundle files` vs `wget -x -i` (sequential, what contrib/offline's
# manage-offline-files.sh runs) and `aria2c -j 8 -x 4 -s 4` (the best general downloader),
# same run, medians of RUNS (default 3).
#
# The mirror is shaped like Kubespray's default amd64 file set (v2.30.0's files.list: 24 urls,
# ~1.1 GB, kata-static ~350 MB) and served by a real nginx on 127.0.0.1 with a per-connection
# rate cap (CAP, default 32m = 32 MiB/s: real CDNs cap a connection). github.com urls answer
# 302 to a CDN path, as GitHub's release downloads do. Ours verifies every sha256 on top.
# Then the same through an uncapped server: our CPU seconds per GB against the floor of a
# verified download (curl -Z to disk + sha256sum of the same bytes), our wall against raw curl.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
runs=${RUNS:-3}
# CAPPED=0 skips the capped comparison (the uncapped measurement alone, for profiling work).
cap=${CAP:-32m}
conf=${CONFORMANCE_DIR:-$repo/../shared/conformance}/v2.30.0/a_default/files.list
[ -f "$conf" ] || { echo "bench/files.sh: $conf not found (the conformance goldens live in ../shared)" >&2; exit 1; }

source bench/lib.sh
need_tools nginx:nginx wget:wget aria2c:aria2
[ -f dist/cli.js ] || npm run -s build

bench_setup files

echo "generating the mirror in $work ..." >&2
root=$work/root
mkdir -p "$root"
port=$(free_port); open_port=$(free_port)
mirror=http://127.0.0.1:$port
: > "$work/local.list"
printf '{"files":[' > "$work/files.json"
sep=""
total=0
while read -r url; do
  path=${url#https://}
  mib=$(size_of "${url##*/}")
  mkdir -p "$root/$(dirname "$path")"
  head -c $((mib << 20)) /dev/urandom > "$root/$path"
  sum=$(sha256sum "$root/$path" | cut -c1-64)
  printf '%s{"url":"%s","checksum":"sha256:%s","component":null}' "$sep" "$url" "$sum" >> "$work/files.json"
  sep=","
  echo "$mirror/$path" >> "$work/local.list"
  total=$((total + mib))
done < "$conf"
echo ']}' >> "$work/files.json"
count=$(wc -l < "$conf")
sync

start_nginx "
  server {
    listen 127.0.0.1:$port;
    # GitHub release downloads answer 302 to their CDN.
    location /github.com/ { rewrite ^/github.com/(.*)\$ /cdn/github.com/\$1 redirect; }
    location /cdn/ { alias $root/; limit_rate $cap; }
    location / { root $root; limit_rate $cap; }
  }
  server {
    listen 127.0.0.1:$open_port;
    location / { root $root; }
  }"
wait_port "$port"; wait_port "$open_port"

mirrors=()
for host in $(sed 's#https://\([^/]*\)/.*#\1#' "$conf" | sort -u); do mirrors+=(--mirror "https://$host=$mirror/$host"); done


run_wget() { (cd "$work" && mkdir out && cd out && wget -q -x -i "$work/local.list"); }
run_aria() { aria2c -q -j 8 -x 4 -s 4 -d "$work/out" -i "$work/local.list" --allow-overwrite=true --auto-file-renaming=false; }
rss=(); [ -x /usr/bin/time ] && rss=(/usr/bin/time -f %M -a -o "$work/rss")
run_ours() { "${rss[@]}" "$ours_node" dist/cli.js files --list "$work/files.json" --out "$work/out" "${mirrors[@]}" >/dev/null 2>"$work/ours.err" || { cat "$work/ours.err" >&2; exit 1; }; }
check_ours() { (cd "$work/out/files" && sha256sum --quiet -c SHA256SUMS) || { echo "our download does not verify" >&2; exit 1; }; [ "$(wc -l < "$work/out/files/SHA256SUMS")" = "$count" ]; }

if [ "${CAPPED:-1}" != 0 ]; then
# Each tool starts with the previous one's writes flushed (sync), and the order rotates per
# run, so no tool always pays for the one before it; the last one's output is deleted first.
timed() { cleared_time_ms "$work/out" "$@"; }
w=(); a=(); o=()
for i in $(seq "$runs"); do
  for tool in $(echo "ours aria wget ours aria" | cut -d' ' -f$(( (i - 1) % 3 + 1 ))-$(( (i - 1) % 3 + 3 ))); do
    case $tool in
      ours) o+=("$(timed run_ours)"); check_ours ;;
      aria) a+=("$(timed run_aria)") ;;
      wget) w+=("$(timed run_wget)") ;;
    esac
  done
  echo "run $i: ours ${o[-1]} ms, aria2c ${a[-1]} ms, wget ${w[-1]} ms" >&2
done
mw=$(printf '%s\n' "${w[@]}" | median); ma=$(printf '%s\n' "${a[@]}" | median); mo=$(printf '%s\n' "${o[@]}" | median)
echo "files: $count urls, $total MiB, nginx on 127.0.0.1 capped at $cap per connection, 302s for github.com; $runs runs each"
printf '%-38s %8s ms   runs: %s\n' "wget -x -i (sequential, median)" "$mw" "${w[*]}"
printf '%-38s %8s ms   runs: %s\n' "aria2c -j 8 -x 4 -s 4 (median)" "$ma" "${a[*]}"
printf '%-38s %8s ms   runs: %s\n' "kubespray-bundle files (median)" "$mo" "${o[*]}"
[ -f "$work/rss" ] && echo "kubespray-bundle files peak RSS: $(sort -n "$work/rss" | tail -1) KiB (max over runs)"
awk -v w="$mw" -v a="$ma" -v o="$mo" 'BEGIN { printf "ratio: %.1fx wget (goal >= 4x), %.2fx aria2c (goal >= 1.0x); ours also verifies every sha256\n", w / o, a / o }'
fi

# ---- uncapped: CPU per GB against the floor of a verified download (curl to disk + sha256sum) ----
open_mirrors=()
for host in $(sed 's#https://\([^/]*\)/.*#\1#' "$conf" | sort -u); do open_mirrors+=(--mirror "https://$host=http://127.0.0.1:$open_port/$host"); done
run_ours_open() { cpu_of ours "$ours_node" dist/cli.js files --list "$work/files.json" --out "$work/out" "${open_mirrors[@]}" >/dev/null 2>"$work/ours.err" || { cat "$work/ours.err" >&2; exit 1; }; }
sed "s#^https://#http://127.0.0.1:$open_port/#" "$conf" > "$work/open-urls.list"
measure_uncapped "kubespray-bundle files" "$work/open-urls.list" check_ours "$work/out"
