"""The words a person reads for the product's stored codes: one place for Python and Jinja.

Kinds, request states, duties, roles, why a visit ended and what an event did. Each label is
translated lazily, so it is rendered in the reader's language. Templates use the globals
registered by `init_app`: `{{ kind_label(r.kind) }}`, `{{ state_label(r.state) }}`, …
"""

from flask import Flask
from flask_babel import lazy_gettext as _l

from .models import Duty, Kind, Role, State

KINDS = {
    Kind.CONSULTANT: _l("Consultant"),
    Kind.SIZE: _l("Size"),
    Kind.DRINK: _l("Drink"),
    Kind.AMENITY: _l("Amenity"),
    Kind.TIDY: _l("Tidy"),
    "all": _l("All requests"),
    "customer": _l("All customer requests"),
}

# A glyph beside the kind on a handheld card; decoration only, never read on its own.
KIND_ICONS = {
    Kind.CONSULTANT: "☺",
    Kind.SIZE: "⇅",
    Kind.DRINK: "☕",
    Kind.AMENITY: "✚",
    Kind.TIDY: "↺",
}

STATES = {
    State.OPEN: _l("Waiting"),
    State.ACKNOWLEDGED: _l("Someone is on it"),
    State.COMPLETED: _l("Done"),
    State.CANCELLED: _l("Cancelled by the customer"),
    State.ABANDONED: _l("Customer left before anyone came"),
    State.LEFT: _l("Customer left while served"),
    State.SKIPPED: _l("Skipped: the next visit began first"),
}

DUTIES = {
    Duty.ON: _l("On duty"),
    Duty.BREAK: _l("On break"),
    Duty.OFF: _l("Off"),
}

ROLES = {
    Role.CONSULTANT: _l("Consultant"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Admin"),
}

END_REASONS = {
    "rated": _l("Rated the visit"),
    "done": _l("Customer tapped “I'm done”"),
    "reset": _l("Reset by staff"),
    "idle": _l("Tablet left idle"),
}

ACTIONS = {
    "created": _l("created"),
    "claimed": _l("claimed"),
    "completed": _l("completed"),
    "cancelled": _l("cancelled by the customer"),
    "abandoned": _l("customer left before anyone came"),
    "left": _l("customer left while served"),
    "skipped": _l("skipped: the next visit began first"),
    "alerted_floor": _l("floor alerted again"),
    "alerted_manager": _l("manager alerted"),
    "alert_repeated": _l("alert repeated"),
    "resent": _l("sent again"),
    "undelivered": _l("no handheld confirmed it"),
    "knocked": _l("knocked at the door"),
    "come_in": _l("customer said “Come in”"),
    "wait_a_minute": _l("customer said “One minute, please”"),
    "knock_unanswered": _l("knock not answered"),
    "entered_unasked": _l("customer said someone came in without asking"),
}


def _lookup(table: dict):
    def label(code) -> str:
        return table.get(code, code)

    return label


kind_label = _lookup(KINDS)
state_label = _lookup(STATES)
duty_label = _lookup(DUTIES)
role_label = _lookup(ROLES)
end_reason_label = _lookup(END_REASONS)
action_label = _lookup(ACTIONS)


def kind_icon(kind) -> str:
    return KIND_ICONS.get(kind, "•")


# How good a share within standard is, as the class that colours it: each band's lowest share,
# best first. The reports' legends are written from this.
SHARE_BANDS = (("good", 0.9), ("fair", 0.75), ("poor", 0.5), ("bad", 0.0))


def share_band(share: float | None) -> str:
    if share is None:
        return "none"
    return next(band for band, lowest in SHARE_BANDS if share >= lowest)


def percent(share: float | None) -> str:
    """A share as a whole percentage, "—" when there is nothing to share."""
    return "—" if share is None else f"{float(share) * 100:.0f} %"


def init_app(app: Flask) -> None:
    # Plain functions, not template macros: the reports call them for every cell and row.
    app.jinja_env.globals.update(
        band=share_band,
        pct=percent,
        share_bands=SHARE_BANDS,
        kind_label=kind_label,
        kind_icon=kind_icon,
        state_label=state_label,
        duty_label=duty_label,
        role_label=role_label,
        end_reason_label=end_reason_label,
        action_label=action_label,
    )
