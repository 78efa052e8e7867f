"""The exception tree of digest: every class, where it lives, and what it means.

::

    DigestError
    ├── ConfigError            a setting is missing or malformed (names the variable)
    ├── FeedError              a feed could not be fetched or parsed (names the feed)
    │   ├── FetchError         network, HTTP status, size cap, SSRF refusal
    │   │                      (.permanent: 404/410/refused — back off longer)
    │   └── ParseError         the body is not a feed we can read
    ├── ImportError_           a bad row in an imported file (names the line)
    ├── DeliveryError          a channel could not deliver (.permanent says if a retry can help)
    │   ├── PartiallyDelivered some recipients of the call went out (.delivered) before it failed,
    │   │                      or were refused for reasons of their own (.refused)
    │   ├── ChannelConfigError 401/403 from the provider: stop the send, fix the settings
    │   ├── RecipientGone      the recipient cannot be reached again (blocked the bot)
    │   ├── ChatRefused        a Telegram group or channel refuses the bot (kicked, no rights)
    │   ├── ChatMigrated       a Telegram group moved to a supergroup (.new_chat_id)
    │   ├── BatchTooLarge      channels.sendgrid: 413, send fewer recipients at once
    │   └── MessageRefused     channels.sendgrid: 400 (.recipients: the personalizations it names)
    ├── ChannelCheckFailed     channels.telegram_rights: the bot may not post in that chat (.reason)
    ├── RateLimited            ratelimit: the wait for a slot would exceed the caller's limit
    ├── LimiterUnavailable     ratelimit: Redis, which holds the shared limits, did not answer
    ├── UnknownList            pipeline.planning: no list of that name
    ├── InvalidBreaking        pipeline.breaking_story: the story or audience cannot be sent
    ├── DuplicateBreaking      pipeline.breaking: the story already went to this list
    ├── InvalidLink            pipeline.subscriptions: a reader's link is forged or expired
    ├── UnknownSubscriber      pipeline.subscriptions: the link's subscriber is gone
    ├── InvalidInput           pipeline.subscriptions: a form field is wrong (.field names it)
    ├── TooManySignUps         pipeline.signup: sign-up or link requests too fast (.wait)
    ├── ConfirmationClosed     pipeline.confirming: the link was used, or the reader left since (.reason)
    ├── InvalidWords           pipeline.editors_words: an editor's note/subject is wrong (.field)
    ├── NoArchive              pipeline.archive: the list has no public archive
    ├── NotSubscribed          pipeline.bot: the chat has no subscriber
    ├── BreakingOnlyList       pipeline.planning: a breaking-news list gets no digest
    ├── InvalidListName        pipeline.roster: a list name outside the one rule
    ├── UnknownLists           pipeline.roster: lists that do not exist (only admins make them)
    ├── InvalidFeed            pipeline.feeds: a feed's field is wrong (.field names it)
    ├── UnknownEdition         pipeline.desk: no edition with that id
    ├── TestSendFailed         pipeline.desk: an editor's test send did not go out (.went)
    ├── UnknownReader          pipeline.readers: no subscriber with that id
    ├── InvalidEdit            pipeline.readers: a reader's field is wrong (.field names it)
    ├── InvalidSelection       pipeline.selection: a pin/boost/bury the preview cannot apply
    ├── NothingToSend          pipeline.resending: nothing failed or stopped to send again
    ├── UnknownAddress         pipeline.privacy: no subscriber with that address to forget
    ├── BadCredentials         pipeline.accounts: wrong address or password (never says which)
    └── TooManyAttempts        pipeline.accounts: sign-in attempts too fast (.wait)

Third-party exceptions are mapped at the edges and re-raised ``from`` the original.
Every one pickles with its message and attributes (``DigestError.__reduce__``), so it
survives Celery's result backend; ``tests/test_errors.py`` checks both claims for each class.
"""

from __future__ import annotations

from typing import Any


class DigestError(Exception):
    """Base of every error digest raises on purpose.

    Pickles with its message and every attribute, whatever its ``__init__`` takes: Celery
    carries errors between processes, and a subclass needs no pickling code of its own.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type[DigestError], args: tuple[Any, ...], state: dict[str, Any]) -> DigestError:
    error = Exception.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigError(DigestError):
    """A setting is missing or malformed."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class FeedError(DigestError):
    """A feed failed; the message starts with the feed's URL."""

    def __init__(
        self, url: str, problem: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.problem = problem
        self.permanent = permanent
        self.retry_after = retry_after  # the server's Retry-After, in seconds


class FetchError(FeedError):
    """The feed could not be fetched."""


class ParseError(FeedError):
    """The body could not be read as a feed."""


class ImportError_(DigestError):  # noqa: N801 - the builtin name is taken
    """A row of an imported file is bad; nothing of the file was imported."""

    def __init__(self, source: str, line: int, problem: str) -> None:
        super().__init__(f"{source}, line {line}: {problem}")
        self.source = source
        self.line = line
        self.problem = problem


class DeliveryError(DigestError):
    """A channel could not deliver.

    ``permanent`` tells whether a retry can help; ``retry_after`` (seconds) is the
    provider's own hint when it gave one; ``sent_count`` is how many messages of a
    multi-message send (Telegram) went out before the failure, so a retry starts after them.
    ``maybe_delivered``: the provider had the whole request when the call failed (no answer
    in time, the connection dropped while waiting), so it may have sent it: a retry may repeat.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        sent_count: int = 0,
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.sent_count = sent_count
        self.maybe_delivered = maybe_delivered


class PartiallyDelivered(DeliveryError):
    """Some recipients of the call were accepted before a later request failed.

    ``delivered`` holds their subscriber ids; ``refused`` maps the subscriber ids refused for
    a reason of their own (an address or name the message cannot carry) to that reason: they
    fail alone. ``permanent`` and ``retry_after`` are those of the failure that stopped the
    call, which the remaining recipients share. Retry the call without the first two.
    """

    def __init__(
        self,
        message: str,
        delivered: tuple[int, ...] = (),
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        refused: dict[int, str] | None = None,
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(
            message, permanent=permanent, retry_after=retry_after, maybe_delivered=maybe_delivered
        )
        self.delivered = delivered
        self.refused = dict(refused or {})


class ChannelConfigError(DeliveryError):
    """The provider refused our credentials: no retry helps until settings change."""

    def __init__(self, message: str, **_: object) -> None:
        super().__init__(message, permanent=True)


class RecipientGone(DeliveryError):
    """The recipient cannot be reached again (for example they blocked the bot)."""

    def __init__(self, message: str, **_: object) -> None:
        super().__init__(message, permanent=True)


class ChatRefused(DeliveryError):
    """A Telegram group or channel refused the bot (kicked, rights taken away): the chat is
    kept and marked failing for editors to fix; this delivery fails."""

    def __init__(self, message: str, **_: object) -> None:
        super().__init__(message, permanent=True)


class ChannelCheckFailed(DigestError):
    """The bot may not post in a Telegram chat an editor wants to attach to a list; the
    message is the reason in words ("the bot is not an admin of @channel")."""

    def __init__(self, chat_id: str, reason: str) -> None:
        super().__init__(reason)
        self.chat_id, self.reason = chat_id, reason


class ChatMigrated(DeliveryError):
    """A Telegram group became a supergroup with a new chat id."""

    def __init__(self, message: str, new_chat_id: str = "", **_: object) -> None:
        super().__init__(message, permanent=False)
        self.new_chat_id = new_chat_id
