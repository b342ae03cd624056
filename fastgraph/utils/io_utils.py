"""Interactive logging: whether progress bars and messages go to stdout.

Servers and batch jobs turn it off (`disable_interactive_logging()`); the
messages then go to the 'fastgraph' logger at INFO level instead, as
tf-keras sends them to absl logging.  The setting is per thread, as in
tf-keras.
"""
import logging
import sys
import threading

_STATE = threading.local()
logger = logging.getLogger("fastgraph")


def enable_interactive_logging():
    """Write progress bars and messages to stdout (the default)."""
    _STATE.enable = True


def disable_interactive_logging():
    """Send progress bars and messages to the 'fastgraph' logger instead
    of stdout."""
    _STATE.enable = False


def is_interactive_logging_enabled():
    """True unless `disable_interactive_logging()` was called in this thread."""
    return getattr(_STATE, "enable", True)


def print_msg(message, line_break=True):
    """Print `message` to stdout, or log it when interactive logging is off."""
    if is_interactive_logging_enabled():
        sys.stdout.write(message + "\n" if line_break else message)
        sys.stdout.flush()
    else:
        logger.info(message)
