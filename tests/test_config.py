import re

import pytest

from digest import config
from digest.errors import ConfigError
from tests.conftest import ROOT


def test_it_uses_the_embedded_defaults_when_nothing_is_set():
    settings = config.load({}, dotenv=False)
    assert settings.database_url == "sqlite:///var/digest.db"
    assert settings.broker_url is None
    assert settings.email_channel == "outbox"
    assert settings.sendgrid_api_url == "https://api.sendgrid.com"
    assert settings.telegram_api_url == "https://api.telegram.org/bot"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DIGEST_DATABASE_URL", "mysql://x"),
        ("DIGEST_BROKER_URL", "kafka://guest@localhost"),
        ("DIGEST_SENDGRID_API_URL", "api.sendgrid.com"),
        ("DIGEST_TELEGRAM_API_URL", "ftp://example.org"),
        ("DIGEST_FROM_EMAIL", "not an address"),
        ("DIGEST_PUBLIC_URL", "news.example.org"),
        ("DIGEST_FETCH_TIMEOUT", "-3"),
        ("DIGEST_EMAIL_BATCH", "lots"),
        ("DIGEST_EMAIL_CHANNEL", "carrier-pigeon"),
        ("DIGEST_LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_value_names_its_variable(variable, value):
    with pytest.raises(ConfigError) as caught:
        config.load({variable: value}, dotenv=False)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(variable)


def test_sendgrid_without_a_key_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match="SENDGRID_API_KEY"):
        config.load({"DIGEST_EMAIL_CHANNEL": "sendgrid"}, dotenv=False)


def test_postgres_urls_use_the_psycopg_driver():
    settings = config.load({"DIGEST_DATABASE_URL": "postgresql://u@h/db"}, dotenv=False)
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_secrets_are_masked_when_printed():
    settings = config.load(
        {"SENDGRID_API_KEY": "SG.very-secret", "TELEGRAM_BOT_TOKEN": "123:abc"}, dotenv=False
    )
    shown = repr(settings.redacted())
    assert "very-secret" not in shown and "123:abc" not in shown
    assert settings.redacted()["SENDGRID_API_KEY"] == "***"


def test_the_readme_documents_every_setting_with_its_default():
    readme = (ROOT / "README.md").read_text()
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([A-Z_]+)` \| ([^|]*) \|", readme, re.M)}
    for setting in config.SETTINGS:
        assert setting.env in rows, f"{setting.env} missing from the README's configuration table"
        shown = rows[setting.env].strip().strip("`")
        assert shown == (setting.default or "(unset)"), f"{setting.env}: README says {shown!r}"
    assert set(rows) == {s.env for s in config.SETTINGS}, "README documents a setting the code lacks"


def test_delivery_errors_keep_every_attribute_through_pickle():
    import pickle

    from digest.errors import ChatMigrated, DeliveryError, PartiallyDelivered

    err = DeliveryError("429", permanent=False, retry_after=3.5, sent_count=2)
    again = pickle.loads(pickle.dumps(err))
    assert (type(again), str(again), again.retry_after, again.sent_count) == (DeliveryError, "429", 3.5, 2)
    moved = pickle.loads(pickle.dumps(ChatMigrated("moved", new_chat_id="-100777")))
    assert moved.new_chat_id == "-100777" and moved.permanent is False
    partial = pickle.loads(pickle.dumps(PartiallyDelivered("half", (1, 2), permanent=True)))
    assert partial.delivered == (1, 2) and partial.permanent


def test_rabbitmq_is_accepted_as_the_broker_with_redis_kept_for_rate_limits_and_locks():
    settings = config.load(
        {
            "DIGEST_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
            "DIGEST_REDIS_URL": "redis://r:6379/1",
            "DIGEST_SECRET_KEY": "k",
        },
        dotenv=False,
    )
    assert settings.broker_url == "amqp://guest:guest@127.0.0.1:5672//"
    assert not settings.broker_is_redis and settings.shared_redis_url == "redis://r:6379/1"


def test_rabbitmq_without_a_redis_url_is_refused_naming_the_redis_url():
    with pytest.raises(ConfigError) as caught:
        config.load({"DIGEST_BROKER_URL": "amqp://guest@mq//", "DIGEST_SECRET_KEY": "k"}, dotenv=False)
    assert caught.value.variable == "DIGEST_REDIS_URL"


def test_a_redis_broker_is_also_the_shared_redis_unless_another_is_named():
    settings = config.load({"DIGEST_BROKER_URL": "redis://b:6379/0", "DIGEST_SECRET_KEY": "k"}, dotenv=False)
    assert settings.shared_redis_url == "redis://b:6379/0"


@pytest.mark.parametrize(
    "environ",
    [{"DIGEST_BROKER_URL": "redis://b:6379/0"}, {"DIGEST_ENV": "production"}],
    ids=["a broker is set", "DIGEST_ENV=production"],
)
def test_production_without_a_signing_key_is_refused_naming_the_key(environ):
    with pytest.raises(ConfigError) as caught:
        config.load(environ, dotenv=False)
    assert caught.value.variable == "DIGEST_SECRET_KEY"
    assert "production" in caught.value.problem


def test_the_demo_defaults_and_an_explicit_development_mode_sign_with_a_generated_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo = config.load({}, dotenv=False)
    one_machine = {"DIGEST_BROKER_URL": "redis://b:6379/0", "DIGEST_ENV": "development"}
    local_celery = config.load(one_machine, dotenv=False)
    assert not demo.production and not local_celery.production
    assert demo.signing_key() == local_celery.signing_key() == (tmp_path / "var" / "secret_key").read_bytes()


def test_settings_made_in_code_hold_the_defaults_an_empty_environment_gives():
    assert config.Settings() == config.load({}, dotenv=False)


def test_each_variable_is_declared_by_one_setting_only():
    variables = [setting.env for setting in config.SETTINGS]
    assert len(variables) == len(set(variables))
