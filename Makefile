# kpi_management: the two commands that matter are `make demo` and `make test`.
# Odoo 19.0 comes from the source tree named by ODOO_SRC (default: $(HOME)/odoo-19.0, cloned
# from the official 19.0 branch when missing). See README.md.
.PHONY: help setup pg demo test bench bench-storage bench-queue lint pot

help:
	@echo "make demo    set up (virtualenv, Odoo from ODOO_SRC, local PostgreSQL), create the demo"
	@echo "             database with KPI history and serve Odoo on http://127.0.0.1:8069"
	@echo "make test    run the whole test suite (pytest-odoo) against a fresh database"
	@echo "make bench   run the engine benchmark (figures and ratios, not a test), e.g."
	@echo "             make bench BENCH_ARGS=\"--scale medium\"  (tiny|small|medium|large,"
	@echo "             default small; --users/--leads/--meetings override; writes bench/RESULTS.md)"
	@echo "make bench-storage  the storage study of kpi_result (not part of make bench: long), e.g."
	@echo "             make bench-storage BENCH_ARGS=\"--scale large\"  (tiny|small|large, default"
	@echo "             small; --users/--rules/--days override; writes and then removes its data in"
	@echo "             database kpi_bench; writes the Storage section of bench/RESULTS.md)"
	@echo "make bench-queue  the night through OCA queue_job against the crons alone (long at"
	@echo "             large), e.g. make bench-queue BENCH_ARGS=\"--scale large\"  (bench_engine's"
	@echo "             scales, default small; --workers 1,2; creates, then drops, the database"
	@echo "             kpi_bench_queue (KPI_BENCH_DB + _queue); writes the Queue section of RESULTS.md)"
	@echo "make lint    ruff on the addons, the tests and the benchmarks"
	@echo "make setup   only the virtualenv;  make pg   only start PostgreSQL"

setup:
	@scripts/dev.sh setup

pg:
	@scripts/dev.sh pg

demo:
	@scripts/dev.sh demo

test:
	@scripts/dev.sh test $(PYTEST_ARGS)

# BENCH_ARGS go to bench/bench_engine.py: --scale tiny|small|medium|large (default small),
# --users/--leads/--meetings N to override the scale's figures, --no-write to leave
# bench/RESULTS.md alone. See the docstring of bench/bench_engine.py.
bench:
	@scripts/dev.sh bench $(BENCH_ARGS)

# BENCH_ARGS go to bench/bench_storage.py: --scale tiny|small|large (default small),
# --users/--rules/--days N, --no-write. It commits its data into kpi_bench and removes it at the
# end. See the docstring of bench/bench_storage.py.
bench-storage:
	@scripts/dev.sh bench-storage $(BENCH_ARGS)

# BENCH_ARGS go to bench/bench_queue.py: --scale tiny|small|medium|large (default small),
# --users/--leads/--meetings N, --workers 1,2, --port 8073, --no-write. It creates its database
# (kpi_bench_queue), runs Odoo servers with queue_job's job runner on the port given and the
# next one, and drops the database at the end. See the docstring of bench/bench_queue.py.
bench-queue:
	@scripts/dev.sh bench-queue $(BENCH_ARGS)

lint:
	@scripts/dev.sh setup >/dev/null && .venv/bin/ruff check kpi_management* tests bench
