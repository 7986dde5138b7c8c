"""Domain operations shared by views, socket handlers and the CLI.

Each function takes explicit arguments (the acting user included), changes
and flushes, and returns objects; the caller owns the transaction and sends
any broadcast only after its commit succeeded.
"""


class DomainError(Exception):
    """A rule of the domain said no; ``message`` is translated for the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
