"""A local SendGrid v3 Mail Send server for tests: the documented API, faults on demand.

    with FakeSendGrid(api_key="SG.test") as sendgrid:
        channel = SendGridChannel("SG.test", host=sendgrid.url)
        ...
        assert sendgrid.recipient_counts()["ada@example.org"] == 1

``POST /v3/mail/send`` answers like SendGrid: 401 without ``Authorization: Bearer <api_key>``,
403 for a key in ``forbidden_keys``, 429 past ``rate_limit`` requests per ``rate_window``
seconds (with ``X-RateLimit-*`` headers), 413 for a body over ``max_body_bytes``, 400 with
``{"errors": [{"message", "field", "help"}]}`` for a body that breaks the request schema of
SendGrid's OpenAPI description (read with ``jsonschema`` from ``spec_path``, the
``DIGEST_SENDGRID_OPENAPI`` variable or ``../shared/specs``) or the documented rules the schema
cannot express (checked always, so the fake works without the spec); otherwise 202 with an
empty body and an ``X-Message-Id``, and the recipients are recorded.

Faults: ``script(...)`` queues replies for the next requests; ``faults(...)`` makes a seeded
random fraction of requests fail (500/503), be rate limited (429) or be slow (answered after
``slow_seconds``, so a client timeout fires while the message is still accepted, as in life).
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path
from typing import Any, Literal, NamedTuple

SPEC_ENV = "DIGEST_SENDGRID_OPENAPI"
DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "shared" / "specs" / "sendgrid-mail-v3.openapi.json"
MAIL_SEND = "/v3/mail/send"
HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"
RESERVED_HEADERS = frozenset(
    h.lower()
    for h in (
        "x-sg-id",
        "x-sg-eid",
        "received",
        "dkim-signature",
        "Content-Type",
        "Content-Transfer-Encoding",
        "To",
        "From",
        "Subject",
        "Reply-To",
        "CC",
        "BCC",
    )
)
MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_CATEGORIES = 10
MAX_FIELD_BYTES = 10_000  # substitutions per personalization, custom_args
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")

Error = dict[str, Any]
Headers = dict[str, str]


class Delivered(NamedTuple):
    """One accepted recipient, as compact as a test needs it."""

    email: str
    name: str
    substitutions: tuple[tuple[str, str], ...]
    custom_args: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    message_id: str


@dataclass(frozen=True)
class Reply:
    """A scripted answer, sent after ``delay`` seconds.

    ``status=None`` handles the request normally (validated, recorded); any status is sent
    as it is, unvalidated and unrecorded (a scripted 202 "accepts" without recording).
    """

    status: int | None = None
    body: Any = None  # a dict is sent as JSON; None gives SendGrid's error shape for the status
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


# --- validation: pure functions --------------------------------------------------------------


def _error(message: str, field_: str | None, anchor: str = "") -> Error:
    return {"message": message, "field": field_, "help": f"{HELP}#{anchor or field_ or 'message'}"}


def load_schema_validator(spec_path: str | os.PathLike[str] | None) -> Any | None:
    """A jsonschema validator for the Mail Send request body, or None without spec or jsonschema."""
    if spec_path is None:
        return None
    try:
        import jsonschema
    except ModuleNotFoundError:  # pragma: no cover - a test dependency
        return None
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    schema = spec["components"]["requestBodies"]["PostMailSend"]["content"]["application/json"]["schema"]
    # "#/components/..." references resolve against the document root, so carry the components.
    root = {**schema, "components": spec["components"]}
    cls = jsonschema.Draft202012Validator
    return cls(root, format_checker=cls.FORMAT_CHECKER)


def schema_errors(validator: Any, body: Any, limit: int = 20) -> list[Error]:
    return [
        _error(err.message[:300], ".".join(str(p) for p in err.absolute_path) or None)
        for err in islice(validator.iter_errors(body), limit)
    ]


def builtin_errors(body: Any) -> list[Error]:
    """The documented rules, whether or not the schema is at hand (and those it cannot express)."""
    if not isinstance(body, dict):
        return [_error("Bad Request", None)]
    errors = _personalization_errors(body)
    errors += _message_errors(body)
    return errors


def _personalization_errors(body: dict[str, Any]) -> list[Error]:
    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        return [
            _error(
                "The personalizations field is required and must have at least one personalization.",
                "personalizations",
            )
        ]
    if len(personalizations) > MAX_PERSONALIZATIONS:
        return [
            _error(
                "The personalizations field can have a maximum of 1000 personalizations.", "personalizations"
            )
        ]
    errors: list[Error] = []
    seen: set[str] = set()
    total = 0
    dynamic = str(body.get("template_id", "")).startswith("d-")
    for i, p in enumerate(personalizations):
        where = f"personalizations.{i}"
        if not isinstance(p, dict) or not isinstance(p.get("to"), list) or not p["to"]:
            errors.append(
                _error(
                    "The to array is required for all personalization objects, and must "
                    "have at least one email object with a valid email address.",
                    f"{where}.to",
                )
            )
            continue
        for kind in ("to", "cc", "bcc"):
            for j, address in enumerate(p.get(kind) or ()):
                total += 1
                email = address.get("email") if isinstance(address, dict) else None
                if not isinstance(email, str) or not _EMAIL.match(email):
                    errors.append(_error("Does not contain a valid address.", f"{where}.{kind}.{j}.email"))
                elif email.lower() in seen:
                    errors.append(
                        _error(
                            "Each email address in the personalization block should be unique "
                            f"between to, cc, and bcc. We found the first duplicate instance of "
                            f"[{email}] in the {where}.{kind} field.",
                            f"{where}.{kind}",
                        )
                    )
                else:
                    seen.add(email.lower())
        errors += _headers_errors(p.get("headers"), f"{where}.headers")
        errors += _string_map_errors(p.get("substitutions"), f"{where}.substitutions")
        errors += _string_map_errors(p.get("custom_args"), f"{where}.custom_args")
        if dynamic and p.get("substitutions"):
            errors.append(
                _error("Substitutions may not be used with dynamic templating", f"{where}.substitutions")
            )
    if total > MAX_RECIPIENTS:
        errors.append(
            _error(
                "The total number of recipients must be no more than 1000. This includes all "
                "recipients defined within the to, cc, and bcc parameters, across each object "
                "that you include in the personalizations array.",
                "personalizations",
            )
        )
    return errors


def _message_errors(body: dict[str, Any]) -> list[Error]:
    errors: list[Error] = []
    sender = body.get("from")
    if not isinstance(sender, dict) or not _EMAIL.match(str(sender.get("email", ""))):
        errors.append(
            _error(
                "The from object must be provided for every email send. It is an object that "
                "requires the email parameter, but may also contain a name parameter.",
                "from",
            )
        )
    templated = bool(body.get("template_id"))
    personalizations = body.get("personalizations") or []
    every_has_subject = all(isinstance(p, dict) and p.get("subject") for p in personalizations)
    if not templated and not body.get("subject") and not every_has_subject:
        errors.append(
            _error(
                "The subject is required. You can get around this requirement if you use a "
                "template with a subject defined or if every personalization has a subject "
                "defined.",
                "subject",
            )
        )
    errors += _content_errors(body.get("content"), templated)
    errors += _headers_errors(body.get("headers"), "headers")
    categories = body.get("categories")
    if categories is not None and (
        not isinstance(categories, list)
        or len(categories) > MAX_CATEGORIES
        or len(set(map(str, categories))) != len(categories)
        or any(not isinstance(c, str) or len(c) > 255 for c in categories)
    ):
        errors.append(
            _error(
                "You may not have more than 10 categories per request, each unique and no "
                "longer than 255 characters.",
                "categories",
            )
        )
    if body.get("reply_to") and body.get("reply_to_list"):
        errors.append(_error("You may not use both reply_to and reply_to_list.", "reply_to"))
    if len(json.dumps(body.get("custom_args", ""))) > MAX_FIELD_BYTES:
        errors.append(_error("Total custom_args size may not exceed 10,000 bytes.", "custom_args"))
    return errors


def _content_errors(content: Any, templated: bool) -> list[Error]:
    if content is None and templated:
        return []
    if not isinstance(content, list) or not content:
        return [
            _error(
                "Unless a valid template_id is provided, the content parameter is required. There "
                "must be at least one defined content block.",
                "content",
            )
        ]
    errors: list[Error] = []
    types = []
    for k, part in enumerate(content):
        if not isinstance(part, dict) or not isinstance(part.get("type"), str) or not part["type"]:
            errors.append(
                _error(
                    "The content type must be a string at least one character in length.", f"content.{k}.type"
                )
            )
            continue
        if not isinstance(part.get("value"), str) or not part["value"]:
            errors.append(
                _error(
                    "The content value must be a string at least one character in length.",
                    f"content.{k}.value",
                )
            )
        types.append(part["type"].lower())
    expected = [t for t in ("text/plain", "text/html") if t in types]
    if types[: len(expected)] != expected:
        errors.append(
            _error(
                "If present, text/plain must be first, followed by text/html, followed by any other content.",
                "content",
            )
        )
    return errors


def _headers_errors(headers: Any, where: str) -> list[Error]:
    if headers is None:
        return []
    if not isinstance(headers, dict):
        return [_error("Invalid type. Expected: object.", where)]
    errors = []
    for name, value in headers.items():
        if name.lower() in RESERVED_HEADERS:
            errors.append(_error(f"The following header is reserved and cannot be set: {name}", where))
        elif not isinstance(value, str):
            errors.append(
                _error(
                    "Invalid type. Expected: string, given: " + type(value).__name__ + ".", f"{where}.{name}"
                )
            )
    return errors


def _string_map_errors(values: Any, where: str) -> list[Error]:
    if values is None:
        return []
    if not isinstance(values, dict) or any(not isinstance(v, str) for v in values.values()):
        return [_error("Must be an object whose values are strings.", where)]
    if sum(len(k.encode()) + len(v.encode()) for k, v in values.items()) > MAX_FIELD_BYTES:
        return [_error("The total size may not exceed 10,000 bytes per personalization.", where)]
    return []


# --- the server --------------------------------------------------------------------------------


class FakeSendGrid:
    """The test server; start it with ``with`` (or ``start()``/``stop()``), point a client at ``url``."""

    def __init__(
        self,
        *,
        api_key: str = "SG.test-key",
        forbidden_keys: tuple[str, ...] = ("SG.no-permission",),
        spec_path: str | os.PathLike[str] | Literal[False] | None = None,
        max_body_bytes: int = 30 * 1024 * 1024,
        rate_limit: int | None = None,
        rate_window: float = 1.0,
        record: Literal["full", "counts"] = "full",
        schema_sample: int | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        """``record="full"`` keeps a ``Delivered`` per recipient (~2 kB each); ``"counts"`` only
        a count per address (~150 B each), enough for a million recipients. ``host`` is the
        address to listen on (``0.0.0.0`` for workers in other network namespaces)."""
        self.host = host
        self.api_key = api_key
        self.forbidden_keys = frozenset(forbidden_keys)
        self.max_body_bytes = max_body_bytes
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.record = record
        # jsonschema takes ~75 ms for 1,000 personalizations; a load test can check the first few
        # of each request against the schema (the built-in rules still check every one).
        self.schema_sample = schema_sample
        if spec_path is None:
            env = os.environ.get(SPEC_ENV)
            spec_path = env if env else (DEFAULT_SPEC if DEFAULT_SPEC.exists() else False)
        self._validator = load_schema_validator(spec_path) if spec_path else None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.faults()
        self.reset()

    # knobs
    def faults(
        self,
        *,
        error_rate: float = 0.0,
        rate_limited_rate: float = 0.0,
        slow_rate: float = 0.0,
        slow_seconds: float = 1.0,
        seed: int = 0,
    ) -> None:
        """Make a seeded random fraction of requests fail (500/503), get 429, or answer late."""
        with self._lock:
            self._error_rate, self._limited_rate = error_rate, rate_limited_rate
            self._slow_rate, self._slow_seconds = slow_rate, slow_seconds
            self._random = random.Random(seed)

    def script(self, *replies: Reply | int) -> None:
        """Answer the next requests with these, in order (an int is a status with SendGrid's body)."""
        with self._lock:
            self._script.extend(r if isinstance(r, Reply) else Reply(status=r) for r in replies)

    def reset(self) -> None:
        """Forget every request and recorded recipient, and the script."""
        with self._lock:
            self._script: deque[Reply] = deque()
            self._delivered: list[Delivered] = []
            self._counts: Counter[str] = Counter()
            self.requests = 0  # every request received
            self.accepted = 0  # requests answered 202
            self.statuses: Counter[int] = Counter()
            self.errors: deque[tuple[int, Any]] = deque(maxlen=100)  # (status, body) of the last refusals
            self.last_body: dict[str, Any] | None = None  # the last accepted request, parsed
            self._window, self._window_count = -1, 0

    # helpers
    @property
    def schema_validation(self) -> bool:
        return self._validator is not None

    def accepted_recipients(self) -> list[str]:
        """Every accepted address, repeats included (in acceptance order when ``record="full"``)."""
        with self._lock:
            if self.record == "full":
                return [d.email for d in self._delivered]
            return list(self._counts.elements())

    def recipient_counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self._counts)

    def deliveries(self) -> list[Delivered]:
        """Every accepted recipient with what SendGrid would use for them (``record="full"`` only)."""
        with self._lock:
            return list(self._delivered)

    def delivered_to(self, email: str) -> Delivered:
        """The last delivery to one address."""
        return next(d for d in reversed(self.deliveries()) if d.email == email)

    # lifecycle
    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeSendGrid:
        self._stopping.clear()
        self._server = _Server((self.host, 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-sendgrid",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSendGrid:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # the request
    def handle(
        self, path: str, headers: Mapping[str, str] | Message, raw: bytes | None
    ) -> tuple[int, Any, Headers]:
        """Answer one request: (status, JSON body or None, headers). ``raw`` is None when too large."""
        reply, slow = self._draw()
        delay = reply.delay if reply else slow
        if delay and self._stopping.wait(delay):
            return 503, None, {}
        if reply is not None and reply.status is not None:
            return self._scripted(reply)
        if path.split("?")[0] != MAIL_SEND:
            return 404, {"errors": [_error("not found", None)]}, {}
        auth = headers.get("Authorization", "")
        key = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
        if key in self.forbidden_keys:
            return 403, {"errors": [_error("access forbidden", None)]}, {}
        if key != self.api_key:
            message = "The provided authorization grant is invalid, expired, or revoked"
            return 401, {"errors": [_error(message, None)]}, {}
        limited, limit_headers = self._rate_limited()
        if limited:
            return 429, {"errors": [_error("too many requests", None)]}, limit_headers
        if raw is None:
            return 413, {"errors": [_error("content too large", None)]}, limit_headers
        if "application/json" not in headers.get("Content-Type", ""):
            return 415, {"errors": [_error("Content-Type should be application/json.", None)]}, {}
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {"errors": [_error("Bad Request", None)]}, limit_headers
        errors = builtin_errors(body)
        if not errors and self._validator is not None:
            checked = body
            if self.schema_sample is not None:
                checked = {**body, "personalizations": body["personalizations"][: self.schema_sample]}
            errors = schema_errors(self._validator, checked)
        if errors:
            return 400, {"errors": errors}, limit_headers
        return 202, None, {**limit_headers, "X-Message-Id": self._accept(body)}

    def _draw(self) -> tuple[Reply | None, float]:
        with self._lock:
            self.requests += 1
            if self._script:
                return self._script.popleft(), 0.0
            rng = self._random
            draw = rng.random()
            if draw < self._error_rate:
                return Reply(status=rng.choice((500, 503))), 0.0
            if draw < self._error_rate + self._limited_rate:
                return Reply(status=429), 0.0
            slow = self._slow_rate and rng.random() < self._slow_rate
            return None, self._slow_seconds if slow else 0.0

    def _scripted(self, reply: Reply) -> tuple[int, Any, Headers]:
        status = reply.status or 202
        headers = dict(reply.headers)
        if status == 429 and "X-RateLimit-Reset" not in headers:
            headers.update(self._limit_headers(remaining=0, reset=math.floor(time.time()) + 1))
        if status == 202:
            headers.setdefault("X-Message-Id", _message_id())
            return 202, reply.body, headers
        body = reply.body if reply.body is not None else {"errors": [_error(f"scripted {status}", None)]}
        return status, body, headers

    def _rate_limited(self) -> tuple[bool, Headers]:
        if self.rate_limit is None:
            return False, {}
        now = time.time()
        window = math.floor(now / self.rate_window)
        with self._lock:
            if window != self._window:
                self._window, self._window_count = window, 0
            self._window_count += 1
            count = self._window_count
        reset = math.ceil((window + 1) * self.rate_window)
        headers = self._limit_headers(remaining=max(0, self.rate_limit - count), reset=reset)
        return count > self.rate_limit, headers

    def _limit_headers(self, *, remaining: int, reset: int) -> Headers:
        limit = self.rate_limit if self.rate_limit is not None else 600
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(reset),
        }

    def _accept(self, body: dict[str, Any]) -> str:
        message_id = _message_id()
        with self._lock:
            self.accepted += 1
            self.last_body = body if self.record == "full" else None
            for p in body["personalizations"]:
                for kind in ("to", "cc", "bcc"):
                    for address in p.get(kind) or ():
                        self._counts[address["email"]] += 1
                        if self.record == "full":
                            self._delivered.append(_delivered(address, p, message_id))
        return message_id

    def _log(self, status: int, body: Any) -> None:
        with self._lock:
            self.statuses[status] += 1
            if status >= 400:
                self.errors.append((status, body))


def _delivered(address: dict[str, str], p: dict[str, Any], message_id: str) -> Delivered:
    return Delivered(
        address["email"],
        address.get("name", ""),
        tuple((p.get("substitutions") or {}).items()),
        tuple((p.get("custom_args") or {}).items()),
        tuple((p.get("headers") or {}).items()),
        message_id,
    )


def _message_id() -> str:
    return secrets.token_urlsafe(16)[:22]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    fake: FakeSendGrid

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out has hung up; that is the point of a slow reply, not news."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw: bytes | None = None
        if length <= fake.max_body_bytes:
            raw = self.rfile.read(length)
        else:
            self._drain(length)
        status, body, headers = fake.handle(self.path, self.headers, raw)
        fake._log(status, body)
        self._answer(status, body, headers)

    def do_GET(self) -> None:
        self._answer(405, {"errors": [_error("method not allowed", None)]}, {})

    def _drain(self, length: int) -> None:
        # Read what the client sends before answering, or it sees a reset instead of our 413.
        for _ in _chunks(length, 1 << 16):
            self.rfile.read(_)

    def _answer(self, status: int, body: Any, headers: Mapping[str, str]) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: thousands of requests per test."""


def _chunks(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size
