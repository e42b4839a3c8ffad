"""Administration for managers and admins: rooms and tablet pairing, staff, menus, catalogue,
service standards and the audit trail. Everything is scoped to the signed-in member's store."""

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from assist import audit, catalogue, forms, menus, pairing, rooms, standards, team
from assist.errors import Refused
from assist.models import Kind, Role
from assist.web import show_problem

from . import bp
from .access import MANAGERS, role_required

CATALOGUE_ROWS = 50  # the look inside the catalogue; a search narrows it


@bp.get("/admin")
@role_required(*MANAGERS)
def admin():
    """Fitting rooms with their tablets, and pairing codes."""
    return _rooms_page()


@bp.post("/admin/rooms")
@role_required(*MANAGERS)
def add_room():
    """Add a fitting room."""
    rooms.add_room(current_user.store_id, forms.text("name"), forms.text("area"))
    return _rooms_page()


@bp.post("/admin/rooms/<int:room_id>/pairing-code")
@role_required(*MANAGERS)
def pairing_code(room_id: int):
    """A fresh one-time code to type on the room's tablet."""
    code = pairing.issue_code(rooms.room_of_store(current_user.store_id, room_id))
    return _rooms_page(code=code)


@bp.post("/admin/rooms/<int:room_id>/unpair")
@role_required(*MANAGERS)
def unpair(room_id: int):
    """The room's tablet stops working at once (lost, stolen or replaced)."""
    pairing.revoke(rooms.room_of_store(current_user.store_id, room_id))
    return _rooms_page()


@bp.get("/admin/staff")
@role_required(*MANAGERS)
def staff_list():
    """The team: who signs in, with which role."""
    return _staff_page()


@bp.post("/admin/staff")
@role_required(*MANAGERS)
def add_staff():
    """Add a consultant (PIN) or, for admins, a manager or admin (password)."""
    team.add_member(
        current_user,
        forms.text("name"),
        request.form.get("role", ""),
        request.form.get("secret", ""),
    )
    return _staff_page()


@bp.post("/admin/staff/<int:member_id>/active")
@role_required(*MANAGERS)
def set_staff_active(member_id: int):
    """Deactivate someone who left, or bring them back."""
    team.set_active(current_user, member_id, forms.flag("active"))
    return _staff_page()


@bp.post("/admin/staff/<int:member_id>/secret")
@role_required(*MANAGERS)
def reset_secret(member_id: int):
    """Set a new PIN or password."""
    team.reset_secret(current_user, member_id, request.form.get("secret", ""))
    return _staff_page(done=_("The new PIN or password is set."))


@bp.post("/admin/staff/<int:member_id>/signout")
@role_required(*MANAGERS)
def sign_out_everywhere(member_id: int):
    """End every session of a member at once: a lost or stolen handheld stops working."""
    member = team.sign_out_everywhere(current_user, member_id)
    return _staff_page(done=_("%(name)s is signed out on every device.", name=member.name))


@bp.get("/admin/menus")
@role_required(*MANAGERS)
def menus_page():
    """Drinks and amenities the tablets offer."""
    return _menus_page()


@bp.post("/admin/menus")
@role_required(*MANAGERS)
def add_menu_item():
    """Add a drink or an amenity."""
    kind = forms.choice("kind", [k.value for k in menus.MENU_KINDS])
    menus.add_item(
        current_user.store_id, Kind(kind), forms.text("name"), forms.flag("age_restricted")
    )
    return _menus_page()


@bp.post("/admin/menus/<int:item_id>/active")
@role_required(*MANAGERS)
def set_menu_item_active(item_id: int):
    """Take an item off the menu for now, or put it back."""
    menus.set_active(current_user.store_id, item_id, forms.flag("active"))
    return _menus_page()


@bp.get("/admin/catalogue")
@role_required(*MANAGERS)
def catalogue_page():
    """The catalogue: how many items, and a look inside."""
    return _catalogue_page()


@bp.post("/admin/catalogue")
@role_required(*MANAGERS)
def import_catalogue():
    """Import a CSV file: every line, or — if any line is wrong — none."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Refused(_l("Choose a CSV file to import."))
    limit = current_app.config["CSV_MAX_BYTES"]
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise Refused(_too_large(limit))
    report = catalogue.import_csv(current_user.store_id, raw)
    return _catalogue_page(report=report), 200 if report.ok else 422


@bp.errorhandler(413)
def upload_too_large(error):
    """A file larger than any request may be: the same plain answer as a too-large CSV."""
    if request.endpoint != "staff.import_catalogue":
        return show_problem(error.description, 413)
    return show_problem(_too_large(current_app.config["CSV_MAX_BYTES"]), 413)


def _too_large(limit: int) -> str:
    size = f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit / 1024:g} KB"
    return _(
        "The file is too large: nothing was imported. Split it into files of at most %(size)s.",
        size=size,
    )


@bp.get("/admin/standards")
@role_required(*MANAGERS)
def standards_page():
    """How fast the store promises to answer each kind of request."""
    return _standards_page()


@bp.post("/admin/standards")
@role_required(*MANAGERS)
def set_standard():
    """Change one kind's targets."""
    standards.set_target(
        current_user.store_id,
        forms.choice("kind", [k.value for k in Kind]),
        forms.integer("acknowledge_within"),
        forms.integer("complete_within"),
    )
    return _standards_page(done=_("Saved. Timers and alerts use the new targets at once."))


@bp.get("/admin/audit")
@role_required(Role.ADMIN, Role.MANAGER)
def audit_page():
    """Every transition with who and when, filtered by room, staff member and day."""
    filters = audit.Filters(
        room_id=forms.arg_id("room"),
        staff_id=forms.arg_id("staff"),
        day=forms.day(request.args.get("day")),
    )
    page = min(forms.arg_id("page") or 1, audit.LAST_PAGE)
    return render_template(
        "staff/admin/audit.html",
        events=audit.events(current_user.store, filters, page),
        filters=filters,
        page=page,
        page_size=audit.PAGE_SIZE,
        rooms=current_user.store.rooms,
        team=team.team(current_user.store_id),
    )


def _rooms_page(code=None):
    return render_template(
        "staff/admin/rooms.html",
        rooms=rooms.overview(current_user.store_id),
        code=code,
    )


def _staff_page(done: str | None = None):
    return render_template(
        "staff/admin/staff.html",
        team=team.team(current_user.store_id),
        roles=[role for role in Role if team.may_manage(current_user, role)],
        may_manage=lambda member: team.may_manage(current_user, member.role),
        done=done,
    )


def _menus_page():
    store_id = current_user.store_id
    return render_template(
        "staff/admin/menus.html",
        menus={
            kind: menus.menu(store_id, kind, include_inactive=True) for kind in menus.MENU_KINDS
        },
    )


def _catalogue_page(report=None):
    text = request.args.get("q", "")[: forms.MAX_TEXT]
    return render_template(
        "staff/admin/catalogue.html",
        report=report,
        summary=catalogue.summary(current_user.store_id),
        variants=catalogue.search_variants(current_user.store_id, text, CATALOGUE_ROWS),
        q=text,
        limit=CATALOGUE_ROWS,
    )


def _standards_page(done: str | None = None):
    return render_template(
        "staff/admin/standards.html",
        targets=standards.targets(current_user.store_id),
        done=done,
    )
