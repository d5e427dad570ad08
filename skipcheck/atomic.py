"""Every file skipcheck writes goes through here: a report (``validate -o``), a fixed spec
(``fix --apply``), exported code, a picture, an imported spec.

``Output`` is where a command writes: it refuses, before any work, a path that names one of
the command's inputs, and writes at the end so that readers see the old text or the new
one, never half of it; a device or a FIFO is written in place. Every failure is one
``SkipcheckError`` that says what happened to the file ("nothing was written").
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from skipcheck.core.errors import SkipcheckError


class ChangedSinceRead(Exception):
    """The file no longer holds the text it was read with: writing would lose that change."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path} changed since it was read")
        self.path = path


def write_text_atomic(path: str, text: str, *, expect: str | None = None) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step.

    The text goes to a temporary file in the same directory (``os.replace`` is atomic
    only within one file system), is flushed to disk, then renamed over the target.
    An existing target keeps its permission bits; a new one gets the usual
    ``0o666 & ~umask``. A symlink is followed: its target is replaced and the link stays.
    ``OSError`` propagates and leaves no temporary file behind (and the target as it was).

    A target that exists and is not a regular file or a directory — a device such as
    ``/dev/null``, a FIFO, a socket — is written in place, never replaced: renaming over it
    would turn ``/dev/null`` into a regular file for every later program (as root, the
    rename is allowed).

    ``expect``: the text the file held when it was read (UTF-8, a byte-order mark dropped).
    If it holds anything else when the new text is about to be renamed over it (another
    ``fix --apply``, an editor), nothing is written and ``ChangedSinceRead`` is raised, so
    that the other change is not silently lost. The check and the rename happen under an
    exclusive lock on the directory, so two skipcheck writers cannot both pass the check.

    >>> write_text_atomic("unet.svg", "<svg/>")  # doctest: +SKIP
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        _write_in_place(target, text)
        return
    mode = stat.S_IMODE(st.st_mode) if st is not None else None
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0o600; a new file should look like any other the user writes
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        if expect is None:
            os.replace(tmp, target)
        else:
            with _locked(directory):
                if _current_text(target) != expect:
                    raise ChangedSinceRead(path)
                os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_in_place(target: str, text: str) -> None:
    # no O_CREAT (it exists), no O_TRUNC (meaningless for a device or a FIFO); a FIFO
    # waits here for its reader, as any program writing to it does
    fd = os.open(target, os.O_WRONLY)
    with os.fdopen(fd, "wb") as fh:
        fh.write(text.encode("utf-8"))


def _current_text(target: str) -> str | None:
    """The target's text as the spec loader reads it; None when it is gone or not UTF-8."""
    try:
        with open(target, "rb") as fh:
            return fh.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


@contextlib.contextmanager
def _locked(directory: str) -> Iterator[None]:
    """An exclusive advisory lock on ``directory`` (where locks exist: POSIX). Without
    one, the check before the rename still catches every change but one that lands in
    the microseconds between the check and the rename."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        yield  # a directory we may write but not read: no lock, the check still runs
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


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


@dataclass(frozen=True)
class Output:
    """A file a command writes, ``product`` naming what it holds in messages ("the report").

    >>> out = Output.to("unet.svg", "the picture", [("the spec", "unet.yaml")])
    >>> out.write("<svg/>")  # doctest: +SKIP
    """

    path: str
    product: str

    @classmethod
    def to(cls, path: str, product: str, inputs: Iterable[tuple[str, str]] = ()) -> Output:
        """Where to write, refused when it is one of ``inputs`` (what each is, its path):
        the output must never replace a spec, nor be read as one on the next run."""
        for what, source in inputs:
            if same_file(path, source):
                raise SkipcheckError(f"refusing to overwrite {what} {source} with {product}")
        return cls(path, product)

    def write(self, text: str) -> None:
        """Write the whole text in one step (SkipcheckError if it cannot be written)."""
        with write_failures(self.path):
            write_text_atomic(self.path, text)


@contextlib.contextmanager
def write_failures(path: str, *, read: bool = False) -> Iterator[None]:
    """A failed write of ``path`` inside the block, said as one SkipcheckError. ``read``:
    the write replaces a file the command read (a fix written into its spec), which a
    failure leaves unchanged."""
    try:
        yield
    except ChangedSinceRead:
        raise SkipcheckError(
            f"{path} changed since skipcheck read it (another `fix --apply` or an editor?); "
            f"not writing, so that change is not lost: run the fix again on the file as it "
            f"is now"
        ) from None
    except OSError as exc:
        kept = f"{os.path.basename(path)} is unchanged" if read else "nothing was written"
        raise SkipcheckError(f"cannot write {path}: {exc.strerror or exc}; {kept}") from None
