"""The stored words of the product: stores, fitting rooms, tablets, staff, visits, requests."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement
from werkzeug.security import check_password_hash, generate_password_hash

from . import clock
from .extensions import db


class Role(StrEnum):
    CONSULTANT = "consultant"
    MANAGER = "manager"
    ADMIN = "admin"


class Duty(StrEnum):
    ON = "on"
    BREAK = "break"
    OFF = "off"


class Kind(StrEnum):
    CONSULTANT = "consultant"
    SIZE = "size"
    DRINK = "drink"
    AMENITY = "amenity"
    TIDY = "tidy"


class State(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"
    LEFT = "left"  # the visit ended while someone was on it: neither done nor a breach
    SKIPPED = "skipped"  # a tidy closed by the room's next visit: a breach of the tidy standard


class Knock(StrEnum):
    """Where the knock at a fitting room's door stands; see assist.knock."""

    KNOCKING = "knocking"
    COME_IN = "come_in"
    WAIT = "wait_a_minute"
    UNANSWERED = "knock_unanswered"


LIVE_STATES = (State.OPEN, State.ACKNOWLEDGED)
_LIVE_SQL = "state IN ('open', 'acknowledged')"
_LIVE_TIDY_SQL = "kind = 'tidy' AND state IN ('open', 'acknowledged')"
_LEFT_SQL = "state = 'left'"
# What customers ask for; tidy is staff work and stays out of every customer figure.
CUSTOMER_KINDS = (Kind.CONSULTANT, Kind.SIZE, Kind.DRINK, Kind.AMENITY)


class Store(db.Model):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(8), default="en")

    rooms: Mapped[list[FittingRoom]] = relationship(
        back_populates="store", order_by="FittingRoom.area, FittingRoom.name"
    )


class FittingRoom(db.Model):
    __tablename__ = "fitting_rooms"
    __table_args__ = (UniqueConstraint("store_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    area: Mapped[str] = mapped_column(String(60), default="")

    store: Mapped[Store] = relationship(back_populates="rooms")
    tablet: Mapped[Tablet | None] = relationship(
        primaryjoin="and_(Tablet.room_id == FittingRoom.id, Tablet.revoked_at.is_(None))",
        viewonly=True,
        uselist=False,
    )

    @property
    def label(self) -> str:
        return f"{self.area} · {self.name}" if self.area else self.name


class Tablet(db.Model):
    """A kiosk paired to one fitting room. It proves itself with a token kept in a cookie."""

    __tablename__ = "tablets"
    __table_args__ = (
        # One working tablet per room; revoked ones stay as history.
        Index(
            "uq_tablet_room_paired",
            "room_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("fitting_rooms.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    paired_at: Mapped[datetime] = mapped_column(default=clock.now)
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]

    room: Mapped[FittingRoom] = relationship()


class Board(db.Model):
    """A wall screen showing one store's board. Like a tablet, it proves itself with a token
    kept in a cookie; it can read its store's board and nothing else."""

    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    paired_at: Mapped[datetime] = mapped_column(default=clock.now)
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]

    store: Mapped[Store] = relationship()


class BoardCode(db.Model):
    """A one-time code that makes a screen the wall board of a store."""

    __tablename__ = "board_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    code: Mapped[str] = mapped_column(String(12), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PairingCode(db.Model):
    __tablename__ = "pairing_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("fitting_rooms.id"), index=True)
    code: Mapped[str] = mapped_column(String(12), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    room: Mapped[FittingRoom] = relationship()


class StaffMember(UserMixin, db.Model):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("store_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[Role] = mapped_column(String(16), default=Role.CONSULTANT)
    secret_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    duty: Mapped[Duty] = mapped_column(String(8), default=Duty.OFF)
    duty_area: Mapped[str] = mapped_column(String(60), default="")  # "" = the whole store
    duty_since: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]  # the handheld's last heartbeat
    language: Mapped[str | None] = mapped_column(String(8))  # None: the store's language
    # Part of the signed-in identity (get_id): raising it ends every session of this member.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    store: Mapped[Store] = relationship()

    def get_id(self) -> str:
        """What the session cookie keeps: "id.version"; see assist.team.end_sessions."""
        return f"{self.id}.{self.session_version}"

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def signs_in_with_pin(self) -> bool:
        return self.role == Role.CONSULTANT

    def set_secret(self, secret: str) -> None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.secret_hash = generate_password_hash(secret, method=method)

    def check_secret(self, secret: str) -> bool:
        return check_password_hash(self.secret_hash, secret)


class CatalogueItem(db.Model):
    """One variant (item code × colour × size) of the store's catalogue, with its stock."""

    __tablename__ = "catalogue_items"
    __table_args__ = (UniqueConstraint("store_id", "code", "colour", "size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(60))
    colour: Mapped[str] = mapped_column(String(40))
    size: Mapped[str] = mapped_column(String(20))
    stock: Mapped[int] = mapped_column(default=0)


class MenuItem(db.Model):
    """A drink or an amenity the store offers."""

    __tablename__ = "menu_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    kind: Mapped[Kind] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    age_restricted: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        Index(
            "uq_visit_room_current",
            "room_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("fitting_rooms.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=clock.now)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(16))
    # The store's calendar day when the visit began: its rating belongs to that day. Always
    # stamped (assist.stamps); nullable only so that SQLite can add it without a table rebuild.
    service_day: Mapped[date | None]

    room: Mapped[FittingRoom] = relationship()
    requests: Mapped[list[Request]] = relationship(
        back_populates="visit", order_by="Request.id.desc()"
    )
    rating: Mapped[Rating | None] = relationship(back_populates="visit")


class Request(db.Model):
    __tablename__ = "requests"
    __table_args__ = (
        # Repeated taps land on the request already waiting, enforced by the database itself.
        Index(
            "uq_request_live_per_visit",
            "visit_id",
            "dedupe_key",
            unique=True,
            sqlite_where=text(_LIVE_SQL),
            postgresql_where=text(_LIVE_SQL),
        ),
        # A tablet retrying a tap after a network failure sends the same key again.
        UniqueConstraint("room_id", "client_key"),
        # A room has at most one tidy task waiting.
        Index(
            "uq_request_live_tidy_per_room",
            "room_id",
            unique=True,
            sqlite_where=text(_LIVE_TIDY_SQL),
            postgresql_where=text(_LIVE_TIDY_SQL),
        ),
        Index("ix_requests_store_state", "store_id", "state"),
        # The few live requests of a store (and period), without reading its history.
        Index(
            "ix_requests_live",
            "store_id",
            "local_day",
            sqlite_where=text(_LIVE_SQL),
            postgresql_where=text(_LIVE_SQL),
        ),
        Index("ix_requests_store_created", "store_id", "created_at"),
        # A consultant's cards of customers who left while they were on it (assist.knock).
        Index(
            "ix_requests_left",
            "claimed_by_id",
            "closed_at",
            sqlite_where=text(_LEFT_SQL),
            postgresql_where=text(_LEFT_SQL),
        ),
        # Reports select a period by the store's own calendar day, and read the columns they
        # group and count by from the index alone (SQLite: no lookup of each row).
        Index(
            "ix_requests_report",
            "store_id",
            "local_day",
            "kind",
            "state",
            "local_weekday",
            "local_hour",
            "acknowledge_ms",
            "complete_ms",
            "room_id",
            "claimed_by_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("fitting_rooms.id"))
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[Kind] = mapped_column(String(16))
    state: Mapped[State] = mapped_column(String(16), default=State.OPEN)
    dedupe_key: Mapped[str] = mapped_column(String(60))
    client_key: Mapped[str | None] = mapped_column(String(64))
    menu_item_id: Mapped[int | None] = mapped_column(ForeignKey("menu_items.id"))
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_items.id"))
    in_stock: Mapped[bool | None]
    # A size not in stock: the nearest one in stock that the customer would take instead, if
    # they picked one rather than leave it to the consultant.
    picked_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_items.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    acknowledged_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # cancelled or abandoned
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Stamped when written (see assist.stamps): the store's wall clock at created_at, and how
    # long acknowledging and completing took, in milliseconds rounded up. Always stamped;
    # nullable only so that SQLite can add them without rebuilding the table.
    local_day: Mapped[date | None]
    local_hour: Mapped[int | None] = mapped_column(SmallInteger)
    local_weekday: Mapped[int | None] = mapped_column(SmallInteger)  # Monday 0
    acknowledge_ms: Mapped[int | None] = mapped_column(BigInteger)
    complete_ms: Mapped[int | None] = mapped_column(BigInteger)
    # 0 none, 1 the floor was alerted again, 2 the manager was alerted; see assist.escalation.
    escalation_level: Mapped[int] = mapped_column(default=0, server_default="0")
    next_alert_at: Mapped[datetime | None]
    # 0 sent, 1 sent again for want of a receipt, 2 the manager was told; see assist.receipts.
    delivery_level: Mapped[int] = mapped_column(default=0, server_default="0")
    # The knock at the door before entering (see assist.knock): None until the first knock.
    knock_state: Mapped[Knock | None] = mapped_column(String(16))
    knocked_at: Mapped[datetime | None]
    knock_answered_at: Mapped[datetime | None]  # or found unanswered
    # A request closed as `left`: when its consultant saw "the customer has left".
    left_noted_at: Mapped[datetime | None]

    visit: Mapped[Visit] = relationship(back_populates="requests")
    room: Mapped[FittingRoom] = relationship()
    menu_item: Mapped[MenuItem | None] = relationship()
    variant: Mapped[CatalogueItem | None] = relationship(foreign_keys=[variant_id])
    picked: Mapped[CatalogueItem | None] = relationship(foreign_keys=[picked_id])
    claimed_by: Mapped[StaffMember | None] = relationship()

    @hybrid_property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @is_live.inplace.expression
    @classmethod
    def _is_live_sql(cls) -> ColumnElement[bool]:
        # The states are written out as in the partial indexes' condition (_LIVE_SQL), so that
        # the planner can use those indexes: it cannot see what a bound parameter holds.
        states = bindparam("live_states", list(LIVE_STATES), expanding=True, literal_execute=True)
        return cls.state.in_(states)

    @hybrid_property
    def is_open(self) -> bool:
        """Nobody has taken it yet."""
        return self.state == State.OPEN

    @is_open.inplace.expression
    @classmethod
    def _is_open_sql(cls) -> ColumnElement[bool]:
        # Also live, so that the partial index of live requests finds the few open ones: the
        # sweeper asks every few seconds, and must never read the whole history.
        return and_(cls.is_live, cls.state == State.OPEN)

    @hybrid_property
    def is_left(self) -> bool:
        """The customer went while a consultant was on it (assist.lifecycle.LEAVE)."""
        return self.state == State.LEFT

    @is_left.inplace.expression
    @classmethod
    def _is_left_sql(cls) -> ColumnElement[bool]:
        # Written out as in the partial index's condition (_LEFT_SQL), as is_live is.
        return cls.state == bindparam("left_state", str(State.LEFT), literal_execute=True)

    @property
    def on_handheld(self) -> bool:
        """Live, or closed as left and not yet put away by its consultant (assist.knock)."""
        return self.is_live or (self.state == State.LEFT and self.left_noted_at is None)


class Standard(db.Model):
    """How fast a store promises to answer one kind of request."""

    __tablename__ = "standards"
    __table_args__ = (
        UniqueConstraint("store_id", "kind"),
        CheckConstraint(
            "acknowledge_within > 0 AND complete_within >= acknowledge_within", name="targets_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    kind: Mapped[Kind] = mapped_column(String(16))
    acknowledge_within: Mapped[int]  # seconds
    complete_within: Mapped[int]  # seconds


class Receipt(db.Model):
    """A handheld confirmed that a new request reached it."""

    __tablename__ = "receipts"
    __table_args__ = (UniqueConstraint("request_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(default=clock.now)


class RequestEvent(db.Model):
    """One transition of one request: the audit trail and the source of every metric."""

    __tablename__ = "request_events"
    __table_args__ = (
        # The latest event a store's handhelds or a room's tablet should have heard: see trail.
        Index("ix_request_events_store_id_id", "store_id", "id"),
        Index("ix_request_events_room_id_id", "room_id", "id"),
        # Reports look for knocks (and other rare actions) without reading the whole trail.
        Index("ix_request_events_store_action", "store_id", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("fitting_rooms.id"))
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=clock.now)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    tablet_id: Mapped[int | None] = mapped_column(ForeignKey("tablets.id"))

    request: Mapped[Request] = relationship()
    staff: Mapped[StaffMember | None] = relationship()


class Rating(db.Model):
    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        CheckConstraint("nps IS NULL OR nps BETWEEN 0 AND 10", name="nps_range"),
        # Reports select a period's ratings by the visit's service day.
        Index("ix_ratings_created_at", "created_at"),
        Index("ix_ratings_store_day", "store_id", "service_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    # Stamped from the visit when written (see assist.stamps).
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("fitting_rooms.id"))
    service_day: Mapped[date]
    score: Mapped[int]
    reasons: Mapped[str] = mapped_column(String(300), default="")  # comma-separated tags
    # Text columns state the most a person may write in them (assist.forms.limit_of).
    comment: Mapped[str] = mapped_column(Text, default="", info={"max_chars": 500})
    nps: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Service recovery after a low score: what the manager did, and when.
    recovery_action: Mapped[str | None] = mapped_column(String(24))
    recovery_note: Mapped[str] = mapped_column(Text, default="", info={"max_chars": 1000})
    recovered_at: Mapped[datetime | None]
    recovered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    visit: Mapped[Visit] = relationship(back_populates="rating")
    recovered_by: Mapped[StaffMember | None] = relationship()

    @property
    def reason_list(self) -> list[str]:
        return [r for r in self.reasons.split(",") if r]


class Tally(db.Model):
    """A store's settled month, tallied: the report passes' grouped counts are kept in
    tally_rows, judged by the standards written here (see assist.metrics.tallies)."""

    __tablename__ = "tallies"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)  # its first day
    standards: Mapped[str] = mapped_column(String(200))
    tallied_at: Mapped[datetime] = mapped_column(default=clock.now)


class TallyRow(db.Model):
    """One group of one report pass over a tallied store-month: the group's keys in the
    columns that pass uses, its counts in n1… (what each count means is the pass's)."""

    __tablename__ = "tally_rows"
    __table_args__ = (Index("ix_tally_rows_part", "part", "month", "store_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    month: Mapped[date]
    part: Mapped[str] = mapped_column(String(16))
    day: Mapped[date | None]
    kind: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str | None] = mapped_column(String(16))
    weekday: Mapped[int | None] = mapped_column(SmallInteger)
    hour: Mapped[int | None] = mapped_column(SmallInteger)
    subject: Mapped[int | None]  # a fitting room or a staff member, as the pass groups
    second: Mapped[int | None]
    n1: Mapped[int] = mapped_column(default=0)
    n2: Mapped[int] = mapped_column(default=0)
    n3: Mapped[int] = mapped_column(default=0)
    n4: Mapped[int] = mapped_column(default=0)
    n5: Mapped[int] = mapped_column(default=0)
    n6: Mapped[int] = mapped_column(default=0)
    n7: Mapped[int] = mapped_column(default=0)


# The stamps every row gets when written; imported last, since they use the classes above.
from . import stamps  # noqa: E402, F401
