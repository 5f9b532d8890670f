"""The error summary's list for a refused form: each problem named by its question, in page order.

The macro `error_summary` (templates/_error_summary.html) wraps a form, renders it, and hands its
HTML here with the errors, so the summary names each field by the label or legend the page
already shows and no template repeats its questions. A problem whose field has no label on the
page (the form as a whole, a hidden field) is listed as plain text, first.
"""

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass(frozen=True)
class Problem:
    """One line of the summary: the field's id to link to (or None), its question and the message."""

    field_id: str | None
    question: str
    message: str

    @property
    def lead(self) -> str:
        """The question as the start of the line: "Password:" but "How well can you walk today?"."""
        return self.question if not self.question or self.question[-1] in "?!.:" else f"{self.question}:"


class _Questions(HTMLParser):
    """Every labelled field of a piece of HTML: id -> (position, question text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: dict[str, tuple[int, str]] = {}
        self._fieldsets: list[str | None] = []
        self._reading: tuple[str, str, list[str]] | None = None  # (tag, field id, text so far)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "fieldset":
            self._fieldsets.append(attrs.get("id"))
        elif self._reading is None:
            if tag == "label" and attrs.get("for"):
                self._reading = ("label", attrs["for"], [])
            elif tag == "legend" and self._fieldsets and self._fieldsets[-1]:
                self._reading = ("legend", self._fieldsets[-1], [])

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        elif self._reading is not None and tag == self._reading[0]:
            _tag, field_id, parts = self._reading
            self._reading = None
            text = " ".join("".join(parts).split())
            if text and field_id not in self.found:
                self.found[field_id] = (len(self.found), text)

    def handle_data(self, data):
        if self._reading is not None:
            self._reading[2].append(data)


def _messages(errors) -> dict[str, str]:
    """Field id -> its first message, from a mapping (services) or a WTForms form."""
    if hasattr(errors, "_fields"):  # a WTForms form: its fields' own errors, by their HTML id
        return {field.id: str(field.errors[0]) for field in errors if field.errors}
    return {name: str(m[0] if isinstance(m, list | tuple) else m) for name, m in errors.items() if m}


def problems(errors, form_html: str) -> list[Problem]:
    """The problems of `errors` (a mapping or a WTForms form) as the summary lists them: those
    without a labelled field first, then the fields in the order the page shows them."""
    if not errors:
        return []
    parser = _Questions()
    parser.feed(str(form_html))
    parser.close()
    found = parser.found
    listed = [
        Problem(name, found[name][1], message) if name in found else Problem(None, "", message)
        for name, message in _messages(errors).items()
    ]
    return sorted(listed, key=lambda p: -1 if p.field_id is None else found[p.field_id][0])


def register(app) -> None:
    """Let templates call it (the macro does)."""
    app.jinja_env.globals["error_problems"] = problems
