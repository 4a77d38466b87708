#!/usr/bin/env bash
# Starts Debian's PostgreSQL (installing it when missing) and prints the URL of a role that may
# create databases, for the portal's PostgreSQL tests: PARKBENCH_TEST_POSTGRES=$(.ci/postgres.sh)
set -euo pipefail
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
read -r version cluster _ status _ <<<"$(pg_lsclusters --no-header | head -n 1)"
if [ -z "${version:-}" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  cluster=main
  pg_createcluster "$version" "$cluster" >&2
  status=down
fi
if [ "$status" != "online" ]; then
  pg_ctlcluster "$version" "$cluster" start >&2
fi
for _ in $(seq 1 30); do
  runuser -u postgres -- pg_isready -q && break
  sleep 1
done
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'parkbench') THEN
    CREATE ROLE parkbench LOGIN CREATEDB PASSWORD 'parkbench';
  END IF;
END $$;
SQL
echo "postgres://parkbench:parkbench@127.0.0.1:5432/postgres"
