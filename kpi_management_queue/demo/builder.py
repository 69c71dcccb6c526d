"""Tonight of the demo database through the job queue, for ``make demo`` (``scripts/dev.sh``):
demo only, never called by the module itself.

:func:`night` runs the crons of the night, which queue their batches as jobs, then
:func:`run_jobs` runs the jobs of the KPI channels in this process, one transaction each, the
way queue_job's job runner has an Odoo worker run them (``RunJobController``: the job taken,
started, performed, done, the jobs waiting for it released, then committed); a job that raises
``RetryableJobError`` is postponed (the plan waiting for the evaluation jobs, a failed batch)
and runs again when its time has come, while other jobs are left.
"""

import time
from collections import Counter

from odoo import fields
from odoo.addons.queue_job.controllers.main import RunJobController
from odoo.addons.queue_job.job import DONE, ENQUEUED, FAILED, PENDING, Job

#: the channels of the KPI night
CHANNELS = "root.kpi%"


def night(env):
    """The crons of the night, each followed by its jobs. :return: ``{job method: count}`` of
    the jobs done, and ``{job method: count}`` of those that failed."""
    done, failed = Counter(), Counter()
    for cron in (env["kpi.rule"]._cron_evaluate, env["kpi.period.result"]._cron_analyse,
                 env["crm.team"]._cron_send_kpi_reports):
        cron()
        env.cr.commit()
        step_done, step_failed = run_jobs(env)
        done.update(step_done)
        failed.update(step_failed)
    return done, failed


def run_jobs(env, timeout=600):
    """Run the pending jobs of the KPI channels whose time has come, oldest first, until
    none is left (or ``timeout`` seconds have passed, then the job runner of the demo server
    takes the rest). :return: ``({method: done}, {method: failed})``."""
    done, failed = Counter(), Counter()
    deadline = time.monotonic() + timeout
    Queue = env["queue.job"].sudo()
    while time.monotonic() < deadline:
        record = Queue.search([
            ("state", "=", PENDING), ("channel", "=like", CHANNELS),
            "|", ("eta", "=", False), ("eta", "<=", fields.Datetime.now())],
            order="priority, date_created, id", limit=1)
        if not record:
            if not Queue.search_count([("state", "=", PENDING), ("channel", "=like", CHANNELS)]):
                break
            time.sleep(1)  # postponed jobs only: the plan waits for the evaluation
            env.invalidate_all()
            continue
        job = Job.load(env, record.uuid)
        job.set_enqueued()
        job.store()
        env.cr.commit()
        job = RunJobController._acquire_job(env, record.uuid)
        if not job:
            continue
        try:
            RunJobController._runjob(env, job)
        except Exception:  # noqa: BLE001 - stored as failed by queue_job, with its traceback
            env.cr.rollback()
        env.cr.commit()
        env.invalidate_all()
        state = Queue.browse(record.id).state
        if state == DONE:
            done[job.method_name] += 1
        elif state == FAILED:
            failed[job.method_name] += 1
    return done, failed


def queued(env):
    """The jobs of the KPI channels that have not run yet (the demo server's job runner runs
    them)."""
    return env["queue.job"].sudo().search_count(
        [("state", "in", (PENDING, ENQUEUED)), ("channel", "=like", CHANNELS)])
