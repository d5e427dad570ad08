"""Reporters: one per output format, chosen by name from REPORTERS."""

from __future__ import annotations

from skipcheck.report.full import FullReporter

REPORTERS = {"full": FullReporter}
