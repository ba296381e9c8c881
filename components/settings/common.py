"""What every settings module shares: the base model, paths of config keys, and validated string types."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from components.settings import globs, regex_engine
from components.settings.units import parse_go_duration, parse_go_memory, parse_quantity

Path = tuple[str | int, ...]
Issue = tuple[Path, str]


# Matched with fullmatch: `$` also matches before a trailing newline, which would let "name\n" through.
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_LABEL = re.compile(_LABEL)
DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
NETLOC = re.compile(rf"({_LABEL}(\.{_LABEL})*|\[[0-9a-f:.]+\])(:[0-9]{{1,5}})?")
_QUALIFIED_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
)


def _duration(value: str) -> str:
    parse_go_duration(value)
    return value


def _quantity(value: str) -> str:
    parse_quantity(value)
    return value


def _go_memory(value: str) -> str:
    parse_go_memory(value)
    return value


_BARE_NUMBER = re.compile(r"\d+(\.\d+)?|\.\d+")


def _size(unit: str, reader: str) -> AfterValidator:
    """A memory or storage size: Kubernetes and the Go runtime read a bare number as bytes, and `m` as thousandths
    of one, which is never what a size means; it is a missing or mistyped unit."""

    def check(value: str) -> str:
        number = value.removesuffix("m")
        if _BARE_NUMBER.fullmatch(number):
            unit_read = "thousandths of a byte" if number != value else "bytes"
            raise ValueError(f"is {value}, which {reader} reads as {unit_read}; did you mean {number}{unit}?")
        return value

    return AfterValidator(check)


def full_match(pattern: re.Pattern[str], limit: int, what: str, echo: bool = True) -> AfterValidator:
    """Names some chart or API writes as they are: at most `limit` characters, all matched by `pattern`. With
    echo False the value is not repeated (it may hold what a user mistook for its place, like a password)."""

    def check(value: str) -> str:
        if len(value) > limit or not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}" if echo else f"is not {what}")
        return value

    return AfterValidator(check)


def _annotation_key(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if (
        len(name) > 63
        or not _QUALIFIED_NAME.fullmatch(name)
        or ("/" in value and (len(prefix) > 253 or not DNS_SUBDOMAIN.fullmatch(prefix)))
    ):
        # Not echoed: the path printed with this message already shows the key.
        raise ValueError(
            "is not an annotation key; use an optional DNS-subdomain prefix and '/', then a name of at most 63 "
            "letters, digits, '-', '_' and '.' starting and ending with a letter or digit, like example.org/team"
        )
    return value


def _go_regex(value: str) -> str:
    """Regexes Go's regexp compiles: zot's tag regexes (v2.1.18 pkg/cli/server/root.go:1617 retention keepTags
    patterns, :1667 and :1677 sync tags.regex/excludeRegex) and Flux's signature identity patterns. Checked by RE2,
    the syntax Go's regexp implements, so what Go refuses is refused here."""
    try:
        regex_engine.check_go(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid regular expression in Go's RE2 syntax: {exc}") from None
    return value


def _glob(value: str) -> str:
    """Balanced [] and {} are what doublestar needs to compile a pattern."""
    depth = {"[": 0, "{": 0}
    closing = {"]": "[", "}": "{"}
    for char in value:
        if char in depth:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                break
    if not value or any(depth.values()):
        raise ValueError(f"{value!r} is not a valid glob; check that every '[' and '{{' is closed")
    return value


def repeats(items: list[str], path: Path) -> Iterator[Issue]:
    for index, item in enumerate(items):
        if item in items[:index]:
            yield ((*path, index), f"{item!r} is listed before; list each once")


Duration = Annotated[str, AfterValidator(_duration)]
Quantity = Annotated[str, AfterValidator(_quantity)]
MemoryQuantity = Annotated[Quantity, _size("Mi", "Kubernetes")]
StorageQuantity = Annotated[Quantity, _size("Gi", "Kubernetes")]
GoMemory = Annotated[str, AfterValidator(_go_memory), _size("MiB", "the Go runtime")]
DnsLabel = Annotated[
    str,
    full_match(
        _DNS_LABEL,
        63,
        "a Kubernetes name; use at most 63 lower-case letters, digits and '-', starting and ending with a letter or "
        "digit",
    ),
]
# Names of storage classes, ingress classes, issuers and Secrets: the chart writes some of them raw.
DnsSubdomain = Annotated[
    str,
    full_match(
        DNS_SUBDOMAIN,
        253,
        "a Kubernetes object name; use at most 253 lower-case letters, digits, '-' and '.', starting and ending "
        "with a letter or digit, like fast-ssd",
    ),
]
ChartName = Annotated[str, full_match(_DNS_LABEL, 63, "a chart name; use lower-case letters, digits and '-', like zot")]
ChartVersion = Annotated[
    str, full_match(_SEMVER, 128, "a chart version; use the SemVer version the catalog lists, like 2.9.0")
]
AnnotationKey = Annotated[str, AfterValidator(_annotation_key)]
GoRegex = Annotated[str, AfterValidator(_go_regex)]
Glob = Annotated[str, AfterValidator(_glob)]


def _repository_glob(value: str) -> str:
    if value != value.lower():
        # zot's config loader lower-cases map keys, so the glob zot sees would differ from this one.
        raise ValueError("has upper-case letters; repository names are lower case, write the glob so")
    _glob(value)
    globs.check(value)  # what the push checks below compile, zot (doublestar) compiles too
    return value


RepositoryGlob = Annotated[str, AfterValidator(_repository_glob)]


# On every object the program creates; applied last, so a user's labels cannot take it over (and settings refuse
# user labels with these keys rather than drop them silently).
MANAGED_BY = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "zot-cache"}


def program_label_issues(key: str, labels: dict[str, str]) -> Iterator[Issue]:
    """User labels with a key the program sets itself would be overwritten without a word: refused by key."""
    for label in sorted(MANAGED_BY.keys() & labels.keys()):
        yield (
            (key, label),
            f"is a label the program sets itself on everything it creates (to {MANAGED_BY[label]!r}); remove it, or "
            "select by another label",
        )


class Model(BaseModel):
    """Config keys are camelCase as users write them; unknown keys are errors, not silently dropped."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, coerce_numbers_to_str=True
    )


def format_path(path: Path) -> str:
    """A config key path as users write it: registries[1].content[0].tags, ingress.annotations["a/b"]."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.replace("_", "").isalnum():
            text += f".{part}" if text else part
        else:
            # JSON-quoted: a key with a quote or a newline must not break the one-line message.
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text


_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")


def _label_value(value: str) -> str:
    if len(value) > 63 or not _LABEL_VALUE.fullmatch(value):
        # The API server refuses the object otherwise, after the rest of the stack is already changing.
        raise ValueError(
            f"{value!r} is not a label value; use at most 63 letters, digits, '-', '_' and '.', starting and "
            "ending with a letter or digit"
        )
    return value


LabelValue = Annotated[str, AfterValidator(_label_value)]
