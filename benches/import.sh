#!/usr/bin/env bash
# `unid import` speed (BENCHMARKS.md, "unid import"): a generated uni-id export of N users,
# imported RUNS times into a fresh SQLite file and a fresh PostgreSQL schema, alternating, with
# the importer's CPU and, when the postmaster's pid file is readable, the PostgreSQL server's.
#
#   benches/import.sh [N=100000] [RUNS=3]
#   UNID_BENCH_PG=postgres://postgres@127.0.0.1:5432/test  (the default; empty skips PostgreSQL)
#   UNID=path/to/unid  (a build to measure instead of this tree's release build)
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-100000}
runs=${2:-3}
pg=${UNID_BENCH_PG-postgres://postgres@127.0.0.1:5432/test}
work=${TMPDIR:-/tmp}/unid-import-bench
schema=unid_import_bench

cargo build --release --quiet --bin unid --example uni_id_export
unid=${UNID:-target/release/unid}
rm -rf "$work" && mkdir -m 700 "$work" && mkdir "$work/users"
target/release/examples/uni_id_export "$work/export" "$users" >/dev/null
ln -s "$work/export/uni-id-users.jsonl" "$work/users/"
printf '[database]\nurl = "sqlite://%s/unid.db"\n' "$work" >"$work/sqlite.toml"
sep='?'; [[ $pg == *\?* ]] && sep='&'
printf '[database]\nurl = "%s%soptions=-csearch_path%%3D%s"\n' "$pg" "$sep" "$schema" >"$work/pg.toml"

# The PostgreSQL server's CPU in clock ticks: the postmaster's and its ended children's
# (each connection's backend is one, counted once it exits).
server_ticks() {
    local dir pid
    dir=$(psql -Atq "$pg" -c 'SHOW data_directory' 2>/dev/null) || return 0
    pid=$(head -1 "$dir/postmaster.pid" 2>/dev/null) || return 0
    awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat"
}

# One import of the users file, with its line of users per second and the importer's CPU.
import() {
    local config=$1
    TIMEFORMAT='importer CPU %U s user + %S s system'
    { time "$unid" --config "$config" import "$work/users" 2>&1 | grep -E 'uni-id-users.jsonl: [0-9]+ records'; } 2>&1
}

for run in $(seq "$runs"); do
    rm -f "$work"/unid.db*
    "$unid" --config "$work/sqlite.toml" migrate >/dev/null
    echo "SQLite, run $run:"
    import "$work/sqlite.toml"
    if [[ -n $pg ]]; then
        PGOPTIONS='-c client_min_messages=warning' psql -q "$pg" \
            -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
        "$unid" --config "$work/pg.toml" migrate >/dev/null
        sleep 1
        start=$(server_ticks)
        echo "PostgreSQL, run $run:"
        import "$work/pg.toml"
        sleep 1
        end=$(server_ticks)
        if [[ -n $start && -n $end ]]; then
            echo "server CPU $(((end - start) * 10)) ms"
        fi
    fi
done
if [[ -n $pg ]]; then
    psql -q "$pg" -c "DROP SCHEMA $schema CASCADE" 2>/dev/null || true
fi
