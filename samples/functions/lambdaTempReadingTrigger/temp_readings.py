"""temp_readings.py — turns a Lambda event sent by a database trigger into a
list of temperature readings. Shared by lambdaTempReadingTrigger (CloudWatch)
and lambdaTempReadingFirehose (Firehose; it holds a symlink to this file).

Accepted event shapes (all produce [{"reading_time", "sensor_id",
"temperature", ...}, ...]):
  - the inserted row itself (seed-style trigger: row_to_json(NEW)):
      {"reading_time": "2026-11-26T22:13:15+00:00", "sensor_id": 1, "temperature": 65}
    ("reading_value" is accepted for "temperature", as in the original post)
  - the transactional trigger's envelope: {"op": "INSERT", "new": {...row...}}
    (a DELETE carries no "new" and yields no reading)
  - a micro-batch of either: {"records": [ ... ]}
"""
from datetime import datetime, timezone


class BadReading(ValueError):
    """The event does not hold a usable temperature reading."""


def readings(event):
    """Returns the readings in EVENT as dicts with a parsed 'time' (UTC
    datetime) and a float 'value' added; raises BadReading naming the problem."""
    if not isinstance(event, dict):
        raise BadReading("event must be a JSON object, got %s" % type(event).__name__)
    if "records" in event:
        records = event["records"]
        if not isinstance(records, list):
            raise BadReading('"records" must be a JSON array')
        out = []
        for i, rec in enumerate(records):
            try:
                out.extend(readings(rec))
            except BadReading as e:
                raise BadReading("records[%d]: %s" % (i, e)) from None
        return out
    if "op" in event:
        row = event.get("new")
        if row is None:            # DELETE: nothing new to publish
            return []
        return readings(row)
    return [_reading(event)]


def _reading(row):
    if not isinstance(row, dict):
        raise BadReading("row must be a JSON object, got %s" % type(row).__name__)
    if "reading_time" not in row:
        raise BadReading('missing "reading_time"')
    key = "temperature" if "temperature" in row else "reading_value"
    if key not in row:
        raise BadReading('missing "temperature"')
    try:
        value = float(row[key])
    except (TypeError, ValueError):
        raise BadReading('"%s" is not a number: %r' % (key, row[key])) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise BadReading('"%s" is not a finite number: %r' % (key, row[key]))
    out = dict(row)
    out["time"] = parse_time(row["reading_time"])
    out["value"] = value
    return out


def parse_time(text):
    """ISO 8601 / PostgreSQL / MariaDB timestamp text -> aware UTC datetime.
    A timestamp without a zone is taken as UTC."""
    if not isinstance(text, str):
        raise BadReading('"reading_time" must be a string, got %r' % (text,))
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadReading('"reading_time" is not an ISO 8601 timestamp: %r' % text) from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(timezone.utc)
