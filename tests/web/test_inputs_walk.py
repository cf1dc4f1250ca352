"""A walk of every route with hostile input: no value of any parameter may give a 500.

For each route and method of `app.url_map` (the authorization matrix's world and actors), the
test first finds what the route reads: the query-string and form keys the view looks up and
the fields of every form it fills from the request (recorded while it answers a plain
request), and sensible values for them (the route's form as a page renders it). Hypothesis
then sends hostile values: in every parameter at once, or in one parameter (or one part of
the path) with the others left sensible, so that a bad value reaches the services and the
database and is not merely stopped by the first field that complains.

Tests run with TESTING=True, so an unhandled exception comes out of the test client instead
of a 500 page: either is a failure, with the request that caused it.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from flask import Flask, Request, request
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from marketplace.web import inputs
from tests.web.test_policy import (
    ACTORS,
    CSRF_EXEMPT,
    EXPECTED,
    World,
    build_url,
    post_data,
)
from tests.web.test_policy import world as matrix_world  # noqa: F401 - the fixture

# Random examples per route and method, besides the fixed ones below; FUZZ_EXAMPLES=200 for a
# deeper search (the default keeps the walk to about a minute per database).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))

HOSTILE = [
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\x85\x9f",  # C1 controls
    "\u202eevil\u202c",  # right-to-left override
    "e\u0301\u0301\u0301",  # combining accents
    "\u0301",
    "\ufeff\u200b\u200d",
    "²",
    "١٢٣",
    "１２３",
    "٣",
    "2147483647",
    "2147483648",
    str(2**63),
    str(10**30),
    "9" * 5000,  # more digits than int() converts
    "-1",
    "-2147483649",
    "0",
    "00000000000000000001",
    "1e309",
    "-1e309",
    "1e-400",
    "NaN",
    "inf",
    "-inf",
    "1_000",
    "0x10",
    "1,5",
    "1.5.5",
    " ",
    "\t",
    "",
    "x" * 10_000,
    "å" * 10_000,
    "' OR '1'='1' --",
    "1; DROP TABLE users; --",
    "%",
    "_",
    "\\",
    '<script>alert(1)</script>"><img src=x onerror=alert(1)>',
    "{{7*7}}{% raw %}",
    "%s%n%x",
    "../../../../etc/passwd",
    "//evil.example/",
    "javascript:alert(1)",
    "😀\U0010ffff",
    "\u00a0\u2009\u202f",
]
# The values the issue named, sent to every parameter of every route on every run.
ALWAYS = ["\x00", "²", "2147483648", " ", "١٢٣"]
# ...and to each parameter alone: text with a NUL, and a number or only a space.
EACH = {"query": ["a\x00b", "2147483648"], "body": ["a\x00b", " "]}
# For a part of the path: ids that cannot exist and other digits.
PATH_HOSTILE = ["2147483648", str(2**63), str(10**30), "١٢", "１２", "²", "0", "-1", "\x00", "%"]

text_values = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
hostile_values = st.one_of(
    st.sampled_from(HOSTILE + PATH_HOSTILE),
    text_values,
    st.tuples(st.sampled_from(HOSTILE), st.sampled_from(HOSTILE)).map("".join),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)

# Values that make a form valid where a page leaves a field empty, so that a hostile value in
# one field goes past the others' checks into the services.
FILL = {
    "title": "Spån från hyvleriet",
    "category": "sawdust",
    "quantity": "10",
    "message": "Hej, vi är intresserade.",
    "body": "Hej!",
    "note": "Ring före leverans.",
    "reason": "Fel vikt på vågsedeln.",
    "name": "Lager Norr",
    "label": "Nya faktorer",
    "municipality_code": "2080",
    "delivered_on": "2026-12-01",
    "substitution_ratio": "1",
    "price_sek": "200",
    "email": "new.colleague@firm.example",
    "firm_name": "Fuzzbolaget AB",
    "org_number": "556036-0793",
    "password": "correct horse battery staple",
    "password_confirm": "correct horse battery staple",
}
# Where a POST route's form is rendered, when it is not on the same URL or a parent path.
SOURCE = {
    "impact.save_estimate": "impact.estimate_page",
    "staff.unpublish": "staff.moderation",
    "staff.resolve": "staff.moderation",
    "alerts.pause": "alerts.index",
    "alerts.resume": "alerts.index",
    "alerts.delete": "alerts.index",
    "alerts.mute": "alerts.index",
    "firm.invite": "firm.overview",
    "firm.revoke_invitation": "firm.overview",
    "firm.set_role": "firm.overview",
    "firm.remove_member": "firm.overview",
    "firm.delete_site": "firm.overview",
    "admin.set_roles": "admin.users",
    "admin.retry_mail": "admin.mail",
    "account.update_profile": "account.settings",
    "account.change_password": "account.settings",
    "auth.resend_verification": "auth.unverified",
    "main.set_language": "main.index",
    "auth.logout": "main.index",
    "listings.report": "listings.detail",
    "deals.accept": "deals.deal",
    "deals.cancel": "deals.deal",
    "deals.complete": "deals.deal",
    "deals.log_delivery": "deals.deal",
    "deals.confirm_delivery": "deals.deal",
    "deals.dispute_delivery": "deals.deal",
    "deals.accept_inquiry": "deals.conversation",
    "deals.close": "deals.conversation",
    "deals.reopen": "deals.conversation",
    "deals.mark_read": "deals.conversation",
    "deals.post_message": "deals.conversation",
    "staff.add_note": "staff.firm",
    "staff.note_done": "staff.firm",
}


# --- what a route reads -------------------------------------------------------------------


class _Reads:
    """Keys looked up in the query string or the form and fields of forms filled from either:
    (name, "query" or "body")."""

    keys: set[tuple[str, str]] | None = None


def _where(data: Any) -> str:
    args = vars(request._get_current_object()).get("args")  # only if already parsed
    return "query" if data is args or isinstance(data, _RecordingMutable) else "body"


class _Recording:
    """Remembers every key looked up (a mixin for werkzeug's MultiDicts)."""

    def _saw(self, key: Any) -> None:
        if _Reads.keys is not None and isinstance(key, str):
            _Reads.keys.add((key, _where(self)))

    def __getitem__(self, key: Any) -> Any:
        self._saw(key)
        return super().__getitem__(key)  # type: ignore[misc]

    def __contains__(self, key: Any) -> bool:
        self._saw(key)
        return super().__contains__(key)  # type: ignore[misc]

    def getlist(self, key: Any, type: Any = None) -> list[Any]:
        self._saw(key)
        return super().getlist(key, type)  # type: ignore[misc]

    def copy(self) -> MultiDict[str, Any]:
        return _RecordingMutable(self)  # type: ignore[arg-type]


class _RecordingDict(_Recording, ImmutableMultiDict):  # type: ignore[type-arg]
    pass


class _RecordingMutable(_Recording, MultiDict):  # type: ignore[type-arg]
    pass


class _RecordingRequest(Request):
    parameter_storage_class = _RecordingDict


@pytest.fixture
def reads(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Reads]]:
    """While the test runs, remember what the views read (the app is shared: put back after)."""
    original = inputs.Form.cleaned

    def cleaned(form: inputs.Form, formdata: Any) -> Any:
        if _Reads.keys is not None:
            _Reads.keys.update((field.name, _where(formdata)) for field in form)
        return original(form, formdata)

    monkeypatch.setattr(inputs.Form, "cleaned", cleaned)
    monkeypatch.setattr(app, "request_class", _RecordingRequest)
    yield _Reads
    _Reads.keys = None


# --- the forms a page renders ---------------------------------------------------------------


class _Forms(HTMLParser):
    """Every <form> of a page: method, action and its fields with the values shown."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {"method": a.get("method", "get").lower(), "action": a.get("action", ""),
                 "fields": {}}
            )  # fmt: skip
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "option" and self._select:
            if "selected" in a or not fields[self._select]:
                fields[self._select] = [a.get("value", "")]
            return
        if "name" not in a:
            return
        name = a["name"]
        if tag == "input" and a.get("type") in ("checkbox", "radio"):
            fields.setdefault(name, [])
            if "checked" in a:
                fields[name].append(a.get("value", "on"))
        elif tag == "input" and a.get("type") not in ("submit", "button", "image", "file"):
            fields[name] = [a.get("value", "")]
        elif tag == "select":
            self._select = name
            fields[name] = []
        elif tag == "textarea":
            self._textarea = name
            fields[name] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] = [data.removeprefix("\r\n")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(page: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def form_values(
    client: Any, app: Flask, endpoint: str, url: str, world: World
) -> dict[str, list[str]]:
    """The values a page shows in the form that posts to `url`, with FILL for empty ones."""
    path = urlsplit(url).path
    pages = [url]
    if endpoint in SOURCE:
        pages = [build_url(app, SOURCE[endpoint], world)]
    else:
        parts = path.rstrip("/").split("/")
        pages += ["/".join(parts[:n]) for n in range(len(parts) - 1, 1, -1)]
    for page in pages:
        response = client.get(page)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in page_forms(response.get_data(as_text=True)):
            action = urlsplit(form["action"]).path or urlsplit(page).path
            if form["method"] == "post" and action == path:
                values = dict(form["fields"])
                for name, value in FILL.items():
                    if name in values and not any(values[name]):
                        values[name] = [value]
                return values
    return {}


# --- the walk ---------------------------------------------------------------------------------


def actor_for(endpoint: str, method: str) -> str:
    """An actor the route lets in (its expected status is not a login, 403 or 404 page)."""
    expected = dict(zip(ACTORS, EXPECTED[(endpoint, method)], strict=True))
    for actor in ("owner", "staff", "admin", "anonymous", "member", "other"):
        if expected[actor] not in ("login", 302, 403, 404):
            return actor
    return "owner"


ROUTES = sorted(EXPECTED)


def _path_template(app: Flask, endpoint: str, world: World) -> tuple[str, dict[str, str]]:
    """The route's URL with each path argument replaced by a marker, and the markers."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = build_url(app, endpoint, world)
    markers: dict[str, str] = {}
    for name in rule.arguments:
        value = world.values["tokens"][endpoint] if name == "token" else world.values[name]  # type: ignore[index]
        markers[name] = str(value)
    return url, markers


def _with_path(url: str, markers: dict[str, str], name: str, value: str) -> str:
    """The URL with the path argument `name` written as `value` (URL-encoded)."""
    path, _, query = url.partition("?")
    segments = path.split("/")
    wanted = markers[name]
    for index, segment in enumerate(segments):
        if segment == wanted or segment.startswith(wanted + "."):
            segments[index] = quote(value, safe="") + segment[len(wanted) :]
            break
    return "/".join(segments) + ("?" + query if query else "")


@dataclass
class Walk:
    """One route as the walk sends it: sensible values, and the parameters it reads."""

    method: str
    url: str  # with the world's ids and sensible query
    markers: dict[str, str]  # path argument -> its value in `url`
    query: dict[str, list[str]]
    body: dict[str, list[str]]
    token: str | None
    reads: list[tuple[str, str]] = field(default_factory=list)

    def send(
        self, client: Any, *, url: str | None = None, query: Any = None, body: Any = None
    ) -> Any:
        path = urlsplit(url or self.url).path
        query = {**self.query, **(query or {})}
        target = path + ("?" + urlencode(query, doseq=True) if query else "")
        if self.method == "GET":
            return client.get(target)
        data = MultiDict({**self.body, **(body or {})})
        if self.token is not None:
            data["csrf_token"] = self.token
        return client.raw.post(target, data=data)

    def hostile(self, client: Any, value: str, target: str) -> Any:
        """`target`: "*" (every parameter), "query:<name>", "body:<name>" or "path:<name>"."""
        if target == "*":
            query = {n: [value] for n, where in self.reads if where == "query"}
            body = {n: [value] for n, where in self.reads if where == "body"}
            return self.send(client, query=query, body=body)
        where, _, name = target.partition(":")
        if where == "path":
            return self.send(client, url=_with_path(self.url, self.markers, name, value))
        return self.send(client, **{where: {name: [value]}})


# Query values that get a route past its first check (the matrix's URLs have the others).
def _sensible_query(endpoint: str, world: World) -> dict[str, list[str]]:
    ids = {"offer": [str(world.values["listing_id"])], "want": [str(world.values["want_id"])]}
    return {
        "api.impact": ids,
        "api.municipality": {"lat": ["60.6"], "lon": ["15.6"]},
        "api.postcode": {"code": ["791 71"]},
    }.get(endpoint, {})


def walk_of(app: Flask, client: Any, reads: type[_Reads], world: World, endpoint: str,
            method: str) -> Walk:  # fmt: skip
    url, markers = _path_template(app, endpoint, world)
    query = {k: [v] for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    query.update(_sensible_query(endpoint, world))
    body: dict[str, list[str]] = {}
    if method == "POST":
        body = form_values(client, app, endpoint, url, world)
        for key, value in post_data(endpoint, world).items():
            body.setdefault(key, [str(value)])
        body.pop("csrf_token", None)
    token = client.csrf_token() if method == "POST" and endpoint not in CSRF_EXEMPT else None
    route = Walk(method, url, markers, query, body, token)
    reads.keys = set()
    route.send(client).close()  # what the route reads, while it answers a sensible request
    route.reads = sorted((reads.keys | {(n, "body") for n in body}) - {("csrf_token", "body")})
    reads.keys = None
    for name, where in route.reads:
        if where == "body" and not any(body.get(name) or ()) and name in FILL:
            body[name] = [FILL[name]]
    return route


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{e}-{m}" for e, m in ROUTES])
def test_no_input_gives_a_server_error(app, client, session, matrix_world, reads, endpoint, method):  # noqa: F811
    world = matrix_world
    actor = actor_for(endpoint, method)
    if actor != "anonymous":
        client.login(world.emails[actor])
    route = walk_of(app, client, reads, world, endpoint, method)
    targets = ["*", *(f"{where}:{name}" for name, where in route.reads),
               *(f"path:{name}" for name in route.markers)]  # fmt: skip

    def check(value: str, target: str) -> None:
        said = f"{method} {route.url[:200]} {target}={value[:80]!r}"
        try:
            response = route.hostile(client, value, target)
        except Exception:  # TESTING propagates what would have been a 500
            pytest.fail(f"{said} raised:\n{traceback.format_exc(limit=-6)}")
        status = response.status_code
        response.close()
        assert status < 500 or status == 503, f"{said} gave {status}"

    run = given(value=hostile_values, target=st.sampled_from(targets))(check)
    for value in ALWAYS:
        run = example(value=value, target="*")(run)
    for name, where in route.reads:  # each parameter alone, the others sensible
        for value in EACH[where]:
            run = example(value=value, target=f"{where}:{name}")(run)
    for name in route.markers:
        for value in ("2147483648", str(2**63), "١٢", "\x00"):
            run = example(value=value, target=f"path:{name}")(run)
    settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )(run)()


def test_the_walk_finds_the_fields_of_a_form(app, client, session, matrix_world, reads):  # noqa: F811
    world = matrix_world
    """The discovery that the walk relies on: a form's fields and a view's query parameters."""
    client.login(world.emails["owner"])
    url = build_url(app, "deals.post_message", world)
    values = form_values(client, app, "deals.post_message", url, world)
    assert {"body", "csrf_token"} <= set(values)
    reads.keys = set()
    client.get("/listings?q=spån").close()
    assert {"q", "page", "near", "radius_km", "direction"} <= {n for n, _ in reads.keys}
    route = walk_of(app, client, reads, world, "listings.new", "POST")
    assert ("direction", "query") in route.reads and ("title", "body") in route.reads
    assert route.body["title"] == [FILL["title"]] and route.query["kind"] == ["material"]
