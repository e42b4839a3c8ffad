"""Who may see what on the staff side."""

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required

from assist.models import Role

MANAGERS = (Role.MANAGER, Role.ADMIN)
EVERYONE = (Role.CONSULTANT, Role.MANAGER, Role.ADMIN)


def role_required(*roles: Role):
    """Signed in, and in one of these roles; anyone else gets 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403, _("Your role does not allow this page."))
            return view(*args, **kwargs)

        return wrapped

    return decorator
