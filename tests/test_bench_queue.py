"""The job queue benchmark does not rot: it creates its own database and Odoo servers, so the
suite does not run it; its tables, its sampling of PostgreSQL and its refusal of a database it
did not create are checked here."""

import configparser
import os
import tempfile

import pytest

from odoo.tests.common import get_db_name
from odoo.tools import config

from .common import load_bench


def run(name, night, jobs=None, failed=0, bench_cpu=None):
    where = {"samples": 10, "states": {"running": 8, "waiting for a lock": 1,
                                       "idle in transaction (the client works)": 5,
                                       "waiting (IO)": 1},
             "waits": {"Lock:transactionid": 1, "IO:DataFileRead": 1} if jobs else {},
             "odoo_cpu": 2.0, "pg_cpu": 3.0}
    if bench_cpu is not None:
        where["bench_cpu"] = bench_cpu
    return {"name": name, "steps": {"evaluation": night / 2, "periods + analysis": night / 2,
                                    "night": night},
            "where": where, "jobs": jobs or {}, "failed": failed,
            "counts": {"results": 60, "period scores": 240, "open reminders": 30,
                       "findings": 0}}


def test_tables():
    bench = load_bench("bench_queue")
    engine = bench.engine_bench()
    runs = [run("cron, one process", 10.0),
            run("jobs, 2 workers", 6.0, {"_kpi_job_evaluate": (3, 2.0, 3.0, 6.0)},
                bench_cpu=0.5)]
    table = bench.format_tables(engine, "tiny", (20, 2000, 500), 20, runs, "PostgreSQL 15")
    lines = table.splitlines()
    assert lines[0].startswith("## Queue: the night of 20 users x 20 rules")
    assert "| cron, one process | 5.0 | 5.0 | 10.0 |  |  |  | 2.0 | 3.0 |" in table
    # 6 job-seconds in 6 s: one job at a time; the cron calls counted with Odoo's CPU
    assert "| jobs, 2 workers | 3.0 | 3.0 | 6.0 | 3 | 6.0 | 1.00 | 2.5 | 3.0 |" in table
    assert "| jobs, 2 workers | _kpi_job_evaluate | 3 | 2.00 | 3.00 | 6.0 |" in table
    assert ("| jobs, 2 workers | 10 | 0.80 | 0.100 | 0.50 | 0.100 | IO:DataFileRead 1, "
            "Lock:transactionid 1 |") in table
    assert "| cron, one process | 10 | 0.80 | 0.100 | 0.50 | 0.100 | none |" in table
    assert "- the runs store the same numbers of rows: yes" in table
    runs[1]["counts"] = dict(runs[1]["counts"], results=59)
    assert "the runs store the same numbers of rows: NO" in bench.format_tables(
        engine, "tiny", (20, 2000, 500), 20, runs, "PostgreSQL 15")


def test_its_section_replaces_only_its_own():
    bench = load_bench("bench_queue")
    engine = bench.engine_bench()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "RESULTS.md")
        with open(path, "w") as f:
            f.write(engine.HEADER + "\n## Scale tiny: x\n\nengine\n\n## Queue: old\n\nold\n")
        bench.write_results(engine, "## Queue: new\n\nnew\n", path)
        with open(path) as f:
            text = f.read()
    assert "## Scale tiny: x\n\nengine" in text and "## Queue: new\n\nnew" in text
    assert "old" not in text


def test_refuses_a_database_it_did_not_create():
    """The test database has no marker: the benchmark would not drop it."""
    bench = load_bench("bench_queue")
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(config["config"])
    dbname = get_db_name()
    assert bench.database_state(conf, dbname) is False
    with pytest.raises(SystemExit, match="not one of its own"):
        bench.create_database(config["config"], conf, dbname, print)
    assert bench.database_state(conf, "kpi_no_such_database_for_bench_queue") is None
