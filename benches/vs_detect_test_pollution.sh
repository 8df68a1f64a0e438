#!/usr/bin/env bash
# Side by side: bleed bisect and detect-test-pollution (PyPI) find the polluter of one victim
# in the same generated pytest suite. Prints suite runs and wall time of both, per suite size.
#
#   benches/vs_detect_test_pollution.sh [SIZES...]     (default: 100 1000)
#
# Needs python3 with pytest and detect-test-pollution installed, and a release build of bleed
# (cargo build --release). Each suite has one polluter placed at a random position among the
# tests before the victim, which runs last in the failing order for both tools.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bleed=${BLEED:-$here/target/release/bleed}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000)
command -v detect-test-pollution >/dev/null || { echo "detect-test-pollution is not installed: pip install detect-test-pollution" >&2; exit 2; }
[ -x "$bleed" ] || { echo "no bleed binary at $bleed: run cargo build --release" >&2; exit 2; }

# Writes a suite of $1 tests in 10 modules: one polluter (at a position drawn from seed $2)
# leaves state behind that the victim, in the last module, trips on.
generate() {
  python3 - "$1" "$2" <<'PY'
import random, sys, pathlib
n, seed = int(sys.argv[1]), int(sys.argv[2])
random.seed(seed)
root = pathlib.Path("tests"); root.mkdir()
(root / "__init__.py").write_text("")
(root / "state.py").write_text("leaked = {}\n")
polluter = random.randrange(n - 1)
modules = 10
per = (n - 1 + modules - 1) // modules
ids = []
for m in range(modules):
    lines = ["from tests import state\n"]
    for k in range(m * per, min((m + 1) * per, n - 1)):
        body = "    state.leaked['tz'] = 'Europe/Paris'\n" if k == polluter else "    assert True\n"
        lines.append(f"def test_{k:05d}():\n{body}")
        ids.append(f"tests/test_m{m:02d}.py::test_{k:05d}")
    (root / f"test_m{m:02d}.py").write_text("\n".join(lines))
(root / "test_victim.py").write_text(
    "from tests import state\n\ndef test_victim():\n    assert 'tz' not in state.leaked\n")
ids.append("tests/test_victim.py::test_victim")
pathlib.Path("order.txt").write_text("\n".join(ids) + "\n")
print(f"tests/test_m{polluter // per:02d}.py::test_{polluter:05d}")
PY
}

printf '%-7s %-24s %6s %9s  %s\n' tests tool runs wall_s found
for n in "${sizes[@]}"; do
  work=$(mktemp -d)
  (
    cd "$work"
    planted=$(generate "$n" "$n")
    printf '[pytest]\naddopts = -p no:cacheprovider -p no:randomly\n' > pytest.ini

    start=$(date +%s.%N)
    json=$("$bleed" bisect --cmd "python3 -m pytest -q tests" --order-file order.txt \
      --victim tests/test_victim.py::test_victim --no-cleaners --json 2>/dev/null || true)
    end=$(date +%s.%N)
    read -r probes found < <(python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d["probes"], ",".join(p["id"] for p in d["polluters"]))' <<<"$json")
    printf '%-7s %-24s %6s %9.2f  %s\n' "$n" "bleed bisect" "$probes" "$(echo "$end - $start" | bc)" "$found"

    start=$(date +%s.%N)
    out=$(detect-test-pollution --failing-test tests/test_victim.py::test_victim --testids-file order.txt 2>&1 || true)
    end=$(date +%s.%N)
    # One run per bisection step, plus its three checks: the victim alone, the whole group,
    # and the double check of the answer.
    steps=$(grep -c '^running step' <<<"$out" || true)
    found=$(grep -oE 'tests/[^ ]+::test_[0-9]+' <<<"$out" | tail -1 || true)
    printf '%-7s %-24s %6s %9.2f  %s\n' "$n" "detect-test-pollution" "$((steps + 3))" "$(echo "$end - $start" | bc)" "$found"
    printf '%-7s %-24s %6s %9s  %s\n' "$n" "(planted)" "" "" "$planted"
  )
  rm -rf "$work"
done
