#!/usr/bin/env bash
# Benchmark: what crosses the gap for an upgrade path and for a nightly (#28), in bytes.
#   (a) a full single-version bundle of v2.30.0 and of v2.31.0 (build --kubespray TAG);
#   (b) the two-version bundle (build --kubespray v2.30.0,v2.31.0) against the two singles
#       together: what sharing saved;
#   (c) the delta of v2.31.0's single bundle against v2.30.0's as published
#       (publish --base-tag), measured as the bytes the release's assets hold and the bytes its
#       uploads sent, then rebuilt on the far side (fetch --base) and checked byte for byte
#       against the bundle it stands for.
# No other tool makes deltas, so the "competitor" is the naive way: carrying both full bundles
# for the upgrade path, and the full bundle again for the next release or night.
#
# The world is local (bench/upgrade-world.mjs): v2.30.0 shaped like Kubespray v2.30.0's default
# amd64 lists (24 files ~1.1 GB, 48 images ~1.5 GB, as bench/build.sh), v2.31.0 a minor upgrade
# of it (a new Kubernetes: kubelet, kubeadm, kubectl and the kube-* images; etcd, containerd,
# runc, crictl and four images bumped; the rest shared), files on nginx, images in
# docker-registry, and one GitHub stand-in for both Kubespray's tarballs and the releases API
# (bench/releases-stand-in.mjs). Sizes only: nothing is capped or timed.
#
# SCALE=small divides every size by 1024 (a few MB, ~45 s here): for developing the bench. The
# full size takes ~5 min on 2 cores and ~30 GB under /var/tmp at its peak (removed at exit).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
scale=${SCALE:-full}
case $scale in
  full) unit=1048576 ;;
  small) unit=1024 ;;
  *) echo "bench/upgrade.sh: SCALE=$scale: expected full (default) or small" >&2; exit 2 ;;
esac
conf=${CONFORMANCE_DIR:-$repo/../shared/conformance}/v2.30.0/a_default/files.list
[ -f "$conf" ] || { echo "bench/upgrade.sh: $conf not found (the conformance goldens live in ../shared)" >&2; exit 1; }
OLD=v2.30.0 NEW=v2.31.0 RELEASES=bench/bundles

source bench/lib.sh
need_tools nginx:nginx docker-registry:docker-registry curl:curl
[ -f dist/cli.js ] || npm run -s build

bench_setup upgrade
reg=$(free_port); files_port=$(free_port)
start_registry "$reg"
mkdir -p "$work/root"
start_nginx "
  server {
    listen 127.0.0.1:$files_port;
    location / { root $work/root; }
  }"
wait_port "$reg"; wait_port "$files_port"

echo "generating the world (SCALE=$scale)..." >&2
while read -r url; do echo "$url $(size_of "${url##*/}")"; done < "$conf" > "$work/sizes.txt"
node bench/upgrade-world.mjs "$work" "$work/sizes.txt" "127.0.0.1:$reg" "http://127.0.0.1:$files_port" "$unit" > "$work/api.url" & pids+=($!)
for _ in $(seq 3000); do [ -s "$work/api.url" ] && break; kill -0 "${pids[-1]}" 2>/dev/null || { echo "the world failed" >&2; exit 1; }; sleep 0.2; done
api=$(cat "$work/api.url")
[ -n "$api" ] || { echo "the world took too long" >&2; exit 1; }

ours() {
  local log=$1; shift
  GITHUB_API_URL=$api KUBESPRAY_API_URL=$api GITHUB_TOKEN=bench XDG_CACHE_HOME=$work/xdg \
    "$ours_node" dist/cli.js "$@" >"$work/$log.out" 2>"$work/$log.err" ||
    { echo "ours $* failed:" >&2; tail -20 "$work/$log.err" >&2; exit 1; }
}
build() { ours "build-$1" build --kubespray "$2" --out "$work/$1" --insecure-registry "127.0.0.1:$reg"; }
# Every byte of a bundle directory (what publish counts as the full bundle; its state directory aside).
bundle_bytes() { find "$1" -path "$1/.kubespray-bundle" -prune -o -type f -printf '%s\n' | awk '{ n += $1 } END { printf "%.0f\n", n }'; }
# release_bytes TAG assets|received: the bytes of the release's assets, or every byte its uploads sent.
release_bytes() {
  curl -sf "$api/_bench/releases/$RELEASES/$1" |
    node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(process.argv[1] === "assets" ? r.assets.reduce((n, a) => n + a.size, 0) : r.received)' "$2"
}

echo "building $OLD, $NEW, and both in one bundle..." >&2
build old "$OLD"; build new "$NEW"; build both "$OLD,$NEW"
for d in old new both; do (cd "$work/$d" && sha256sum --quiet -c SHA256SUMS) || { echo "bundle $d does not verify" >&2; exit 1; }; done
old_b=$(bundle_bytes "$work/old"); new_b=$(bundle_bytes "$work/new"); both_b=$(bundle_bytes "$work/both")
saved_json=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).totals.saved ?? "none")' "$work/both/bundle.json")

echo "publishing $OLD in full, $NEW in full, and $NEW as a delta against $OLD..." >&2
ours pub-old publish --bundle "$work/old" --repo "$RELEASES" --tag "full-$OLD" --json
ours pub-new publish --bundle "$work/new" --repo "$RELEASES" --tag "full-$NEW" --json
ours pub-delta publish --bundle "$work/new" --repo "$RELEASES" --tag "delta-$NEW" --base-tag "full-$OLD" --json
pub_old=$(release_bytes "full-$OLD" assets); pub_new=$(release_bytes "full-$NEW" assets)
delta=$(release_bytes "delta-$NEW" assets); delta_sent=$(release_bytes "delta-$NEW" received)
delta_said=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.sizes.published, r.delta.carried, r.delta.carriedBytes, r.delta.taken, r.delta.takenBytes)' "$work/pub-delta.out")
read -r delta_published carried carried_bytes taken taken_bytes <<< "$delta_said"

echo "rebuilding $NEW on the far side from the delta and the $OLD bundle..." >&2
ours fetch-delta fetch --repo "$RELEASES" --tag "delta-$NEW" --base "$work/old" --out "$work/far"
cmp -s "$work/far/SHA256SUMS" "$work/new/SHA256SUMS" || { echo "the bundle rebuilt from the delta is not $NEW's (SHA256SUMS differ)" >&2; exit 1; }
(cd "$work/far" && sha256sum --quiet -c SHA256SUMS) || { echo "the bundle rebuilt from the delta does not verify" >&2; exit 1; }

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
row() { printf '%-62s %14s  %12s  %s\n' "$1" "$2" "$(mib "$2")" "${3:-}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
singles=$((old_b + new_b))
echo
echo "upgrade bench (SCALE=$scale): $OLD -> $NEW on the bench world; bytes of bundle directories and of release assets"
printf '%-62s %14s  %12s  %s\n' "what" "bytes" "" "ratio"
row "(a) full bundle $OLD" "$old_b"
row "(a) full bundle $NEW" "$new_b"
row "    published in full: $OLD's release assets" "$pub_old" "$(ratio "$pub_old" "$old_b") of its bundle"
row "    published in full: $NEW's release assets" "$pub_new" "$(ratio "$pub_new" "$new_b") of its bundle"
row "(b) naive upgrade path: both full bundles carried" "$singles" "1.000"
row "(b) two-version bundle $OLD,$NEW" "$both_b" "$(ratio "$both_b" "$singles") of the two singles"
row "    saved by sharing (two singles - two-version)" "$((singles - both_b))" "bundle.json totals.saved: $saved_json"
row "(c) naive next release / night: $NEW's full bundle again" "$pub_new" "1.000"
row "(c) delta $NEW against $OLD: its release's assets" "$delta" "$(ratio "$delta" "$new_b") of the full bundle, $(ratio "$delta" "$pub_new") of its full publish"
row "    bytes its uploads sent (temporary SHA256SUMS included)" "$delta_sent"
row "    publish --json sizes.published (parts, without SHA256SUMS)" "$delta_published"
row "    carried content: $carried files and blobs" "$carried_bytes"
row "    left to the base on the far side: $taken files and blobs" "$taken_bytes"
echo "far side: fetch --base $OLD's bundle rebuilt $NEW with the same SHA256SUMS as the bundle published (verified)"
