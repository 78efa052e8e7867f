"""digest: newsletter and notification digests for newsrooms."""

__version__ = "0.1.0"
