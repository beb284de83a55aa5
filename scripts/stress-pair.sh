#!/usr/bin/env bash
# The stress pair (issue 15, docs/testing.md): two clean clones of HEAD; A runs `CI=true npm test`
# RUNS times in a row while B runs it over and over beside it. Prints a line per suite and exits
# non-zero if any run of A failed. Usage: scripts/stress-pair.sh [RUNS] [DIR]   (default 10, a temp dir)
set -u
runs=${1:-10}
dir=${2:-$(mktemp -d -t kdb-stress-XXXXXX)}
repo=$(git rev-parse --show-toplevel)
mkdir -p "$dir"
for side in A B; do
  git clone -q "$repo" "$dir/$side" || exit 1
  (cd "$dir/$side" && npm ci >"$dir/$side-ci.log" 2>&1 && npm run build >>"$dir/$side-ci.log" 2>&1) ||
    { echo "stress: $side could not install or build (see $dir/$side-ci.log)"; exit 1; }
done
echo "stress: $(git -C "$dir/A" log --oneline -1), logs in $dir"
touch "$dir/running"
(
  i=0
  while [ -e "$dir/running" ]; do
    i=$((i + 1))
    (cd "$dir/B" && CI=true npm test >"$dir/B-$i.log" 2>&1)
    echo "B run $i rc=$? $(date +%T)"
  done
) &
failed=0
for i in $(seq 1 "$runs"); do
  (cd "$dir/A" && CI=true npm test >"$dir/A-$i.log" 2>&1)
  rc=$?
  [ "$rc" -eq 0 ] || failed=$((failed + 1))
  echo "A run $i rc=$rc $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
done
rm -f "$dir/running"
wait
echo "stress: $failed of $runs runs of A failed"
[ "$failed" -eq 0 ]
