#!/usr/bin/env bash
# Cuts a release of the action, as actions/typescript-action's script/release does: checks
# that dist/ is what `npm run build` makes of this commit and that package.json carries the
# version, tags vX.Y.Z (annotated) and moves the major tag vX to it, so `uses: …@v1` follows
# the newest 1.x. With --push, pushes both tags (the major one forced).
#   bash scripts/release.sh 1.2.0 [--push]
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-}"
if ! [[ "$version" =~ ^([0-9]+)\.[0-9]+\.[0-9]+$ ]]; then
  echo "usage: bash scripts/release.sh X.Y.Z [--push] (got '${version}')" >&2
  exit 2
fi
major="v${BASH_REMATCH[1]}"
tag="v${version}"
push="${2:-}"

declared="$(node -p "require('./package.json').version")"
if [ "$declared" != "$version" ]; then
  echo "package.json says version ${declared}, not ${version}: set it (npm version ${version} --no-git-tag-version), commit, and run again" >&2
  exit 1
fi
if [ -n "$(git status --porcelain)" ]; then
  echo "the working tree has uncommitted changes: a release is cut from a commit" >&2
  exit 1
fi
npm run build >/dev/null
if ! git diff --quiet -- dist; then
  git checkout -- dist
  echo "dist/ is stale for this commit: run npm run build, commit dist/, and run again" >&2
  exit 1
fi
if git rev-parse -q --verify "refs/tags/${tag}" >/dev/null; then
  echo "${tag} exists already: choose the next version" >&2
  exit 1
fi

git tag -a "$tag" -m "kubespray-bundle ${tag}"
git tag -fa "$major" -m "kubespray-bundle ${major} (now ${tag})" "${tag}^{}"
echo "tagged ${tag}; ${major} now points at it"
if [ "$push" = "--push" ]; then
  git push origin "refs/tags/${tag}"
  git push --force origin "refs/tags/${major}"
fi
