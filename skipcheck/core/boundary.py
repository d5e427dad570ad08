"""The CLI's error boundary and exit, without typer: shared by the typer commands
(``cli.py``) and the start-up fast path (``launch.py``), so both end a run the same way."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import NoReturn

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.terminal import visible

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# how to report a bug: a page of the docs (there is no public tracker yet; a link to one
# that does not exist sent reports nowhere)
REPORTING = "docs/reporting.md in skipcheck's source"


def error_line(message: str) -> int:
    """``error: ...`` on stderr; returns the exit code of a run that cannot proceed."""
    sys.stderr.write(f"error: {visible(message)}\n")
    sys.stderr.flush()
    return EXIT_ERROR


def failure(exc: Exception) -> int:
    """Report an exception that ended a command and return its exit code (always 2):
    a SkipcheckError or an unwritable output is one ``error:`` line; anything else is
    a skipcheck bug, reported as such — never 1, which CI reads as "findings"."""
    if isinstance(exc, SkipcheckError):
        return error_line(str(exc))
    if isinstance(exc, BrokenPipeError):
        # the reader went away (`| head`): nothing is wrong to report, as with grep or ruff
        silence_stdout()
        return EXIT_ERROR
    if isinstance(exc, OSError):
        silence_stdout()
        where = exc.filename or "the output"
        return error_line(f"cannot write {where}: {exc.strerror or exc}")
    import traceback

    frame = traceback.extract_tb(exc.__traceback__)[-1]
    return error_line(
        f"internal error — please report it (how: {REPORTING}): {type(exc).__name__}: {exc} "
        f"({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
    )


def silence_stdout() -> None:
    """After a failed write to stdout (a full disk), drop what is still buffered there,
    so that the interpreter's final flush does not fail a second time."""
    with contextlib.suppress(OSError):
        sys.stdout.flush()
    # not a real file (tests capture it): nothing is buffered at the OS level then
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def run_process(command: Callable[[], object]) -> NoReturn:
    """Run the whole command line and exit with its code, flushing stdout ourselves so
    that a report that cannot be written is exit 2 with a message, not a traceback."""
    # A terminal or pipe that cannot encode a character (a non-UTF-8 locale) gets an
    # escape for it instead of a UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    try:
        command()
        code: object = EXIT_CLEAN
    except SystemExit as done:
        code = done.code
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        code = EXIT_ERROR
    except OSError as exc:
        silence_stdout()
        sys.stderr.write(f"error: cannot write the report: {exc.strerror or exc}\n")
        code = EXIT_ERROR
    raise SystemExit(code) from None
