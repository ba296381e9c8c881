"""zot's `storage` GC and retention keys (v2.1.18), and the warnings about retention shown in every preview.

Policy order is zot's match order (the first policy whose repositories match wins): the explicit policies as
listed, then one per upstream with overrides (deepest namespace first, so a nested one is not shadowed by its
parent), then the catch-all `**` with the top-level rules, so no repository is left without a policy.
"""

from __future__ import annotations

from typing import Any

from components.settings import Settings, access_rules, globs, namespaces
from components.settings.common import format_path
from components.settings.retention import KeepTags, Policy, Rules
from components.settings.upstreams import Registry

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
            "keeps filling; read the log lines (README, Retention and storage sizing), then set dryRun: false"
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
    return found


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
