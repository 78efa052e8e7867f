"""A local Telegram Bot API, as Telegram behaves for what digest uses.

Run it as a context manager; it serves ``/bot<token>/<method>`` on 127.0.0.1 from a
background thread and takes the bodies python-telegram-bot sends (form-encoded,
multipart or JSON)::

    with FakeTelegram() as tg:
        bot = Bot(tg.token, base_url=tg.base_url)
        ...
        assert tg.messages_for("42")[0].parse_mode == "HTML"

What it checks, like the platform: the token (401), ``parse_mode=HTML`` with only the
supported tags, properly nested ("can't parse entities"), the text length in UTF-16
units after entity parsing ("message is too long"), and flood limits: more than
``global_rate`` messages in any second, more than ``chat_rate`` per second to one chat
beyond a burst of ``chat_burst``, or more than ``group_per_minute`` to one group or
channel in any minute answers 429 with ``parameters.retry_after``; so does any send to a
chat still inside a retry_after it was given.

Knobs: ``block``, ``migrate``, ``forget`` (chat not found), ``fail_next`` (500s or any
status), ``slow`` (delay every response), ``force_flood`` (a 429 with a long
retry_after), ``queue_update`` (for getUpdates: messages, callback queries, any update),
``set_member`` (what getChatMember answers for the bot, or another user, in a chat).

getChat and getChatMember answer as the Bot API documents them (a ChatFullInfo; a
ChatMember of the status's own shape). By default the bot is an administrator allowed to
post in every channel and a member of every group, as sends succeed by default too; a
blocked chat answers 403 with its description, a forgotten one "chat not found".

Records (thread-safe, timestamps from ``time.monotonic``): ``messages`` (accepted
sends, with their ``reply_markup``), ``edits``, ``answers`` (answerCallbackQuery
parameters), ``commands`` (the last setMyCommands without a language_code),
``command_menus`` (the last setMyCommands per language_code, "" for none), ``webhook`` (the last setWebhook
parameters, None after deleteWebhook), ``floods`` (every 429 given), ``requests``
(every call); helpers ``messages_for``, ``flood_violations``, ``rate_over``.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import math
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["FakeTelegram", "Flood", "RequestRecord", "SentMessage", "parse_entities"]

TEXT_MAXLEN = 4096
CAPTION_MAXLEN = 1024
_JSON_FIELDS = {
    "link_preview_options",
    "reply_markup",
    "entities",
    "caption_entities",
    "commands",
    "scope",
    "allowed_updates",
}
# The tags the Bot API documents for parse_mode HTML, kept apart from digest's own list so
# the fake checks it (tests that look at messages directly use this one too).
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
    "tg-emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SENDS = {"sendmessage", "sendphoto"}


@dataclass(frozen=True)
class SentMessage:
    message_id: int
    method: str
    chat_id: str
    text: str | None  # the text (or photo caption) as sent, before entity parsing
    parse_mode: str | None
    link_preview: dict[str, Any] | None
    at: float
    reply_markup: dict[str, Any] | None = None


@dataclass(frozen=True)
class Flood:
    chat_id: str
    retry_after: int
    at: float
    forced: bool  # given by force_flood, not earned by the client


@dataclass(frozen=True)
class RequestRecord:
    method: str
    chat_id: str | None
    status: int
    at: float


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class _EntityParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.parts: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag not in ALLOWED_TAGS:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')
        if tag == "a" and not values.get("href"):
            raise ApiError(400, "Bad Request: can't parse entities: Can't find the URL of the link")
        if tag == "span" and values.get("class") != "tg-spoiler":
            raise ApiError(400, 'Bad Request: can\'t parse entities: Unsupported start tag "span"')
        if tag == "tg-emoji" and not values.get("emoji-id"):
            raise ApiError(400, "Bad Request: can't parse entities: Custom emoji identifier expected")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')
        if self.stack[-1] != tag:
            raise ApiError(
                400,
                f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
                f'"{self.stack[-1]}"',
            )
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.parts.append(_NAMED_ENTITIES.get(name, f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.parts.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))

    def handle_comment(self, data: str) -> None:
        raise ApiError(400, 'Bad Request: can\'t parse entities: Unsupported start tag "!--"')


def parse_entities(text: str) -> str:
    """The plain text Telegram keeps of an HTML message; ApiError if it would refuse it."""
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    if parser.rawdata:  # an unterminated "<tag"
        raise ApiError(400, "Bad Request: can't parse entities: Unclosed start tag")
    if parser.stack:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{parser.stack[-1]}"',
        )
    return "".join(parser.parts)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def chat_type(chat_id: str) -> str:
    if chat_id.startswith("@"):
        return "channel"
    if chat_id.startswith("-100"):
        return "supergroup"
    return "group" if chat_id.startswith("-") else "private"


def _numeric_id(chat_id: str) -> int:
    if chat_id.startswith("@"):
        return -(1_000_000_000_000 + zlib.crc32(chat_id.encode()))
    return int(chat_id)


@dataclass
class _Script:
    """The knobs, consulted under the lock."""

    blocked: dict[str, str] = field(default_factory=dict)
    migrated: dict[str, str] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    faults: deque[tuple[int, str] | None] = field(default_factory=deque)
    forced_floods: deque[tuple[str | None, int]] = field(default_factory=deque)
    delay: float = 0.0
    updates: list[dict[str, Any]] = field(default_factory=list)
    members: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)


class FakeTelegram:
    """A Bot API server on 127.0.0.1 (port 0 picks a free one)."""

    def __init__(
        self,
        token: str = "123456:FAKE-token-do-not-leak",
        *,
        global_rate: int = 30,
        chat_rate: float = 1.0,
        chat_burst: int = 3,
        group_per_minute: int = 20,
        slack: float = 0.2,
        port: int = 0,
    ) -> None:
        self.token = token
        self.global_rate = global_rate
        self.chat_rate = chat_rate
        self.chat_burst = chat_burst
        self.group_per_minute = group_per_minute
        self.slack = slack  # network jitter forgiven on the per-chat limit, as Telegram's is soft
        self.messages: list[SentMessage] = []
        self.edits: list[SentMessage] = []
        self.floods: list[Flood] = []
        self.requests: list[RequestRecord] = []
        self.answers: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []
        self.command_menus: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        self._script = _Script()
        self._lock = threading.Lock()
        self._next_id = 1
        self._recent: deque[float] = deque()  # accepted sends, all chats, last second
        self._group_recent: dict[str, deque[float]] = {}
        self._chat_tat: dict[str, float] = {}
        self._penalty_until: dict[str, float] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-telegram", daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What to give Bot(base_url=...) or DIGEST_TELEGRAM_API_URL: the token is appended."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeTelegram:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- knobs -----------------------------------------------------------------------

    def block(self, chat_id: str, description: str = "Forbidden: bot was blocked by the user") -> None:
        with self._lock:
            self._script.blocked[str(chat_id)] = description

    def unblock(self, chat_id: str) -> None:
        """The chat takes the bot's messages again (rights given back)."""
        with self._lock:
            self._script.blocked.pop(str(chat_id), None)

    def migrate(self, chat_id: str, new_chat_id: str) -> None:
        with self._lock:
            self._script.migrated[str(chat_id)] = str(new_chat_id)

    def forget(self, chat_id: str) -> None:
        """Answer 400 "chat not found" for this chat."""
        with self._lock:
            self._script.missing.add(str(chat_id))

    def fail_next(
        self, count: int = 1, *, status: int = 500, description: str = "Internal Server Error", after: int = 0
    ) -> None:
        """Answer the ``count`` calls that follow the next ``after`` ones with this error."""
        with self._lock:
            self._script.faults.extend([None] * after + [(status, description)] * count)

    def slow(self, seconds: float) -> None:
        """Delay every response by this much (0 to stop)."""
        with self._lock:
            self._script.delay = seconds

    def force_flood(self, retry_after: int = 30, *, chat_id: str | None = None, times: int = 1) -> None:
        """The next sends (to chat_id, or to any chat) get 429 with this retry_after."""
        with self._lock:
            self._script.forced_floods.extend([(chat_id, retry_after)] * times)

    def set_member(
        self, chat_id: str, status: str = "administrator", *, user_id: int | None = None, **rights: bool
    ) -> None:
        """What getChatMember answers for ``user_id`` (the bot by default) in this chat:
        ``creator``, ``administrator`` (rights such as ``can_post_messages=False``), ``member``,
        ``restricted`` (``can_send_messages=False``), ``left`` or ``kicked``."""
        with self._lock:
            self._script.members[(str(chat_id), self.bot_id if user_id is None else user_id)] = {
                "status": status,
                **rights,
            }

    def queue_update(self, update: dict[str, Any]) -> None:
        with self._lock:
            update.setdefault("update_id", len(self._script.updates) + 1)
            self._script.updates.append(update)

    # -- helpers ---------------------------------------------------------------------

    def messages_for(self, chat_id: str) -> list[SentMessage]:
        with self._lock:
            return [m for m in self.messages if m.chat_id == str(chat_id)]

    def requests_for(self, chat_id: str) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.requests if r.chat_id == str(chat_id)]

    @property
    def bot_id(self) -> int:
        """The bot's user id: the number before the token's colon, as Telegram's tokens are."""
        head = self.token.split(":", 1)[0]
        return int(head) if head.isdigit() else 1

    @property
    def flood_violations(self) -> int:
        """429s the client earned (forced ones not counted)."""
        with self._lock:
            return sum(1 for f in self.floods if not f.forced)

    def rate_over(self, window: float = 1.0) -> float:
        """The highest number of accepted messages in any ``window`` seconds, per second."""
        with self._lock:
            times = sorted(m.at for m in self.messages)
        most, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= window:
                start += 1
            most = max(most, end - start + 1)
        return most / window

    # -- the API ---------------------------------------------------------------------

    def handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one call: (HTTP status, JSON body)."""
        chat_id = str(params["chat_id"]) if "chat_id" in params else None
        with self._lock:
            delay = self._script.delay
        if delay:
            time.sleep(delay)
        with self._lock:
            try:
                if token != self.token:
                    raise ApiError(401, "Unauthorized")
                result = self._call(method.lower(), chat_id, params)
                status, body = 200, {"ok": True, "result": result}
            except ApiError as err:
                status = err.status
                body = {"ok": False, "error_code": err.status, "description": err.description}
                if err.parameters:
                    body["parameters"] = err.parameters
            self.requests.append(RequestRecord(method, chat_id, status, time.monotonic()))
        return status, body

    def _call(self, method: str, chat_id: str | None, params: dict[str, Any]) -> Any:
        fault = self._script.faults.popleft() if self._script.faults else None
        if fault is not None:
            raise ApiError(*fault)
        if method == "getme":
            return {"id": self.bot_id, "is_bot": True, "first_name": "Fake", "username": "fake_bot"}
        if method in ("getchat", "getchatmember"):
            if chat_id is None:
                raise ApiError(400, "Bad Request: chat_id is empty")
            self._check_chat(chat_id)
            if method == "getchat":
                return _chat_full_info(chat_id)
            return self._chat_member(chat_id, params.get("user_id"))
        if method == "getupdates":
            offset = int(params.get("offset", 0) or 0)
            return [u for u in self._script.updates if u["update_id"] >= offset]
        if method == "setmycommands":
            return self._set_commands(params)
        if method == "answercallbackquery":
            self.answers.append(dict(params))
            return True
        if method == "setwebhook":
            self.webhook = dict(params)
            return True
        if method == "deletewebhook":
            self.webhook = None
            return True
        if method == "deletemycommands":
            return True
        if method == "editmessagetext":
            return self._edit(chat_id, params)
        if method in _SENDS:
            if chat_id is None:
                raise ApiError(400, "Bad Request: chat_id is empty")
            return self._send(method, chat_id, params)
        raise ApiError(404, "Not Found")

    def _set_commands(self, params: dict[str, Any]) -> bool:
        """setMyCommands: the Bot API takes a language as a two-letter ISO 639-1 code or none."""
        language = str(params.get("language_code") or "")
        if language and not (len(language) == 2 and language.isalpha() and language.islower()):
            raise ApiError(400, "Bad Request: invalid language code specified")
        menu = list(params.get("commands") or [])
        self.command_menus[language] = menu
        if not language:
            self.commands = menu
        return True

    def _send(self, method: str, chat_id: str, params: dict[str, Any]) -> dict[str, Any]:
        now = time.monotonic()
        self._check_chat(chat_id)
        text = params.get("text") if method == "sendmessage" else params.get("caption")
        plain = self._check_text(method, text, params.get("parse_mode"))
        self._check_flood(chat_id, now)
        self._accept(chat_id, now)
        message = SentMessage(
            self._next_id,
            method,
            chat_id,
            text,
            params.get("parse_mode"),
            params.get("link_preview_options"),
            now,
            params.get("reply_markup"),
        )
        self._next_id += 1
        self.messages.append(message)
        return self._message_json(message, plain)

    def _edit(self, chat_id: str | None, params: dict[str, Any]) -> dict[str, Any]:
        if chat_id is not None:
            self._check_chat(chat_id)
        plain = self._check_text("sendmessage", params.get("text"), params.get("parse_mode"))
        message = SentMessage(
            int(params.get("message_id", 0)),
            "editMessageText",
            chat_id or "",
            params.get("text"),
            params.get("parse_mode"),
            params.get("link_preview_options"),
            time.monotonic(),
            params.get("reply_markup"),
        )
        self.edits.append(message)
        return self._message_json(message, plain)

    def _check_chat(self, chat_id: str) -> None:
        if chat_id in self._script.blocked:
            raise ApiError(403, self._script.blocked[chat_id])
        if chat_id in self._script.migrated:
            new_id = int(self._script.migrated[chat_id])
            description = "Bad Request: group chat was upgraded to a supergroup chat"
            raise ApiError(400, description, {"migrate_to_chat_id": new_id})
        if chat_id in self._script.missing:
            raise ApiError(400, "Bad Request: chat not found")

    def _chat_member(self, chat_id: str, user_id: Any) -> dict[str, Any]:
        """A ChatMember as the Bot API shapes each status (its fields differ per status)."""
        try:
            user = int(user_id)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: invalid user_id specified") from None
        scripted = self._script.members.get((chat_id, user))
        if scripted is None and user != self.bot_id:
            raise ApiError(400, "Bad Request: user not found")
        if scripted is None:
            kind = chat_type(chat_id)
            scripted = (
                {"status": "administrator", "can_post_messages": True}
                if kind == "channel"
                else {"status": "member"}
            )
        return _member_json(chat_id, user, user == self.bot_id, dict(scripted))

    def _check_text(self, method: str, text: Any, parse_mode: Any) -> str:
        if method == "sendphoto":
            plain = self._parsed(text or "", parse_mode)
            if utf16_len(plain) > CAPTION_MAXLEN:
                raise ApiError(400, "Bad Request: message caption is too long")
            return plain
        plain = self._parsed(text or "", parse_mode)
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > TEXT_MAXLEN:
            raise ApiError(400, "Bad Request: message is too long")
        return plain

    @staticmethod
    def _parsed(text: str, parse_mode: Any) -> str:
        if parse_mode is None:
            return text
        if str(parse_mode).upper() != "HTML":
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        return parse_entities(text)

    def _check_flood(self, chat_id: str, now: float) -> None:
        for index, (target, retry_after) in enumerate(self._script.forced_floods):
            if target is None or target == chat_id:
                del self._script.forced_floods[index]
                self._penalty_until[chat_id] = now + retry_after
                self._flood(chat_id, retry_after, now, forced=True)
        if now < self._penalty_until.get(chat_id, 0.0):
            self._flood(chat_id, math.ceil(self._penalty_until[chat_id] - now), now)
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.global_rate:
            self._flood(chat_id, 1, now)
        interval = 1.0 / self.chat_rate
        allowed_at = self._chat_tat.get(chat_id, now) - interval * (self.chat_burst - 1) - self.slack
        if now < allowed_at:
            self._flood(chat_id, max(1, math.ceil(allowed_at - now)), now)
        if chat_type(chat_id) != "private":
            recent = self._group_recent.setdefault(chat_id, deque())
            while recent and recent[0] <= now - 60.0:
                recent.popleft()
            if len(recent) >= self.group_per_minute:
                self._flood(chat_id, max(1, math.ceil(recent[0] + 60.0 - now)), now)

    def _flood(self, chat_id: str, retry_after: int, now: float, *, forced: bool = False) -> None:
        self.floods.append(Flood(chat_id, retry_after, now, forced))
        raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    def _accept(self, chat_id: str, now: float) -> None:
        self._recent.append(now)
        self._chat_tat[chat_id] = max(self._chat_tat.get(chat_id, now), now) + 1.0 / self.chat_rate
        if chat_type(chat_id) != "private":
            self._group_recent.setdefault(chat_id, deque()).append(now)

    @staticmethod
    def _message_json(message: SentMessage, plain: str) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": _numeric_id(message.chat_id), "type": chat_type(message.chat_id)}
        if message.chat_id.startswith("@"):
            chat["username"] = message.chat_id[1:]
        body: dict[str, Any] = {"message_id": message.message_id, "date": int(time.time()), "chat": chat}
        if message.method == "sendphoto":
            body["photo"] = [{"file_id": "photo1", "file_unique_id": "u1", "width": 1, "height": 1}]
            if plain:
                body["caption"] = plain
        else:
            body["text"] = plain
        return body


def _chat_full_info(chat_id: str) -> dict[str, Any]:
    """getChat's ChatFullInfo: the fields the API always sends, and the chat's names."""
    kind = chat_type(chat_id)
    info: dict[str, Any] = {
        "id": _numeric_id(chat_id),
        "type": kind,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
    if kind == "private":
        info["first_name"] = f"User {chat_id}"
    else:
        info["title"] = (
            chat_id.lstrip("@").replace("_", " ").title() if chat_id.startswith("@") else f"Chat {chat_id}"
        )
    if chat_id.startswith("@"):
        info["username"] = chat_id[1:]
    return info


_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
_CHANNEL_RIGHTS = ("can_post_messages", "can_edit_messages")
_SEND_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)


def _member_json(chat_id: str, user_id: int, is_bot: bool, scripted: dict[str, Any]) -> dict[str, Any]:
    status = scripted.pop("status")
    user = {"id": user_id, "is_bot": is_bot, "first_name": "Fake" if is_bot else f"User {user_id}"}
    body: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        body["is_anonymous"] = False
    elif status == "administrator":
        body |= {"can_be_edited": False, "is_anonymous": False}
        body |= {name: scripted.get(name, name != "can_promote_members") for name in _ADMIN_RIGHTS}
        if chat_type(chat_id) == "channel":  # these exist for channels only
            body |= {name: scripted.get(name, True) for name in _CHANNEL_RIGHTS}
        else:
            body["can_pin_messages"] = scripted.get("can_pin_messages", True)
    elif status == "restricted":
        body |= {"is_member": True, "until_date": 0}
        body |= {name: scripted.get(name, True) for name in _SEND_RIGHTS}
    elif status == "kicked":
        body["until_date"] = 0
    return body


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            segments = parts.path.strip("/").split("/")
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if len(segments) != 2 or not segments[0].startswith("bot"):
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            params = dict(parse_qsl(parts.query))
            params.update(_parse_body(self.headers.get("Content-Type", ""), raw))
            status, body = fake.handle(segments[0][3:], segments[1], params)
            self._reply(status, body)

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the path holds the token
            pass

    return Handler


def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        return dict(json.loads(raw))
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
        )
        fields: dict[str, str] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                payload = part.get_payload(decode=True)
                fields[name] = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        return _decode_fields(fields)
    return _decode_fields(dict(parse_qsl(raw.decode(), keep_blank_values=True)))


def _decode_fields(fields: dict[str, str]) -> dict[str, Any]:
    """PTB sends strings as they are and everything else JSON-encoded."""
    decoded: dict[str, Any] = {}
    for name, value in fields.items():
        if name in _JSON_FIELDS or value in {"true", "false"}:
            try:
                decoded[name] = json.loads(value)
                continue
            except ValueError:
                pass
        decoded[name] = value
    return decoded
