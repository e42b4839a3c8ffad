"""Erlang B and C against hand-derived and published values, and against a direct summation."""

from fractions import Fraction
from math import exp, factorial

import pytest

from assist import staffing


def erlang_c_by_summation(agents: int, traffic: Fraction) -> Fraction:
    """The textbook closed form, in exact fractions, independent of the recursion:

    C = (A^N / N! · N / (N − A)) / (Σ_{k<N} A^k / k! + A^N / N! · N / (N − A))"""
    queued = traffic**agents / factorial(agents) * agents / (agents - traffic)
    return queued / (sum(traffic**k / factorial(k) for k in range(agents)) + queued)


def erlang_b_by_summation(agents: int, traffic: Fraction) -> Fraction:
    """B = (A^N / N!) / Σ_{k≤N} A^k / k!, exactly."""
    terms = [traffic**k / factorial(k) for k in range(agents + 1)]
    return terms[-1] / sum(terms)


def test_two_erlangs_on_three_agents_wait_four_ninths():
    # By hand: B(3, 2) = (8/6) / (1 + 2 + 2 + 8/6) = 4/19, then
    # C = 3·(4/19) / (3 − 2·(15/19)) = 12/27 = 4/9 (M/M/3 with ρ = 2/3, any queueing textbook).
    assert staffing.erlang_b(3, 2) == pytest.approx(4 / 19)
    assert staffing.erlang_c(3, 2) == pytest.approx(4 / 9)


def test_erlang_b_matches_the_published_one_percent_table():
    # Erlang B tables at a grade of service of 1 %: 5 lines carry 1.36 E, 10 lines 4.46 E,
    # 20 lines 12.0 E (published tables round the traffic, hence the tolerance).
    assert staffing.erlang_b(5, 1.36) == pytest.approx(0.01, abs=0.0005)
    assert staffing.erlang_b(10, 4.46) == pytest.approx(0.01, abs=0.0005)
    assert staffing.erlang_b(20, 12.03) == pytest.approx(0.01, abs=0.0005)


@pytest.mark.parametrize(
    ("agents", "traffic"),
    [
        (1, Fraction(1, 2)),
        (3, Fraction(2)),
        (7, Fraction(11, 2)),
        (30, Fraction(24)),
        (55, Fraction(48)),
    ],
)
def test_the_recursion_agrees_with_the_direct_summation(agents, traffic):
    assert staffing.erlang_b(agents, float(traffic)) == pytest.approx(
        float(erlang_b_by_summation(agents, traffic)), rel=1e-12
    )
    assert staffing.erlang_c(agents, float(traffic)) == pytest.approx(
        float(erlang_c_by_summation(agents, traffic)), rel=1e-12
    )


def test_the_recursion_stays_finite_where_factorials_overflow():
    # 200! overflows a float; the recursion never forms it. A = 180 on 200 agents.
    assert 0 < staffing.erlang_c(200, 180.0) < 1


def test_the_call_centre_example_needs_twenty_nine_agents():
    # The classic example: 360 calls an hour, 240 s handling, 80 % answered within 20 s.
    # A = 360 × 240 / 3600 = 24 Erlangs. By the direct summation above:
    # 28 agents: C = 0.33314, SL = 1 − C·e^(−4·20/240) = 0.7613 (short of 80 %);
    # 29 agents: C = 0.24227, SL = 1 − C·e^(−5·20/240) = 0.8403.
    load = staffing.traffic(360, 240)
    assert load == 24
    for agents, level in [(28, 0.7613), (29, 0.8403)]:
        direct = float(erlang_c_by_summation(agents, Fraction(24)))
        assert 1 - direct * exp(-(agents - 24) * 20 / 240) == pytest.approx(level, abs=5e-5)
        assert staffing.service_level(agents, load, 20, 240) == pytest.approx(level, abs=5e-5)
    assert staffing.agents_needed(load, 20, 240, 0.8) == 29


def test_the_half_hour_example_of_forty_eight_erlangs():
    # The step-by-step Erlang C example often reprinted: 360 calls per half hour, 4 minutes
    # each (A = 48 E), 55 agents, 15 s target. Checked by the direct summation: P(wait) 0.2387,
    # service level 1 − 0.2387·e^(−7·15/240) = 0.8459, average speed of answer C·h/(N − A) 8.2 s.
    assert staffing.erlang_c(55, 48) == pytest.approx(0.23870, abs=5e-5)
    assert staffing.service_level(55, 48, 15, 240) == pytest.approx(0.84588, abs=5e-5)
    assert staffing.erlang_c(55, 48) * 240 / 7 == pytest.approx(8.18, abs=0.01)


def test_edges_no_traffic_and_overload():
    assert staffing.agents_needed(0, 60, 120) == 0
    assert staffing.service_level(0, 0, 60, 120) == 1
    assert staffing.erlang_c(2, 2) == 1 and staffing.service_level(2, 2.5, 60, 120) == 0
    # A light load still needs one person, who is usually free at once.
    assert staffing.agents_needed(0.05, 60, 200) == 1


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.99])
def test_agents_needed_is_the_fewest_that_reach_the_level(level):
    load, target, handle = 6.3, 45, 180
    needed = staffing.agents_needed(load, target, handle, level)
    assert staffing.service_level(needed, load, target, handle) >= level
    assert staffing.service_level(needed - 1, load, target, handle) < level
