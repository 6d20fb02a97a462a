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
runtime_line
tree=$work/tree
cp -r "$conf/inputs/." "$tree/"
prepare_ansible_tree "$tree"
ours_lists() { "$ours_node" dist/cli.js lists --kubespray-dir "$tree" --out "$work/ours" >/dev/null; }

ansible_lists "$tree"; ours_lists
for l in files images; do
  cmp -s "$tree/contrib/offline/temp/$l.list" "$conf/a_default/$l.list" || { echo "ansible's $l.list differs from the golden" >&2; exit 1; }
  cmp -s "$work/ours/$l.list" "$conf/a_default/$l.list" || { echo "our $l.list differs from the golden" >&2; exit 1; }
done

a=(); o=()
for _ in $(seq "$runs"); do a+=("$(time_ms ansible_lists "$tree")"); o+=("$(time_ms ours_lists)"); done
ma=$(printf '%s\n' "${a[@]}" | median); mo=$(printf '%s\n' "${o[@]}" | median)
echo "lists on Kubespray v2.30.0 (a_default), $runs runs each, outputs identical to the goldens"
printf '%-34s %8s ms   runs: %s\n' "ansible generate_list.sh (median)" "$ma" "${a[*]}"
printf '%-34s %8s ms   runs: %s\n' "kubespray-bundle lists (median)" "$mo" "${o[*]}"
awk -v a="$ma" -v o="$mo" 'BEGIN { printf "ratio: %.1fx faster than Ansible (goal >= 20x, Node start-up included)\n", a / o }'
