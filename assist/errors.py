"""What the domain says when it will not do something. Views turn these into 4xx answers."""


class Refused(Exception):
    """A request the user can correct: the message is shown to them as it is."""

    status = 422

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(Refused):
    status = 404


class Conflict(Refused):
    """Someone else got there first; the message says who."""

    status = 409


class TooMany(Refused):
    status = 429


class Unauthorized(Refused):
    status = 401
