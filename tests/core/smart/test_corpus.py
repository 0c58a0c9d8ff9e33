"""The generated corpus (goal_corpus.py): ≥ 99% exact parses, and no wrong target passes M.

An exact parse gets the metric, the target kind and value, the period, the cadence and the
baseline all right. A sentence parsed wrong may still be fine if the SMART check does not
vouch for it; a wrong metric or target with Measurable = pass is the failure that matters most
(the user would trust it), and there must be none.
"""

from __future__ import annotations

import pytest
from goal_corpus import START, Case, corpus, no_number_cases

from core.goals import ParsedGoal
from core.smart import check_smart, parse_goal


def _got(goal: ParsedGoal) -> tuple:
    period = (goal.period.start.isoformat(), goal.period.end.isoformat()) if goal.period else None
    target = goal.target
    return (goal.metric, target.kind if target else "", round(target.value, 6) if target else 0,
            period, goal.cadence, None if goal.baseline is None else round(goal.baseline, 6))


def _expected(case: Case) -> tuple:
    return (case.metric, case.kind, round(case.value, 6), case.period, case.cadence,
            None if case.baseline is None else round(case.baseline, 6))


@pytest.fixture(scope="module")
def parsed() -> list[tuple[Case, ParsedGoal]]:
    return [(case, parse_goal(case.text, start=START)) for case in corpus()]


def test_corpus_is_large_and_in_both_languages(parsed: list[tuple[Case, ParsedGoal]]) -> None:
    langs = {case.lang for case, _ in parsed}
    assert len(parsed) >= 5000 and langs == {"zh-TW", "en"}
    assert sum(case.lang == "en" for case, _ in parsed) >= 1500


def test_exact_parse_rate(parsed: list[tuple[Case, ParsedGoal]], record_property) -> None:  # noqa: ANN001
    wrong = [(case.text, _got(goal), _expected(case)) for case, goal in parsed if _got(goal) != _expected(case)]
    rate = 1 - len(wrong) / len(parsed)
    record_property("exact_parse_rate", rate)
    print(f"\nexact parses: {len(parsed) - len(wrong)}/{len(parsed)} = {rate:.4%}")
    assert rate >= 0.99, wrong[:20]


def test_no_wrong_target_passes_measurable(parsed: list[tuple[Case, ParsedGoal]]) -> None:
    trusted_wrong = []
    for case, goal in parsed:
        got, expected = _got(goal), _expected(case)
        if got[:3] != expected[:3] and check_smart(goal).criteria["measurable"].verdict == "pass":
            trusted_wrong.append((case.text, got, expected))
    assert trusted_wrong == []


def test_a_period_number_is_never_the_target() -> None:
    cases = list(no_number_cases())
    assert len(cases) >= 500
    for case in cases:
        goal = parse_goal(case.text, start=START)
        assert goal.target is None, (case.text, goal.target)
        assert _got(goal)[3] == case.period, case.text
        assert check_smart(goal).criteria["measurable"].verdict == "fail", case.text
