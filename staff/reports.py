"""Reports: any period of the manager's store, or of any store or the whole chain for admins,
as a page with charts and tables, and as CSV downloads."""

import re

from flask import Response, current_app, render_template, request, stream_with_context, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from assist import forms, metrics, reports_csv, staffing, visits
from assist.errors import NotFound, Refused
from assist.extensions import db
from assist.metrics import ranking
from assist.models import Role, Store

from . import bp
from .access import MANAGERS, role_required

CHAIN = "all"
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
HOUR_SPANS = tuple(f"{hour:02d}:00–{(hour + 1) % 24:02d}:00" for hour in range(24))
# Other staff pages, linked from the header when this installation has them.
NAV = (("staff.board_page", "Board"), ("staff.queue_page", "Queue"), ("staff.admin", "Admin"))


# The ranking's weights, as the ranking applies them; the page prints these.
WEIGHTS = {
    "service": ranking.SERVICE_WEIGHT,
    "rating": ranking.RATING_WEIGHT,
    "volume": ranking.VOLUME_WEIGHT,
}


class NotAllowed(Refused):
    status = 403


@bp.get("/reports")
@role_required(*MANAGERS)
def reports():
    """The report page: figures, charts and tables for the chosen store and period."""
    scope = _scope()
    return render_template(
        "staff/reports.html",
        report=metrics.report(scope),
        stores=_choosable_stores(),
        chain_choice=current_user.role == Role.ADMIN,
        chosen=request.args.get("store") or str(scope.stores[0].id),
        csv_args=_period_args(scope),
        weekdays=WEEKDAYS,
        weekday_names=[str(day) for day in WEEKDAYS],  # translated once per page
        hour_spans=HOUR_SPANS,
        reason_labels=_reason_labels(),
        definitions=metrics.definitions(MANAGERS),
        weights=WEIGHTS,
        csat_target=metrics.CSAT_TARGET,
        bin_seconds=metrics.BIN_SECONDS,
        max_agents=staffing.MAX_AGENTS,
        nav=_nav(),
    )


@bp.get("/reports/requests.csv")
@role_required(*MANAGERS)
def reports_requests_csv():
    """One row per request of the period, every timestamp in its store's time zone."""
    scope = _scope()
    return _download(reports_csv.requests_csv(scope), "requests", scope)


@bp.get("/reports/ratings.csv")
@role_required(*MANAGERS)
def reports_ratings_csv():
    """One row per rating given in the period."""
    scope = _scope()
    return _download(reports_csv.ratings_csv(scope), "ratings", scope)


def _scope() -> metrics.Scope:
    stores, chain_wide = _stores(request.args.get("store", "").strip())
    # The chain's calendar is read in the admin's own store's time zone for the default dates.
    timezone = current_user.store.timezone if chain_wide else stores[0].timezone
    first, last = metrics.period(request.args.get("from"), request.args.get("to"), timezone)
    return metrics.Scope(tuple(stores), first, last, chain_wide)


def _stores(chosen: str) -> tuple[list[Store], bool]:
    """The stores the report covers, and whether it is chain-wide; only admins go beyond
    their own store."""
    is_admin = current_user.role == Role.ADMIN
    if chosen == CHAIN:
        if not is_admin:
            raise NotAllowed(_l("Only an administrator can see the whole chain."))
        return _choosable_stores(), True
    if not chosen:
        return [current_user.store], False
    store_id = forms.arg_id("store")
    store = db.session.get(Store, store_id) if store_id else None
    if store is None or not (is_admin or store.id == current_user.store_id):
        raise NotFound(_l("No such store among those you can see."))
    return [store], False


def _choosable_stores() -> list[Store]:
    if current_user.role != Role.ADMIN:
        return [current_user.store]
    return list(db.session.scalars(select(Store).order_by(Store.name)))


def _period_args(scope: metrics.Scope) -> dict[str, str]:
    store = CHAIN if scope.chain_wide else str(scope.stores[0].id)
    return {"store": store, "from": scope.first.isoformat(), "to": scope.last.isoformat()}


def _download(rows, what: str, scope: metrics.Scope) -> Response:
    name = "chain" if scope.chain_wide else _slug(scope.stores[0].name)
    filename = f"{what}-{name}-{scope.first}-{scope.last}.csv"
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _reason_labels() -> dict[str, str]:
    return {tag.key: tag.label for tag in visits.LOW_SCORE_REASONS + visits.HIGH_SCORE_REASONS}


def _nav() -> list[tuple[str, str]]:
    return [
        (label, url_for(endpoint))
        for endpoint, label in NAV
        if endpoint in current_app.view_functions
    ]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "store"
