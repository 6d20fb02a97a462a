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

time_ms() { local s e; s=$(date +%s%N); "$@"; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

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
