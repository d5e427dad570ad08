"""The error boundary: how a run that cannot go on ends."""

from __future__ import annotations

import re

import pytest

from skipcheck.core.boundary import EXIT_ERROR, failure
from tests.conftest import ROOT


def test_an_internal_error_points_at_a_page_that_exists(capsys: pytest.CaptureFixture[str]) -> None:
    # issue 22, item 14: the line linked to a repository that does not exist
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError as exc:
        assert failure(exc) == EXIT_ERROR
    line = capsys.readouterr().err
    assert line.startswith("error: internal error — please report it (how: docs/reporting.md")
    assert "ZeroDivisionError: boom (test_boundary.py:" in line
    assert not re.search(r"https?://", line)  # no address that leads nowhere
    page = (ROOT / "docs" / "reporting.md").read_text()
    assert "What to send" in page and "internal error — please report it" in page
