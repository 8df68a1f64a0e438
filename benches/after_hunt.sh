#!/usr/bin/env bash
# Probes per bisection after a hunt, for every runner's planted suite in testdata/: how much the
# hunt's history saves, warm and cold. For each runner: a fresh copy of its suite, a hunt of RUNS
# runs (default 20) under master seed SEED (default 7), then a bisection of every flip the hunt
# calls order-dependent or brittle, once with warm probes (the default) and once with
# --probe cold. Prints one line per bisection: runner, victim, verdict, culprits, probes
# (warm + cold), wall seconds.
#
#   benches/after_hunt.sh [RUNNERS...]     (default: pytest cucumber rspec go jest mocha)
#
# Needs a release build of bleed (cargo build --release; BLEED=path for another) and the runners
# installed as .ci/run installs them (the Node suites use testdata/<runner>/node_modules).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bleed=${BLEED:-$here/target/release/bleed}
runs=${RUNS:-20}
seed=${SEED:-7}
runners=("$@")
[ ${#runners[@]} -gt 0 ] || runners=(pytest cucumber rspec go jest mocha)
[ -x "$bleed" ] || { echo "no bleed binary at $bleed: run cargo build --release" >&2; exit 2; }

# The suite folder and the hunt command of each runner.
suite_of() {
  case "$1" in
    pytest) echo "testdata/pytest/suite|python3 -m pytest -q" ;;
    cucumber) echo "testdata/cucumber|cucumber" ;;
    rspec) echo "testdata/rspec/suite|rspec" ;;
    go) echo "testdata/go|go test ./..." ;;
    jest) echo "testdata/jest/suite|npx jest" ;;
    mocha) echo "testdata/mocha/suite|npx mocha" ;;
    *) echo "unknown runner $1" >&2; exit 2 ;;
  esac
}

summary() {
  python3 -c '
import json, sys
text = sys.stdin.read()
if not text.strip():
    print("error\t-\t-\t-")
    sys.exit()
r = json.loads(text)
named = [t["id"] for k in ("polluters", "state_setters") for t in r[k]] or ["-"]
p = r.get("probe", {})
probes = "%d(%dw+%dc)" % (r["probes"], p.get("warm", 0), p.get("cold", r["probes"]))
print("\t".join([r["verdict"], " + ".join(named), probes, "%.1f" % r["wall_seconds"]]))
'
}

printf '%-9s %-44s %-6s %-17s %-48s %-12s %s\n' runner victim probe verdict culprits probes wall_s
for runner in "${runners[@]}"; do
  IFS='|' read -r suite cmd <<<"$(suite_of "$runner")"
  work=$(mktemp -d)
  cp -r "$here/$suite/." "$work"
  if [ -d "$here/testdata/$runner/node_modules" ]; then
    ln -s "$here/testdata/$runner/node_modules" "$work/node_modules"
  fi
  cd "$work"
  "$bleed" hunt --cmd "$cmd" --runs "$runs" --seed "$seed" --json > hunt.json 2>/dev/null || true
  python3 -c '
import json
h = json.load(open("hunt.json"))
for f in h.get("flips", []):
    if f.get("kind") in ("order-dependent", "brittle"):
        print(f["test"])
' > victims.txt
  while IFS= read -r victim; do
    for probe in warm cold; do
      line=$("$bleed" bisect --victim "$victim" --probe "$probe" --no-cleaners --json 2>/dev/null </dev/null | summary || true)
      IFS=$'\t' read -r verdict culprits probes wall <<<"$line"
      printf '%-9s %-44s %-6s %-17s %-48s %-12s %s\n' "$runner" "$victim" "$probe" "$verdict" "$culprits" "$probes" "$wall"
    done
  done < victims.txt
  cd "$here"
  rm -rf "$work"
done
