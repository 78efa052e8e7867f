"""Every DigestError in the package is drawn in errors.py's docstring and survives pickling."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
import types
import typing
from datetime import UTC, datetime

import pytest

import digest
from digest import errors
from digest.errors import DigestError


def all_modules() -> list[types.ModuleType]:
    found = [digest]
    for info in pkgutil.walk_packages(digest.__path__, "digest."):
        if ".migrations" in info.name:
            continue
        found.append(importlib.import_module(info.name))
    return found


def subclasses(cls: type) -> set[type]:
    direct: set[type] = set(cls.__subclasses__())
    return direct | {sub for child in direct for sub in subclasses(child)}


MODULES = all_modules()
ERRORS = sorted(
    (c for c in subclasses(DigestError) if c.__module__.startswith("digest.")), key=lambda c: c.__name__
)

SAMPLES: dict[object, object] = {str: "weekly", int: 7, float: 2.5, bool: True}


def sample(parameter: inspect.Parameter, hints: dict[str, object]) -> object:
    hint = hints.get(parameter.name, parameter.annotation)
    for kind, value in SAMPLES.items():
        if hint is kind or (isinstance(hint, types.UnionType) and kind in typing.get_args(hint)):
            return value
    origin = typing.get_origin(hint)
    if origin in (tuple, list) or hint in (tuple, list):
        return ["a", "b"]
    if origin is dict or hint is dict:
        return {"a": 1}
    return "x"


def made_by_hand() -> dict[type, DigestError]:
    """Errors whose arguments are richer than a sample of their annotations."""
    from digest.channels.sendgrid import MessageRefused
    from digest.errors import PartiallyDelivered
    from digest.pipeline.breaking import DuplicateBreaking, EarlierSend

    earlier = [EarlierSend(3, datetime(2026, 12, 1, 6, 30, tzinfo=UTC), "editor@example.org")]
    return {
        DuplicateBreaking: DuplicateBreaking("daily", earlier),
        PartiallyDelivered: PartiallyDelivered("2 of 3 accepted", (1, 2), refused={3: "bad address"}),
        MessageRefused: MessageRefused("sendgrid: 400", {0: "Does not contain a valid address."}),
    }


def an_instance(cls: type[DigestError]) -> DigestError:
    if cls in (by_hand := made_by_hand()):
        return by_hand[cls]
    init = cls.__init__
    hints = typing.get_type_hints(init) if init is not Exception.__init__ else {}
    args, kwargs = [], {}
    if init is not Exception.__init__:
        for parameter in list(inspect.signature(init).parameters.values())[1:]:
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            value = sample(parameter, hints)
            if parameter.kind is parameter.KEYWORD_ONLY:
                kwargs[parameter.name] = value
            else:
                args.append(value)
    else:
        args = ["something went wrong"]
    return cls(*args, **kwargs)


def test_the_package_has_the_errors_we_expect():
    assert len(ERRORS) >= 24


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_every_error_is_drawn_in_the_tree(cls):
    assert f" {cls.__name__} " in (errors.__doc__ or ""), f"{cls.__module__}.{cls.__name__} is not drawn"


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_every_error_survives_pickling_with_its_message_and_attributes(cls):
    error = an_instance(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert copy.__dict__ == error.__dict__
