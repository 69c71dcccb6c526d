"""A measure owns its knowledge (issue 21): the registry ``measures.BUILTIN_MEASURES`` is the one
place a built-in measure is declared, with its label, parameters, "no data when empty", the
sentence of its reminders and its "to do" side; the templates, their selection, the engine, the
reminders and the results read it from there.
"""

import dataclasses
import itertools
import pathlib

import pytest
from lxml import etree

from odoo.addons.kpi_management.models import kpi_result_reminder
from odoo.addons.kpi_management.models.kpi_template import MEASURE_SELECTION
from odoo.addons.kpi_management.tools import measures, scoring
from odoo.addons.kpi_management.tools.measures import (
    BUILTIN_MEASURES,
    GapSentences,
    MeasureValue,
    Todo,
)
from odoo.tests import TransactionCase
from odoo.tools.translate import LazyGettext, PoFileReader

from .common import KpiTestMixin, load_danish

ADDON = pathlib.Path(__file__).parent.parent / "kpi_management"
TEMPLATE_DATA = ADDON / "data" / "kpi_template_data.xml"
WINDOW_KINDS = (scoring.WINDOW_PAST, scoring.WINDOW_FUTURE, scoring.WINDOW_SNAPSHOT)
#: what every gap sentence may be formatted with (``kpi_result_reminder.gap_sentence``)
GAP_ARGS = {"gap": "4", "value": "6", "target": "10", "days": 14, "unit": "calls"}


def template_measures():
    """``{template code: measure}`` of the templates shipped in the data file."""
    tree = etree.parse(str(TEMPLATE_DATA))
    return {
        record.findtext("field[@name='code']"): record.findtext("field[@name='measure']")
        for record in tree.iterfind(".//record[@model='kpi.template']")
    }


def lazy_texts(measure):
    """Every lazy text a measure declares: its gap sentences and its to-do labels."""
    gap = measure.gap
    texts = [gap.many, gap.one, gap.future_many, gap.future_one, gap.unreachable]
    if measure.todo:
        texts += [measure.todo.one, measure.todo.many]
    return [text for text in texts if text is not None]


class FakeCursor:
    """A cursor that returns ``rows`` for any query (``measures.run_measure`` is pure)."""

    def __init__(self, rows):
        self.rows = rows

    def execute(self, query):
        self.query = query

    def fetchall(self):
        return self.rows


# --------------------------------------------------------------------- the templates
def test_every_template_has_a_registry_entry_and_vice_versa():
    shipped = template_measures()
    assert shipped, "no template found in the data file"
    assert set(shipped.values()) == set(BUILTIN_MEASURES), (
        sorted(set(shipped.values()) ^ set(BUILTIN_MEASURES)))


def test_the_selection_is_the_registry_with_its_labels():
    assert MEASURE_SELECTION == [
        *((key, measure.label) for key, measure in BUILTIN_MEASURES.items()),
        ("custom", "Custom: count or sum over a model"),
    ]
    assert all(key == measure.key for key, measure in BUILTIN_MEASURES.items())
    assert len({label for _key, label in MEASURE_SELECTION}) == len(MEASURE_SELECTION)


# ----------------------------------------------------------------- what each declares
@pytest.mark.parametrize("key", sorted(BUILTIN_MEASURES))
def test_every_measure_declares_everything(key):
    measure = BUILTIN_MEASURES[key]
    assert isinstance(measure.label, str) and measure.label
    assert callable(measure.build)
    assert set(measure.params) <= {measures.PARAM_GROWTH, measures.PARAM_MIN_AMOUNT,
                                   measures.PARAM_ACTIVITY_TYPES, measures.PARAM_LEAD_FIELDS}
    assert measure.window_kind in (None, *WINDOW_KINDS)
    assert measure.baseline_unit in (None, "amount", "count")
    assert isinstance(measure.no_data_when_empty, bool)
    # a gap sentence for every window and gap, which formats with the reminder's arguments
    assert isinstance(measure.gap, GapSentences)
    for window_kind, one in itertools.product(WINDOW_KINDS, (True, False)):
        sentence = measure.gap.pick(window_kind, one)
        assert isinstance(sentence, LazyGettext)
        assert "%(" not in sentence._translate("en_US") % GAP_ARGS
    # a "to do" side, or explicitly none
    assert measure.todo is None or isinstance(measure.todo, Todo)
    if measure.todo:
        todo = measure.todo
        assert (todo.domain is None) != (todo.query is None), "a domain or a query, not both"
        assert todo.one._translate("en_US").startswith("1 ")
        assert "%(count)s" in todo.many._translate("en_US")


def test_the_measures_with_a_todo_side_and_those_without_data_when_empty():
    assert {key for key, m in BUILTIN_MEASURES.items() if m.todo} == {
        "kam_coverage", "response_time", "data_completeness"}
    assert {key for key, m in BUILTIN_MEASURES.items() if m.no_data_when_empty} == {
        "kam_coverage", "conversion_rate", "response_time", "large_deals_share",
        "data_completeness"}
    assert measures.GROWTH_MEASURES == {
        "won_revenue_growth", "won_revenue_growth_pct", "won_deals_growth",
        "won_deals_growth_pct"}


def test_the_gap_sentences_pick_the_one_and_the_future_forms():
    meetings = BUILTIN_MEASURES["meetings"].gap
    en = {(kind, one): meetings.pick(kind, one)._translate("en_US")
          for kind, one in itertools.product(WINDOW_KINDS, (True, False))}
    assert en[scoring.WINDOW_FUTURE, True].startswith("Plan %(gap)s more meeting in")
    assert en[scoring.WINDOW_FUTURE, False].startswith("Plan %(gap)s more meetings in")
    assert en[scoring.WINDOW_PAST, True].startswith("Hold %(gap)s more meeting:")
    assert en[scoring.WINDOW_PAST, False].startswith("Hold %(gap)s more meetings:")
    # a measure without a singular form says the same for one and more
    revenue = BUILTIN_MEASURES["won_revenue"].gap
    assert revenue.pick(scoring.WINDOW_PAST, True) is revenue.pick(scoring.WINDOW_PAST, False)


def test_every_lazy_text_is_translated_in_danish():
    da = {entry["src"]: entry["value"]
          for entry in PoFileReader(str(ADDON / "i18n" / "da.po"))}
    for measure in BUILTIN_MEASURES.values():
        for text in lazy_texts(measure):
            source = text._translate("en_US")
            assert da.get(source), (measure.key, source)


# ------------------------------------------------------------ what a measure returns
def test_no_data_when_empty_is_read_from_the_registry():
    """A user without a row: a measured 0, or nothing to measure when the registry says so."""
    won = BUILTIN_MEASURES["won_deals"]
    rate = BUILTIN_MEASURES["conversion_rate"]
    assert measures.run_measure(FakeCursor([]), "q", [7], won) == {7: MeasureValue(0.0, [])}
    assert measures.run_measure(FakeCursor([]), "q", [7], rate) == {
        7: MeasureValue(0.0, [], has_data=False)}
    # the flag, not the key, decides
    flipped = dataclasses.replace(won, no_data_when_empty=True)
    assert measures.run_measure(FakeCursor([]), "q", [7], flipped)[7].has_data is False
    # a custom measure (no registry entry) is a count or a sum
    assert measures.run_measure(FakeCursor([]), "q", [7])[7] == MeasureValue(0.0, [])


def test_one_typed_value_per_user():
    growth = BUILTIN_MEASURES["won_revenue_growth_pct"]
    rows = [(1, 12.5, [3, 4], 400.0), (2, None, [], 0.0)]
    assert measures.run_measure(FakeCursor(rows), "q", [1, 2, 3], growth) == {
        1: MeasureValue(12.5, [3, 4], True, 400.0),
        2: MeasureValue(0.0, [], False, 0.0),  # a % of a baseline of 0: nothing to measure
        3: MeasureValue(0.0, [], True, 0.0),
    }
    # the other measures have no baseline
    won = BUILTIN_MEASURES["won_deals"]
    assert measures.run_measure(FakeCursor([(1, 2, None)]), "q", [1], won) == {
        1: MeasureValue(2.0, [], True, None)}


# ---------------------------------------------------------- in the reader's language
class TestRegistryInDanish(KpiTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_danish(cls.env)

    def test_the_selection_in_the_database_is_the_registry(self):
        field = self.env["ir.model.fields"]._get("kpi.template", "measure")
        stored = [(s.value, s.name) for s in field.with_context(lang="en_US").selection_ids]
        self.assertEqual(stored, MEASURE_SELECTION)

    def test_every_gap_sentence_in_the_readers_language(self):
        """``gap_sentence`` says each measure's own sentence in the language of the env it is
        given, whoever runs the job."""
        da = {entry["src"]: entry["value"]
              for entry in PoFileReader(str(ADDON / "i18n" / "da.po"))}
        env_da = self.env(context=dict(self.env.context, lang="da_DK"))
        env_en = self.env(context=dict(self.env.context, lang="en_US"))
        for key, measure in BUILTIN_MEASURES.items():
            kind = measure.window_kind or scoring.WINDOW_FUTURE
            # 6 of 10 (a gap of 4), higher is better; growths are signed
            args = {"gap": "4", "value": "6", "target": "10", "days": 14, "unit": ""}
            if key in measures.GROWTH_MEASURES:
                args.update(value="+6", target="+10")
            source = measure.gap.pick(kind, False)._translate("en_US")
            self.assertEqual(
                kpi_result_reminder.gap_sentence(env_en, key, "higher", 6, 10, kind, 14, "count", ""),
                source % args, key)
            self.assertEqual(
                kpi_result_reminder.gap_sentence(env_da, key, "higher", 6, 10, kind, 14, "count", ""),
                da[source] % args, key)


def test_a_measure_can_be_compared_and_hashed():
    """Lazy texts refuse comparisons: the registry's entries compare their sentences by
    identity, so a measure can still be compared, hashed and replaced."""
    won = BUILTIN_MEASURES["won_deals"]
    assert won == BUILTIN_MEASURES["won_deals"] and won != BUILTIN_MEASURES["won_revenue"]
    assert len({hash(m) for m in BUILTIN_MEASURES.values()}) == len(BUILTIN_MEASURES)
