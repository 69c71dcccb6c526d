#!/usr/bin/env bash
# Development entry points behind `make demo`, `make test` and friends.
#
#   scripts/dev.sh setup   virtualenv + Odoo 19.0 (from ODOO_SRC) + this addon
#   scripts/dev.sh pg      start the project's local PostgreSQL cluster (idempotent)
#   scripts/dev.sh demo    setup, pg, a demo database with the bridges (Sales, Inventory, the job
#                          queue), the demo team's orders, deliveries and invoices
#                          (kpi_management_sale_stock), KPI history and tonight run through the
#                          job queue (kpi_management_queue), the demo bonus sheets, then serve on
#                          127.0.0.1:8069
#   scripts/dev.sh test    setup, pg, a fresh test database with kpi_management alone, then the
#                          pytest-odoo suite; then a second one with the bridges and the Odoo apps
#                          they need (KPI_TEST_DB + "_bridges") and the bridges' tests
#   scripts/dev.sh bench   setup, pg, then the engine benchmark; its arguments go to
#                          bench/bench_engine.py (--scale tiny|small|medium|large, default
#                          small; --users/--leads/--meetings N; --no-write), e.g.
#                          scripts/dev.sh bench --scale medium   (make bench BENCH_ARGS=...)
#   scripts/dev.sh bench-storage   setup, pg, then the storage study of kpi_result in the same
#                          database; its arguments go to bench/bench_storage.py (--scale
#                          tiny|small|large, default small; --users/--rules/--days N; --no-write)
#   scripts/dev.sh bench-queue   setup, pg, then the night through OCA queue_job against the
#                          crons alone, in a database it creates and drops (${KPI_BENCH_DB}_queue);
#                          its arguments go to bench/bench_queue.py (--scale tiny|small|medium|large,
#                          default small; --workers 1,2; --port 8073; --no-write)
#
# Settings (environment variables, all optional):
#   ODOO_SRC      an Odoo 19.0 source tree (default: $HOME/odoo-19.0, cloned from
#                 ODOO_REPO/ODOO_BRANCH when missing)
#   ODOO_REPO     default https://github.com/odoo/odoo.git      ODOO_BRANCH  default 19.0
#   KPI_VENV      the virtualenv (default: .venv in this repository)
#   KPI_PG_PORT   port of the local PostgreSQL cluster (default 5439)
#   KPI_HTTP_PORT port Odoo serves on (default 8069)
#   KPI_DEMO_DB / KPI_TEST_DB / KPI_BENCH_DB  database names (default kpi_demo / kpi_test /
#                 kpi_bench)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
ODOO_SRC="${ODOO_SRC:-$HOME/odoo-19.0}"
ODOO_REPO="${ODOO_REPO:-https://github.com/odoo/odoo.git}"
ODOO_BRANCH="${ODOO_BRANCH:-19.0}"
KPI_VENV="${KPI_VENV:-$REPO/.venv}"
KPI_PG_PORT="${KPI_PG_PORT:-5439}"
KPI_HTTP_PORT="${KPI_HTTP_PORT:-8069}"
KPI_DEMO_DB="${KPI_DEMO_DB:-kpi_demo}"
KPI_TEST_DB="${KPI_TEST_DB:-kpi_test}"
KPI_BENCH_DB="${KPI_BENCH_DB:-kpi_bench}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_USER=odoo
PG_PASSWORD=odoo
if [ "$(id -u)" = 0 ]; then
    PG_DATA="${KPI_PG_DATA:-/var/lib/postgresql/kpi_management/15}"
else
    PG_DATA="${KPI_PG_DATA:-$HOME/.local/share/kpi_management/pg15}"
fi
STATE="$REPO/.odoo"          # odoo.conf, filestore, logs (git-ignored)
PY="$KPI_VENV/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() { [ "$(id -u)" = 0 ]; }

# --------------------------------------------------------------------- system
apt_install() {
    # apt_install PKG... : install missing Debian packages (root only)
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! as_root; then
        die "missing Debian packages: ${missing[*]}. Install them (sudo apt-get install ${missing[*]}) and run again."
    fi
    say "Installing Debian packages: ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/tmp/kpi-apt.log 2>&1; then
        apt-get update -q >/tmp/kpi-apt.log 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >>/tmp/kpi-apt.log 2>&1 \
            || die "apt-get install ${missing[*]} failed, see /tmp/kpi-apt.log"
    fi
}

system_packages() {
    apt_install libpq-dev libldap2-dev libsasl2-dev postgresql-15 git
}

# ------------------------------------------------------------------- odoo src
odoo_src() {
    if [ ! -e "$ODOO_SRC" ]; then
        say "ODOO_SRC=$ODOO_SRC does not exist: cloning $ODOO_REPO (branch $ODOO_BRANCH)"
        git clone --depth 1 --branch "$ODOO_BRANCH" "$ODOO_REPO" "$ODOO_SRC" \
            || die "could not clone $ODOO_REPO into $ODOO_SRC. Give an Odoo 19.0 source tree: ODOO_SRC=/path/to/odoo make ..."
    fi
    [ -f "$ODOO_SRC/odoo/release.py" ] && [ -d "$ODOO_SRC/addons/crm" ] && [ -f "$ODOO_SRC/requirements.txt" ] \
        || die "ODOO_SRC=$ODOO_SRC is not an Odoo 19.0 tree (expected odoo/release.py, addons/crm, requirements.txt)"
    grep -qE '^version_info = \(19, 0,' "$ODOO_SRC/odoo/release.py" \
        || die "ODOO_SRC=$ODOO_SRC is not an Odoo 19.0 tree ($(grep -E '^version_info' "$ODOO_SRC/odoo/release.py"))"
}

# ----------------------------------------------------------------- virtualenv
venv() {
    odoo_src
    system_packages
    local stamp="$KPI_VENV/.kpi-stamp"
    local want
    want="$(cat "$ODOO_SRC/requirements.txt" "$REPO/setup.py" "$REPO/requirements-dev.txt" | sha1sum | cut -c1-16) $ODOO_SRC"
    if [ -x "$PY" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        say "Virtualenv $KPI_VENV is up to date"
        return 0
    fi
    say "Creating virtualenv $KPI_VENV (first run builds psycopg2 and python-ldap: a few minutes)"
    [ -x "$PY" ] || python3 -m venv "$KPI_VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$PY" -m pip install -q --upgrade pip wheel "setuptools<81" || die "pip could not upgrade itself"
    say "Installing Odoo's requirements from $ODOO_SRC/requirements.txt"
    "$PY" -m pip install -q -r "$ODOO_SRC/requirements.txt" || die "pip install -r $ODOO_SRC/requirements.txt failed"
    say "Installing Odoo 19.0 from $ODOO_SRC (editable) and this addon (editable, pulls xlsxwriter)"
    "$PY" -m pip install -q --no-deps -e "$ODOO_SRC" --config-settings editable_mode=compat || die "pip install -e $ODOO_SRC failed"
    # Odoo's requirements.txt as constraints: what the addons pull from PyPI (queue_job needs
    # lxml and lxml-html-clean) keeps the versions Odoo pins; the odoo distribution installed
    # above from ODOO_SRC satisfies queue_job's "odoo==19.0.*" (nothing is downloaded for it)
    "$PY" -m pip install -q -c "$ODOO_SRC/requirements.txt" -e "$REPO" --config-settings editable_mode=compat \
        -r "$REPO/requirements-dev.txt" || die "pip install of kpi_management and its development tools failed"
    "$PY" -c "import odoo.release as r; assert r.version_info[:2] == (19, 0), r.version" \
        || die "the virtualenv does not import Odoo 19.0"
    echo "$want" > "$stamp"
}

# ----------------------------------------------------------------- postgresql
pg_run() {
    # run a PostgreSQL binary as the cluster owner
    if as_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg() {
    [ -x "$PG_BIN/pg_ctl" ] || system_packages
    [ -x "$PG_BIN/pg_ctl" ] || die "PostgreSQL 15 server binaries not found in $PG_BIN (apt-get install postgresql-15)"
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        say "Creating a local PostgreSQL cluster in $PG_DATA (port $KPI_PG_PORT)"
        mkdir -p "$PG_DATA"
        as_root && chown -R postgres:postgres "$(dirname "$PG_DATA")"
        chmod 700 "$PG_DATA"
        pg_run "$PG_BIN/initdb" -D "$PG_DATA" -E UTF8 --locale=C.UTF-8 -A peer --auth-host=scram-sha-256 >/dev/null \
            || die "initdb failed for $PG_DATA"
        cat >> "$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $KPI_PG_PORT
unix_socket_directories = '$PG_DATA'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    fi
    if pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        say "PostgreSQL is running ($PG_DATA, port $KPI_PG_PORT)"
    else
        say "Starting PostgreSQL ($PG_DATA, port $KPI_PG_PORT)"
        pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start >/dev/null \
            || die "PostgreSQL did not start; see $PG_DATA/server.log"
    fi
    local su_user; su_user=$(as_root && echo postgres || id -un)
    pg_run "$PG_BIN/psql" -h "$PG_DATA" -p "$KPI_PG_PORT" -U "$su_user" -d postgres -qtAc \
        "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
            CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'; END IF; END\$\$;" \
        || die "could not create the PostgreSQL role $PG_USER"
    write_conf
}

write_conf() {
    mkdir -p "$STATE"
    cat > "$STATE/odoo.conf" <<CONF
[options]
addons_path = $ODOO_SRC/addons,$REPO
data_dir = $STATE/data
db_host = 127.0.0.1
db_port = $KPI_PG_PORT
db_user = $PG_USER
db_password = $PG_PASSWORD
http_interface = 127.0.0.1
http_port = $KPI_HTTP_PORT
max_cron_threads = 0
CONF
}

odoo() { "$KPI_VENV/bin/odoo" -c "$STATE/odoo.conf" "$@"; }

psql_odoo() { PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -h 127.0.0.1 -p "$KPI_PG_PORT" -U $PG_USER -d postgres -qtAc "$1"; }

db_exists() { [ "$(psql_odoo "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]; }

db_has_module() {
    [ "$(PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -h 127.0.0.1 -p "$KPI_PG_PORT" -U $PG_USER -d "$1" -qtAc \
        "SELECT 1 FROM ir_module_module WHERE name = 'kpi_management' AND state = 'installed'" 2>/dev/null)" = 1 ]
}

# -------------------------------------------------------------------- bridges
# The bridge addons of this repository, and what the demo and the bridges' test database install
# with them: the Odoo apps each needs (installing them installs the bridges: auto_install)
BRIDGES=(kpi_management_queue kpi_management_sale kpi_management_sale_margin kpi_management_sale_stock)
BRIDGE_MODULES="kpi_management,kpi_management_queue,sale_management,sale_margin,stock"

# ----------------------------------------------------------------------- demo
# The demo speaks English and Danish: Danish is installed with the translations of every module
# (a user who picks Danish in their preferences sees Odoo and kpi_management in Danish). English
# comes first: the first language given to --load-language is the default of a new database.
DEMO_LANGS="en_US,da_DK"

demo() {
    venv; pg
    if db_exists "$KPI_DEMO_DB" && db_has_module "$KPI_DEMO_DB"; then
        say "Database $KPI_DEMO_DB exists: updating kpi_management and its Danish translations"
        # --i18n-overwrite: the Danish of the module's data and views follows its da.po;
        # -i: the bridges and their apps in a demo database made before them
        odoo -d "$KPI_DEMO_DB" -u kpi_management -i "$BRIDGE_MODULES" \
            --load-language="$DEMO_LANGS" --i18n-overwrite \
            --stop-after-init --log-level=warn || die "module update failed"
    else
        db_exists "$KPI_DEMO_DB" && { say "Dropping incomplete database $KPI_DEMO_DB"; psql_odoo "DROP DATABASE \"$KPI_DEMO_DB\""; }
        say "Creating database $KPI_DEMO_DB with kpi_management, its bridges ($BRIDGE_MODULES), demo data and Danish (a few minutes)"
        odoo -d "$KPI_DEMO_DB" -i "$BRIDGE_MODULES" --with-demo \
            --load-language="$DEMO_LANGS" --stop-after-init --log-level=warn \
            || die "installing $BRIDGE_MODULES failed"
    fi
    say "Computing KPI history for the demo users (last 90 days), tonight through the job queue, the demo bonus sheets and team reports"
    "$KPI_VENV/bin/odoo" shell -c "$STATE/odoo.conf" -d "$KPI_DEMO_DB" --log-level=warn --no-http <<'PYEOF' \
        || die "KPI evaluation failed"
from odoo.addons.kpi_management.demo import builder
from odoo.addons.kpi_management_queue.demo import builder as queue_builder
# with Sales and Inventory (the delivery bridge installed): the orders, deliveries and invoices
# of the demo team's last five months, before the history that is computed from them
sale_stock = env['ir.module.module'].search_count(
    [('name', '=', 'kpi_management_sale_stock'), ('state', '=', 'installed')])
if sale_stock:
    from odoo.addons.kpi_management_sale_stock.demo import builder as sale_builder
    made = sale_builder.orders(env)
    env.cr.commit()
    print("Demo sales orders: %s, %s transfers done, %s invoices and credit notes posted" % (
        len(made), len(made.picking_ids.filtered(lambda p: p.state == 'done')),
        len(made.invoice_ids.filtered(lambda m: m.state == 'posted'))))
rules = env['kpi.rule'].search([])
n = builder.backfill(rules, days=90, today=False)
env.cr.commit()
print("KPI results stored for the demo users up to yesterday: %s" % n)
# tonight as the crons run it with kpi_management_queue: the hourly evaluation, the period
# scores and discrepancy analysis, the team reports due (the demo team's week just ended, to
# the leader and the team's chatter; a period reported is not sent again), each queued as jobs
# on the root.kpi channels and run here one by one as the job runner has a worker run them
done, failed = queue_builder.night(env)
print("Tonight through the job queue: %s" % ", ".join(
    "%s %s" % (count, method) for method, count in sorted(done.items())))
if failed:
    print("Jobs failed (see Queue > Jobs): %s" % dict(failed))
# after the history, which the sheets are computed from; a sheet that exists is left alone
for sheet in builder.bonus_sheets(env):
    print("Bonus sheet %s: %s" % (sheet.name, sheet.state))
if sale_stock:
    for sheet in sale_builder.bonus_sheet(env):
        print("Bonus sheet %s: %s, %s" % (sheet.name, sheet.state, ", ".join(
            "%s %s%% %s" % (line.user_id.name, line.total_score, line.amount)
            for line in sheet.line_ids)))
env.cr.commit()
print("KPI reminders open: %s" % builder.reminders(env))
# the team manager's review of the demo salesperson's finding (the night's jobs analysed)
for finding in builder.analysis(env, compute=False):
    print("Discrepancy: %s, %s (%s)" % (finding.name, finding.periods_display,
                                        finding.cause_id.name or "not reviewed yet"))
env.cr.commit()
PYEOF
    say "Odoo serves on http://127.0.0.1:$KPI_HTTP_PORT (database $KPI_DEMO_DB; log in as admin/admin,"
    say "or as a demo salesperson: kpi_sales_demo / kpi_sales_demo). Ctrl-C stops it. queue_job's"
    say "job runner runs in it (--load=base,web,queue_job): a KPI cron run by hand queues jobs it runs."
    exec "$KPI_VENV/bin/odoo" -c "$STATE/odoo.conf" -d "$KPI_DEMO_DB" --db-filter="^$KPI_DEMO_DB\$" \
        --load=base,web,queue_job --log-level=info
}

# ----------------------------------------------------------------------- test
fresh_db() {
    # fresh_db DB MODULE: drop DB and install MODULE (and its dependencies) into a new one
    say "Creating a fresh test database $1 with $2"
    db_exists "$1" && psql_odoo "DROP DATABASE \"$1\""
    odoo -d "$1" -i "$2" --stop-after-init --log-level=warn || die "installing $2 into $1 failed"
}

test_() {
    # two databases: kpi_management alone, as a small installation runs it (CRM only: no Sales,
    # no Inventory, no queue_job; its crons run their batches themselves), and the bridges with
    # the Odoo apps they need (${KPI_TEST_DB}_bridges): kpi_management_queue with queue_job,
    # whose tests run the same night both ways, and the sales, delivery and margin bridges with
    # Sales, Inventory and sale_margin (auto_install brings each bridge once its apps are there)
    venv; pg
    apt_install chromium
    local bridges_db="${KPI_TEST_DB}_bridges" status=0
    fresh_db "$KPI_TEST_DB" kpi_management
    say "Running the test suite of kpi_management (pytest-odoo, tests/)"
    cd "$REPO"
    "$KPI_VENV/bin/pytest" --odoo-config="$STATE/odoo.conf" --odoo-database="$KPI_TEST_DB" --odoo-http \
        -p no:cacheprovider "${PYTEST_ARGS[@]}" tests || status=$?
    fresh_db "$bridges_db" "$BRIDGE_MODULES"
    local dirs=()
    for addon in "${BRIDGES[@]}"; do
        [ -d "$REPO/$addon/tests" ] && dirs+=("$addon/tests")
    done
    say "Running the tests of the bridges (pytest-odoo, ${dirs[*]})"
    "$KPI_VENV/bin/pytest" --odoo-config="$STATE/odoo.conf" --odoo-database="$bridges_db" \
        -p no:cacheprovider "${PYTEST_ARGS[@]}" "${dirs[@]}" || status=$?
    return "$status"
}

bench() {
    venv; pg; bench_db
    say "Benchmark 1/2: nightly evaluation (bench/bench_engine.py ${*:---scale small})"
    "$PY" "$REPO/bench/bench_engine.py" -c "$STATE/odoo.conf" -d "$KPI_BENCH_DB" "$@"
    say "Benchmark 2/2: loading My KPIs (bench/bench_my_kpis.py)"
    "$PY" "$REPO/bench/bench_my_kpis.py" -c "$STATE/odoo.conf" -d "$KPI_BENCH_DB"
}

bench_db() {
    # a database of its own, with Odoo gamification beside the addon: the engine benchmark
    # compares the engine with gamification's goals (nothing of either is left in it after a run)
    if db_exists "$KPI_BENCH_DB" && db_has_module "$KPI_BENCH_DB"; then
        say "Updating kpi_management in $KPI_BENCH_DB"
        odoo -d "$KPI_BENCH_DB" -u kpi_management -i gamification --stop-after-init --log-level=warn \
            || die "update failed"
    else
        db_exists "$KPI_BENCH_DB" && psql_odoo "DROP DATABASE \"$KPI_BENCH_DB\""
        say "Creating $KPI_BENCH_DB with kpi_management and gamification"
        odoo -d "$KPI_BENCH_DB" -i kpi_management,gamification --stop-after-init --log-level=warn \
            || die "install failed"
    fi
}

bench_storage() {
    venv; pg; bench_db
    # commits a year of results into $KPI_BENCH_DB (its name must start with kpi_bench or
    # kpi_stor) and removes them at the end, also when interrupted
    say "Storage study of kpi_result (bench/bench_storage.py ${*:---scale small})"
    "$PY" "$REPO/bench/bench_storage.py" -c "$STATE/odoo.conf" -d "$KPI_BENCH_DB" "$@"
}

bench_queue() {
    venv; pg
    # creates its database (refused if one exists that is not its own), runs the night with the
    # crons and with Odoo servers in multi-worker mode (queue_job's job runner), drops it
    say "The night on the job queue (bench/bench_queue.py ${*:---scale small})"
    "$PY" "$REPO/bench/bench_queue.py" -c "$STATE/odoo.conf" -d "${KPI_BENCH_DB}_queue" "$@"
}

cmd="${1:-}"; shift || true
PYTEST_ARGS=("$@")
case "$cmd" in
    setup) venv ;;
    pg) odoo_src; pg ;;
    demo) demo ;;
    test) test_ ;;
    bench) bench "$@" ;;
    bench-storage) bench_storage "$@" ;;
    bench-queue) bench_queue "$@" ;;
    *) die "usage: scripts/dev.sh setup|pg|demo|test|bench|bench-storage|bench-queue" ;;
esac
