#!/usr/bin/env bash
# Creates one database and one login role per service, each role owning only its own database.
# Run once by the postgres image, on the first start of an empty data volume (/docker-entrypoint-initdb.d/).
#   SIANTAR_DATABASES   space-separated names, e.g. "identity complaints permits"
#   <NAME>_DB_PASSWORD  the password of role <name> (IDENTITY_DB_PASSWORD, ...); required for every name
# Later password changes are made with ALTER ROLE (deploy/README.md): this script never runs again.
set -euo pipefail

read -r -a names <<<"${SIANTAR_DATABASES:?SIANTAR_DATABASES lists the service databases}"
# check everything before creating anything
for name in "${names[@]}"; do
  if [[ ! "$name" =~ ^[a-z][a-z0-9_]{0,62}$ ]]; then
    echo "postgres-init: invalid database name '$name'" >&2
    exit 1
  fi
  password_var="${name^^}_DB_PASSWORD"
  if [[ -z "${!password_var:-}" ]]; then
    echo "postgres-init: $password_var is required" >&2
    exit 1
  fi
done

for name in "${names[@]}"; do
  password_var="${name^^}_DB_PASSWORD"
  password="${!password_var}"
  echo "postgres-init: database and role '$name'"
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    --set=name="$name" --set=password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SQL
done
