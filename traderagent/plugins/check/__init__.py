"""The strategy contract kit behind `traderagent strategy check` (see `checks`)."""

from traderagent.plugins.check.checks import CheckResult, run_checks
from traderagent.plugins.check.subject import Subject, subject_of

__all__ = ["CheckResult", "Subject", "run_checks", "subject_of"]
