"""Committing a change that the database may refuse as a duplicate."""

from sqlalchemy.exc import IntegrityError

from .errors import Refused
from .extensions import db


def commit_or_refuse(message: str) -> None:
    """Commit; if a uniqueness rule refuses it, nothing is written and the user reads `message`."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise Refused(message) from error
