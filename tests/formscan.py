"""Find the forms on a page as a browser would: action, method, and each field's offered values."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, set[str]] = field(default_factory=dict)  # name -> values the page offers

    @property
    def pattern(self) -> str:
        """The action with ids replaced, so the same kind of form on many rows counts once."""
        return re.sub(r"/\d+", "/<id>", self.action)


class _Parser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def _add(self, name: str | None, value: str | None) -> None:
        if self._form is not None and name and name != "csrf_token":
            values = self._form.fields.setdefault(name, set())
            if value is not None:
                values.add(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self._form = Form(action=action, method=(a.get("method") or "get").upper())
        elif tag == "input" and a.get("type") not in ("submit", "button", "reset", "image"):
            self._add(a.get("name"), a.get("value"))
        elif tag == "button" and a.get("name"):
            self._add(a.get("name"), a.get("value"))
        elif tag == "textarea":
            self._add(a.get("name"), None)
        elif tag == "select":
            self._select = a.get("name")
            self._add(self._select, None)
        elif tag == "option" and self._select:
            self._add(self._select, a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(html: str, page_url: str) -> list[Form]:
    """Every form on the page, one per kind of action (their offered values merged)."""
    parser = _Parser(page_url)
    parser.feed(html)
    merged: dict[tuple[str, str], Form] = {}
    for form in parser.forms:
        key = (form.method, form.pattern)
        if key not in merged:
            merged[key] = form
        else:
            for name, values in form.fields.items():
                merged[key].fields.setdefault(name, set()).update(values)
    return list(merged.values())
