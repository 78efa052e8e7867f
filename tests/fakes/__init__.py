"""Fakes of the services digest talks to: local servers that behave like the real APIs."""

from .sendgrid_server import Delivered, FakeSendGrid, Reply

__all__ = ["Delivered", "FakeSendGrid", "Reply"]
