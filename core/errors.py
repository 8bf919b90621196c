"""Domain exceptions. Services raise them; views flash them, the API maps them to a status."""


class DomainError(Exception):
    """A rule refused the change. `errors` maps a field to its message where one field is at fault."""

    status = 422

    def __init__(self, message, errors=None):
        super().__init__(str(message))
        self.message = str(message)
        self.errors = {k: [str(m) for m in (v if isinstance(v, list) else [v])]
                       for k, v in (errors or {}).items()}

    def __str__(self):
        if not self.errors:
            return self.message
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items())
        return f"{self.message} ({details})"

    def readable(self) -> str:
        """For a page: the message and the fields' messages, without internal field names
        (a form marks the field itself)."""
        details = " ".join(m for msgs in self.errors.values() for m in msgs
                           if m not in self.message)
        return f"{self.message} {details}".strip()

    def as_dict(self) -> dict:
        body = {"message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class ValidationFailed(DomainError):
    status = 422


class NotAllowed(DomainError):
    """The acting user's role or department may not do this."""

    status = 403


class Conflict(DomainError):
    """The change does not fit the current state (e.g. a transition from the wrong status)."""

    status = 409


class NotFound(DomainError):
    status = 404
