"""The one exception type: "skipcheck cannot proceed" (exit code 2 at the CLI)."""

from __future__ import annotations

from skipcheck.core.position import Position


class SkipcheckError(Exception):
    """A spec or an option that skipcheck cannot work with.

    Low-level code raises short facts; the boundary adds the file name.
    """

    def __init__(self, message: str, pos: Position | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos

    def within(self, context: str) -> SkipcheckError:
        """The same error told within ``context`` (the file, the ``--set`` that caused it):
        a new error, to raise ``from None`` where this one was caught; this one is left as
        it was raised. A message that already starts with the context keeps it once.

        >>> str(SkipcheckError("no layers").within("unet.yaml"))
        'unet.yaml: no layers'
        """
        if self.message.startswith(f"{context}: "):
            return SkipcheckError(self.message, self.pos)
        return SkipcheckError(f"{context}: {self.message}", self.pos)

    def __str__(self) -> str:
        if self.pos is None:
            return self.message
        return f"{self.pos}: {self.message}"
