#!/usr/bin/env bash
# Side by side on the same generated suites (one planted polluter among N tests, a boot of B
# seconds): bleed bisect with cold and warm probes, each with no hunt (from the failing seed) and
# after a 20-run bleed hunt (from the hunt's latest failing run), and the peers on the same suite
# and failing order: `rspec --seed S --bisect` and detect-test-pollution. Every cell runs once per
# repetition, the repetitions interleaved, and the table gives medians.
#
#   benches/warm_vs_peers.sh [-n TESTS] [-b "BOOTS"] [-r REPS] [-s "SUITES"]
#       defaults: -n 400 -b "0 2" -r 3 -s "pytest rspec cucumber"
#
# Needs a release build of bleed (cargo build --release; BLEED=path picks another), python3 with
# pytest, pytest-randomly and detect-test-pollution (pip install detect-test-pollution), rspec and
# cucumber. A bleed without `bisect --probe` runs its probes as it always has, shown as cold.
# The boot is a module the suite loads first (conftest.py imports it, spec_helper and env.rb
# require it) that sleeps B seconds. KEEP=1 keeps the work directory.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bleed=${BLEED:-$here/target/release/bleed}
tests=400 boots="0 2" reps=3 suites="pytest rspec cucumber"
while getopts n:b:r:s: flag; do
  case $flag in
    n) tests=$OPTARG ;;
    b) boots=$OPTARG ;;
    r) reps=$OPTARG ;;
    s) suites=$OPTARG ;;
    *) sed -n 2,17p "$0" >&2; exit 2 ;;
  esac
done
[ -x "$bleed" ] || { echo "no bleed binary at $bleed: run cargo build --release" >&2; exit 2; }
for suite in $suites; do
  case $suite in
    pytest) need="python3 detect-test-pollution" ;;
    rspec) need=rspec ;;
    cucumber) need=cucumber ;;
    *) echo "unknown suite $suite: pytest, rspec or cucumber" >&2; exit 2 ;;
  esac
  for program in $need; do
    command -v "$program" >/dev/null || { echo "$program is not installed (needed for the $suite suite)" >&2; exit 2; }
  done
done
if "$bleed" bisect --help | grep -q -- '--probe'; then
  modes="cold warm"
else
  echo "note: this bleed has no bisect --probe: its probes are cold" >&2
  modes="cold"
fi

work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
results=$work/results.tsv
: > "$results"

command_of() {
  case $1 in
    pytest) echo "python3 -m pytest -q tests" ;;
    rspec) echo "rspec" ;;
    cucumber) echo "cucumber" ;;
  esac
}

# Every timed run happens in $work/run, a fresh copy of the suite (and of the hunt's store), so
# that recorded paths and the tools' caches are alike for every cell.
fresh() {
  rm -rf "$work/run"
  cp -a "$1" "$work/run"
}

seconds_since() {
  echo "$(date +%s.%N) - $1" | bc
}

# Appends one result: suite, boot, tool, mode, runs, wall seconds, whether the planted polluter
# was the answer.
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$results"
}

# One bleed bisection in $work/run; $4... are its extra options.
bleed_bisect() {
  local key=$1 mode=$2 label=$3
  shift 3
  local probe=()
  [ "$modes" = cold ] || probe=(--probe "$mode")
  local start json
  start=$(date +%s.%N)
  json=$(cd "$work/run" && "$bleed" bisect --victim "$victim" --no-cleaners "${probe[@]}" "$@" --json 2>>"$work/bleed.log" || true)
  local wall
  wall=$(seconds_since "$start")
  local line
  line=$(python3 -c '
import json, sys
planted = sys.argv[1]
try:
    d = json.loads(sys.stdin.read())
except ValueError:
    print("? error no")
    sys.exit()
probe = d.get("probe") or {}
runs = str(d["probes"] + d.get("cleaner_probes", 0))
if probe:
    runs += " (%sw+%sc)" % (probe.get("warm", 0), probe.get("cold", 0))
found = [p["id"] for p in d["polluters"]] == [planted]
print(runs.replace(" ", "_"), probe.get("mode", "cold") + ("-fallback" if probe.get("fallback") else ""), "yes" if found else "no")
' "$polluter" <<<"$json")
  local runs actual found
  read -r runs actual found <<<"$line"
  [ "$modes" = cold ] && actual=cold
  record "$key" "$boot" "bleed bisect" "$actual, $label" "${runs//_/ }" "$wall" "$found"
}

rspec_bisect() {
  local start out
  start=$(date +%s.%N)
  out=$(cd "$work/run" && rspec --seed "$seed" --bisect=verbose 2>&1 || true)
  local wall
  wall=$(seconds_since "$start")
  # The run that finds the failures, then one per " - Running:" line.
  local runs=$(( $(grep -c '^ - Running:' <<<"$out" || true) + 1 ))
  local found=no
  grep -qF "rspec $polluter $victim --seed $seed" <<<"$out" && found=yes
  record "$suite" "$boot" "rspec --bisect" "fork, from the seed" "$runs" "$wall" "$found"
}

detect_test_pollution() {
  local start out
  start=$(date +%s.%N)
  out=$(cd "$work/run" && detect-test-pollution --failing-test "$victim" --testids-file order.txt 2>&1 || true)
  local wall
  wall=$(seconds_since "$start")
  # One run per bisection step, plus its three checks: the victim alone, the whole group, and the
  # double check of the answer.
  local steps
  steps=$(grep -c '^running step' <<<"$out" || true)
  local found=no
  grep -qF "the polluting test is: $polluter" <<<"$out" && found=yes
  record "$suite" "$boot" "detect-test-pollution" "cold, from the order" "$((steps + 3))" "$wall" "$found"
}

# Generate every suite and its 20-run hunt once, before anything is timed.
for suite in $suites; do
  for boot in $boots; do
    key=$suite-$boot
    facts=$(python3 "$here/benches/gen_suite.py" "$suite" "$tests" "$boot" 7 "$work/$key.suite")
    echo "$facts" > "$work/$key.facts"
    fresh "$work/$key.suite"
    (cd "$work/run" && "$bleed" hunt --cmd "$(command_of "$suite")" --runs 20 --jobs 2 --seed 1 --json \
      > "$work/$key.hunt.json" 2>>"$work/bleed.log" || true)
    mv "$work/run" "$work/$key.hunted"
    echo "generated $key: $facts; hunted" >&2
  done
done

for rep in $(seq 1 "$reps"); do
  for suite in $suites; do
    for boot in $boots; do
      key=$suite-$boot
      read -r victim polluter seed < <(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
print(d["victim"], d["polluter"], d["seed"])' < "$work/$key.facts")
      cmd=$(command_of "$suite")
      for mode in $modes; do
        fresh "$work/$key.suite"
        bleed_bisect "$suite" "$mode" "no hunt" --cmd "$cmd" --seed "$seed"
        fresh "$work/$key.hunted"
        bleed_bisect "$suite" "$mode" "after hunt"
      done
      fresh "$work/$key.suite"
      case $suite in
        pytest) detect_test_pollution ;;
        rspec) rspec_bisect ;;
      esac
      echo "rep $rep: $key done" >&2
    done
  done
done

python3 - "$results" "$tests" <<'PY'
import collections, statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
cells = collections.OrderedDict()
for suite, boot, tool, mode, runs, wall, found in rows:
    cell = cells.setdefault((suite, boot, tool, mode), {"runs": [], "walls": [], "found": []})
    cell["runs"].append(runs)
    cell["walls"].append(float(wall))
    cell["found"].append(found)
peers = {"pytest": "detect-test-pollution", "rspec": "rspec --bisect"}
print(f"{sys.argv[2]} tests, one planted polluter; wall = median over {max(len(c['walls']) for c in cells.values())} interleaved repetitions")
print(f"{'suite':<9} {'boot':>4}  {'tool':<22} {'mode':<26} {'runs':<12} {'wall s':>7} {'ratio':>7}  found")
for (suite, boot, tool, mode), cell in cells.items():
    wall = statistics.median(cell["walls"])
    peer = cells.get((suite, boot, peers.get(suite), next(
        (m for (s, b, t, m) in cells if (s, b, t) == (suite, boot, peers.get(suite))), None)))
    ratio = f"{wall / statistics.median(peer['walls']):.2f}×" if peer else "—"
    runs = collections.Counter(cell["runs"]).most_common(1)[0][0]
    found = "all" if all(f == "yes" for f in cell["found"]) else f"{cell['found'].count('yes')}/{len(cell['found'])}"
    print(f"{suite:<9} {boot + ' s':>4}  {tool:<22} {mode:<26} {runs:<12} {wall:7.2f} {ratio:>7}  {found}")
print("runs: bleed's JSON probes (w warm + c cold where it says); rspec's runs it printed; detect-test-pollution's steps + 3 checks. ratio: wall / the peer's wall on the same suite and boot (cucumber has no peer).")
PY
