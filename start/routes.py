"""`/`: a paired tablet goes to its kiosk, a paired wall board to its wall, a signed-in person
to their page; anyone else reads what this server is and where each device starts."""

from flask import redirect, render_template, url_for
from flask_login import current_user

from assist.models import Role
from kiosk.tablet import current_tablet
from staff.wall import current_board

from . import bp

HOME_BY_ROLE = {
    Role.CONSULTANT: "staff.queue_page",
    Role.MANAGER: "staff.board_page",
    Role.ADMIN: "staff.admin",
}


@bp.get("/")
def start():
    """The first address `make run` prints."""
    if current_tablet() is not None:
        return redirect(url_for("kiosk.home"))
    if current_board() is not None:
        return redirect(url_for("staff.wall_page"))
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE.get(current_user.role, "staff.queue_page")))
    return render_template("start.html")
