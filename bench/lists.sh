#!/usr/bin/env bash
# Benchmark: `kubespray-bundle lists` vs Kubespray's generate_list.sh run by real Ansible, on the
# same tree (the v2.30.0 conformance inputs), same run, medians of N runs each (default 5).
# Both outputs are checked against the goldens before anything is timed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
runs=${RUNS:-5}
conf=${CONFORMANCE_DIR:-$repo/../shared/conformance}/v2.30.0
[ -d "$conf" ] || { echo "bench/lists.sh: $conf not found (the conformance goldens live in ../shared)" >&2; exit 1; }

source bench/lib.sh
need_tools ansible-playbook:ansible-core
[ -f dist/cli.js ] || npm run -s build

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
tree=$work/tree
cp -r "$conf/inputs/." "$tree/"
mkdir -p "$tree/roles/download/tasks" "$tree/contrib/offline"; : > "$tree/roles/download/tasks/main.yml"

# What contrib/offline/generate_list.sh does: scrape the templates with grep/sed/tr, then let
# ansible-playbook render them with the roles' variables (its generate_list.yml, run from the root).
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
ansible_lists() {
  local dl=roles/kubespray_defaults/defaults/main/download.yml t=contrib/offline/temp
  (cd "$tree" && mkdir -p $t &&
    grep 'download_url:' $dl | sed 's/^.*_url: //g;s/\"//g' > $t/files.list.template &&
    sed -n '/^downloads:/,/download_defaults:/p' $dl | sed -n "s/repo: //p;s/tag: //p" | tr -d ' ' |
      sed 'N;s#\n# #g' | tr ' ' ':' | sed 's/\"//g' > $t/images.list.template &&
    for i in kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
      echo "{{ kube_image_repo }}/$i:v{{ kube_version }}" >> $t/images.list.template; done &&
    ansible-playbook -i localhost, -c local generate_list.yml >/dev/null)
}
ours_lists() { node dist/cli.js lists --kubespray-dir "$tree" --out "$work/ours" >/dev/null; }

ansible_lists; ours_lists
for l in files images; do
  cmp -s "$tree/contrib/offline/temp/$l.list" "$conf/a_default/$l.list" || { echo "ansible's $l.list differs from the golden" >&2; exit 1; }
  cmp -s "$work/ours/$l.list" "$conf/a_default/$l.list" || { echo "our $l.list differs from the golden" >&2; exit 1; }
done

a=(); o=()
for _ in $(seq "$runs"); do a+=("$(time_ms ansible_lists)"); o+=("$(time_ms ours_lists)"); done
ma=$(printf '%s\n' "${a[@]}" | median); mo=$(printf '%s\n' "${o[@]}" | median)
echo "lists on Kubespray v2.30.0 (a_default), $runs runs each, outputs identical to the goldens"
printf '%-34s %8s ms   runs: %s\n' "ansible generate_list.sh (median)" "$ma" "${a[*]}"
printf '%-34s %8s ms   runs: %s\n' "kubespray-bundle lists (median)" "$mo" "${o[*]}"
awk -v a="$ma" -v o="$mo" 'BEGIN { printf "ratio: %.1fx faster than Ansible (goal >= 20x, Node start-up included)\n", a / o }'
