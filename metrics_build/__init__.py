"""metrics-build: a ReSim-compatible metrics build (test mode, batch mode, validator, emulator)."""

__version__ = "0.1.0"
