-- Second database of the compose stack: the hisbridge ledger, next to Airflow's metadata database.
--
-- Mounted by docker-compose.yaml as /docker-entrypoint-initdb.d/10-hisbridge-ledger.sql. The postgres image runs
-- it ONCE, on the first start with an empty data volume, with psql as POSTGRES_USER (airflow) in POSTGRES_DB
-- (airflow). To re-run it: docker compose down -v (drops ALL data) or apply it by hand with psql.
--
-- The ledger gets its own owner role, so the feeds' connection (hisbridge_db) cannot touch Airflow's tables and
-- Airflow's role is not needed to read the evidence. The password comes from the container's environment
-- (HISBRIDGE_DB_PASSWORD, set from .env by docker-compose.yaml) through psql's \getenv (psql 15+), never from
-- this file. If the variable is missing, :'ledger_password' stays unexpanded, the statement fails and, since
-- the image runs psql with ON_ERROR_STOP, so does the initialisation.

\getenv ledger_password HISBRIDGE_DB_PASSWORD

CREATE ROLE hisbridge LOGIN PASSWORD :'ledger_password';

-- template0 + explicit UTF8: Chinese names and codes are stored as sent, whatever the cluster's default.
CREATE DATABASE hisbridge OWNER hisbridge ENCODING 'UTF8' TEMPLATE template0;

REVOKE ALL ON DATABASE hisbridge FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hisbridge TO hisbridge;
