"""Settings, read once from the environment (and an optional ``.env`` file).

Every setting is declared once, as a field of ``Settings`` made by ``setting()`` with its
variable, default, parser and meaning; ``SETTINGS`` lists those declarations and the README's
configuration table is checked against it by the tests. A bad value stops start-up with a
``ConfigError`` that names the variable.

``parsers``     the value parsers, each raising ``ValueError`` that says what was expected
``setting``     ``Setting`` (one declaration) and ``setting()`` (a field that declares one)
``services``    the database, the broker and Redis, logs, the web app and editors' sessions
``channels``    the outbox, SendGrid and Telegram: keys, addresses and rates
``branding``    what a newsroom's digest looks like
``editions``    fetching feeds and choosing an edition's stories
``safeguards``  the circuit breaker, retry limits and sunsetting
``settings``    ``Settings`` from those parts, and ``SETTINGS``
``loading``     ``load`` from the environment, the process-wide ``get`` and ``override``
"""

from digest.config.loading import get, load, override
from digest.config.setting import Setting, setting
from digest.config.settings import SETTINGS, Settings
from digest.errors import ConfigError

__all__ = ["SETTINGS", "ConfigError", "Setting", "Settings", "get", "load", "override", "setting"]
