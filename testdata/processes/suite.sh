#!/bin/sh
# A stand-in test runner for bleed's generic adapter: `./suite.sh SEED REPORT` writes a JUnit
# report of two passing tests to REPORT, after doing what the file `mode` beside it says (`ok`
# when there is none), so that a hunt can be resumed with the same command in another mode:
#
#   ok       nothing else
#   slow     takes a second
#   hang     never ends: two sleeping children and a grandchild, all waiting for ever
#   stray    leaves a grandchild running that ignores SIGTERM, and exits
#   deaf     ignores SIGINT and SIGTERM and hangs, with a child that does too
#   loud     prints 100 MB of numbered lines first
report=$2
mode=$(cat mode 2>/dev/null || echo ok)
case $mode in
ok) ;;
slow) sleep 1 ;;
hang)
    sleep 1000 &
    (sleep 1000 & wait) &
    wait
    ;;
stray) (trap '' TERM; exec sleep 1000) & ;;
deaf)
    trap '' INT TERM
    sleep 1000 &
    wait
    ;;
loud)
    seq 1 4000000 | sed 's/$/ of the loud suite/'
    echo "the last line"
    ;;
*)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac
cat >"$report" <<XML
<testsuite name="processes"><testcase classname="suite" name="one"/><testcase classname="suite" name="two"/></testsuite>
XML
