#!/usr/bin/env bash
# Peak memory and wall time of summarising large stores: `bleed report` (text and JSON) and a
# `bleed hunt` whose runs are all recorded already, which only analyses them. For each size
# RUNSxTESTS, a synthetic store of a pytest hunt (benches/scale.rs: planted victims, flaky and
# broken tests) is written once under $STORES, then each command is timed by /usr/bin/time -v.
# Prints one line per command: size, command, peak RSS (MB), wall seconds, and CPU seconds (user
# and system: on a machine shared with other work, the steadier figure).
#
#   benches/scale.sh [RUNSxTESTS...]     (default: 30x50000 1000x10000 60x100000)
#
# Needs a release build of bleed (cargo build --release; BLEED=path for another) and python3 on
# PATH (the hunt checks that its command's program exists; it runs nothing). The stores take
# 0.2 to 1.3 GB each; STORES (default /tmp/bleed-scale) says where.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bleed=${BLEED:-$here/target/release/bleed}
stores=${STORES:-/tmp/bleed-scale}
template='python3 -m pytest -q -p randomly -p no:cacheprovider --randomly-seed=<seed>'
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(30x50000 1000x10000 60x100000)
[ -x "$bleed" ] || { echo "no bleed binary at $bleed: run cargo build --release" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }

# Runs a command under GNU time; prints "peak_MB<TAB>wall_s<TAB>cpu_s".
measure() {
  local stats
  stats=$(mktemp)
  /usr/bin/time -v -o "$stats" "$@" >/dev/null 2>"$stats.err" || true
  awk -F': ' '
    /Maximum resident set size/ { rss = $2 / 1024 }
    /Elapsed \(wall clock\)/ {
      n = split($2, p, ":"); wall = 0
      for (i = 1; i <= n; i++) wall = wall * 60 + p[i]
    }
    /User time|System time/ { cpu += $2 }
    END { printf "%.0f\t%.2f\t%.2f\n", rss, wall, cpu }' "$stats"
  rm -f "$stats" "$stats.err"
}

printf '%-12s %-22s %8s %7s %7s\n' size command "peak MB" "wall s" "CPU s"
for size in "${sizes[@]}"; do
  runs=${size%x*}
  tests=${size#*x}
  store=$stores/$size
  if [ ! -s "$store/runs.jsonl" ]; then
    (cd "$here" && cargo bench --quiet --bench scale -- "$store" "$runs" "$tests")
  fi
  lines=$(wc -l <"$store/runs.jsonl")
  for format in text json; do
    read -r rss wall cpu < <(measure "$bleed" --store "$store" report --format "$format")
    printf '%-12s %-22s %8s %7s %7s\n' "$size" "report --format $format" "$rss" "$wall" "$cpu"
  done
  read -r rss wall cpu < <(measure "$bleed" --store "$store" hunt --cmd "$template" --seed 7 \
    --runs "$runs" --no-confirm --json)
  printf '%-12s %-22s %8s %7s %7s\n' "$size" "hunt (summary only)" "$rss" "$wall" "$cpu"
  [ "$(wc -l <"$store/runs.jsonl")" = "$lines" ] ||
    { echo "the hunt of $size ran the suite: its runs were not all recorded" >&2; exit 1; }
done
