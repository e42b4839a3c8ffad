"""The language of staff screens: each member's own choice, and the store's default."""

from flask import redirect, url_for
from flask_htmx import make_response
from flask_login import current_user

from assist import forms, languages, team
from assist.extensions import htmx

from . import bp
from .access import EVERYONE, MANAGERS, role_required


@bp.post("/language")
@role_required(*EVERYONE)
def choose_language():
    """The switch in the header: the page is drawn again in the chosen language."""
    team.set_language(current_user, current_user.id, forms.text("language"))
    if htmx:
        return make_response("", 204, refresh=True)
    return redirect(url_for("staff.queue_page"))


@bp.post("/admin/staff/<int:member_id>/language")
@role_required(*MANAGERS)
def set_member_language(member_id: int):
    """A manager chooses a consultant's language, e.g. before handing over a handheld."""
    team.set_language(current_user, member_id, forms.text("language"))
    return redirect(url_for("staff.staff_list", _anchor=f"member-{member_id}"), 303)


@bp.post("/admin/store/language")
@role_required(*MANAGERS)
def set_store_language():
    """The store's language: tablets start in it, and staff who chose none read it."""
    languages.set_store_language(current_user.store, forms.text("language"))
    return redirect(url_for("staff.staff_list"), 303)
