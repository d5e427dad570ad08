"""Write a file so that readers see the old text or the new one, never half of it."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile


def write_text_atomic(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step.

    The text goes to a temporary file in the same directory (``os.replace`` is atomic
    only within one file system), is flushed to disk, then renamed over the target.
    An existing target keeps its permission bits; a new one gets the usual
    ``0o666 & ~umask``. A symlink is followed: its target is replaced and the link stays.
    ``OSError`` propagates and leaves no temporary file behind (and the target as it was).

    >>> write_text_atomic("unet.svg", "<svg/>")  # doctest: +SKIP
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0o600; a new file should look like any other the user writes
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    # reading the umask means setting it; put it back at once
    current = os.umask(0)
    os.umask(current)
    return current


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (through links); False when either does not exist."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
