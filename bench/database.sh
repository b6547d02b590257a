# Sourced by the benchmarks once WORK is set: the server's data directory is $WORK and its
# database a SQLite file there or, with BENCH_DATABASE_URL set to a PostgreSQL URL, a fresh
# schema on that database (wxb_<random>), so that every run starts empty; drop_bench_schema,
# for the exit trap, removes it again.
export WXHUB_DATA_DIR="$WORK"
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  BENCH_SCHEMA="wxb_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  psql "$BENCH_DATABASE_URL" -qc "CREATE SCHEMA $BENCH_SCHEMA"
  case "$BENCH_DATABASE_URL" in *\?*) SEP='&' ;; *) SEP='?' ;; esac
  export WXHUB_DATABASE_URL="$BENCH_DATABASE_URL${SEP}options=-c%20search_path%3D$BENCH_SCHEMA"
  drop_bench_schema() { psql "$BENCH_DATABASE_URL" -qc "DROP SCHEMA $BENCH_SCHEMA CASCADE" >/dev/null 2>&1 || true; }
else
  export WXHUB_DATABASE_URL="sqlite://$WORK/wxhub.db"
  drop_bench_schema() { :; }
fi
