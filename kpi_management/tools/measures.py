"""Set-based SQL measures of the KPI engine.

A measure turns a list of per-user windows into ONE query that returns, for every user that
has matching records, ``(user_id, value, [ids of the records counted])``. Users without a row
score a value of 0. The number of queries therefore never grows with the number of users.

The windows arrive as a table ``win(user_id, partner_id, day, day_from, day_to, utc_from,
utc_to, base_from, base_to, currency_id, rate_company_id, base_day_from, base_day_to)`` built
from arrays (see :func:`windows_cte`): every user carries its own bounds, taken in its own
timezone (see ``scoring``); ``base_from``/``base_to`` are the UTC bounds of the comparison
window of a growth measure and ``base_day_from``/``base_day_to`` its local dates, for a
measure of a date column such as an invoice date (NULL for the others); ``currency_id`` and
``rate_company_id`` the currency the user's amounts are measured in and the company whose
rates convert them (see below).

**Money in one currency.** A measure that sums or compares amounts (``won_revenue``,
``net_profit``, ``open_pipeline``, ``won_revenue_growth`` and its ``_pct`` form, ``large_deals``
and ``large_deals_share``) converts each deal, in the same query, from its company's currency
(``crm.lead.company_currency``; a deal without company is taken as already in the target
currency) to the currency of the rule's company, or for a rule of every company to that of the
user's main company (``kpi_score_mixin.amount_company``); a past day evaluated again, a bonus
sheet or a period score measures in the currency the user's results recorded then
(``kpi.rule._with_currencies``), and every result stores the currency it was measured in. A
deal is converted at the rate of its won date (the UTC day of ``kpi_date_won``), a snapshot
(``open_pipeline``) at the rate of the evaluation day, as Odoo's ``res.currency._get_rates``
picks a rate: the latest ``res_currency_rate`` on or before that day of the target company's
root company (its own rates before the shared ones, ``company_id`` NULL), else the first one
known, else 1; a rate is units of the currency per unit of the company's currency, so
``amount x rate(target) / rate(deal's currency)``. The rule's minimum
amount of a large deal is therefore in the target currency too. Custom measures sum as stored.

A row whose value is NULL means that the user has nothing to measure (no data, see
``scoring``); a user without a row scores 0, or has no data for the measures that say so
(``Measure.no_data_when_empty``). Growth measures return a fourth column, the baseline (the
value of the comparison window), which the engine stores with the result. :func:`run_measure`
reads all of it into one :class:`MeasureValue` per user.

**One place per measure.** :data:`BUILTIN_MEASURES` is the registry: each :class:`Measure`
declares its key and label (the template's selection is generated from it), its SQL, the
rule parameters it reads, whether empty means no data, the sentence of its reminders
(:class:`GapSentences`, translated lazily in the reader's language) and its "to do" side
(:class:`Todo`). A new measure touches this module, its template in
``data/kpi_template_data.xml`` and README. The engine, the reminders and the screens find a
measure through the database's registry (:func:`registry`, ``kpi.template._measure_registry``):
these measures and those of the bridge addons installed in the database (``kpi_management_sale``
adds the measures of sales orders and invoices, each in its own module, the same way).

The parameters a measure needs are fields of the rule (see :class:`Measure` ``params``),
passed in ``MeasureContext.extra``: ``min_amount`` (float), ``activity_type_ids`` (list of
ids), ``lead_fields`` (list of :class:`LeadField`). Every measure stays one query for all users.

Definitions (also shown on the templates):

``meetings_planned`` / ``meetings_held``
    distinct active calendar events that start inside the window and that the user organises
    or attends, unless the user declined it (an organiser who declined their own meeting does
    not count it either).
``won_deals`` / ``won_revenue`` / ``net_profit``
    active leads of the user whose ``won_status`` is ``won`` and whose won date
    (``kpi_date_won``, the date the deal was first won, see ``crm_lead``) falls in the window:
    their number, the sum of expected revenue, the sum of net profit (revenue - cost price -
    extra costs). Odoo's closing date is not used: archiving or restoring a deal resets it.
``new_clients``
    distinct customer companies (commercial partners) with a deal of the user won in the window
    that is the company's first won deal ever (by anybody, in any of the database's companies,
    archived or not, whatever it became since: any lead with a won date is a won deal of the
    company); the records counted are those first deals.
``kam_coverage``
    % of the active companies whose salesperson is the user that attended an event with the user
    in the window; the records counted are the companies met.
``conversion_rate``
    won / (won + lost) x 100 over the user's leads closed in the window: the won ones by their
    won date, the lost ones by their closing date (lost leads are archived by Odoo and are
    counted here); the records counted are the closed leads.
``response_time``
    average hours from a lead's assignment to the user (Odoo's ``date_open``, its creation when
    it was created for the user) to the first message the user wrote on it after that (an
    e-mail, a logged note, or a completed activity, which all post a message authored by the
    user), over the user's leads assigned in the window, lost ones included (marking a lead
    lost does not hide a slow answer); a lead still unanswered counts the hours up to the end
    of the window. Lower is better.
``overdue_activities``
    the user's open activities whose due date is before the evaluation day (snapshot), KPI
    reminders excluded.
``open_pipeline``
    expected revenue of the user's active opportunities that are neither won nor lost
    (snapshot).
``won_revenue_growth`` / ``won_deals_growth`` (and their ``_pct`` forms)
    the growth of ``won_revenue`` / ``won_deals`` (same definition of a won deal) against the
    user's baseline: the same measure over the comparison window chosen on the rule (the same
    number of days just before the window, or the same dates a year earlier, in the user's
    timezone: ``scoring.baseline_bounds``). The plain forms are the difference (an amount,
    a number of deals: ``current - baseline``); the ``_pct`` forms the growth in % of the
    baseline, ``(current - baseline) / baseline x 100``, rounded to 2 decimals. A negative
    growth is a value below 0 (it scores 0). **Zero baseline**: a % of nothing is not a
    growth: with a baseline of 0 (or less) a ``_pct`` measure has no data for the user (no
    value, no score, its bonus weight goes to the other KPIs); the plain forms measure those
    users (a first sale of 50,000 is a growth of 50,000). The records counted are the deals
    won in the window (not those of the comparison window).
``large_deals`` / ``large_deals_share``
    the user's won deals (as ``won_deals``) whose expected revenue is at least the rule's
    minimum amount (both in the rule's currency, see "Money in one currency"): their number, or
    their share in % of the user's deals won in the window (no data when the user won none).
    The records counted are those large deals.
``done_activities``
    activities of the rule's types assigned to the user (``mail.activity.user_id``: whose
    activity it is, whoever clicked *Done*) that were completed in the window. Odoo 19 keeps a
    done activity archived (``active`` False) with the date it was done (``date_done``, a UTC
    date); its exact time is ``kpi_date_done`` (see ``mail_activity``), compared with the
    window's UTC bounds, so the user's local midnight is the edge; an activity done without it
    (archived in SQL) falls back to noon UTC of ``date_done``. The records counted are the done
    activities (archived: the drill-down opens them with ``active_test`` off).
``data_completeness``
    % of the user's open opportunities (active, type opportunity, neither won nor lost) whose
    fields listed on the rule are all filled (snapshot; no data without an open opportunity).
    Filled means: not NULL, and for texts not blank (HTML: not blank once its tags are
    removed), for numbers not 0 (Odoo stores 0 for an empty number field), for many2many
    fields at least one related record. The records counted are the complete opportunities;
    the incomplete ones are the result's "to do" side (:func:`incomplete_opportunities`).
``rotting_opportunities``
    the user's open opportunities that are rotting at the start of the evaluation day (the
    user's local midnight), by Odoo 19's rule (``mail.tracking.duration.mixin``
    ``_compute_rotting`` with ``crm.lead._get_rotting_domain``): the stage has a rotting
    threshold (``crm.stage.rotting_threshold_days`` not 0) and the last stage change
    (``date_last_stage_update``, else the creation) plus that many days is before that
    instant (snapshot, lower is better). The records counted are the rotting opportunities.
"""

import datetime
from dataclasses import dataclass, field

from odoo.tools import SQL
from odoo.tools.translate import LazyGettext, LazyTranslate

from .scoring import WINDOW_FUTURE

_lt = LazyTranslate(__name__)


@dataclass(frozen=True)
class Window:
    user_id: int
    partner_id: int
    day: object
    day_from: object
    day_to: object
    utc_from: object
    utc_to: object
    #: UTC bounds of the comparison window (growth measures only)
    base_from: object = None
    base_to: object = None
    #: the currency amounts are converted to, and the company whose rates convert them (the
    #: target company's root); no currency: amounts are summed as stored
    currency_id: int | None = None
    rate_company_id: int | None = None
    #: local dates ``[first, last)`` of the comparison window (growth measures only), for the
    #: measures of a date column (as ``day_from``/``day_to`` are for the window)
    base_day_from: object = None
    base_day_to: object = None


@dataclass(frozen=True)
class LeadField:
    """A field of ``crm.lead`` that ``data_completeness`` requires to be filled: its column
    (``name``), its type, and for a many2many its relation table and the column of the lead."""

    name: str
    ttype: str
    relation_table: str | None = None
    column: str | None = None


@dataclass
class MeasureContext:
    windows: list
    company_id: int | None = None
    extra: dict = field(default_factory=dict)


def windows_cte(windows):
    """``WITH win(...) AS (...)``: one row per user, built from arrays in one statement."""
    cols = list(zip(*[
        (w.user_id, w.partner_id, w.day, w.day_from, w.day_to, w.utc_from, w.utc_to,
         w.base_from, w.base_to, w.currency_id, w.rate_company_id, w.base_day_from,
         w.base_day_to)
        for w in windows
    ], strict=True)) or [[]] * 13
    return SQL(
        """WITH win(user_id, partner_id, day, day_from, day_to, utc_from, utc_to, base_from,
                    base_to, currency_id, rate_company_id, base_day_from, base_day_to) AS (
            SELECT * FROM unnest(%s::int[], %s::int[], %s::date[], %s::date[], %s::date[],
                                 %s::timestamp[], %s::timestamp[], %s::timestamp[],
                                 %s::timestamp[], %s::int[], %s::int[], %s::date[],
                                 %s::date[]))""",
        *[list(c) for c in cols],
    )


def span(windows, lower="utc_from", upper="utc_to"):
    """``(first, last)``: the smallest ``lower`` and the largest ``upper`` of ``windows``
    (attributes of :class:`Window`; ``None`` values left out, ``None`` when there is none).

    A measure bounds its date column by this overall window too, as literal parameters, in
    addition to each user's own bounds (which it implies: the values are the same): joined to
    the per-user windows only, PostgreSQL cannot use an index on that column and reads the
    whole table; with the overall window it reads the range (issue 22)."""
    firsts = [v for w in windows if (v := getattr(w, lower)) is not None]
    lasts = [v for w in windows if (v := getattr(w, upper)) is not None]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def in_span(column, windows, lower="utc_from", upper="utc_to"):
    """SQL: ``column`` lies in the overall window of ``windows`` (:func:`span`), half-open."""
    first, last = span(windows, lower, upper)
    return SQL("(%s >= %s AND %s < %s)", column, first, column, last)


def _rate(currency, day):
    """SQL: the rate of ``currency`` on ``day`` for the window's (alias ``w``) rate company, as
    Odoo's ``res.currency._get_rates``: its latest rate on or before ``day`` (the company's own
    rates before the shared ones), else its first rate, else 1."""
    return SQL(
        """COALESCE(
            (SELECT r.rate FROM res_currency_rate r
              WHERE r.currency_id = %(currency)s AND r.name <= %(day)s
                AND (r.company_id = w.rate_company_id OR r.company_id IS NULL)
              ORDER BY r.company_id, r.name DESC LIMIT 1),
            (SELECT r.rate FROM res_currency_rate r
              WHERE r.currency_id = %(currency)s
                AND (r.company_id = w.rate_company_id OR r.company_id IS NULL)
              ORDER BY r.company_id, r.name LIMIT 1),
            1.0)""",
        currency=currency, day=day,
    )


def _converted(amount, day, company="lc"):
    """SQL: ``amount`` of a deal whose company is the ``res_company`` alias ``company``
    converted to the window's (alias ``w``) currency at the rates of ``day`` (see "Money in
    one currency"). Nothing to convert without a target currency, without a company, or
    from the same currency."""
    return converted(amount, day, SQL.identifier(company, "currency_id"))


def converted(amount, day, source):
    """SQL: ``amount`` in the currency ``source`` (an SQL expression of a ``res_currency``
    id, e.g. a sale order's ``currency_id``) converted to the window's (alias ``w``) currency
    at the rates of ``day``, as :func:`_converted` does for a deal's company currency (the
    measures of the bridge addons use it for their documents' currencies). Nothing to convert
    without a target currency, without a source currency, or from the same currency."""
    return SQL(
        """CASE WHEN w.currency_id IS NULL OR %(source)s IS NULL OR %(source)s = w.currency_id
                THEN %(amount)s
                ELSE %(amount)s * %(target_rate)s / %(source_rate)s END""",
        source=source, amount=amount,
        target_rate=_rate(SQL("w.currency_id"), day), source_rate=_rate(source, day),
    )


def company_clause(column, company_id):
    if not company_id:
        return SQL("TRUE")
    return SQL("(%s = %s OR %s IS NULL)", column, company_id, column)


#: an event (alias ``e``) starts in the window; all-day events by their date (Odoo stores
#: them at 08:00 UTC, which is another local day far from UTC)
EVENT_IN_WINDOW = SQL(
    """CASE WHEN e.allday THEN e.start_date >= w.day_from AND e.start_date < w.day_to
            ELSE e.start >= w.utc_from AND e.start < w.utc_to END"""
)


def _event_in_span(ctx):
    """SQL: an event (alias ``e``) starts in the overall window of ``ctx``, widened by a day on
    each side (implied by :data:`EVENT_IN_WINDOW`, written so that the index on ``start``
    serves it).

    An all-day event is stored with ``start`` at 08:00 UTC of its ``start_date``
    (``calendar.event._inverse_dates``), which lies within a day of the UTC bounds of any
    local window containing that date (timezones run from UTC-12 to UTC+14): bounding
    ``start`` alone covers both kinds of events, where an ``OR`` on ``start_date`` (not
    indexed) made PostgreSQL read the whole table (issue 22)."""
    first, last = span(ctx.windows)
    one_day = datetime.timedelta(days=1)
    return SQL("(e.start >= %s AND e.start < %s)", first - one_day, last + one_day)


def _user_events(ctx):
    """CTE ``ev(user_id, event_id)``: events in the window the user organises or attends and
    did not decline (an organiser's own attendee record counts too).

    Written as a UNION (not an OR) so that both halves use their indexes.
    """
    return SQL(
        """ev AS (
            SELECT w.user_id, e.id AS event_id
              FROM win w
              JOIN calendar_event e
                ON e.user_id = w.user_id AND e.active AND %s
             WHERE %s AND NOT EXISTS (
                    SELECT 1 FROM calendar_attendee d
                     WHERE d.event_id = e.id AND d.partner_id = w.partner_id
                       AND d.state = 'declined')
            UNION
            SELECT w.user_id, e.id AS event_id
              FROM win w
              JOIN calendar_attendee a
                ON a.partner_id = w.partner_id AND a.state IS DISTINCT FROM 'declined'
              JOIN calendar_event e
                ON e.id = a.event_id AND e.active AND %s
             WHERE %s)""",
        EVENT_IN_WINDOW, _event_in_span(ctx), EVENT_IN_WINDOW, _event_in_span(ctx),
    )


def meetings(ctx):
    return SQL(
        """%s, %s
        SELECT user_id, count(*)::float, array_agg(event_id ORDER BY event_id)
          FROM ev GROUP BY user_id""",
        windows_cte(ctx.windows), _user_events(ctx),
    )


def _won_leads(ctx, name="won", lower="utc_from", upper="utc_to"):
    """CTE ``<name>(user_id, id, partner_id, kpi_date_won, revenue, net_profit)``: the user's
    deals won between the window's columns ``lower`` and ``upper`` (the window by default,
    ``base_from``/``base_to`` for the comparison window of a growth measure), their amounts
    in the window's currency at the rates of their won date."""
    won_day = SQL("l.kpi_date_won::date")
    return SQL(
        """%s AS (
            SELECT w.user_id, l.id, l.partner_id, l.kpi_date_won,
                   %s AS revenue, %s AS net_profit
              FROM win w
              JOIN crm_lead l
                ON l.user_id = w.user_id AND l.active AND l.won_status = 'won'
               AND l.kpi_date_won >= %s AND l.kpi_date_won < %s
              LEFT JOIN res_company lc ON lc.id = l.company_id
             WHERE %s AND %s)""",
        SQL.identifier(name),
        _converted(SQL("COALESCE(l.expected_revenue, 0)"), won_day),
        _converted(SQL("COALESCE(l.net_profit, 0)"), won_day),
        SQL.identifier("w", lower), SQL.identifier("w", upper),
        in_span(SQL("l.kpi_date_won"), ctx.windows, lower, upper),
        company_clause(SQL("l.company_id"), ctx.company_id),
    )


def _won_aggregate(expression):
    def build(ctx):
        return SQL(
            """%s, %s
            SELECT user_id, %s, array_agg(id ORDER BY id) FROM won GROUP BY user_id""",
            windows_cte(ctx.windows), _won_leads(ctx), SQL(expression),
        )
    return build


def new_clients(ctx):
    return SQL(
        """%s, %s,
        new AS (
            SELECT won.user_id, won.id, p.commercial_partner_id AS client
              FROM won
              JOIN win w ON w.user_id = won.user_id
              JOIN res_partner p ON p.id = won.partner_id
             WHERE NOT EXISTS (  -- an earlier won deal: archived, reopened or lost since too
                    SELECT 1 FROM crm_lead l2
                      JOIN res_partner p2 ON p2.id = l2.partner_id
                     WHERE p2.commercial_partner_id = p.commercial_partner_id
                       AND (l2.kpi_date_won < won.kpi_date_won
                            OR (l2.kpi_date_won = won.kpi_date_won AND l2.id < won.id))))
        SELECT user_id, count(DISTINCT client)::float, array_agg(id ORDER BY id)
          FROM new GROUP BY user_id""",
        windows_cte(ctx.windows), _won_leads(ctx),
    )


def kam_coverage(ctx):
    return SQL(
        """%s, %s,
        accounts AS (
            SELECT w.user_id, p.id AS partner_id
              FROM win w
              JOIN res_partner p ON p.user_id = w.user_id AND p.is_company AND p.active
             WHERE %s),
        met AS (
            SELECT DISTINCT ev.user_id, ap.commercial_partner_id AS partner_id
              FROM ev
              JOIN calendar_attendee a ON a.event_id = ev.event_id
                                      AND a.state IS DISTINCT FROM 'declined'
              JOIN res_partner ap ON ap.id = a.partner_id)
        SELECT acc.user_id,
               100.0 * count(met.partner_id) / count(*),
               COALESCE(array_agg(met.partner_id ORDER BY met.partner_id)
                        FILTER (WHERE met.partner_id IS NOT NULL), '{}')
          FROM accounts acc
          LEFT JOIN met ON met.user_id = acc.user_id AND met.partner_id = acc.partner_id
         GROUP BY acc.user_id""",
        windows_cte(ctx.windows), _user_events(ctx),
        company_clause(SQL("p.company_id"), ctx.company_id),
    )


def conversion_rate(ctx):
    return SQL(
        """%s
        SELECT w.user_id,
               100.0 * count(*) FILTER (WHERE l.won_status = 'won') / count(*),
               array_agg(l.id ORDER BY l.id)
          FROM win w
          JOIN crm_lead l
            ON l.user_id = w.user_id
           AND ((l.active AND l.won_status = 'won'
                 AND l.kpi_date_won >= w.utc_from AND l.kpi_date_won < w.utc_to)
                OR (NOT l.active AND l.won_status = 'lost'
                    AND l.date_closed >= w.utc_from AND l.date_closed < w.utc_to))
         WHERE (%s OR %s) AND %s
         GROUP BY w.user_id""",
        windows_cte(ctx.windows), in_span(SQL("l.kpi_date_won"), ctx.windows),
        in_span(SQL("l.date_closed"), ctx.windows),
        company_clause(SQL("l.company_id"), ctx.company_id),
    )


def response_time(ctx):
    return SQL(
        """%s,
        leads AS (
            SELECT w.user_id, w.partner_id, w.utc_to, l.id,
                   COALESCE(l.date_open, l.create_date) AS assigned
              FROM win w
              JOIN crm_lead l
                ON l.user_id = w.user_id AND (l.active OR l.won_status = 'lost')
               AND COALESCE(l.date_open, l.create_date) >= w.utc_from
               AND COALESCE(l.date_open, l.create_date) < w.utc_to
             WHERE %s AND %s)
        SELECT leads.user_id,
               round(avg(EXTRACT(EPOCH FROM (
                   LEAST(COALESCE(first.date, leads.utc_to), leads.utc_to) - leads.assigned))
                   / 3600.0)::numeric, 2)::float,
               array_agg(leads.id ORDER BY leads.id)
          FROM leads
          LEFT JOIN LATERAL (
                SELECT min(m.date) AS date FROM mail_message m
                 WHERE %s AND m.res_id = leads.id AND m.author_id = leads.partner_id
                   AND m.date >= leads.assigned) first ON TRUE
         GROUP BY leads.user_id""",
        windows_cte(ctx.windows),
        in_span(SQL("COALESCE(l.date_open, l.create_date)"), ctx.windows),
        company_clause(SQL("l.company_id"), ctx.company_id),
        ANSWER_MESSAGE,
    )


#: a message (alias ``m``) that answers a lead: an e-mail, a logged note, or a completed activity
#: (which posts a notification with its type)
ANSWER_MESSAGE = SQL(
    """m.model = 'crm.lead'
       AND (m.message_type IN ('comment', 'email', 'email_outgoing')
            OR (m.message_type = 'notification' AND m.mail_activity_type_id IS NOT NULL))"""
)


def unanswered_leads(user_id, lead_ids):
    """The "to do" side of ``response_time``: the ids among ``lead_ids`` that are still open
    (neither won nor lost, not archived), still assigned to ``user_id`` (a lead handed over to a
    colleague is theirs to answer) and that ``user_id`` has not answered since they were
    assigned (same definition of an answer as the measure)."""
    return SQL(
        """SELECT l.id FROM crm_lead l
             JOIN res_users u ON u.id = %(user)s
            WHERE l.id = ANY(%(ids)s) AND l.user_id = u.id
              AND l.active AND l.won_status = 'pending'
              AND NOT EXISTS (
                  SELECT 1 FROM mail_message m
                   WHERE %(answer)s AND m.res_id = l.id AND m.author_id = u.partner_id
                     AND m.date >= COALESCE(l.date_open, l.create_date))
            ORDER BY l.id""",
        user=user_id, ids=list(lead_ids), answer=ANSWER_MESSAGE,
    )


def overdue_activities(ctx):
    return SQL(
        """%s
        SELECT w.user_id, count(*)::float, array_agg(a.id ORDER BY a.id)
          FROM win w
          JOIN mail_activity a ON a.user_id = w.user_id AND a.active
           AND a.date_deadline < w.day
         WHERE a.date_deadline < %s
           AND NOT EXISTS (  -- an ignored KPI reminder must not lower this KPI as well
               SELECT 1 FROM ir_model_data d
                WHERE d.model = 'mail.activity.type' AND d.res_id = a.activity_type_id
                  AND d.module = 'kpi_management' AND d.name = 'mail_activity_type_kpi_off_track')
         GROUP BY w.user_id""",
        windows_cte(ctx.windows), span(ctx.windows, "day", "day")[1],
    )


def open_pipeline(ctx):
    return SQL(
        """%s
        SELECT w.user_id, sum(%s)::float, array_agg(l.id ORDER BY l.id)
          FROM win w
          JOIN crm_lead l ON l.user_id = w.user_id AND l.active AND l.type = 'opportunity'
           AND l.won_status = 'pending'
          LEFT JOIN res_company lc ON lc.id = l.company_id
         WHERE %s
         GROUP BY w.user_id""",
        windows_cte(ctx.windows),
        _converted(SQL("COALESCE(l.expected_revenue, 0)"), SQL("w.day")),
        company_clause(SQL("l.company_id"), ctx.company_id),
    )


def growth_value(percent):
    """SQL: the growth of ``cur.value`` (the window's) over ``base.value`` (the comparison
    window's), either NULL when the user has none: the difference, or with ``percent`` the
    growth in % of the baseline rounded to 2 decimals, NULL (no data) for a baseline of 0 or
    less. Shared by every growth measure (the bridges' too)."""
    if percent:
        return SQL(
            """CASE WHEN base.value > 0 THEN round(
                   (100.0 * (COALESCE(cur.value, 0) - base.value) / base.value)::numeric, 2
               )::float END""")
    return SQL("(COALESCE(cur.value, 0) - COALESCE(base.value, 0))::float")


def _growth(aggregate, percent):
    """Growth of the won-deal ``aggregate`` (``count(*)``, ``sum(revenue)``) against the
    comparison window: ``(user_id, growth, [deals won in the window], baseline)`` for every
    user; the growth is NULL (no data) for a % against a baseline of 0 or less."""
    growth = growth_value(percent)

    def build(ctx):
        return SQL(
            """%s, %s, %s,
            cur AS (SELECT user_id, %s AS value, array_agg(id ORDER BY id) AS ids
                      FROM won GROUP BY user_id),
            base AS (SELECT user_id, %s AS value FROM before GROUP BY user_id)
            SELECT w.user_id, %s, COALESCE(cur.ids, '{}'), COALESCE(base.value, 0)::float
              FROM win w
              LEFT JOIN cur ON cur.user_id = w.user_id
              LEFT JOIN base ON base.user_id = w.user_id""",
            windows_cte(ctx.windows), _won_leads(ctx),
            _won_leads(ctx, "before", "base_from", "base_to"),
            SQL(aggregate), SQL(aggregate), growth,
        )
    return build


def large_deals(ctx):
    return SQL(
        """%s, %s
        SELECT user_id, count(*)::float, array_agg(id ORDER BY id)
          FROM won WHERE revenue >= %s GROUP BY user_id""",
        windows_cte(ctx.windows), _won_leads(ctx), ctx.extra["min_amount"],
    )


def large_deals_share(ctx):
    return SQL(
        """%s, %s
        SELECT user_id, 100.0 * count(*) FILTER (WHERE revenue >= %s) / count(*),
               COALESCE(array_agg(id ORDER BY id) FILTER (WHERE revenue >= %s), '{}')
          FROM won GROUP BY user_id""",
        windows_cte(ctx.windows), _won_leads(ctx), ctx.extra["min_amount"],
        ctx.extra["min_amount"],
    )


#: when a done activity (alias ``a``) was completed: its exact time, else noon UTC of Odoo's
#: done date (the date lands on the same day in every timezone from UTC-11 to UTC+11)
ACTIVITY_DONE_AT = SQL("COALESCE(a.kpi_date_done, a.date_done + time '12:00')")


def done_activities(ctx):
    return SQL(
        """%s
        SELECT w.user_id, count(*)::float, array_agg(a.id ORDER BY a.id)
          FROM win w
          JOIN mail_activity a ON a.user_id = w.user_id AND NOT a.active
           AND a.activity_type_id = ANY(%s)
           AND %s >= w.utc_from AND %s < w.utc_to
         WHERE %s
         GROUP BY w.user_id""",
        windows_cte(ctx.windows), list(ctx.extra["activity_type_ids"]),
        ACTIVITY_DONE_AT, ACTIVITY_DONE_AT, in_span(ACTIVITY_DONE_AT, ctx.windows),
    )


#: the types of fields ``data_completeness`` can check (what "filled" means: :func:`_filled`)
LEAD_FIELD_TYPES = ("char", "text", "html", "selection", "many2one", "many2many", "integer",
                    "float", "monetary", "date", "datetime")


def _filled(lead_field, alias="l"):
    """SQL condition: ``lead_field`` of the lead ``alias`` is filled (see the module's
    docstring, ``data_completeness``)."""
    column = SQL.identifier(alias, lead_field.name)
    if lead_field.ttype in ("char", "text", "selection"):
        return SQL(r"COALESCE(%s, '') ~ '\S'", column)
    if lead_field.ttype == "html":
        return SQL(r"regexp_replace(COALESCE(%s, ''), '<[^>]*>|&nbsp;', '', 'g') ~ '\S'",
                   column)
    if lead_field.ttype in ("integer", "float", "monetary"):
        return SQL("COALESCE(%s, 0) <> 0", column)
    if lead_field.ttype == "many2many":
        return SQL(
            "EXISTS (SELECT 1 FROM %s r WHERE r.%s = %s)",
            SQL.identifier(lead_field.relation_table), SQL.identifier(lead_field.column),
            SQL.identifier(alias, "id"))
    if lead_field.ttype in ("many2one", "date", "datetime"):
        return SQL("%s IS NOT NULL", column)
    raise ValueError(f"field {lead_field.name} of type {lead_field.ttype} cannot be checked")


def _all_filled(lead_fields, alias="l"):
    return SQL(" AND ").join(_filled(f, alias) for f in lead_fields)


#: an open opportunity (alias ``l``): active, an opportunity, neither won nor lost
OPEN_OPPORTUNITY = SQL("l.active AND l.type = 'opportunity' AND l.won_status = 'pending'")


def data_completeness(ctx):
    filled = _all_filled(ctx.extra["lead_fields"])
    return SQL(
        """%s
        SELECT w.user_id, 100.0 * count(*) FILTER (WHERE %s) / count(*),
               COALESCE(array_agg(l.id ORDER BY l.id) FILTER (WHERE %s), '{}')
          FROM win w
          JOIN crm_lead l ON l.user_id = w.user_id AND %s
         WHERE %s
         GROUP BY w.user_id""",
        windows_cte(ctx.windows), filled, filled, OPEN_OPPORTUNITY,
        company_clause(SQL("l.company_id"), ctx.company_id),
    )


def incomplete_opportunities(user_id, company_id, lead_fields):
    """The "to do" side of ``data_completeness``, as of now: the ids of the open opportunities
    of ``user_id`` (in ``company_id``, if any) that miss one of ``lead_fields``."""
    return SQL(
        """SELECT l.id FROM crm_lead l
            WHERE l.user_id = %s AND %s AND %s AND NOT (%s)
            ORDER BY l.id""",
        user_id, OPEN_OPPORTUNITY, company_clause(SQL("l.company_id"), company_id),
        _all_filled(lead_fields),
    )


def rotting_opportunities(ctx):
    return SQL(
        """%s
        SELECT w.user_id, count(*)::float, array_agg(l.id ORDER BY l.id)
          FROM win w
          JOIN crm_lead l ON l.user_id = w.user_id AND %s
          JOIN crm_stage s ON s.id = l.stage_id AND s.rotting_threshold_days <> 0
         WHERE COALESCE(l.date_last_stage_update, l.create_date)
               + s.rotting_threshold_days * interval '1 day' < w.utc_from
           AND %s
         GROUP BY w.user_id""",
        windows_cte(ctx.windows), OPEN_OPPORTUNITY,
        company_clause(SQL("l.company_id"), ctx.company_id),
    )


#: the rule parameters (fields of ``kpi.rule``) a measure may need
PARAM_GROWTH = "growth_comparison"
PARAM_MIN_AMOUNT = "min_amount"
PARAM_ACTIVITY_TYPES = "activity_type_ids"
PARAM_LEAD_FIELDS = "lead_field_ids"


# ---------------------------------------------------------------- what a measure returns
@dataclass(frozen=True)
class MeasureValue:
    """What a measure found for one user: the ``value`` (0 when there is nothing to measure),
    the ``ids`` of the records counted, ``has_data`` (False: nothing to measure, the result is
    ``no_data``, see ``scoring``), the ``baseline`` of a growth measure (the value of its
    comparison window; ``None`` for the other measures), when measured on a user's own
    evaluation day (``kpi.rule._measure_rows``), that ``day``, and the ``currency_id`` its
    amounts were converted to (the window's, see "Money in one currency"; ``None`` when the
    caller gave none)."""

    value: float
    ids: list
    has_data: bool = True
    baseline: float | None = None
    day: object = None
    currency_id: int | None = None


def run_measure(cr, query, user_ids, measure=None, days=None, currencies=None):
    """Execute the ``query`` of ``measure`` (a :class:`Measure`; ``None``: a custom measure, a
    count or a sum): ``{user_id: MeasureValue}`` for every one of ``user_ids``, each with its
    evaluation day of ``days`` (``{user_id: day}``) and the currency of its amounts of
    ``currencies`` (``{user_id: currency_id}``, the windows') when given.

    A user the query returns no row for scores a value of 0, or has nothing to measure when
    the measure is a ratio or an average over an empty population
    (``Measure.no_data_when_empty``); a row without a value has nothing to measure either
    (a % growth against a baseline of 0). A growth measure's fourth column is its baseline
    (0 for a user without a row)."""
    cr.execute(query)
    rows = {}
    for user_id, value, ids, *rest in cr.fetchall():
        rows[user_id] = (None if value is None else float(value), list(ids or []),
                         float(rest[0] or 0.0) if rest else 0.0)
    growth = bool(measure and measure.baseline_unit)
    empty_has_data = not (measure and measure.no_data_when_empty)
    days = days or {}
    currencies = currencies or {}
    measured = {}
    for user_id in user_ids:
        if user_id not in rows:
            measured[user_id] = MeasureValue(0.0, [], empty_has_data, 0.0 if growth else None,
                                             days.get(user_id), currencies.get(user_id))
            continue
        value, ids, baseline = rows[user_id]
        measured[user_id] = MeasureValue(value or 0.0, ids, value is not None,
                                         baseline if growth else None, days.get(user_id),
                                         currencies.get(user_id))
    return measured


# ------------------------------------------------------------- what a reminder says
@dataclass(frozen=True, eq=False)  # lazy texts cannot be compared
class GapSentences:
    """The sentence of a reminder (``kpi_result_reminder.gap_sentence``): what the user must do to
    reach the target, translated when the reminder is written, in its reader's language.
    ``many`` always; ``one`` for a gap of one thing (as Odoo does, one msgid per number);
    ``future_many`` / ``future_one`` for a window of the next days, when it reads otherwise;
    ``unreachable`` for a share whose target no number of things reaches
    (``Measure.gap_count`` returns ``None``: a target of 100% with a miss among the records
    counted). The sentences are formatted with ``gap``, ``value``, ``target``, ``days``,
    ``unit``."""

    many: LazyGettext
    one: LazyGettext | None = None
    future_many: LazyGettext | None = None
    future_one: LazyGettext | None = None
    unreachable: LazyGettext | None = None

    def pick(self, window_kind, one, unreachable=False):
        """The sentence for a window of ``window_kind`` and a gap of one thing (``one``) or
        more, or for a target out of reach (``unreachable``)."""
        if unreachable and self.unreachable:
            return self.unreachable
        if window_kind == WINDOW_FUTURE and self.future_many:
            return self.future_one if one and self.future_one else self.future_many
        return self.one if one and self.one else self.many


# ------------------------------------------------------------ what is left to do
@dataclass(frozen=True, eq=False)  # lazy texts cannot be compared
class Todo:
    """The "to do" side of a measure (``kpi.result._todo_records``): the records of
    ``res_model`` left to act on, and how they are named (``one`` / ``many``, the latter
    formatted with ``count``). They are found either by an ORM ``domain(user_id, company_id,
    counted)``, searched with the reader's rights, or by a SQL ``query(user_id, company_id,
    counted, extra)`` of ids (``None``: no "to do" side for the rule's parameters ``extra``),
    run after flushing ``flush``: ``((model, [fields] or None), ...)``."""

    res_model: str
    one: LazyGettext
    many: LazyGettext
    domain: object = None
    query: object = None
    flush: tuple = ()


def _unmet_accounts(user_id, company_id, counted):
    """Domain of the key accounts of ``user_id`` (companies whose salesperson is the user, in
    ``company_id`` if any) that are not among ``counted`` (those met)."""
    domain = [("user_id", "=", user_id), ("is_company", "=", True), ("id", "not in", counted)]
    if company_id:
        domain += [("company_id", "in", [False, company_id])]
    return domain


def _unanswered_todo(user_id, company_id, counted, extra):
    return unanswered_leads(user_id, counted)


def _incomplete_todo(user_id, company_id, counted, extra):
    if not extra.get("lead_fields"):
        return None
    return incomplete_opportunities(user_id, company_id, extra["lead_fields"])


# ---------------------------------------------------------------------- the registry
@dataclass(frozen=True, kw_only=True)
class Measure:
    """A built-in measure, everything about it in one place:

    * ``key``: the template's ``measure``; ``label``: its label in the template's selection
      (translated as a selection label);
    * ``res_model``: the model of the records it counts; ``build(ctx)``: its SQL;
    * ``params``: the rule parameters it needs (``PARAM_*``, fields of ``kpi.rule``);
    * ``window_kind``: the window it is defined for (``None``: any);
    * ``baseline_unit``: for a growth measure, the unit of its baseline ("amount", "count");
    * ``no_data_when_empty``: a ratio or an average over a population (closed leads, key
      accounts, leads assigned): a user without any member of it has nothing to measure, and
      the result is ``no_data`` (see ``scoring``), never a score. Every other measure is a
      count or a sum, for which nothing counted is a measured 0;
    * ``gap``: the sentence of its reminders (:class:`GapSentences`);
    * ``todo``: its "to do" side (:class:`Todo`), ``None`` when it has none;
    * ``reads`` and ``gap_count``: see below.
    """

    key: str
    label: str
    res_model: str
    build: object
    gap: GapSentences
    todo: Todo | None = None
    params: tuple = ()
    window_kind: str | None = None
    baseline_unit: str | None = None
    no_data_when_empty: bool = False
    #: the models its SQL reads beyond the CRM's (flushed before it runs, see
    #: ``kpi.rule._run_measure``), e.g. ``("sale.order",)`` for a measure of a bridge addon
    reads: tuple = ()
    #: for a share whose records counted are the whole population (e.g. the deliveries done
    #: in the window): ``gap_count(value, target, counted)``, the number of things the user
    #: must do to reach the target, which its reminder sentence says as ``%(gap)s`` instead of
    #: the points between value and target (``kpi_result_reminder.gap_sentence``); ``None``
    #: when no number of things reaches it (``GapSentences.unreachable`` says so)
    gap_count: object = None


_MORE_REVENUE = GapSentences(
    _lt("%(gap)s more to reach %(target)s: %(value)s in the last %(days)s days."))
_MORE_GROWTH_PCT = GapSentences(
    _lt("Raise your growth by %(gap)s points to reach %(target)s%% against your "
        "baseline (now %(value)s%% over the last %(days)s days)."))

BUILTIN_MEASURES = {
    m.key: m
    for m in [
        Measure(
            key="meetings", label="Meetings (organised or attended)",
            res_model="calendar.event", build=meetings,
            gap=GapSentences(
                future_one=_lt("Plan %(gap)s more meeting in the next %(days)s days to reach "
                               "%(target)s."),
                future_many=_lt("Plan %(gap)s more meetings in the next %(days)s days to reach "
                                "%(target)s."),
                one=_lt("Hold %(gap)s more meeting: %(value)s in the last %(days)s days, the "
                        "target is %(target)s."),
                many=_lt("Hold %(gap)s more meetings: %(value)s in the last %(days)s days, the "
                         "target is %(target)s."))),
        Measure(
            key="won_deals", label="Won deals",
            res_model="crm.lead", build=_won_aggregate("count(*)::float"),
            gap=GapSentences(
                one=_lt("Win %(gap)s more deal: %(value)s in the last %(days)s days, the target "
                        "is %(target)s."),
                many=_lt("Win %(gap)s more deals: %(value)s in the last %(days)s days, the "
                         "target is %(target)s."))),
        Measure(
            key="won_revenue", label="Won revenue",
            res_model="crm.lead", build=_won_aggregate("sum(revenue)::float"),
            gap=_MORE_REVENUE),
        Measure(
            key="net_profit", label="Net profit of won deals",
            res_model="crm.lead", build=_won_aggregate("sum(net_profit)::float"),
            gap=_MORE_REVENUE),
        Measure(
            key="new_clients", label="New clients",
            res_model="crm.lead", build=new_clients,
            gap=GapSentences(
                one=_lt("Win %(gap)s more new client: %(value)s in the last %(days)s days, the "
                        "target is %(target)s."),
                many=_lt("Win %(gap)s more new clients: %(value)s in the last %(days)s days, "
                         "the target is %(target)s."))),
        Measure(
            key="kam_coverage", label="Key account coverage",
            res_model="res.partner", build=kam_coverage, no_data_when_empty=True,
            gap=GapSentences(
                _lt("Meet the key accounts you have not met yet: %(value)s%% of them met in "
                    "the last %(days)s days, the target is %(target)s%%.")),
            todo=Todo(
                res_model="res.partner", domain=_unmet_accounts,
                one=_lt("1 key account still to meet"),
                many=_lt("%(count)s key accounts still to meet"))),
        Measure(
            key="conversion_rate", label="Conversion rate",
            res_model="crm.lead", build=conversion_rate, no_data_when_empty=True,
            gap=GapSentences(
                _lt("Raise your conversion rate by %(gap)s points to reach %(target)s%% (now "
                    "%(value)s%% over the last %(days)s days)."))),
        Measure(
            key="response_time", label="Response time",
            res_model="crm.lead", build=response_time, no_data_when_empty=True,
            gap=GapSentences(
                _lt("Answer new leads faster: %(value)s hours on average over the last "
                    "%(days)s days, the target is %(target)s hours or less.")),
            todo=Todo(
                res_model="crm.lead", query=_unanswered_todo,
                flush=(("crm.lead", ["user_id", "active", "won_status", "date_open"]),
                       ("mail.message", ["model", "res_id", "author_id", "message_type",
                                         "mail_activity_type_id", "date"])),
                one=_lt("1 lead still to answer"),
                many=_lt("%(count)s leads still to answer"))),
        Measure(
            key="overdue_activities", label="Overdue activities",
            res_model="mail.activity", build=overdue_activities,
            gap=GapSentences(
                one=_lt("Close or reschedule %(gap)s overdue activity to get down to "
                        "%(target)s."),
                many=_lt("Close or reschedule %(gap)s overdue activities to get down to "
                         "%(target)s."))),
        Measure(
            key="open_pipeline", label="Open pipeline",
            res_model="crm.lead", build=open_pipeline,
            gap=GapSentences(_lt("Add %(gap)s to your open pipeline to reach %(target)s."))),
        Measure(
            key="won_revenue_growth", label="Won revenue growth (amount)",
            res_model="crm.lead", build=_growth("sum(revenue)", percent=False),
            params=(PARAM_GROWTH,), window_kind="past", baseline_unit="amount",
            gap=GapSentences(
                _lt("Win %(gap)s more revenue to reach a growth of %(target)s against your "
                    "baseline (now %(value)s over the last %(days)s days)."))),
        Measure(
            key="won_revenue_growth_pct", label="Won revenue growth (%)",
            res_model="crm.lead", build=_growth("sum(revenue)", percent=True),
            params=(PARAM_GROWTH,), window_kind="past", baseline_unit="amount",
            gap=_MORE_GROWTH_PCT),
        Measure(
            key="won_deals_growth", label="Won deals growth (number)",
            res_model="crm.lead", build=_growth("count(*)", percent=False),
            params=(PARAM_GROWTH,), window_kind="past", baseline_unit="count",
            gap=GapSentences(
                _lt("Win %(gap)s more deals to reach a growth of %(target)s against your "
                    "baseline (now %(value)s over the last %(days)s days)."))),
        Measure(
            key="won_deals_growth_pct", label="Won deals growth (%)",
            res_model="crm.lead", build=_growth("count(*)", percent=True),
            params=(PARAM_GROWTH,), window_kind="past", baseline_unit="count",
            gap=_MORE_GROWTH_PCT),
        Measure(
            key="large_deals", label="Won deals at or above a minimum amount",
            res_model="crm.lead", build=large_deals,
            params=(PARAM_MIN_AMOUNT,), window_kind="past",
            gap=GapSentences(
                one=_lt("Win %(gap)s more large deal: %(value)s in the last %(days)s days, the "
                        "target is %(target)s."),
                many=_lt("Win %(gap)s more large deals: %(value)s in the last %(days)s days, "
                         "the target is %(target)s."))),
        Measure(
            key="large_deals_share", label="Share of won deals at or above a minimum amount",
            res_model="crm.lead", build=large_deals_share, no_data_when_empty=True,
            params=(PARAM_MIN_AMOUNT,), window_kind="past",
            gap=GapSentences(
                _lt("Raise your share of large deals by %(gap)s points to reach %(target)s%% "
                    "(now %(value)s%% over the last %(days)s days)."))),
        Measure(
            key="done_activities", label="Completed activities of chosen types",
            res_model="mail.activity", build=done_activities,
            params=(PARAM_ACTIVITY_TYPES,), window_kind="past",
            gap=GapSentences(
                _lt("Complete %(gap)s more %(unit)s: %(value)s in the last %(days)s days, the "
                    "target is %(target)s."))),
        Measure(
            key="data_completeness",
            label="Open opportunities with the required fields filled",
            res_model="crm.lead", build=data_completeness, no_data_when_empty=True,
            params=(PARAM_LEAD_FIELDS,), window_kind="snapshot",
            gap=GapSentences(
                _lt("Fill in the missing fields of your open opportunities: %(value)s%% of "
                    "them are complete, the target is %(target)s%%.")),
            todo=Todo(
                res_model="crm.lead", query=_incomplete_todo, flush=(("crm.lead", None),),
                one=_lt("1 opportunity still to complete"),
                many=_lt("%(count)s opportunities still to complete"))),
        Measure(
            key="rotting_opportunities", label="Rotting opportunities",
            res_model="crm.lead", build=rotting_opportunities, window_kind="snapshot",
            gap=GapSentences(
                one=_lt("Move %(gap)s rotting opportunity to its next stage (or close it) to "
                        "get down to %(target)s."),
                many=_lt("Move %(gap)s rotting opportunities to their next stage (or close "
                         "them) to get down to %(target)s."))),
    ]
}

#: the growth measures of this module: they store a baseline with each result (a bridge's are
#: those of :func:`registry` with a ``baseline_unit``)
GROWTH_MEASURES = frozenset(key for key, m in BUILTIN_MEASURES.items() if m.baseline_unit)


def registry(env):
    """``{key: Measure}``: the measures of the database of ``env``, this module's
    (:data:`BUILTIN_MEASURES`) and those of the bridge addons installed in it
    (``kpi.template._measure_registry``, which they extend)."""
    return env["kpi.template"]._measure_registry()


def measure_of(env, key):
    """The :class:`Measure` of ``key`` in the database of ``env``, ``None`` for a custom
    template (or a measure whose addon is gone)."""
    return registry(env).get(key)
