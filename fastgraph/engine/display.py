"""Names shown to a person (in error messages, in `summary`) are cut to a
sane length and their control characters escaped: a name read from a file
may be megabytes long or hold terminal escape sequences, and printing it
raw would flood a log or rewrite the terminal."""
import reprlib

MAX_SHOWN_CHARS = 200


def _cut(text, limit):
    extra = len(text) - limit
    if extra <= 0:
        return text, ""
    return text[:limit], f"...(+{extra} characters)"


def shown(text, limit=MAX_SHOWN_CHARS):
    """`text` (any object, as `str`) fit for a terminal: characters that are
    not printable escaped as `repr` escapes them (\\x1b, \\n, \\u202e), and
    cut after `limit` characters with a note of how many more there were."""
    text, note = _cut(str(text), limit)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                       for c in text)
    return text + note


def quoted(value, limit=MAX_SHOWN_CHARS):
    """`repr(value)` as an error message quotes a name: a string cut after
    `limit` characters (escaped by repr), any other value shortened by
    reprlib."""
    if isinstance(value, str):
        text, note = _cut(value, limit)
        return repr(text) + note
    short = reprlib.Repr()
    short.maxstring = short.maxother = limit
    return short.repr(value)
