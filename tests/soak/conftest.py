"""The soak test uses the fault tests' private broker."""

from tests.faults.conftest import broker

__all__ = ["broker"]
