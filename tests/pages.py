"""Reading pages as a browser would: chart data blocks, scripts, and the text of table cells."""

import html as html_lib
import json
import re

SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


def data_block(html: str, block_id: str) -> dict:
    """The figure in `<script type="application/json" id=block_id>`, parsed as charts.js does."""
    match = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.S)
    assert match, f"no data block {block_id} on the page"
    return json.loads(match.group(1))


def scripts(html: str) -> list[tuple[str, str]]:
    """Every <script> on the page as (attributes, body)."""
    return [(m.group("attrs"), m.group("body")) for m in SCRIPT.finditer(html)]


def inline_javascript(html: str) -> list[str]:
    """Anything a strict CSP would block: scripts with a body that are not JSON data, and on*= handlers."""
    found = [f"<script{attrs}>{body[:60]}" for attrs, body in scripts(html)
             if 'type="application/json"' not in attrs and (body.strip() or "src=" not in attrs)]
    return found + EVENT_HANDLER.findall(html)


def cell(html: str, pattern: str) -> str:
    """The text of the first element matching `pattern` (a regex ending at its opening tag)."""
    match = re.search(pattern + r"(.*?)</t[dh]>", html, re.S)
    assert match, f"nothing matches {pattern}"
    return html_lib.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def text(response) -> str:
    """The page as a person reads it: entities such as &#39; turned back into characters."""
    return html_lib.unescape(response.get_data(as_text=True))
