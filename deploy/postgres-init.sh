#!/bin/sh
# Create the two roles govsocial needs: the owner (runs migrations, owns the tables)
# and the application role (not superuser, not BYPASSRLS, not the owner).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE govsocial_owner LOGIN PASSWORD '${GOVSOCIAL_OWNER_PASSWORD}' NOSUPERUSER NOBYPASSRLS;
CREATE ROLE govsocial_app LOGIN PASSWORD '${GOVSOCIAL_APP_PASSWORD}' NOSUPERUSER NOBYPASSRLS NOINHERIT;
CREATE DATABASE govsocial OWNER govsocial_owner;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname govsocial <<SQL
ALTER SCHEMA public OWNER TO govsocial_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE govsocial TO govsocial_app;
SQL
