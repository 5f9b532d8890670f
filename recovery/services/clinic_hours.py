"""The clinic's opening hours and closed dates: the one parser and the one way they are written.

Hours are minutes after local midnight (0-1440) on weekdays 0 (Monday) to 6 (Sunday), so a
range means the same wall-clock time on either side of a daylight-saving change. The grammar,
shared by the CLINIC_HOURS setting and the settings page:

    hours  := group (";" group)*          "Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-12:00"
    group  := days " " ranges             days not named are closed
    days   := day ("-" day)? ("," ...)*    "Mon-Fri", "Mon,Wed,Fri", "Sat"
    ranges := HH:MM "-" HH:MM ("," ...)*   "24:00" only as an end

This module is pure: no request, no database (the tables are read and written in
services/clinic_calendar.py).
"""

import re
from datetime import date

from flask_babel import lazy_gettext as _l

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EXAMPLE = "Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-12:00"
DASHES = re.compile(r"\s*[-\u2013\u2014]\s*")  # a hyphen or an en/em dash, spaces around allowed
CLOCK = re.compile(r"(\d{1,2}):(\d{2})")

Range = tuple[int, int]  # (opens, closes) in minutes after local midnight
Week = dict[int, list[Range]]  # weekday -> its ranges, in order; a missing day is closed


class HoursError(ValueError):
    """Input the grammar refuses; `message` says what is wrong, in words a person can act on."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def minutes(text: str) -> int:
    """"8:00" or "17:30" as minutes after midnight (0-1440); HoursError otherwise."""
    match = CLOCK.fullmatch(text.strip())
    if not match or int(match.group(2)) > 59 or int(match.group(1)) * 60 + int(match.group(2)) > 24 * 60:
        raise HoursError(_l("“%(text)s” is not a time of day (HH:MM).", text=text.strip()[:20]))
    return int(match.group(1)) * 60 + int(match.group(2))


def clock(value: int) -> str:
    """Minutes after midnight as "08:00" (1440 as "24:00")."""
    return f"{value // 60:02d}:{value % 60:02d}"


def parse_ranges(text: str) -> list[Range]:
    """"08:00-12:00, 13:00-17:00" as [(480, 720), (780, 1020)], in order; "" is a closed day.

    Refuses a range that ends at or before it starts and two ranges that overlap."""
    ranges = []
    for item in (part.strip() for part in text.split(",")):
        if not item and not text.strip():
            continue
        ends = DASHES.split(item)
        if len(ends) != 2:
            raise HoursError(_l("“%(text)s” is not a range of times such as 08:00-12:00.", text=item[:30]))
        opens, closes = minutes(ends[0]), minutes(ends[1])
        if closes <= opens:
            raise HoursError(_l("%(range)s ends before it starts.", range=f"{clock(opens)}-{clock(closes)}"))
        ranges.append((opens, closes))
    ranges.sort()
    for (a_open, a_close), (b_open, b_close) in zip(ranges, ranges[1:], strict=False):
        if b_open < a_close:
            first, second = f"{clock(a_open)}-{clock(a_close)}", f"{clock(b_open)}-{clock(b_close)}"
            raise HoursError(_l("%(first)s and %(second)s overlap.", first=first, second=second))
    return ranges


def _weekday(text: str) -> int:
    name = text.strip().lower()
    if name not in DAYS:
        raise HoursError(_l("“%(text)s” is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun).",
                            text=text.strip()[:20]))
    return DAYS.index(name)


def _days(text: str) -> list[int]:
    days = []
    for item in text.split(","):
        ends = DASHES.split(item.strip())
        if len(ends) == 1:
            days.append(_weekday(ends[0]))
        elif len(ends) == 2:
            first, last = _weekday(ends[0]), _weekday(ends[1])
            if last < first:
                raise HoursError(_l("%(days)s runs backwards: write the days Monday first.",
                                    days=item.strip()[:20]))
            days.extend(range(first, last + 1))
        else:
            raise HoursError(_l("“%(text)s” is not a day or a range of days.", text=item.strip()[:20]))
    return days


def parse_hours(text: str) -> Week:
    """The whole grammar (see the module docstring) as {weekday: [ranges]}; HoursError otherwise.

    A day named twice keeps all its ranges, and they must not overlap; at least one day is open."""
    week: Week = {}
    for group in (part.strip() for part in str(text).split(";")):
        if not group:
            continue
        match = re.fullmatch(r"([A-Za-z]{3}(?:\s*[-\u2013\u2014,]\s*[A-Za-z]{3})*)\s+(.+)", group)
        if not match:
            raise HoursError(_l("“%(text)s” should be days then times, such as Mon-Fri 08:00-17:00.",
                                text=group[:40]))
        ranges = parse_ranges(match.group(2))
        for day in _days(match.group(1)):
            week[day] = _checked(week.get(day, []) + ranges)
    if not week:
        raise HoursError(_l("Name at least one day the clinic is open."))
    return dict(sorted(week.items()))


def _checked(ranges: list[Range]) -> list[Range]:
    """The ranges in order, once more refusing overlaps (a day can be named in two groups)."""
    return parse_ranges(",".join(f"{clock(a)}-{clock(b)}" for a, b in ranges))


def parse_closed(text: str) -> list[date]:
    """"2026-12-25, 2027-01-01" as sorted distinct dates ("" is none); HoursError otherwise."""
    days = set()
    for item in (part.strip() for part in str(text).split(",")):
        if not item:
            continue
        days.add(parse_day(item))
    return sorted(days)


def parse_day(text: str) -> date:
    """"2026-12-25" as a date; HoursError for anything else (the form's date field sends this)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            return date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise HoursError(_l("“%(text)s” is not a date (YYYY-MM-DD).", text=text.strip()[:20]))


def describe(week: Week, day_names=DAY_NAMES) -> str:
    """The week as people write it: "Mon–Fri 08:00–12:00, 13:00–17:00; Sat 09:00–12:00".

    Consecutive days with the same ranges share one group; `day_names` are seven short names,
    Monday first (the viewer's language)."""
    groups: list[tuple[list[int], list[Range]]] = []
    for day in sorted(week):
        ranges = week[day]
        if not ranges:
            continue
        if groups and groups[-1][1] == ranges and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], ranges))
    parts = []
    for days, ranges in groups:
        named = day_names[days[0]] if len(days) == 1 else f"{day_names[days[0]]}–{day_names[days[-1]]}"
        parts.append(f"{named} " + ", ".join(f"{clock(a)}–{clock(b)}" for a, b in ranges))
    return "; ".join(parts)


def within(week: Week, weekday: int, start: int, end: int) -> bool:
    """True when start..end (minutes after midnight on that weekday) fits inside one open range."""
    return any(opens <= start and end <= closes for opens, closes in week.get(weekday, []))
