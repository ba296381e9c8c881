"""zot's `storage` GC and retention keys (v2.1.18), and the warnings about retention shown in every preview.

Policy order is zot's match order (the first policy whose repositories match wins): the explicit policies as
listed, then one per upstream with overrides (deepest namespace first, so a nested one is not shadowed by its
parent), then the catch-all `**` with the top-level rules, so no repository is left without a policy.
"""

from __future__ import annotations

from typing import Any

from components.builders import tag_regex
from components.settings import Settings, access_rules, globs, namespaces
from components.settings.common import format_path
from components.settings.retention import KeepTags, Policy, Rules
from components.settings.upstreams import Content, Registry

CATCH_ALL = "**"


def storage_gc(settings: Settings) -> dict[str, Any]:
    """The keys that follow storage.gc: its delay and interval, then retention when it is on."""
    retention = settings.retention
    storage: dict[str, Any] = {"gcDelay": retention.gc_delay, "gcInterval": retention.gc_interval}
    if retention.enabled:
        storage["retention"] = {"dryRun": retention.dry_run, "delay": retention.delay, "policies": _policies(settings)}
    return storage


def _policies(settings: Settings) -> list[dict[str, Any]]:
    retention = settings.retention
    top = retention.rules
    policies = [_explicit(policy, top) for policy in retention.policies]
    ruled = [registry for registry in settings.registries if registry.id in retention.namespaces]
    if any(not registry.namespace_path for registry in ruled):
        # The root namespace's policy is `**`, which would also take every other upstream's namespace: give each
        # of those its own policy (with the top-level rules) ahead of it.
        ruled = list(settings.registries)
    ruled.sort(key=lambda registry: (-len(registry.namespace_path), registry.namespace_path))
    policies += [
        _ruled([namespaces.glob(r.namespace_path)], _rules_for(r.id, retention.namespaces, top)) for r in ruled
    ]
    return [*policies, _ruled([CATCH_ALL], top)]


def _rules_for(name: str, overrides: dict[str, Rules], top: Rules) -> Rules:
    return overrides[name].over(top) if name in overrides else top


def _ruled(repositories: list[str], rules: Rules) -> dict[str, Any]:
    """A policy from rules: pinned tags kept whatever their age (listed first, as zot uses the first keepTags
    entry whose patterns match a tag), every other tag kept while it is pulled within the window."""
    keep: list[KeepTags] = [KeepTags(patterns=rules.keep_tags)] if rules.keep_tags else []
    keep.append(
        KeepTags(pulled_within=rules.pulled_within, most_recently_pulled_count=rules.most_recently_pulled_count or 0)
    )
    policy = Policy(
        repositories=repositories,
        delete_referrers=rules.delete_referrers,
        delete_untagged=rules.delete_untagged,
        keep_tags=keep,
    )
    return _explicit(policy, rules)


def _explicit(policy: Policy, top: Rules) -> dict[str, Any]:
    # Every key written out, deletes included: zot's own defaults (deleteReferrers false) are not the cache's.
    return {
        "repositories": list(policy.repositories),
        "deleteReferrers": top.delete_referrers if policy.delete_referrers is None else policy.delete_referrers,
        "deleteUntagged": top.delete_untagged if policy.delete_untagged is None else policy.delete_untagged,
        "keepTags": [_keep_tags(keep) for keep in policy.keep_tags],
    }


def _keep_tags(keep: KeepTags) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if keep.patterns:
        entry["patterns"] = list(keep.patterns)
    if keep.pulled_within is not None:
        entry["pulledWithin"] = keep.pulled_within
    if keep.pushed_within is not None:
        entry["pushedWithin"] = keep.pushed_within
    # zot reads 0 as "no such rule"; written only when set, so the config shows only rules that apply.
    if keep.most_recently_pulled_count:
        entry["mostRecentlyPulledCount"] = keep.most_recently_pulled_count
    if keep.most_recently_pushed_count:
        entry["mostRecentlyPushedCount"] = keep.most_recently_pushed_count
    return entry


def warnings(settings: Settings) -> list[str]:
    retention = settings.retention
    if not retention.enabled:
        if settings.storage.persistence:
            return [
                "retention.enabled is false: zot keeps every image it ever synced, so the volume "
                f"({settings.storage.size}) fills and then every pull that misses fails; turn retention on, or "
                "watch the volume closely"
            ]
        return []
    found = []
    if retention.dry_run:
        found.append(
            "retention.dryRun is true: zot only logs what retention would delete and deletes nothing, so the volume "
            "keeps filling; read the log lines (docs/operations.md, Retention and storage sizing), then set "
            "dryRun: false"
        )
    pushed = _pushed(settings)
    for index, policy in enumerate(retention.policies):
        for glob in policy.repositories:
            reached = any(_reaches(glob, registry) for registry in settings.registries)
            if not reached and not any(globs.matches(glob, name) for name in pushed.values()):
                found.append(
                    f"retention.policies[{index}].repositories: {glob!r} matches no upstream's namespace ("
                    + ", ".join(namespaces.label(r.namespace_path) for r in settings.registries)
                    + ") and no accessControl glob that allows pushes, so it never applies; check the glob"
                )
    found.extend(_pushed_warnings(settings, pushed))
    found.extend(_sync_warnings(settings))
    return found


# zot's keepTags entries that limit how long a tag stays; an entry without them keeps its tags for good.
_LIMITS = ("pulledWithin", "pushedWithin", "mostRecentlyPulledCount", "mostRecentlyPushedCount")
# Tags of several shapes: a pattern that matches all of them is taken to keep every tag.
_SAMPLE_TAGS = ("latest", "6.1.0", "v1.2.3", "1.0-alpine", "sha256-0a1b.sig")


def _sync_warnings(settings: Settings) -> list[str]:
    """Retention against active sync: each poll copies every filtered tag zot does not hold
    (pkg/extensions/sync/service.go L483-507), so a tag retention deletes comes back with the next poll."""
    policies = _policies(settings)
    found = []
    for index, registry in enumerate(settings.registries):
        if not registry.active:
            continue
        fought = [c for c in registry.content if not _pinned(c, _policy_for(policies, registry, c))]
        if fought:
            regexes = [content.tags.regex if content.tags and content.tags.regex else ".*" for content in fought]
            found.append(
                f"registries[{index}] ({registry.id}) is synced actively every {registry.poll_interval}, and "
                "retention deletes the synced tags nobody pulls within its window: the next poll downloads them "
                "again, so the volume churns and no space is freed; pin what the sync brings with "
                f"retention.namespaces.{registry.id}.keepTags: {regexes}"
            )
        found.extend(_unreachable_keeps(settings, index, registry))
    return found


def _policy_for(policies: list[dict[str, Any]], registry: Registry, content: Content) -> dict[str, Any]:
    """The policy zot applies to what this content syncs: the first whose repositories match (retention.go
    L243-254); a repository below the content's destination stands for them all."""
    destination = (registry.destination(content) or "").strip("/")
    sample = "/".join(part for part in (destination, access_rules.FILLERS[0]) if part)
    return next(p for p in policies if any(globs.matches(glob, sample) for glob in p["repositories"]))


def _pinned(content: Content, policy: dict[str, Any]) -> bool:
    """Whether the policy keeps for good every tag this content syncs (an entry without limits keeps the tags its
    patterns match, all tags when it has none; no entries at all keep everything)."""
    if not policy["keepTags"]:
        return True
    regex = content.tags.regex if content.tags else None
    for entry in policy["keepTags"]:
        if any(key in entry for key in _LIMITS):
            continue
        patterns = entry.get("patterns", [])
        if not patterns or regex in patterns:
            return True
        if any(tag_regex.covers(p, regex) or all(tag_regex.matches(p, tag) for tag in _SAMPLE_TAGS) for p in patterns):
            return True
    return False


def _unreachable_keeps(settings: Settings, index: int, registry: Registry) -> list[str]:
    """keepTags of this upstream's own rules that no tag its sync brings can match: they pin nothing."""
    rules = settings.retention.namespaces.get(registry.id)
    regexes = [content.tags.regex if content.tags else None for content in registry.content]
    if rules is None or not rules.keep_tags or registry.on_demand or None in regexes:
        return []  # on demand, or a content without a tag regex, any tag can arrive
    return [
        f"retention.namespaces.{registry.id}.keepTags[{position}] {pattern!r} can never match a tag that "
        f"registries[{index}] ({registry.id}) syncs (its tag regexes: {', '.join(map(repr, regexes))}), so it "
        f"pins nothing; write patterns for the tags the sync brings, like {regexes[0]!r}"
        for position, pattern in enumerate(rules.keep_tags)
        if all(tag_regex.disjoint(pattern, regex) for regex in regexes if regex)
    ]


def _pushed_warnings(settings: Settings, pushed: dict[str, str]) -> list[str]:
    """Pushed images are not refilled from anywhere: under the catch-all they would go once nobody pulls them."""
    ruled = [glob for policy in settings.retention.policies for glob in policy.repositories]
    found = []
    for pattern, name in pushed.items():
        if not any(globs.matches(glob, name) for glob in ruled):
            found.append(
                f"{format_path(('accessControl', 'repositories', pattern))} allows pushes, and no retention.policies "
                "entry covers them, so the catch-all deletes a pushed tag nobody pushed or pulled within "
                f"{settings.retention.rules.pulled_within}; to keep them, add retention.policies: "
                f'[{{repositories: ["{pattern}"], keepTags: [{{patterns: [".*"]}}]}}]'
            )
    return found


def _pushed(settings: Settings) -> dict[str, str]:
    """For each accessControl glob that lets someone push (create): a repository name it covers."""
    found = {}
    for pattern, repo in sorted(settings.access_control.repositories.items()):
        grants = [*(p.actions for p in repo.policies), repo.default_policy, repo.anonymous_policy]
        if any("create" in actions for actions in grants):
            found[pattern] = next(globs.examples(pattern, access_rules.FILLERS, access_rules.FILLERS[:1]), pattern)
    return found


def _reaches(glob: str, registry: Registry) -> bool:
    """Whether the glob matches some repository this upstream can fill (sampled as the access checks do)."""
    return any(globs.matches(glob, name) for name in access_rules.samples(registry, [glob]))
