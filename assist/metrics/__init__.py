"""Report figures for a period of one store or of the whole chain.

- period: what a report is about (Scope) and how a typed period is read;
- sql: the scope's rows by their stamped local day, standards, percentiles by rank;
- figures: per kind, tidy, waiting times, ratings, rooms, heat map, trend, knocks;
- ranking: consultants and their ranking;
- staffing: staffing advice by Erlang C (assist.staffing holds the queueing model);
- definitions: the page's definitions, written from the constants above.
"""

from dataclasses import dataclass

from .definitions import Definition, definitions
from .figures import (
    BIN_COUNT,
    BIN_SECONDS,
    CSAT_TARGET,
    Bin,
    Cell,
    Day,
    Durations,
    HeatMap,
    KindFigures,
    KnockShare,
    Outcomes,
    RatingFigures,
    RoomFigures,
    TidyFigures,
    acknowledge_histogram,
    customer_times,
    heat_map,
    kind_figures,
    knock_share,
    meets_csat,
    overall,
    pending,
    ratings,
    rooms,
    slots,
    tidy,
    trend,
)
from .period import MAX_PERIOD_DAYS, BadPeriod, Scope, period
from .ranking import ConsultantFigures, Ranked, consultants, rank
from .sql import MEDIAN, P90, percentiles, ratings_in, requests_in, within_standard
from .staffing import StaffingAdvice, StaffingHour, acknowledge_target, staffing_advice

__all__ = [
    "BIN_COUNT",
    "BIN_SECONDS",
    "CSAT_TARGET",
    "MAX_PERIOD_DAYS",
    "MEDIAN",
    "P90",
    "BadPeriod",
    "Bin",
    "Cell",
    "ConsultantFigures",
    "Day",
    "Definition",
    "Durations",
    "HeatMap",
    "KindFigures",
    "KnockShare",
    "Outcomes",
    "Ranked",
    "RatingFigures",
    "Report",
    "RoomFigures",
    "Scope",
    "StaffingAdvice",
    "StaffingHour",
    "TidyFigures",
    "acknowledge_histogram",
    "acknowledge_target",
    "consultants",
    "definitions",
    "heat_map",
    "kind_figures",
    "knock_share",
    "meets_csat",
    "overall",
    "percentiles",
    "period",
    "rank",
    "ratings",
    "ratings_in",
    "report",
    "requests_in",
    "rooms",
    "staffing_advice",
    "tidy",
    "today_so_far",
    "trend",
    "within_standard",
]


@dataclass(frozen=True)
class Report:
    scope: Scope
    kinds: list[KindFigures]
    overall: KindFigures
    tidy: TidyFigures
    acknowledge_bins: list[Bin]
    ratings: RatingFigures
    ranking: list[Ranked]
    rooms: list[RoomFigures]
    heat: HeatMap
    trend: list[Day]
    knocks: KnockShare
    staffing: StaffingAdvice | None  # single stores only
    acknowledge_target: int


def report(scope: Scope) -> Report:
    """Everything the reports page shows for the scope."""
    live = pending(scope)  # read once: the few requests still waiting within their targets
    counted = slots(scope)  # one pass for the kinds, the heat map and the trend
    times = customer_times(scope)  # per kind; merged for the overall line
    kinds = kind_figures(scope, live, counted, times)
    rating_figures = ratings(scope)
    heat = heat_map(scope, live, counted)
    target = acknowledge_target(scope)
    return Report(
        scope=scope,
        kinds=kinds,
        overall=overall(scope, kinds, times),
        tidy=tidy(scope),
        acknowledge_bins=acknowledge_histogram(scope, times),
        ratings=rating_figures,
        ranking=rank(consultants(scope, live), rating_figures.average),
        rooms=rooms(scope, live),
        heat=heat,
        trend=trend(scope, live, counted),
        knocks=knock_share(scope),
        staffing=staffing_advice(scope, heat, target) if scope.store else None,
        acknowledge_target=target,
    )


@dataclass(frozen=True)
class Today:
    """The board's figures for the store's calendar day so far."""

    requests: KindFigures
    knocks: KnockShare


def today_so_far(scope: Scope) -> Today:
    kinds = kind_figures(scope)
    return Today(overall(scope, kinds), knock_share(scope))
