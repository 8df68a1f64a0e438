#!/usr/bin/env bash
# How often does bisecting a test that fails 30 % of the time at random, whatever the order,
# blame anyone? For each try: a fresh copy of the noise suite (testdata/noise/<runner>), a short
# hunt (--no-confirm), then `bleed bisect --victim <the random test>` with default settings, from
# the latest run where it failed. Prints each try's verdict, culprits and probes, then the count
# of tries that named a polluter, a cleaner or a state-setter (which must be 0).
#
#   benches/random_victim.sh [pytest|cucumber] [TRIES]     (default: pytest 20)
#
# Needs a release build of bleed (cargo build --release) and the runner installed. BLEED=path
# picks another bleed binary; BLEED_HUNT_FLAGS= (empty) drops --no-confirm, for bleeds before it.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bleed=${BLEED:-$here/target/release/bleed}
runner=${1:-pytest}
tries=${2:-20}
[ -x "$bleed" ] || { echo "no bleed binary at $bleed: run cargo build --release" >&2; exit 2; }
case "$runner" in
  pytest)
    cmd="python3 -m pytest -q --deselect tests/test_report.py::test_nightly_report"
    victim="tests/test_random.py::test_flaky_clock" ;;
  cucumber)
    cmd="cucumber"
    victim="features/clock.feature:3" ;;
  *) echo "unknown runner $runner: pytest or cucumber" >&2; exit 2 ;;
esac
export BLEED_NOISE_RANDOM=1

blamed=0
probes_total=0
for try in $(seq 1 "$tries"); do
  work=$(mktemp -d)
  cp -r "$here/testdata/noise/$runner/." "$work"
  cd "$work"
  # shellcheck disable=SC2086
  "$bleed" hunt --cmd "$cmd" --runs 10 --seed "$try" ${BLEED_HUNT_FLAGS---no-confirm} --json >/dev/null 2>&1 || true
  result=$("$bleed" bisect --victim "$victim" --json 2>/dev/null || true)
  line=$(printf '%s' "$result" | python3 -c '
import json, sys
text = sys.stdin.read()
if not text.strip():
    print("none 0 0 (no failing run to bisect)")
    sys.exit()
r = json.loads(text)
named = [t["id"] for k in ("polluters", "cleaners", "state_setters") for t in r[k]]
print(r["verdict"], len(named), r["probes"] + r["cleaner_probes"], " ".join(named))
')
  read -r verdict named probes culprits <<<"$line" || true
  printf 'try %2d: %-18s probes %3s  %s\n' "$try" "$verdict" "$probes" "${culprits:-}"
  [ "$named" = 0 ] || blamed=$((blamed + 1))
  probes_total=$((probes_total + probes))
  cd "$here"
  rm -rf "$work"
done
echo "$runner: $blamed of $tries bisections of a 30 % random failure blamed a test; $probes_total probes in all"
