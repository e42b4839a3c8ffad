"""Staff members: signing in, duty, and the team an admin or manager looks after."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from . import clock, forms, languages, notify, pairing, trail
from .errors import NotFound, Refused
from .extensions import db
from .models import Duty, Role, StaffMember, Store
from .saving import commit_or_refuse

PIN_PATTERN = re.compile(r"\d{4,6}")
MIN_PASSWORD = 8
# Checked when the name is unknown, so a wrong name takes as long as a wrong PIN.
_DUMMY_HASH = generate_password_hash("not-a-real-secret")


def authenticate(store_id: int, name: str, secret: str) -> StaffMember | None:
    member = db.session.scalar(
        select(StaffMember).where(
            StaffMember.store_id == store_id, StaffMember.name == name.strip()
        )
    )
    if member is None:
        StaffMember(secret_hash=_DUMMY_HASH).check_secret(secret)
        return None
    if not member.active or not member.check_secret(secret):
        return None
    return member


def heartbeat(session_id: str) -> int | None:
    """The handheld signed in as `session_id` is alive: its store's newest event number (see
    pairing.heartbeat); None once that session has ended."""
    named = session_named(session_id)
    if named is None:
        return None
    staff_id, version = named
    signed_in = (StaffMember.id == staff_id) & (StaffMember.session_version == version)
    return pairing.heartbeat(StaffMember, signed_in, trail.newest_in_store(StaffMember.store_id))


def stores() -> list[Store]:
    return list(db.session.scalars(select(Store).order_by(Store.name)))


def set_duty(member: StaffMember, duty: str, area: str = "") -> None:
    if duty not in Duty.__members__.values():
        raise Refused(_l("Choose on duty, on break or off."))
    area = forms.fitting(area, StaffMember.duty_area)
    member.duty, member.duty_area, member.duty_since = Duty(duty), area, clock.now()
    db.session.commit()
    notify.staff_changed(member.store_id)


def team(store_id: int) -> list[StaffMember]:
    query = select(StaffMember).where(StaffMember.store_id == store_id)
    return list(db.session.scalars(query.order_by(StaffMember.active.desc(), StaffMember.name)))


def add_member(actor: StaffMember, name: str, role: str, secret: str) -> StaffMember:
    name = forms.fitting(name, StaffMember.name, required=True)
    role = _role(role)
    _check_may_manage(actor, role)
    member = StaffMember(store_id=actor.store_id, name=name, role=role)
    member.set_secret(check_secret(role, secret))
    db.session.add(member)
    commit_or_refuse(_l("There is already someone called %(name)s in this store.", name=name))
    notify.staff_changed(actor.store_id)
    return member


def set_active(actor: StaffMember, member_id: int, active: bool) -> StaffMember:
    member = _managed(actor, member_id)
    if member.id == actor.id and not active:
        raise Refused(_l("You cannot deactivate yourself."))
    member.active = active
    if not active:  # someone who left: off duty, and signed out wherever they were
        _end_sessions(member)
        _off_duty(member)
    db.session.commit()
    notify.staff_changed(actor.store_id)
    return member


def set_language(actor: StaffMember, member_id: int, code: str) -> StaffMember:
    """Anyone chooses their own language; whoever manages a member may choose it for them."""
    member = actor if member_id == actor.id else _managed(actor, member_id)
    languages.set_staff_language(member, code)
    return member


def reset_secret(actor: StaffMember, member_id: int, secret: str) -> StaffMember:
    member = _managed(actor, member_id)
    member.set_secret(check_secret(member.role, secret))
    _end_sessions(member)  # a PIN that was seen or guessed stops working with the old cookie
    db.session.commit()
    return member


def sign_out_everywhere(actor: StaffMember, member_id: int) -> StaffMember:
    """A manager ends every session of a member (a handheld was lost or stolen)."""
    member = _managed(actor, member_id)
    _end_sessions(member)
    if member.signs_in_with_pin:
        _off_duty(member)
    db.session.commit()
    notify.staff_changed(actor.store_id)
    return member


def sign_out(member: StaffMember) -> None:
    """The member signs out: this session ends, and so does any copy of its cookie."""
    _end_sessions(member)
    if member.signs_in_with_pin:  # a consultant leaving the handheld goes off duty
        _off_duty(member)
    db.session.commit()
    notify.staff_changed(member.store_id)


def member_for_session(session_id: str) -> StaffMember | None:
    """The member a session cookie names ("id.version"), if that session has not ended."""
    named = session_named(session_id)
    if named is None:
        return None
    member = db.session.get(StaffMember, named[0])
    return member if member is not None and member.session_version == named[1] else None


def session_named(session_id: str) -> tuple[int, int] | None:
    """(staff id, session version) from a session id ("id.version"), unchecked; None if loose."""
    staff_id, _, version = str(session_id).partition(".")
    staff_id, version = forms.bounded_id(staff_id), forms.bounded_id(version)
    return None if staff_id is None or version is None else (staff_id, version)


def _off_duty(member: StaffMember) -> None:
    member.duty, member.duty_area, member.duty_since = Duty.OFF, "", clock.now()


def _end_sessions(member: StaffMember) -> None:
    """Every session cookie issued before now stops working (see StaffMember.get_id)."""
    member.session_version = StaffMember.session_version + 1


def check_secret(role: Role, secret: str) -> str:
    if role == Role.CONSULTANT:
        if not PIN_PATTERN.fullmatch(secret):
            raise Refused(_l("A PIN is 4 to 6 digits."))
    elif len(secret) < MIN_PASSWORD:
        raise Refused(_l("A password has at least %(n)s characters.", n=MIN_PASSWORD))
    return secret


def may_manage(actor: StaffMember, role: Role) -> bool:
    """Admins look after everyone; managers after consultants."""
    return actor.role == Role.ADMIN or (actor.role == Role.MANAGER and role == Role.CONSULTANT)


def _check_may_manage(actor: StaffMember, role: Role) -> None:
    if not may_manage(actor, role):
        raise Refused(_l("Only an admin can manage managers and admins."))


def _managed(actor: StaffMember, member_id: int) -> StaffMember:
    member = db.session.get(StaffMember, member_id)
    if member is None or member.store_id != actor.store_id:
        raise NotFound(_l("No such staff member in your store."))
    _check_may_manage(actor, member.role)
    return member


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError as error:
        raise Refused(_l("Choose consultant, manager or admin.")) from error
