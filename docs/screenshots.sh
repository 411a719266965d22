#!/usr/bin/env bash
# Takes docs/screenshots/*.png from the real server: builds unid, starts it in test mode with
# agreements on (so every form part shows) and WeChat and Apple pointed at a fake that the
# example serves on FAKE_PORT (it takes no requests before the example starts it), and drives
# headless chromium through chromedriver (Debian: apt-get install chromium chromium-driver).
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
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
FAKE_PORT=$(free_port)
# Browsers reach the fake's sign-in pages as "localhost", another site than the server's
# 127.0.0.1, as open.weixin.qq.com and appleid.apple.com are.
FAKE="http://127.0.0.1:$FAKE_PORT"
FAKE_SITE="http://localhost:$FAKE_PORT"
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
loginTypes = ["weixin", "apple", "smsCode", "username"]
[pages.agreements]
serviceUrl = "https://example.com/terms"
privacyUrl = "https://example.com/privacy"
scope = ["register"]
[plugins.weixin]
endpoint = "$FAKE"
openEndpoint = "$FAKE_SITE"
[plugins.apple]
keysUrl = "$FAKE/auth/keys"
authorizeUrl = "$FAKE_SITE/auth/authorize"
webClientId = "com.example.unid.signin"
[web.oauth.weixin-web]
appid = "wx0000000000000web"
appsecret = "screenshots"
[web.oauth.weixin-h5]
appid = "wx00000000000000h5"
appsecret = "screenshots"
[app.oauth.apple]
bundleId = "com.example.unid"
TOML
RUST_LOG=warn target/release/unid --config "$WORK/unid.toml" serve > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
rm -f docs/screenshots/*.png
target/release/examples/screenshots "http://127.0.0.1:$PORT" docs/screenshots "$FAKE_PORT" \
  || { echo "--- the server's log:"; tail -n 40 "$WORK/server.log"; exit 1; }
