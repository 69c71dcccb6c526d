"""The team report a sales team leader receives by e-mail: a pure matrix, no ORM.

Period
    The calendar week (Monday to Sunday) or month that has just ended on the leader's today
    (``calendar.last_period``), and the one before it (``calendar.previous_period``) for the
    trend. A team whose last reported period ends on or after the period due has nothing to
    send, so a period is never reported twice, even when the frequency changes between two
    reports.

Lines
    One :class:`ReportLine` per member and KPI: the latest result of the KPI for the member
    dated in the period (its value at the period's end), its score and status, the streak of
    off-track evaluations it ends, and the score of the latest result in the previous period.
    The trend is the difference of the two scores; none when either had nothing to measure.

Totals
    The team average is the mean score of the counted lines that had something to measure:
    pilot KPIs are shown, marked, and never counted (``bonus_math.kpi_counts``). A member
    is off track when one of their counted KPIs is; the off-track lines are listed by longest
    streak first.

The ORM side (``crm.team._kpi_report_lines``) reads the results as the leader, so their record
rules decide which lines exist; the QWeb mail template only shows what is here.
"""

import datetime
from dataclasses import dataclass, field

from .bonus_math import KIND_RULE, kpi_counts
from .calendar import MONTH, WEEK
from .scoring import STATUS_OFF_TRACK

#: ``crm.team.kpi_report_frequency``: "off" or a period of ``calendar``
FREQUENCY_OFF = "off"
FREQUENCIES = (WEEK, MONTH)


@dataclass(frozen=True)
class ReportLine:
    user_id: int
    user_name: str
    kpi: str
    value_display: str
    status: str
    status_label: str
    #: None: nothing to measure (status no_data)
    score: float | None
    off_track_streak: int = 0
    pilot: bool = False
    #: score of the latest result in the previous period; None: none, or nothing to measure
    previous_score: float | None = None

    @property
    def counts(self):
        return kpi_counts(KIND_RULE, self.pilot)

    @property
    def off_track(self):
        return self.status == STATUS_OFF_TRACK

    @property
    def trend(self):
        if self.score is None or self.previous_score is None:
            return None
        return self.score - self.previous_score


@dataclass
class MemberReport:
    user_id: int
    user_name: str
    lines: list = field(default_factory=list)

    @property
    def off_track(self):
        return any(line.counts and line.off_track for line in self.lines)


@dataclass
class TeamReport:
    date_from: datetime.date
    date_to: datetime.date
    members: list = field(default_factory=list)

    @property
    def lines(self):
        return [line for member in self.members for line in member.lines]

    @property
    def average(self):
        """Mean score of the counted lines with something to measure; None without any."""
        scores = [line.score for line in self.lines if line.counts and line.score is not None]
        return sum(scores) / len(scores) if scores else None

    @property
    def off_track_count(self):
        """Number of members with at least one counted KPI off track."""
        return sum(1 for member in self.members if member.off_track)

    @property
    def off_track_lines(self):
        """The counted off-track lines, longest streak first."""
        return sorted((line for line in self.lines if line.counts and line.off_track),
                      key=lambda line: (-line.off_track_streak, line.user_name, line.kpi))


def build_team_report(date_from, date_to, lines):
    """The :class:`TeamReport` of ``lines`` (in the order their KPIs are to be shown), members
    by name."""
    members = {}
    for line in lines:
        member = members.setdefault(line.user_id, MemberReport(line.user_id, line.user_name))
        member.lines.append(line)
    return TeamReport(date_from, date_to,
                      sorted(members.values(), key=lambda m: (m.user_name.lower(), m.user_id)))
