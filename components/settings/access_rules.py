"""Who may write where: no pushes into mirrored namespaces, no anonymous writes unless named, a read-only scraper.

zot applies to a repository only the longest `accessControl.repositories` glob that matches it (and adminPolicy
everywhere), so whether a grant reaches a mirrored namespace depends on every other glob. These rules check the
answer zot would give on sample names in each upstream's namespace.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from components.settings import globs, namespaces
from components.settings.access import WRITE_ACTIONS

if TYPE_CHECKING:
    from components.settings import Settings
    from components.settings.access import RepositoryAccess
    from components.settings.common import Issue, Path
    from components.settings.upstreams import Registry

PUSH = ("create", "update")
PUSH_EXAMPLE = "internal/**"
# Path parts that stand for "any name here" when sampling; unlikely to be a literal in anyone's glob.
FILLERS = ("zz0", "zz0/zz1")

BASE: Path = ("accessControl",)


def mirrored_by(settings: Settings) -> dict[str, set[int]]:
    """For each glob: the indexes of the upstreams into whose namespace it reaches as zot's longest match.

    Sampled names: each namespace itself, names below it, every glob filled in with those, and every glob whose
    leading components match the namespace (a `*` then stands for any part of one: `d*r.io/library/**`) with the
    rest filled in. The longest match is then decided on those names.
    """
    patterns = list(settings.access_control.repositories)
    reach: dict[str, set[int]] = {}
    for index, registry in enumerate(settings.registries):
        for name in samples(registry, patterns):
            for pattern in globs.governing(patterns, name):
                reach.setdefault(pattern, set()).add(index)
    return reach


def samples(registry: Registry, patterns: list[str]) -> set[str]:
    """Names this upstream can fill: its namespace, names below it, and the globs filled in with those."""
    namespace = registry.namespace_path
    deep = [namespace, *("/".join(p for p in (namespace, filler) if p) for filler in FILLERS), *FILLERS]
    # A "*" may stand for a whole namespace component or the part of one around a literal ("d*", "*.io").
    parts = [part for part in namespace.split("/") if part]
    segment = [FILLERS[0], *(part[:i] for part in parts for i in range(1, len(part) + 1))]
    segment += [part[i:] for part in parts for i in range(1, len(part))]
    names = {name for pattern in patterns for name in globs.examples(pattern, deep, segment)}
    names.update(path for path in deep if path)
    if namespace:
        for pattern in patterns:
            for head, rest in globs.splits(pattern):
                if globs.matches(head, namespace):
                    tails = globs.examples(rest, FILLERS, FILLERS[:1]) if rest else [""]
                    names.update("/".join(part for part in (namespace, tail) if part) for tail in tails)
    return {name for name in names if registry.holds(name)}


def access_issues(settings: Settings) -> Iterator[Issue]:
    access = settings.access_control
    reach = mirrored_by(settings)
    for pattern, repo in access.repositories.items():
        path = (*BASE, "repositories", pattern)
        mirrors = _mirrors(settings, reach.get(pattern, set()))
        if mirrors:
            grants: list[tuple[Path, list[str], str]] = [
                (("policies", i, "actions"), list(policy.actions), ", ".join(policy.users))
                for i, policy in enumerate(repo.policies)
            ]
            grants.append((("defaultPolicy",), list(repo.default_policy), "every logged-in user"))
            grants.append((("anonymousPolicy",), list(repo.anonymous_policy), "anyone without a login"))
            for where, actions, who in grants:
                if pushes := [action for action in actions if action in PUSH]:
                    scope = f"where {pattern!r} is the longest matching glob"
                    yield ((*path, *where), _push_message(pushes, who, scope, mirrors))
        yield from _anonymous_write_issues(settings, pattern, repo, mirrors)
        yield from _scraper_issues(settings, path, repo)
    yield from _admin_issues(settings)
    for index, pattern in enumerate(access.allow_anonymous_write):
        opened = access.repositories.get(pattern)
        if opened is None or not any(action in WRITE_ACTIONS for action in opened.anonymous_policy):
            yield (
                (*BASE, "allowAnonymousWrite", index),
                f"{pattern!r} is not a repositories glob whose anonymousPolicy writes; "
                "name exactly the globs you open for anonymous writes, or remove it",
            )


def _mirrors(settings: Settings, indexes: set[int]) -> str:
    """'namespace 'docker.io' that registries[0] (docker-hub) mirrors', for every upstream given."""
    return " and the ".join(
        f"namespace {namespaces.label(settings.registries[i].namespace_path)!r} that "
        f"registries[{i}] ({settings.registries[i].id}) mirrors"
        for i in sorted(indexes)
    )


def _push_message(pushes: Sequence[str], who: str, scope: str, mirrors: str) -> str:
    return (
        f"{'/'.join(pushes)} lets {who} push {scope}, which includes the "
        f"{mirrors}; a pushed tag there would shadow or be overwritten by the upstream's. Push into a namespace "
        f'nothing mirrors, with a glob like "{PUSH_EXAMPLE}" (delete, to evict a bad cached image, may stay)'
    )


def _anonymous_write_issues(settings: Settings, pattern: str, repo: RepositoryAccess, mirrors: str) -> Iterator[Issue]:
    writes = [action for action in repo.anonymous_policy if action in WRITE_ACTIONS]
    if not writes:
        return
    path = (*BASE, "repositories", pattern, "anonymousPolicy")
    if pattern not in settings.access_control.allow_anonymous_write:
        yield (
            path,
            f"{'/'.join(writes)} lets anyone who reaches the cache write without logging in; remove it and give "
            "the writers a login, or, if that is meant, list this glob in accessControl.allowAnonymousWrite",
        )
    elif "delete" in writes and mirrors:
        # create/update there is refused above; delete too, for anonymous clients, even when opted in.
        yield (path, f"delete without a login reaches the {mirrors}; allowAnonymousWrite never opens a mirror")


def _scraper_issues(settings: Settings, path: Path, repo: RepositoryAccess) -> Iterator[Issue]:
    scraper = settings.metrics.scrape_user
    if scraper is None:
        return
    for i, policy in enumerate(repo.policies):
        if scraper in policy.users:
            yield ((*path, "policies", i, "users", policy.users.index(scraper)), _scraper_message(scraper))
    if repo.default_policy:
        yield (
            (*path, "defaultPolicy"),
            f"applies to every logged-in user, metrics.scrapeUser {scraper!r} too, whose password sits in the "
            "ServiceMonitor's login Secret; grant repository access with policies for named users instead",
        )


def _scraper_message(scraper: str) -> str:
    return (
        f"{scraper!r} is metrics.scrapeUser, whose password sits in the ServiceMonitor's login Secret (readable by "
        "more people than zot's Secret); let it read /metrics only and use another user here"
    )


def _admin_issues(settings: Settings) -> Iterator[Issue]:
    admin = settings.access_control.admin_policy
    if admin is None:
        return
    path = (*BASE, "adminPolicy")
    if pushes := [action for action in admin.actions if action in PUSH]:
        yield (
            (*path, "actions"),
            _push_message(pushes, ", ".join(admin.users), "into every repository", _every_mirror(settings)),
        )
    scraper = settings.metrics.scrape_user
    if scraper in admin.users:
        yield ((*path, "users", admin.users.index(scraper)), _scraper_message(scraper))


def _every_mirror(settings: Settings) -> str:
    return _mirrors(settings, set(range(len(settings.registries))))


def anonymous_private_reads(settings: Settings) -> list[str]:
    """Warnings: anonymous read reaches an upstream the cache logs in to, so any pod pulls it with that login."""
    reach = mirrored_by(settings)
    found = []
    for index, registry in enumerate(settings.registries):
        if registry.credentials is None:
            continue
        for pattern, repo in sorted(settings.access_control.repositories.items()):
            if index in reach.get(pattern, set()) and "read" in repo.anonymous_policy:
                found.append(
                    f'accessControl.repositories["{pattern}"] lets anyone without a login read namespace '
                    f"{namespaces.label(registry.namespace_path)!r}, which registries[{index}] ({registry.id}) "
                    "fills with its credentials: any pod can pull that private upstream through the cache; give "
                    f'"{namespaces.glob(registry.namespace_path)}" policies for named users instead'
                )
    return found


def unreadable(settings: Settings, registry: Registry, user: str | None) -> list[str]:
    """Sample names in the registry's namespace that `user` (None: a client without a login) may not read.

    Where globs tie for the longest match zot picks one at random, so each of them must grant it.
    """
    access = settings.access_control
    patterns = list(access.repositories)
    admin = access.admin_policy
    if user is not None and admin is not None and user in admin.users and "read" in admin.actions:
        return []
    return sorted(
        name
        for name in samples(registry, patterns)
        if not (governing := globs.governing(patterns, name))
        or not all(_reads(access.repositories[pattern], user) for pattern in governing)
    )


def _reads(repo: RepositoryAccess, user: str | None) -> bool:
    if user is None:
        return "read" in repo.anonymous_policy
    return "read" in repo.default_policy or any(user in p.users and "read" in p.actions for p in repo.policies)
