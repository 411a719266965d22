#!/usr/bin/env bash
# Takes docs/screenshots/*.png from the real server: builds unid, starts it in test mode with
# agreements on (so every form part shows), and drives headless chromium through chromedriver
# (Debian: apt-get install chromium chromium-driver).
#
#   bash docs/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."

command -v chromedriver >/dev/null || { echo "chromedriver is required (apt-get install chromium chromium-driver)"; exit 1; }
# Without a CJK font the zh-Hans shots show empty boxes instead of Chinese.
fc-list 2>/dev/null | grep -i "CJK" >/dev/null || { echo "a CJK font is required (apt-get install fonts-noto-cjk)"; exit 1; }
cargo build --release --quiet --bin unid --example screenshots
WORK="$(mktemp -d)"
trap 'kill "${SERVER_PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$WORK/unid.toml" <<TOML
testMode = true
[server]
dataDir = "$WORK/data"
listen = "127.0.0.1:$PORT"
[throttle]
captchaPerIpPerMinute = 100000
registerPerIpPerHour = 100000
[pages]
setPasswordAfterLogin = { allowSkip = true }
[pages.agreements]
serviceUrl = "https://example.com/terms"
privacyUrl = "https://example.com/privacy"
scope = ["register"]
TOML
RUST_LOG=warn target/release/unid --config "$WORK/unid.toml" serve > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
rm -f docs/screenshots/*.png
target/release/examples/screenshots "http://127.0.0.1:$PORT" docs/screenshots
