#!/usr/bin/env bash
# Benchmark: the whole `kubespray-bundle build` (version spec → verified bundle) against the seed
# tools' way, scripted in the same run, medians of RUNS (default 3):
#   seed:      GitHub tarball + Ansible generate_list.sh + wget -x -i (sequential, as
#              manage-offline-files.sh) + skopeo copy one image after another + sha256sum of all
#   parallel:  the same with aria2c -j 8 -x 4 -s 4 and 4 skopeo copies at once (a well-tuned script)
#   ours:      node dist/cli.js build --kubespray v2.30.0 (fresh source cache each run), then
#              a re-run into the same directory (what a warm cache restore leaves)
#
# The world is local: 24 files shaped like Kubespray v2.30.0's default amd64 files.list
# (~1.1 GB, nginx capped at CAP per connection, 302s for github.com), 48 images shaped like its
# images.list (~1.5 GB, bench/images-fixture.mjs, docker-registry behind nginx capped at
# IMAGE_CAP per connection), a Kubespray-shaped tree naming them, and a GitHub REST stand-in
# serving that tree's tarball (bench/build-world.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
runs=${RUNS:-3}
cap=${CAP:-32m}
image_cap=${IMAGE_CAP:-30m}
kube_version=1.33.1
conf=${CONFORMANCE_DIR:-$repo/../shared/conformance}/v2.30.0/a_default/files.list
[ -f "$conf" ] || { echo "bench/build.sh: $conf not found (the conformance goldens live in ../shared)" >&2; exit 1; }

source bench/lib.sh
need_tools nginx:nginx docker-registry:docker-registry skopeo:skopeo wget:wget aria2c:aria2 curl:curl ansible-playbook:ansible-core
[ -f dist/cli.js ] || npm run -s build

bench_setup build
reg=$(free_port); door=$(free_port); files_port=$(free_port)
start_registry "$reg"
mkdir -p "$work/root"
start_nginx "
  server {
    listen 127.0.0.1:$files_port;
    location /github.com/ { rewrite ^/github.com/(.*)\$ /cdn/github.com/\$1 redirect; }
    location /cdn/ { alias $work/root/; limit_rate $cap; }
    location / { root $work/root; limit_rate $cap; }
  }
  server {
    listen 127.0.0.1:$door;
    location / { proxy_pass http://127.0.0.1:$reg; proxy_http_version 1.1; proxy_max_temp_file_size 0; limit_rate $image_cap; }
  }"
wait_port "$reg"; wait_port "$door"; wait_port "$files_port"

echo "generating the files..." >&2
printf '{"files":[' > "$work/files.json"
sep=""; total=0
while read -r url; do
  path=${url#https://}
  mib=$(size_of "${url##*/}")
  mkdir -p "$work/root/$(dirname "$path")"
  head -c $((mib << 20)) /dev/urandom > "$work/root/$path"
  printf '%s{"url":"http://127.0.0.1:%s/%s","checksum":"sha256:%s"}' "$sep" "$files_port" "$path" "$(sha256sum "$work/root/$path" | cut -c1-64)" >> "$work/files.json"
  sep=","; total=$((total + mib))
done < "$conf"
echo ']}' >> "$work/files.json"
echo "generating the images..." >&2
images=$(node bench/images-fixture.mjs "127.0.0.1:$reg" "127.0.0.1:$door" "$work" "$kube_version")
node bench/build-world.mjs "$work" "$kube_version" "127.0.0.1:$door/k8s" > "$work/api.url" & pids+=($!)
for _ in $(seq 100); do [ -s "$work/api.url" ] && break; sleep 0.1; done
api=$(cat "$work/api.url")
sync

seed_source() {
  local out=$1
  curl -sfL "$api/repos/kubernetes-sigs/kubespray/tarball/v2.30.0" -o "$out/kubespray.tar.gz"
  mkdir -p "$out/src" && tar -xzf "$out/kubespray.tar.gz" -C "$out/src" --strip-components=1
  prepare_ansible_tree "$out/src" && ansible_lists "$out/src"
}
seed_sums() { (cd "$1" && find . -type f ! -name SHA256SUMS -print0 | xargs -0 sha256sum > SHA256SUMS); }
run_seed() {
  local out=$work/seed; mkdir -p "$out/files"
  seed_source "$out"
  (cd "$out/files" && wget -q -x -i "$out/src/contrib/offline/temp/files.list")
  while read -r ref; do
    skopeo copy -q --src-tls-verify=false --override-arch amd64 --override-os linux "docker://$ref" "oci:$out/images:$ref" >/dev/null
  done < "$out/src/contrib/offline/temp/images.list"
  seed_sums "$out"
}
run_parallel() {
  local out=$work/parallel; mkdir -p "$out/files" "$out/images"
  seed_source "$out"
  aria2c -q -j 8 -x 4 -s 4 -d "$out/files" -i "$out/src/contrib/offline/temp/files.list" --allow-overwrite=true --auto-file-renaming=false &
  local aria=$!
  # One layout per image: skopeo copies into one layout at once would race on its index.json.
  nl -ba "$out/src/contrib/offline/temp/images.list" | xargs -P 4 -L 1 sh -c \
    'skopeo copy -q --src-tls-verify=false --override-arch amd64 --override-os linux "docker://$1" "oci:'"$out"'/images/$0:$1" >/dev/null'
  wait "$aria"
  seed_sums "$out"
}
run_ours() {
  XDG_CACHE_HOME=$work/xdg GITHUB_API_URL=$api KUBESPRAY_API_URL=$api "$ours_node" dist/cli.js build --kubespray v2.30.0 --out "$work/ours" --insecure-registry "127.0.0.1:$door" >/dev/null 2>"$work/ours.err" ||
    { cat "$work/ours.err" >&2; exit 1; }
}
run_ours_again() {
  XDG_CACHE_HOME=$work/xdg GITHUB_API_URL=$api KUBESPRAY_API_URL=$api "$ours_node" dist/cli.js build --kubespray v2.30.0 --out "$work/ours" --insecure-registry "127.0.0.1:$door" >/dev/null 2>"$work/ours.err" ||
    { cat "$work/ours.err" >&2; exit 1; }
}
check_ours() {
  (cd "$work/ours" && sha256sum --quiet -c SHA256SUMS) || { echo "our bundle does not verify" >&2; exit 1; }
  node -e 'const m=require(process.argv[1]); if (m.totals.files !== 24 || m.totals.images !== 48) { console.error("bundle counts", m.totals); process.exit(1) }' "$work/ours/bundle.json"
}

s=(); p=(); o=(); w=()
for i in $(seq "$runs"); do
  o+=("$(cleared_time_ms "$work/ours $work/xdg" run_ours)"); check_ours
  sync; w+=("$(time_ms run_ours_again)"); check_ours
  p+=("$(cleared_time_ms "$work/parallel" run_parallel)")
  s+=("$(cleared_time_ms "$work/seed" run_seed)")
  echo "run $i: ours ${o[-1]} ms (re-run ${w[-1]} ms), parallel script ${p[-1]} ms, seed script ${s[-1]} ms" >&2
done
ms=$(printf '%s\n' "${s[@]}" | median); mp=$(printf '%s\n' "${p[@]}" | median); mo=$(printf '%s\n' "${o[@]}" | median); mw=$(printf '%s\n' "${w[@]}" | median)
echo "build: 24 files ($total MiB, nginx capped at $cap per connection), $images (door capped at $image_cap); $runs runs each"
printf '%-58s %8s ms   runs: %s\n' "seed: tarball+Ansible+wget -x+skopeo one by one+sha256sum" "$ms" "${s[*]}"
printf '%-58s %8s ms   runs: %s\n' "parallel script: aria2c -j 8 + 4 skopeo at once+sha256sum" "$mp" "${p[*]}"
printf '%-58s %8s ms   runs: %s\n' "kubespray-bundle build (cold, median)" "$mo" "${o[*]}"
printf '%-58s %8s ms   runs: %s\n' "kubespray-bundle build re-run (everything there)" "$mw" "${w[*]}"
awk -v s="$ms" -v p="$mp" -v o="$mo" 'BEGIN { printf "ratio: %.1fx the seed pipeline (goal >= 4x, aim 8x), %.1fx the parallel script\n", s / o, p / o }'
