"""Retention and garbage collection: what the cache keeps, so its volume does not fill and fail every miss.

zot keeps every image it ever synced unless `storage.retention` says otherwise. For a cache the safe rule is "keep
what was pulled recently": anything dropped is synced again on the next pull. The top-level rules apply to every
namespace through a catch-all policy; `namespaces` overrides them per upstream; `policies` are zot's own policies
for anything else, checked first (zot uses the first policy whose repositories match, in list order).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import Field

from components.settings.common import Duration, GoRegex, Issue, Model, RepositoryGlob, repeats
from components.settings.units import parse_go_duration

if TYPE_CHECKING:
    from components.settings import Settings

BASE = ("retention",)


class KeepTags(Model):
    """One of zot's keepTags rules: tags matching `patterns` (all when empty) are kept if any limit holds."""

    patterns: list[GoRegex] = Field(default_factory=list)
    pulled_within: Duration | None = None
    pushed_within: Duration | None = None
    most_recently_pulled_count: int = Field(default=0, ge=0)
    most_recently_pushed_count: int = Field(default=0, ge=0)

    def issues(self) -> Iterator[Issue]:
        yield from repeats(list(self.patterns), ("patterns",))
        for key, value in (("pulledWithin", self.pulled_within), ("pushedWithin", self.pushed_within)):
            yield from _positive(key, value)


class Policy(Model):
    """A zot retention policy as written in zot's config; unset deletes follow the top-level ones."""

    repositories: list[RepositoryGlob] = Field(default_factory=list)
    delete_referrers: bool | None = None
    delete_untagged: bool | None = None
    # Empty: zot keeps every tag of these repositories (it only deletes tags when a keepTags rule applies).
    keep_tags: list[KeepTags] = Field(default_factory=list)

    def issues(self) -> Iterator[Issue]:
        if not self.repositories:
            # zot matches a policy by its repositories only: without any it silently applies to nothing.
            yield (
                ("repositories",),
                'is empty, and zot applies a policy without repositories to nothing; list globs like ["docker.io/**"]',
            )
        yield from repeats(list(self.repositories), ("repositories",))
        for index, keep in enumerate(self.keep_tags):
            for path, message in keep.issues():
                yield (("keepTags", index, *path), message)


class Rules(Model):
    """What to keep in a namespace; unset keys fall back to the top-level ones, then to DEFAULT_RULES."""

    pulled_within: Duration | None = None
    keep_tags: list[GoRegex] | None = None
    most_recently_pulled_count: int | None = Field(default=None, ge=0)
    delete_untagged: bool | None = None
    delete_referrers: bool | None = None

    def over(self, base: Rules) -> Rules:
        """These rules, with what they leave unset taken from `base`."""
        return base.model_copy(update=self.model_dump(exclude_none=True))

    def issues(self) -> Iterator[Issue]:
        yield from _positive("pulledWithin", self.pulled_within)
        yield from repeats(list(self.keep_tags or []), ("keepTags",))


# A cache refills what it dropped on the next pull: 30 days without a pull is a safe time to let an image go.
DEFAULT_RULES = Rules(
    pulled_within="720h", keep_tags=[], most_recently_pulled_count=0, delete_untagged=True, delete_referrers=True
)


class Retention(Rules):
    enabled: bool = True
    dry_run: bool = False
    # How old an untagged manifest's or orphaned referrer's file must be before it goes. zot counts from the
    # manifest's modification time, when it was pushed or synced (pkg/storage/gc/gc.go L458-479, L859-875), not from
    # when its tag moved: a manifest stored within this window survives losing its tag.
    delay: Duration = "24h"
    # How old an unreferenced blob must be before GC removes it: uploads and syncs in flight are not yet referenced.
    gc_delay: Duration = "1h"
    # Each GC run walks every repository and takes its lock; a 30-day window needs no hourly sweep.
    gc_interval: Duration = "6h"
    namespaces: dict[str, Rules] = Field(default_factory=dict)
    policies: list[Policy] = Field(default_factory=list)

    @property
    def rules(self) -> Rules:
        """The rules the catch-all policy applies: the top-level keys over the defaults."""
        return self.over(DEFAULT_RULES)

    def issues(self) -> Iterator[Issue]:
        yield from super().issues()
        for key, value in (("gcDelay", self.gc_delay), ("gcInterval", self.gc_interval)):
            yield from _positive(key, value)
        for name, rules in self.namespaces.items():
            for path, message in rules.issues():
                yield (("namespaces", name, *path), message)
        for index, policy in enumerate(self.policies):
            for path, message in policy.issues():
                yield (("policies", index, *path), message)
        if not self.enabled:
            for key in ("dry_run", "delay", "namespaces", "policies", *Rules.model_fields):
                if key in self.model_fields_set:
                    yield (((Retention.model_fields[key].alias or key),), "is not used with enabled: false; remove it")


# What a sensible value looks like, for the keys whose scale is not days.
_EXAMPLES = {"gcDelay": "1h", "gcInterval": "6h"}


def _positive(key: str, value: str | None) -> Iterator[Issue]:
    # zot refuses a negative GC delay or interval, and a zero window or interval would keep nothing or never run.
    if value is not None and parse_go_duration(value) <= 0:
        yield ((key,), f"is {value}; use a positive Go duration, like {_EXAMPLES.get(key, '720h')}")


def retention_issues(settings: Settings) -> Iterator[Issue]:
    """Per-namespace rules name an upstream (registries[].name), so a typo cannot leave a namespace unruled."""
    retention = settings.retention
    yield from (((*BASE, *path), message) for path, message in retention.issues())
    names = [registry.id for registry in settings.registries]
    for name in retention.namespaces:
        if name not in names:
            yield (
                (*BASE, "namespaces", name),
                f"is not the name of a registry; the names are: {', '.join(names)} (registries[].name)",
            )
