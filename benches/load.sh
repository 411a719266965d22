#!/usr/bin/env bash
# HTTP load benchmark for unid: the release server pinned to CPU 0, wrk pinned to CPU 1.
#
# Reports, per endpoint: requests/s, requests per server CPU-second (the server's own
# utime+stime from /proc), p50/p99 latency, and how many answers were not errCode 0 (must be 0).
# Also the server's idle resident memory and one Argon2id hash's time (criterion), for the
# "login ≥ 80% of 1/hash" target.
#
#   bash benches/load.sh                 # SQLite in a temp dir
#   UNID_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bash benches/load.sh
#   DURATION=20 bash benches/load.sh
#   ONLY=sms bash benches/load.sh        # just the SMS-login row
#   ONLY=pages bash benches/load.sh      # just the page rows
#   ONLY=login bash benches/load.sh      # just the login and getAccountInfo rows
#   ONLY=weixin bash benches/load.sh     # loginByWeixin against a local fake of WeChat
#   ONLY=console bash benches/load.sh    # the admin console over 100,000 seeded users
#   ONLY=console CONSOLE_USERS=20000 bash benches/load.sh
#   BIN=/tmp/unid-old LEGACY_CONFIG=1 bash benches/load.sh   # a build from before issue 8
#   BIN=/tmp/unid-old bash benches/load.sh   # another binary, not rebuilt
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
APP_ID="__UNI__BENCH"

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)…"
  (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
fi
command -v taskset >/dev/null || { echo "taskset (util-linux) is required"; exit 1; }

# BIN=/path/to/unid runs another build (e.g. an older one, for a before/after comparison).
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="$PWD/target/release/unid"
fi
WORK="$(mktemp -d)"
trap 'kill "${SERVER_PID:-0}" 2>/dev/null || true; drop_schemas; rm -rf "$WORK"' EXIT
CLK_TCK="$(getconf CLK_TCK)"
: > "$WORK/schemas"

cat > "$WORK/post.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
-- CHAIN=1: like a client, send the newest token the server handed out (refreshToken).
local chain = os.getenv("CHAIN") == "1"
local template, token
function init(args)
  errors = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local f = io.open(os.getenv("BODY_FILE"), "r")
  template = f:read("*a")
  f:close()
  token = os.getenv("TOKEN") or ""
  wrk.body = template:gsub("@TOKEN@", token)
end
-- USERS=n: rotate "@USER@" over bench0..bench(n-1), so logins spread over many accounts.
local users = tonumber(os.getenv("USERS") or "0")
local counter = 0
function request()
  if chain then
    return wrk.format(nil, nil, nil, (template:gsub("@TOKEN@", token)))
  end
  if users > 0 then
    counter = counter + 1
    return wrk.format(nil, nil, nil, (template:gsub("@USER@", "bench" .. (counter % users))))
  end
  return wrk.format()
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"errCode":0', 1, true) then
    errors = errors + 1
  elseif chain then
    token = string.match(body, '"token":"([^"]+)"') or token
  end
end
function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do e = e + t:get("errors") end
  io.write(string.format("RESULT requests=%d errors=%d p50_us=%d p99_us=%d duration_us=%d\n",
    summary.requests, e, latency:percentile(50), latency:percentile(99), summary.duration))
end
LUA

cat > "$WORK/get.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  errors = 0
  wrk.method = "GET"
  wrk.headers["Accept"] = "text/html"
  wrk.headers["Cookie"] = os.getenv("COOKIE") or ""
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, os.getenv("EXPECT") or "</html>", 1, true) then
    errors = errors + 1
  end
end
function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do e = e + t:get("errors") end
  io.write(string.format("RESULT requests=%d errors=%d p50_us=%d p99_us=%d duration_us=%d\n",
    summary.requests, e, latency:percentile(50), latency:percentile(99), summary.duration))
end
LUA

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# On PostgreSQL each server gets a fresh schema, so runs never see each other's data.
database_url() { # runs in a subshell: schema names are kept in a file
  case "${UNID_DATABASE_URL:-}" in
    postgres://*|postgresql://*)
      local schema="unid_bench_$$_$(wc -l < "$WORK/schemas")"
      psql -q "$UNID_DATABASE_URL" -c "CREATE SCHEMA $schema" >/dev/null
      echo "$schema" >> "$WORK/schemas"
      local sep='?'; [[ "$UNID_DATABASE_URL" == *\?* ]] && sep='&'
      echo "${UNID_DATABASE_URL}${sep}options=-csearch_path%3D${schema}" ;;
    *) echo "sqlite://$WORK/data/unid.db" ;;
  esac
}
drop_schemas() {
  [ -f "$WORK/schemas" ] || return 0
  for schema in $(cat "$WORK/schemas"); do psql -q "$UNID_DATABASE_URL" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true; done
}

start_server() { # $1 = extra TOML
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  # maxTokenLength 64: with 32 connections in flight, a chained refresh may present a token
  # up to 32 refreshes old; with the default 10 it would already be pruned.
  # LEGACY_CONFIG=1: for a build from before issue 8's per-IP limits (they are unknown keys).
  local limits='captchaPerIpPerMinute = 1000000000\nregisterPerIpPerHour = 1000000000\n'
  [ "${LEGACY_CONFIG:-0}" = 1 ] && limits=''
  printf "maxTokenLength = 64\n%s\n[server]\ndataDir = \"%s\"\n[throttle]\nipLockAfter = 1000000\n$limits" "$1" "$WORK/data" > "$WORK/unid.toml"
  DB_URL="$(database_url)"
  UNID_DATABASE_URL="$DB_URL" UNID_LISTEN="127.0.0.1:$port" RUST_LOG=warn taskset -c "$SERVER_CPU" "$BIN" --config "$WORK/unid.toml" serve > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  URL="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -fs "$URL/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "$URL/health/ready" >/dev/null || { echo "server did not start:"; cat "$WORK/server.log"; exit 1; }
  sleep 1
  IDLE_RSS=$(rss_mb "$SERVER_PID")
}

stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; }

api() { # $1 method, $2 params JSON, $3 token
  curl -fs "$URL/uni-id-co/$1" -H 'content-type: application/json' \
    -d "{\"clientInfo\":{\"uniPlatform\":\"web\",\"appId\":\"$APP_ID\",\"deviceId\":\"bench\"},\"uniIdToken\":\"${3:-}\",\"params\":$2}"
}

report() { # $1 label, $2 RESULT line, $3/$4 server CPU ticks before/after, $5 connections
  python3 - "$1" "$2" "$3" "$4" "$CLK_TCK" "$5" <<'PY'
import sys
label, out, before, after, tck, conns = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
kv = dict(p.split("=") for p in out.split()[1:])
req, err = int(kv["requests"]), int(kv["errors"])
secs = int(kv["duration_us"]) / 1e6
cpu = (after - before) / tck
print(f"| {label} | {conns} | {req/secs:,.0f} | {req/cpu if cpu else 0:,.0f} | {cpu/secs:.2f} | {int(kv['p50_us'])/1000:.2f} | {int(kv['p99_us'])/1000:.2f} | {err} |")
PY
}

page() { # $1 label, $2 path, $3 cookie header, $4 connections, $5 text every answer must contain
  local before after out
  before=$(cpu_ticks "$SERVER_PID")
  out=$(COOKIE="$3" EXPECT="$5" taskset -c "$LOAD_CPU" wrk -t1 -c"$4" -d"${DURATION}s" -s "$WORK/get.lua" "$URL$2" | grep '^RESULT')
  after=$(cpu_ticks "$SERVER_PID")
  report "$1" "$out" "$before" "$after" "$4"
}

run() { # $1 label, $2 method, $3 params JSON, $4 token, $5 connections, $6 chain tokens (0/1), $7 users
  printf '{"clientInfo":{"uniPlatform":"web","appId":"%s","deviceId":"bench"},"uniIdToken":"@TOKEN@","params":%s}' \
    "$APP_ID" "$3" > "$WORK/body.json"
  local before after out
  before=$(cpu_ticks "$SERVER_PID")
  out=$(BODY_FILE="$WORK/body.json" TOKEN="${4:-}" CHAIN="${6:-0}" USERS="${7:-0}" taskset -c "$LOAD_CPU" wrk -t1 -c"$5" -d"${DURATION}s" -s "$WORK/post.lua" "$URL/uni-id-co/$2" | grep '^RESULT')
  after=$(cpu_ticks "$SERVER_PID")
  report "$1" "$out" "$before" "$after" "$5"
}

echo "unid load benchmark — $(date -u +%Y-%m-%dT%H:%MZ), ${DURATION}s per row, server on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU"
echo "database: ${UNID_DATABASE_URL:-sqlite (temp dir)}"
echo
echo "| endpoint | conns | req/s | req per server CPU-s | server CPU use | p50 ms | p99 ms | errors |"
echo "|---|---|---|---|---|---|---|---|"

register_users() { # bench0..bench(n-1), all with the same password, through addUser
  local admin; admin=$(api login '{"username":"bench","password":"Bench-Pass-2024"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["newToken"]["token"])')
  for i in $(seq 0 $(($1 - 1))); do
    api addUser "{\"username\":\"bench$i\",\"password\":\"Bench-Pass-2024\"}" "$admin" >/dev/null
  done
}

# Pages (issue 7): a returning visitor's sign-in form (device cookie, no session), and a
# signed-in profile (the session cookie is the token: one indexed token check, then the page).
page_rows() {
  local device=0123456789abcdef0123456789abcdef token
  page "GET /login/password (page)" /login/password "unid_device=$device" 32 'action="/login/password"'
  token=$(api login '{"username":"bench","password":"Bench-Pass-2024"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["newToken"]["token"])')
  page "GET /userinfo (page, signed in)" /userinfo "unid_device=$device; unid_session=$token" 32 'action="/logout"'
}

# ONLY=login: the rows issue 8 holds to "at most 5 % slower" (login and getAccountInfo).
if [ "${ONLY:-}" = login ]; then
  start_server ""
  api registerAdmin '{"username":"bench","password":"Bench-Pass-2024"}' >/dev/null
  register_users 20
  run "login (Argon2id, 20 users)" login '{"username":"@USER@","password":"Bench-Pass-2024"}' "" 4 0 20
  TOKEN=$(api login '{"username":"bench","password":"Bench-Pass-2024"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["newToken"]["token"])')
  run "getAccountInfo" getAccountInfo '{}' "$TOKEN" 32
  stop_server
  start_server 'passwordHash = "hmac-sha256"'
  api registerAdmin '{"username":"bench","password":"Bench-Pass-2024"}' >/dev/null
  register_users 200
  run "login (hmac-sha256, 200 users)" login '{"username":"@USER@","password":"Bench-Pass-2024"}' "" 32 0 200
  run "login (hmac-sha256, 1 user)" login '{"username":"bench","password":"Bench-Pass-2024"}' "" 32
  stop_server
  exit 0
fi

# The console (issue 9) over CONSOLE_USERS seeded accounts (`unid admin seed`): the overview,
# the user list unfiltered, searched (a rare and a common term), filtered and by last sign-in.
if [ "${ONLY:-}" = console ]; then
  start_server ""
  api registerAdmin '{"username":"bench","password":"Bench-Pass-2024"}' >/dev/null
  seeded=$(UNID_DATABASE_URL="$DB_URL" RUST_LOG=warn "$BIN" --config "$WORK/unid.toml" admin seed --users "${CONSOLE_USERS:-100000}" | tail -1)
  echo "($seeded)"
  echo
  token=$(api login '{"username":"bench","password":"Bench-Pass-2024"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["newToken"]["token"])')
  cookie="unid_device=0123456789abcdef0123456789abcdef; unid_session=$token"
  # The first overview counts the month's days once (period_counts); the row below is every
  # render after it.
  first=$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $cookie" "$URL/admin")
  echo "(first overview render, counting the month's days: ${first} s)"
  echo
  page "GET /admin (overview)" /admin "$cookie" 8 'class="charts"'
  page "GET /admin/users (newest 50)" /admin/users "$cookie" 8 'seed0'
  page "GET /admin/users?q=seed0012345 (one match)" "/admin/users?q=seed0012345" "$cookie" 8 'seed0012345'
  page "GET /admin/users?q=17000 (many match)" "/admin/users?q=17000" "$cookie" 8 'seed0'
  page "GET /admin/users?q=晓红 (nickname)" "/admin/users?q=%E6%99%93%E7%BA%A2" "$cookie" 8 'seed0'
  page "GET /admin/users?status=1&tag=vip" "/admin/users?status=1&tag=vip" "$cookie" 8 'seed0'
  page "GET /admin/users?sort=login (last sign-in)" "/admin/users?sort=login" "$cookie" 8 'seed0'
  stop_server
  exit 0
fi

# loginByWeixin (issue 10) from the mini program, against examples/weixin_fake (a local fake of
# jscode2session sharing wrk's CPU): 1,000 WeChat users registered first, then logged in over
# and over; each login is a WeChat call, a lookup by openid or unionid, a token and a log row.
if [ "${ONLY:-}" = weixin ]; then
  cargo build --release --quiet --example weixin_fake
  fake_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  taskset -c "$LOAD_CPU" target/release/examples/weixin_fake "$fake_port" > "$WORK/fake.log" 2>&1 &
  FAKE_PID=$!
  trap 'kill "${SERVER_PID:-0}" "${FAKE_PID:-0}" 2>/dev/null || true; drop_schemas; rm -rf "$WORK"' EXIT
  for _ in $(seq 1 50); do grep -q READY "$WORK/fake.log" && break; sleep 0.1; done
  start_server "[plugins.weixin]
endpoint = \"http://127.0.0.1:$fake_port\"
[\"mp-weixin\".oauth.weixin]
appid = \"wxbench\"
appsecret = \"bench-secret\""
  for i in $(seq 0 999); do
    curl -fs "$URL/uni-id-co/loginByWeixin" -H 'content-type: application/json' \
      -d "{\"clientInfo\":{\"uniPlatform\":\"mp-weixin\",\"appId\":\"$APP_ID\",\"deviceId\":\"bench\"},\"params\":{\"code\":\"bench$i\"}}" >/dev/null
  done
  printf '{"clientInfo":{"uniPlatform":"mp-weixin","appId":"%s","deviceId":"bench"},"params":{"code":"@USER@"}}' \
    "$APP_ID" > "$WORK/body.json"
  before=$(cpu_ticks "$SERVER_PID")
  out=$(BODY_FILE="$WORK/body.json" USERS=1000 taskset -c "$LOAD_CPU" wrk -t1 -c32 -d"${DURATION}s" -s "$WORK/post.lua" "$URL/uni-id-co/loginByWeixin" | grep '^RESULT')
  after=$(cpu_ticks "$SERVER_PID")
  report "loginByWeixin (mp, 1,000 users)" "$out" "$before" "$after" 32
  stop_server
  exit 0
fi

if [ "${ONLY:-}" = pages ]; then
  start_server ""
  api registerAdmin '{"username":"bench","password":"Bench-Pass-2024"}' >/dev/null
  page_rows
  stop_server
  exit 0
fi

if [ "${ONLY:-}" != sms ]; then
# Argon2id (default) server: login, getAccountInfo, refreshToken.
start_server ""
ARGON_IDLE_RSS=$IDLE_RSS
api registerAdmin '{"username":"bench","password":"Bench-Pass-2024"}' >/dev/null
register_users 20
run "login (Argon2id, 20 users)" login '{"username":"@USER@","password":"Bench-Pass-2024"}' "" 4 0 20
# A fresh token after the logins (each login issued one; older ones were pruned).
TOKEN=$(api login '{"username":"bench","password":"Bench-Pass-2024"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["newToken"]["token"])')
run "getAccountInfo" getAccountInfo '{}' "$TOKEN" 32
run "refreshToken (chained)" refreshToken '{}' "$TOKEN" 32 1
page_rows
LOADED_RSS=$(rss_mb "$SERVER_PID")
stop_server

# uni-id's own format.
start_server 'passwordHash = "hmac-sha256"'
api registerAdmin '{"username":"bench","password":"Bench-Pass-2024"}' >/dev/null
register_users 200
run "login (hmac-sha256, 200 users)" login '{"username":"@USER@","password":"Bench-Pass-2024"}' "" 32 0 200
run "login (hmac-sha256, 1 user)" login '{"username":"bench","password":"Bench-Pass-2024"}' "" 32
stop_server
fi

# SMS login end to end (issue 3): createCaptcha + sendSmsCode + loginBySms per login, test
# mode, a fresh number each time (each login registers an account). Caps lifted: one client IP.
start_server 'testMode = true
[codes]
perIpPerHour = 1000000000
perTargetPerDay = 1000000000'
cargo build --release --quiet --example sms_login_load
before=$(cpu_ticks "$SERVER_PID")
out=$(taskset -c "$LOAD_CPU" target/release/examples/sms_login_load "$URL" "$DURATION" 32 | grep '^RESULT')
after=$(cpu_ticks "$SERVER_PID")
report "loginBySms (3 calls each)" "$out" "$before" "$after" 32
stop_server

[ "${ONLY:-}" = sms ] && exit 0
echo
echo "server resident memory: idle ${ARGON_IDLE_RSS} MB, after the runs above ${LOADED_RSS} MB"

if [ "${SKIP_HASH:-0}" != 1 ]; then
  echo
  echo "one Argon2id verification on CPU $SERVER_CPU (criterion, password/argon2id_verify):"
  taskset -c "$SERVER_CPU" cargo bench --quiet --bench hot -- 'password/argon2id_verify' 2>/dev/null | grep -E 'time:' || true
fi
