"""Pure round and clinic summaries: suppression at the staff threshold, complementary cells,
hand-calculated intervals and changes."""

import datetime as dt

import pytest

from analytics.stats import Moments, SuppressionReason
from analytics.wellbeing.summaries import RoundFacts, clinic_scatter, round_summaries

BURNOUT_SCORES = [25.0, 37.5, 50.0, 62.5, 75.0]


def facts(round_id: int, scores: list[float], *, respondents: int | None = None) -> RoundFacts:
    start = dt.date(2026, 1, 1) + dt.timedelta(days=100 * round_id)
    return RoundFacts(
        round_id,
        start,
        start + dt.timedelta(days=20),
        len(scores) if respondents is None else respondents,
        {"burnout": Moments.of(scores)},
        {"empathy": Moments.of([80.0] * 12)},
    )


def summaries(*rounds: RoundFacts):
    return round_summaries(
        rounds,
        staff_dimensions=["burnout"],
        patient_dimensions=["empathy"],
        staff_min_group_size=5,
        patient_min_group_size=10,
    )


def test_a_round_of_five_shows_the_hand_calculated_mean_interval_and_change():
    before, after = summaries(facts(1, [25.0] * 5), facts(2, BURNOUT_SCORES))
    [cell] = after.staff
    # mean 50; s^2 = (625 + 156.25 + 0 + 156.25 + 625) / 4 = 390.625; s = 19.7642;
    # t(0.975, 4) = 2.776445; half width = 2.776445 * 19.7642 / sqrt(5) = 24.5402.
    assert after.respondents == 5
    assert cell.summary.mean == pytest.approx(50.0)
    assert cell.summary.lower == pytest.approx(25.4598, abs=1e-3)
    assert cell.summary.upper == pytest.approx(74.5402, abs=1e-3)
    assert cell.change == pytest.approx(25.0)  # 50 - 25
    assert before.staff[0].change is None  # no earlier round


def test_a_round_of_four_shows_nothing_and_the_next_round_gets_no_change():
    small, next_round = summaries(facts(1, BURNOUT_SCORES[:4]), facts(2, BURNOUT_SCORES))
    assert small.respondents is None and not small.shown
    assert small.staff[0].summary is None
    assert small.staff[0].hidden is SuppressionReason.SMALL_GROUP
    # A change from a hidden round would give its mean away.
    assert next_round.staff[0].summary.mean == 50.0 and next_round.staff[0].change is None
    # Patients' numbers follow their own threshold (12 >= 10): shown beside the hidden round.
    assert small.patients[0].summary.mean == 80.0


def test_a_dimension_answered_by_fewer_than_five_in_a_shown_round_is_hidden():
    [summary] = summaries(facts(1, BURNOUT_SCORES[:4], respondents=6))
    assert summary.respondents == 6
    assert summary.staff[0].summary is None


def test_the_scatter_hides_a_small_clinic_and_its_complementary_cell():
    scatter = clinic_scatter(
        [
            (1, "A", Moments.of([50.0] * 4), Moments.of([70.0] * 20)),
            (2, "B", Moments.of([60.0] * 6), Moments.of([70.0] * 20)),
            (3, "C", Moments.of([40.0] * 9), Moments.of([70.0] * 20)),
            (4, "D", Moments.of([40.0] * 9), Moments.of([70.0] * 9)),
        ],
        staff_min_group_size=5,
        patient_min_group_size=10,
    )
    assert [p.name for p in scatter.points] == ["C"]
    left_out = {c.name: (c.reason, c.staff_too_few) for c in scatter.left_out}
    assert left_out == {
        "A": (SuppressionReason.SMALL_GROUP, True),
        # B is hidden too: the organisation's value minus the shown clinics would give A's.
        "B": (SuppressionReason.COMPLEMENTARY, True),
        "D": (SuppressionReason.SMALL_GROUP, False),  # 9 patients < 10
    }
    # (4*50 + 6*60 + 9*40 + 9*40) / 28
    assert scatter.organisation.n == 28
    assert scatter.organisation.mean == pytest.approx(1280 / 28)


def test_the_scatter_at_five_staff_shows_the_clinic_without_a_complement():
    scatter = clinic_scatter(
        [
            (1, "A", Moments.of([50.0] * 5), Moments.of([70.0] * 10)),
            (2, "B", Moments.of([60.0] * 6), Moments.of([70.0] * 10)),
        ],
        staff_min_group_size=5,
        patient_min_group_size=10,
    )
    assert [p.name for p in scatter.points] == ["A", "B"] and scatter.left_out == ()


def test_a_role_group_of_four_is_hidden_with_its_complementary_group():
    from analytics.wellbeing.summaries import role_group_breakdown

    sizes = {"Nursing": 6, "Reception": 5, "Physicians": 4}
    moments = {group: Moments.of([50.0] * n) for group, n in sizes.items()}
    cells = {c.group: c for c in role_group_breakdown(sizes, moments, min_group_size=5)}
    assert cells["Physicians"].hidden is SuppressionReason.SMALL_GROUP
    # Otherwise the round's total minus the shown groups would give the physicians' answers.
    assert cells["Reception"].hidden is SuppressionReason.COMPLEMENTARY
    assert cells["Reception"].n is None and cells["Physicians"].summary is None
    assert (cells["Nursing"].n, cells["Nursing"].summary.mean) == (6, 50.0)

    sizes["Physicians"] = 5
    moments["Physicians"] = Moments.of([50.0] * 5)
    shown = role_group_breakdown(sizes, moments, min_group_size=5)
    assert [(c.group, c.hidden) for c in shown] == [
        ("Nursing", None),
        ("Physicians", None),
        ("Reception", None),
    ]


def test_no_role_group_table_when_no_named_group_can_be_shown():
    from analytics.wellbeing.summaries import role_group_breakdown

    moments = {"Nursing": Moments.of([50.0] * 4), "": Moments.of([50.0] * 6)}
    assert role_group_breakdown({"Nursing": 4, "": 6}, moments, min_group_size=5) == ()
    assert role_group_breakdown({"": 9}, {"": Moments.of([1.0] * 9)}, min_group_size=5) == ()
