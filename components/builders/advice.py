"""Settings that work but do less than they seem to: said as warnings in every preview, not hidden."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from components.builders import alerts, retention, tag_regex
from components.builders.chart_values import CHART_VERSION, default_annotations
from components.settings import Settings
from components.settings.access import User
from components.settings.access_rules import anonymous_private_reads
from components.settings.alerts import RELATIVE_RUNBOOK
from components.settings.common import format_path
from components.settings.exposure import CLUSTER_ISSUER_ANNOTATION, Ingress
from components.settings.node_rules import node_warnings
from components.settings.scale import maps_names
from components.settings.storage import KUBECONFIG_COMMAND, program_owns_claim
from components.settings.units import parse_quantity
from components.settings.upstreams import SAFE_RETRIES, public_url


def _unused_kubeconfig(settings: Settings) -> list[str]:
    """Warned, not refused: moving a stack into Pulumi's own cluster (dropping app.cluster) should not fail on it."""
    if settings.storage.kubeconfig is None:
        return []
    if settings.app.cluster is None:
        return ["storage.kubeconfig is not read without app.cluster (zot runs in Pulumi's own cluster); remove it"]
    if not settings.storage.persistence:
        return ["storage.kubeconfig is not read without storage.persistence (there is no claim); remove it"]
    return []


def warnings(settings: Settings) -> list[str]:
    found = []
    if settings.strategy is not None and settings.storage.persistence:
        found.append(
            f"strategy {settings.strategy} has no effect: with storage.persistence the chart renders a StatefulSet, "
            "which ignores it (its pod is stopped before the new one starts, so the data volume lock is safe)"
        )
    if not settings.storage.persistence:
        found.append("storage.persistence is false: the cache lives in an emptyDir and is lost with every pod restart")
    elif not program_owns_claim(settings):
        found.append(
            "without storage.kubeconfig the chart's volumeClaimTemplates make the cache's claim, and Kubernetes "
            "cannot change them: a later storage.size or storageClass change makes every upgrade fail. Set a "
            f"kubeconfig for the workload cluster (docs/platforms.md, The cache's volume): {KUBECONFIG_COMMAND}"
        )
    found += _unused_kubeconfig(settings)
    if settings.app.version != CHART_VERSION:
        found.append(
            f"app.version {settings.app.version} differs from {CHART_VERSION}, the chart these values were checked "
            "against; review the chart's changes before rolling out"
        )
    resources = settings.resources
    if not resources.vpa.enabled and parse_quantity(resources.requests.memory) != parse_quantity(
        resources.limits.memory
    ):
        found.append(
            "fixed memory (vpa.enabled: false) works best with requests.memory equal to limits.memory, so the "
            "scheduler reserves what GOMEMLIMIT assumes"
        )
    if settings.zot.search or settings.zot.ui:
        found.append("zot search/ui are on: they need much more memory; raise the memory limit or VPA maxAllowed")
    metrics = settings.metrics
    if metrics.enabled and not metrics.scrape_user and settings.access_control.configured and settings.ingress.enabled:
        found.append(
            "/metrics is readable without credentials, also through the ingress; set metrics.scrapeUser "
            "to a user with a password so only the ServiceMonitor can read it"
        )
    found.extend(_credential_warnings(settings))
    found.extend(_sync_warnings(settings))
    found.extend(_member_warnings(settings))
    found.extend(_bcrypt_cost_warnings(settings))
    found.extend(_idle_user_warnings(settings))
    found.extend(_annotation_warnings(settings.ingress))
    found.extend(anonymous_private_reads(settings))
    found.extend(node_warnings(settings))
    found.extend(retention.warnings(settings))
    # Any other value is an http(s) URL (settings/alerts.py): only the default is shown, never a value given.
    relative = settings.alerts.runbook_base_url == RELATIVE_RUNBOOK
    if settings.alerts.active(settings.metrics, settings.app.cluster) and relative:
        found.append(
            f"alerts.runbookBaseUrl is {RELATIVE_RUNBOOK!r}, which a notification cannot open; set it to where this "
            "page renders, like https://github.com/<org>/<repo>/blob/main/docs/operations.md"
        )
    shipped = settings.dashboard.shipped(settings.metrics)
    if shipped and settings.app.cluster is not None and settings.dashboard.organization is None:
        found.append(
            "dashboard: zot runs in workload cluster "
            f"{settings.app.cluster.name}, the dashboard ConfigMap goes to the management cluster, where Giant Swarm's "
            "observability platform loads it only with dashboard.organization set; set it"
        )
    found.extend(alerts.warnings(settings))
    flux = settings.flux
    if settings.platform == "flux" and flux.verify_signature and flux.signer_is_default:
        found.append(
            "flux.verifySignature checks the chart against Giant Swarm's published signer patterns, which match "
            "every CircleCI organisation's issuer and any project: a chart signed from anyone's CircleCI project "
            "passes; set flux.signatureIssuer to ^https://oidc\\.circleci\\.com/org/<organization id>$ with the "
            "organization id from the chart's certificate (cosign verify ... --output json), and pin the content "
            "with flux.chartDigest"
        )
    if settings.render_yaml_to_directory:
        found.append(
            f"render mode: manifests go to {settings.render_yaml_to_directory} and nothing is deployed; Secrets are "
            "written there in clear text, so keep that directory out of git"
        )
    return found


def _member_warnings(settings: Settings) -> Iterator[str]:
    """With several members, what zot does by the upstream name and what it does by the local one part ways."""
    if not settings.scale.clustered:
        return
    for index, registry in enumerate(settings.registries):
        if not (registry.active and registry.on_demand and maps_names(registry)):
            continue
        split = (
            f"registries[{index}] is synced actively into other names than upstream's with scale.replicas "
            f"{settings.scale.replicas}: zot's active sync picks the member by the upstream name (v2.1.18 "
            "pkg/extensions/sync/service.go GetNextRepo), pulls reach the member of the local name, "
        )
        cause = f"its namespace {registry.namespace_path}/" if registry.namespace_path else "destination or stripPrefix"
        if settings.scale.storage == "perMember":
            # Refused without onDemand (settings/scale.py); with it, pulls still work, the prefetch is wasted.
            yield (
                f"{split}which syncs it again on demand; most prefetched copies take disk on a member that never "
                f"serves them. The names differ by {cause}: namespace: / without them keeps upstream's names (where "
                "they collide with no other upstream's), scale.storage: s3 lets the owner read any member's copy, "
                "or accept the extra disk (docs/platforms.md, Scaling out)"
            )
        else:
            # zot's store lock is a sync.RWMutex in each process (pkg/storage/imagestore/imagestore.go L48,
            # L119-122): two members writing one index.json may lose a tag, which the next poll or pull brings back.
            yield (
                f"{split}which may sync a tag new upstream since the last poll on demand while the other writes the "
                "same repository to the bucket, and one index.json update can be lost until the next poll; set "
                "onDemand: false if the prefetched tags are all nodes pull (the owner reads them from the bucket) "
                "(docs/platforms.md, Shared storage)"
            )


# Below this bcrypt cost a leaked htpasswd line is cheap to guess; 10 is our default and Go bcrypt's DefaultCost.
HUMAN_BCRYPT_COST = User.model_fields["bcrypt_cost"].default


def _credential_warnings(settings: Settings) -> Iterator[str]:
    """Registry credentials are sent with every sync: how they travel decides who else can read them."""
    for index, registry in enumerate(settings.registries):
        if registry.credentials is None:
            continue
        plain = [public_url(url) for url in registry.urls if urlsplit(url).scheme == "http"]
        if plain:
            yield (
                f"registries[{index}].credentials go over http://, so the token travels in clear text to "
                f"{', '.join(plain)} and to anyone on the way; use https://"
            )
        if not registry.tls_verify:
            yield (
                f"registries[{index}].credentials go to a host whose certificate zot does not check (tlsVerify: "
                "false): whoever can intercept the connection can pose as the registry and take the token; give it "
                "a certificate zot trusts and set tlsVerify: true"
            )


def _sync_warnings(settings: Settings) -> Iterator[str]:
    """Sync settings that zot accepts but that do not do what they look like."""
    for index, registry in enumerate(settings.registries):
        if registry.on_demand and registry.max_retries is None:
            # Without them zot v2.1.18 passes nothing to regclient (pkg/extensions/sync/service.go L888-894), which
            # then retries 5 times with a delay doubling from 0.1s to 30s per failure of the host
            # (internal/reghttp/http.go L40-48, L655-656): late in an outage, requests go out 30s apart.
            yield (
                f"registries[{index}] ({registry.id}) is asked on demand without maxRetries and retryDelay, so zot's "
                "sync client keeps its own backoff, which grows to 30s between requests to a failing host: in a long "
                f"upstream outage a node's pull waits that long per tag it asks for; set {SAFE_RETRIES}"
            )
        for position, content in enumerate(registry.content):
            regex = content.tags.regex if content.tags else None
            number = tag_regex.runs_past_its_number(regex) if regex else None
            if number:
                stem = "^" + re.escape(number)
                yield (
                    f"registries[{index}].content[{position}].tags.regex {regex!r} also matches tags like "
                    f"{number}0 and {number}0.1.0 (zot keeps every tag the regex matches anywhere in it); to stop "
                    f"at the version boundary write '{stem}\\.' for {number}.x, or '{stem}($|[^0-9])'"
                )


def _bcrypt_cost_warnings(settings: Settings) -> Iterator[str]:
    for index, user in enumerate(settings.users):
        if user.password is not None and user.bcrypt_cost < HUMAN_BCRYPT_COST:
            yield (
                f"users[{index}].bcryptCost is {user.bcrypt_cost}: a leaked htpasswd line is cheap to guess below "
                f"{HUMAN_BCRYPT_COST}; a low cost is acceptable only for machine users with long random passwords, "
                "never for people's logins"
            )


def _idle_user_warnings(settings: Settings) -> Iterator[str]:
    """Users that log in and may do nothing: zot v2.1.18 grants a login only what a policy naming it, the adminPolicy
    or a defaultPolicy allow, never the anonymousPolicy (pkg/api/authz.go L134-175 can, L537-600 isPermitted). Users
    without any accessControl are refused (settings.Settings.issues), as zot would then allow them everything."""
    access = settings.access_control
    if any(repo.default_policy for repo in access.repositories.values()):
        return
    named = {name for repo in access.repositories.values() for policy in repo.policies for name in policy.users}
    named |= set(access.admin_policy.users if access.admin_policy else [])
    named.add(settings.metrics.scrape_user or "")  # zot's accessControl.metrics.users lets it read /metrics
    for index, user in enumerate(settings.users):
        if user.name not in named:
            yield (
                f"users[{index}] ({user.name}) is named by no accessControl policy or adminPolicy, and no glob has "
                "a defaultPolicy: it can log in and zot refuses whatever it asks (a login does not get the "
                "anonymousPolicy); name it in the policies of the globs it should use, like "
                'accessControl.repositories["**"].policies, or remove it'
            )


def _annotation_warnings(ingress: Ingress) -> Iterator[str]:
    """Snippets and overridden defaults; annotation values are never echoed, as they may hold credentials."""
    if not ingress.enabled:
        return
    defaults = default_annotations(ingress)
    for key, value in ingress.annotations.items():
        path = format_path(("ingress", "annotations", key))
        if key.rpartition("/")[2].endswith("-snippet"):
            yield (
                f"{path} puts raw nginx configuration into the ingress controller: snippet annotations are the "
                "ingress-nginx CVE class (CVE-2021-25742: a snippet can read every Secret the controller can read), "
                "and ingress-nginx 1.9+ ignores them unless allow-snippet-annotations is on; use a dedicated "
                "annotation instead"
            )
        if key not in defaults or value == defaults[key]:
            continue
        if key == CLUSTER_ISSUER_ANNOTATION:
            yield f"{path} replaces {defaults[key]!r} from ingress.clusterIssuer; set only one of them"
        else:
            yield (
                f"{path} replaces the registry default {defaults[key]!r} for nginx (layers are large and pulls that "
                "sync are slow, so pushes and pulls may now be cut); remove it to keep the default"
            )
