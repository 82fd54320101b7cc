"""How the text of a ``KB_*`` variable becomes a typed setting.

Each parser takes the variable's text (or a Python value given to ``create_app``) and returns
the value, or raises ``ValueError`` saying what it expected; ``kb.config`` puts the variable's
name in front. Values that may hold a password (URLs of databases and stores) are never repeated
in a message.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many
from limits.storage import SCHEMES as RATE_LIMIT_STORES
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

Parser = Callable[[Any], Any]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

BOOLEAN_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
EXPECTED_BOOLEAN = "a boolean (1/0, true/false, yes/no, on/off)"


def boolean(value: Any) -> bool:
    """``1/0, true/false, yes/no, on/off`` in any case; anything else is refused, never read as true."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in BOOLEAN_WORDS:
        raise ValueError(f"expected {EXPECTED_BOOLEAN}, got {value!r}")
    return BOOLEAN_WORDS[word]


def _range_text(kind: str, minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{kind} from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f"{kind} of at least {minimum:g}"
    return kind


def integer(minimum: int | None = None, maximum: int | None = None) -> Parser:
    """A whole number within ``minimum`` and ``maximum`` (both included)."""
    expected = _range_text("a whole number", minimum, maximum)

    def parse(value: Any) -> int:
        try:
            number = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value).strip(), 10)
        except ValueError:
            raise ValueError(f"expected {expected}, got {value!r}") from None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise ValueError(f"expected {expected}, got {value!r}")
        return number

    return parse


def number(minimum: float | None = None, maximum: float | None = None) -> Parser:
    """A finite decimal number within ``minimum`` and ``maximum`` (both included)."""
    expected = _range_text("a number", minimum, maximum)

    def parse(value: Any) -> float:
        try:
            found = float(str(value).strip()) if not isinstance(value, bool) else math.nan
        except ValueError:
            found = math.nan
        if not math.isfinite(found) or (minimum is not None and found < minimum) or (maximum is not None and found > maximum):
            raise ValueError(f"expected {expected}, got {value!r}")
        return found

    return parse


def text(value: Any) -> str:
    return str(value)


def path(value: Any) -> Path:
    """An absolute path; a relative one is taken from the working directory (``~`` is expanded)."""
    given = str(value)
    if "\0" in given:
        raise ValueError(f"expected a path, got {given!r}")
    return Path(os.path.abspath(os.path.expanduser(given.strip())))


def choice(*options: str) -> Parser:
    """One of ``options``, in any case."""

    def parse(value: Any) -> str:
        word = str(value).strip().lower()
        if word not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {value!r}")
        return word

    return parse


def auto_or_boolean(value: Any) -> bool | str:
    """``auto`` (decided per request), or a boolean."""
    if str(value).strip().lower() == "auto":
        return "auto"
    try:
        return boolean(value)
    except ValueError:
        raise ValueError(f"expected auto or {EXPECTED_BOOLEAN}, got {value!r}") from None


def names(value: Any) -> tuple[str, ...]:
    """``"CUI, PROPIN"`` (or a list) -> ``("CUI", "PROPIN")``."""
    items = str(value).split(",") if isinstance(value, str) else value
    return tuple(str(item).strip() for item in items if str(item).strip())


def some_of(*options: str) -> Parser:
    """Comma-separated names, each one of ``options`` (in any case; duplicates dropped)."""

    def parse(value: Any) -> tuple[str, ...]:
        found = tuple(dict.fromkeys(name.lower() for name in names(value)))
        unknown = [name for name in found if name not in options]
        if unknown or not found:
            raise ValueError(f"expected some of {', '.join(options)}, got {value!r}")
        return found

    return parse


def networks(value: Any) -> tuple[Network, ...]:
    """Comma-separated IP addresses or CIDR networks (``"10.0.0.1, 192.168.0.0/16"``)."""
    found = []
    for item in names(value):
        try:
            found.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"expected comma-separated IP addresses or CIDR networks, got {item!r}") from None
    return tuple(found)


def header_name(value: Any) -> str:
    """An HTTP header name such as ``X-Remote-User`` (letters, digits and hyphens)."""
    name = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9-]+", name):
        raise ValueError(f"expected an HTTP header name such as X-Remote-User, got {value!r}")
    return name


def node_name(value: Any) -> str:
    """A server's short name such as ``kb1`` (letters, digits, ``.``, ``_``, ``-``): it goes into a response header."""
    name = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", name):
        raise ValueError(f"expected a short server name such as kb1 (letters, digits, '.', '_', '-'), got {value!r}")
    return name


def csp_sources(value: Any) -> str:
    """Sources of one Content-Security-Policy directive: no ``;`` or ``,`` that would add directives."""
    sources = " ".join(str(value).split())
    if not sources or any(c in sources for c in ";,") or any(not c.isprintable() for c in sources):
        raise ValueError(f"expected sources separated by spaces, such as 'self' https://portal.example.mil, got {value!r}")
    return sources


def url_template(placeholder: str) -> Parser:
    """An http(s) URL with ``placeholder`` in it, e.g. ``https://git.example.mil/-/edit/main/{path}``."""

    def parse(value: Any) -> str:
        given = str(value).strip()
        parts = urlsplit(given)
        if parts.scheme not in ("http", "https") or not parts.netloc or placeholder not in given:
            raise ValueError(f"expected an http(s) URL containing {placeholder}, got {value!r}")
        return given

    return parse


def database_url(value: Any) -> str:
    """A SQLAlchemy database URL (not repeated: it may hold a password)."""
    given = str(value).strip()
    try:
        make_url(given)
    except (ArgumentError, ValueError):
        raise ValueError("expected a database URL such as postgresql://kb@db.example/kb (the value is not shown: it may hold a password)") from None
    return given


def rate_limit_store(value: Any) -> str:
    """Where rate-limit counters live: ``memory://``, ``redis://host:6379``, ``memcached://host:11211``..."""
    given = str(value).strip()
    if urlsplit(given).scheme not in RATE_LIMIT_STORES:
        raise ValueError("expected a storage URI such as memory:// or redis://host:6379 (the value is not shown: it may hold a password)")
    return given


def rate(value: Any) -> str:
    """A rate such as ``20 per minute`` or ``5/second; 100/hour``."""
    given = str(value).strip()
    try:
        parse_many(given)
    except ValueError:
        raise ValueError(f"expected a rate such as '20 per minute' or '5/second; 100/hour', got {value!r}") from None
    return given


def by_default(default: Any) -> Parser:
    """The parser of a setting declared without one: by the type of its default."""
    if isinstance(default, bool):
        return boolean
    if isinstance(default, int):
        return integer()
    if isinstance(default, float):
        return number()
    return text
