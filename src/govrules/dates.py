"""Calendar dates as manifests, policies and the command line write them: `YYYY-MM-DD`, nothing looser.

`datetime.date.fromisoformat` also reads `20250601` and week dates such as `2025-W01-1`; a governance record
should not, so every place that reads a date goes through `calendar_date`.

    >>> calendar_date("2025-06-01"), calendar_date("2025-W01-1"), calendar_date("2025-02-30")
    (datetime.date(2025, 6, 1), None, None)
"""

from __future__ import annotations

import datetime as dt


def calendar_date(value: object) -> dt.date | None:
    """A plain calendar date: a `date` that is not a date-time, or text written exactly YYYY-MM-DD."""
    if isinstance(value, dt.date):
        return None if isinstance(value, dt.datetime) else value
    if not isinstance(value, str) or len(value) != 10 or value[4] != "-" or value[7] != "-":
        return None
    if not (value[:4] + value[5:7] + value[8:]).isdigit():
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None
