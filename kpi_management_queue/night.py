"""What the queue jobs of the KPI night share: whether the crons queue their batches, the
identity key of each batch, which jobs are still to run, the attempt of the running job, and the
note of a failure on a rule, posted whatever becomes of the job's transaction.

The batches themselves are kpi_management's (``kpi.rule._cron_pending_batches``,
``kpi.period.result._period_batches``, the rules to analyse, the teams whose report is due): the
crons run them with a commit each when this addon is not installed or turned off, the jobs run
the same methods here.
"""

import logging

from odoo.addons.queue_job.delay import chain, group
from odoo.addons.queue_job.job import ENQUEUED, PENDING, STARTED, WAIT_DEPENDENCIES
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import str2bool

_logger = logging.getLogger(__name__)

#: the system parameter that turns the queue off ("False"): the crons then run their batches
#: themselves, one commit each, as without this addon
ENABLED_PARAM = "kpi_management_queue.enabled"
#: runs of a job before queue_job marks it failed: the first and 4 retries, postponed by the
#: retry pattern of its job function (data/queue_job_data.xml: 1, 5, 15, then 60 minutes)
MAX_RETRIES = 5
#: the states of a job that has yet to run: queue_job compares identity keys with these
TO_RUN = (WAIT_DEPENDENCIES, PENDING, ENQUEUED)
#: and of a job that has not finished
NOT_DONE = (*TO_RUN, STARTED)


def queue_enabled(env):
    """Whether the crons queue their batches as jobs (the default once installed)."""
    return str2bool(env["ir.config_parameter"].sudo().get_param(ENABLED_PARAM, "True"), True)


# ------------------------------------------------------------------ identity keys
def night_of(now):
    """The date a key names a run by: the UTC date of the cron's ``now``."""
    return now.date().isoformat()


def evaluation_key(batch, now):
    """``kpi.evaluate:<date>:<rule>:<first user>-<last user>`` of an ``EvaluationBatch``."""
    return "kpi.evaluate:%s:%s:%s-%s" % (night_of(now), batch.rule_id, batch.user_ids[0],
                                         batch.user_ids[-1])


def periods_key(period_type, periods, rule_ids, now):
    """``kpi.periods:<date>:<type>:<first day>..<last day>:<rules>`` of a ``PeriodBatch``."""
    return "kpi.periods:%s:%s:%s..%s:%s" % (night_of(now), period_type, periods[0][0],
                                            periods[-1][1], ",".join(map(str, rule_ids)))


def plan_key(now):
    return "kpi.periods.plan:%s" % night_of(now)


def analysis_key(rule_id, now):
    return "kpi.analysis:%s:%s" % (night_of(now), rule_id)


def report_key(team_id, period_end):
    """A team's report of the period ending ``period_end``: one, whatever the night."""
    return "kpi.report:%s:%s" % (team_id, period_end)


def queued_keys(env, keys):
    """The identity keys among ``keys`` of a job that has yet to run (one query)."""
    if not keys:
        return set()
    jobs = env["queue.job"].sudo().search_fetch(
        [("identity_key", "in", list(keys)), ("state", "in", list(TO_RUN))], ["identity_key"])
    return set(jobs.mapped("identity_key"))


def delay_stages(*stages):
    """Queue the non-empty ``stages`` (lists of delayables) as one graph: the delayables of a
    stage run side by side (a ``group``), each stage after the whole previous one (a
    ``chain``). :return: the number of jobs queued."""
    stages = [group(*stage) for stage in stages if stage]
    if not stages:
        return 0
    (stages[0] if len(stages) == 1 else chain(*stages)).delay()
    return sum(len(stage._delayables) for stage in stages)


# ------------------------------------------------------------------ a job's failure
def running_job(env):
    """The ``queue.job`` running in ``env`` (its ``job_uuid``), or an empty recordset outside a
    stored job (a job performed by a test's trap)."""
    uuid = env.context.get("job_uuid")
    Job = env["queue.job"].sudo()
    return Job.search([("uuid", "=", uuid)], limit=1) if uuid else Job


def job_attempt(env):
    """``(attempt, max_retries)`` of the job running in ``env``: the first run is attempt 1.
    ``(1, 0)`` outside a stored job."""
    job = running_job(env)
    if not job:
        return 1, 0
    # the stored count is that of the runs before this one (queue_job counts this run in
    # memory and stores it when the job is done, postponed or failed)
    return job.retry + 1, job.max_retries


def is_last_attempt(attempt, max_retries):
    return bool(max_retries) and attempt >= max_retries


def is_concurrency_error(exc):
    """A serialization failure, a deadlock or a lock not available: queue_job retries the job
    after a few seconds by itself; nothing to report."""
    return isinstance(exc, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY)


def note_failure(rule, body):
    """Post ``body`` on ``rule``'s chatter from a cursor of its own, committed at once: the
    job that failed raises ``RetryableJobError`` and queue_job rolls its transaction back. The
    caller rolls its own work back first (a savepoint), so that this cursor waits on no lock
    of the job's."""
    with rule.env.registry.cursor() as cr:
        rule.with_env(rule.env(cr=cr))._note_night_failure(body)
