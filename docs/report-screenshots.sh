#!/bin/sh
# Remakes the screenshots of the HTML report in docs/: the pytest fixture store's page in
# headless chromium, at a laptop's width and at a phone's. Headless chromium lays a window out
# at least 500 px wide, so the page is shot inside an iframe of the width wanted. pngquant,
# when installed, keeps the files small.
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r testdata/stores/pytest "$work/store"
# Exit 1 says the store has failing tests, which is what the page is about.
cargo run -q -- --store "$work/store" report --format html --out "$work/report.html" || [ $? -eq 1 ]

# shoot WIDTH HEIGHT SCALE FILE
shoot() {
    printf '<!DOCTYPE html><html><body style="margin:0"><iframe src="report.html" style="border:0;display:block;width:%spx;height:%spx"></iframe></body></html>' \
        "$1" "$2" >"$work/frame.html"
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$work/profile-$1" --force-device-scale-factor="$3" \
        --window-size="$1,$2" --virtual-time-budget=2000 --screenshot="$PWD/$4" \
        "file://$work/frame.html" 2>/dev/null
    if command -v pngquant >/dev/null; then
        pngquant --force --skip-if-larger --output "$4" -- "$4"
    fi
    echo "$4: $(wc -c <"$4") bytes"
}

shoot 1280 2000 1 docs/report-laptop.png
shoot 390 2300 2 docs/report-phone.png
