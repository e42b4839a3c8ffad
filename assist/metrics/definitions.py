"""The definitions the reports page prints, written from the constants the figures use, so the
page and the arithmetic cannot disagree."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import escalation, labels, staffing, standards
from ..models import CUSTOMER_KINDS, Kind, State
from . import figures, ranking
from . import staffing as advice


@dataclass(frozen=True)
class Definition:
    term: str
    text: str


def _names(codes, label) -> str:
    return ", ".join(str(label(code)) for code in codes)


def definitions(viewers: tuple = ()) -> list[Definition]:
    """What every figure on the page means, as a manager reads it. `viewers`: the roles that
    may open the reports."""
    d = [
        Definition(
            _l("Customer requests"),
            _l(
                "Every customer figure counts these kinds: %(kinds)s. %(tidy)s tasks are the "
                "staff's own work after a visit: they have their own line and are never inside "
                "a customer figure.",
                kinds=_names(CUSTOMER_KINDS, labels.kind_label),
                tidy=labels.kind_label(Kind.TIDY),
            ),
        ),
        Definition(
            _l("Period"),
            _l(
                "A request belongs to the store's calendar day on which it was created; a "
                "rating to its visit's service day, the day on which the visit began (also "
                "when it was given after midnight). Each store counts on its own clock."
            ),
        ),
        Definition(
            _l("Times"),
            _l(
                "Time to acknowledge runs from the request to “I'm on it”; time to complete "
                "from the request to “done”. Times are kept to the millisecond, rounded up."
            ),
        ),
        Definition(
            _l("Within standard"),
            _l(
                "Acknowledged and completed, each within the store's target for that kind of "
                "request (a target is at most %(longest)s). Scored are the requests that are "
                "decided so far: closed, or still waiting past a target. “%(cancelled)s” and "
                "“%(left)s” are shown but never scored, for the store or for a consultant; "
                "“%(abandoned)s” and “%(skipped)s” count as missed.",
                longest=_duration(standards.LONGEST_TARGET),
                cancelled=labels.state_label(State.CANCELLED),
                left=labels.state_label(State.LEFT),
                abandoned=labels.state_label(State.ABANDONED),
                skipped=labels.state_label(State.SKIPPED),
            ),
        ),
        Definition(
            _l("Escalation"),
            _l(
                "After %(floor)s× the acknowledge target, everyone on duty is alerted again; "
                "after %(manager)s× it, the manager too.",
                floor=escalation.TARGETS_UNTIL[escalation.FLOOR],
                manager=escalation.TARGETS_UNTIL[escalation.MANAGER],
            ),
        ),
        Definition(
            _l("Median and 90th percentile"),
            _l(
                "Interpolated between the two nearest values (as percentile_cont): for n "
                "sorted times and a fraction p, position h = 1 + (n − 1)·p; the value lies "
                "between the ⌊h⌋-th and the next, in proportion. Times enter in whole "
                "seconds, rounded down, so a figure is at most 1 s below the same figure over "
                "milliseconds."
            ),
        ),
        Definition(
            _l("Waiting-time chart"),
            _l(
                "Bars of %(width)s seconds up to %(last)s, then one bar for everything slower. "
                "The green part of a bar was acknowledged within its own kind's target, the "
                "amber part later.",
                width=figures.BIN_SECONDS,
                last=_duration(figures.BIN_SECONDS * figures.BIN_COUNT),
            ),
        ),
        Definition(
            _l("Tidy"),
            _l(
                "A room has at most one tidy task. Rooms turned around are tidy tasks done; a "
                "task the next customer found untidied is “%(skipped)s” and misses the tidy "
                "standard. Time to tidy runs from the end of the visit to “done”.",
                skipped=labels.state_label(State.SKIPPED),
            ),
        ),
        Definition(
            _l("CSAT"),
            _l(
                "Share of ratings of %(low)s or %(high)s out of 5; the goal is at least "
                "%(target)s %%. Shown per store, consultant and fitting room.",
                low=figures.CSAT_SCORES[0],
                high=figures.CSAT_SCORES[-1],
                target=round(100 * figures.CSAT_TARGET),
            ),
        ),
        Definition(
            _l("NPS"),
            _l(
                "Share of %(promoter)s–10 answers minus share of 0–%(detractor)s answers, among "
                "ratings that answered “Would you recommend us?”; from −100 to +100.",
                promoter=figures.PROMOTER_FROM,
                detractor=figures.DETRACTOR_UP_TO,
            ),
        ),
        Definition(
            _l("Ratings of a consultant"),
            _l(
                "A rating is credited to every consultant who claimed a customer request in "
                "that visit; whoever only tidied the room afterwards gets none of it."
            ),
        ),
        Definition(
            _l("Ranking"),
            _l(
                "Score = %(s)s × share within standard + %(r)s × (average rating − 1) / 4 + "
                "%(v)s × requests handled / the most handled by anyone. Without rated visits "
                "the period's average rating stands in (or %(neutral)s when nobody was rated).",
                s=ranking.SERVICE_WEIGHT,
                r=ranking.RATING_WEIGHT,
                v=ranking.VOLUME_WEIGHT,
                neutral=ranking.NEUTRAL_RATING,
            ),
        ),
        Definition(
            _l("Knocked first"),
            _l(
                "Among visits with at least one completed customer request, the share in which "
                "a consultant tapped “At the door” (knocked) at least once."
            ),
        ),
        Definition(
            _l("Staffing advice"),
            _l(
                "Erlang C: the fewest consultants with which %(level)s %% of requests are "
                "acknowledged within the shortest acknowledge target requested. Handling time "
                "is the median from “I'm on it” to “done”; times beyond the third quartile + "
                "%(iqrs)s × the interquartile range are flagged as outliers. Above %(max)s "
                "consultants the model gives no advice and the page says so.",
                level=round(100 * current_app.config["STAFFING_SERVICE_LEVEL"]),
                iqrs=advice.FENCE_IQRS,
                max=staffing.MAX_AGENTS,
            ),
        ),
    ]
    if viewers:
        d.append(
            Definition(
                _l("Who sees this page"),
                _l("Roles: %(roles)s.", roles=_names(viewers, labels.role_label)),
            )
        )
    return d


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
