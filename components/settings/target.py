"""Where and what to install: the platform (App CR, Flux or Helm), the release name, chart and namespaces."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path as FilePath
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from components.settings import regex_engine
from components.settings.common import (
    ChartName,
    ChartVersion,
    DnsLabel,
    DnsSubdomain,
    Duration,
    GoRegex,
    Issue,
    Model,
)

# How the chart is installed: Giant Swarm's App CR (app-operator), Flux (OCIRepository + HelmRelease) or Pulumi's
# own Helm support with the upstream project-zot chart, for clusters without either.
Platform = Literal["app", "flux", "helm"]

_CHART_SOURCE = re.compile(r"(oci|https)://[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9][-a-z0-9._]*)*")


def _chart_source(scheme: str) -> AfterValidator:
    def check(value: str) -> str:
        if not value.startswith(f"{scheme}://") or not _CHART_SOURCE.fullmatch(value):
            # Not echoed: a URL may carry a token.
            raise ValueError(
                f"is not a chart location; write {scheme}://host/path in lower case, without user or query"
            )
        return value

    return AfterValidator(check)


# Helm release names stop at 53 characters, and so do app-operator's App names (giantswarm/app v8.1.1
# pkg/validation/app.go L34-36, L205-211, run by app-admission-controller's webhook) and the Flux HelmRelease CRD's
# spec.releaseName (maxLength 53).
APP_NAME_LIMIT = 53


def _app_name(value: str) -> str:
    if len(value) > APP_NAME_LIMIT:
        raise ValueError(
            f"is {len(value)} characters; the App and the Helm release named after it allow at most "
            f"{APP_NAME_LIMIT} (app-operator refuses longer App names); use a shorter name, like zot"
        )
    return value


class WorkloadCluster(Model):
    name: DnsLabel
    organization: DnsLabel


class AppTarget(Model):
    name: Annotated[DnsLabel, AfterValidator(_app_name)] = "zot"
    chart: ChartName = "zot"
    version: ChartVersion = "2.9.0"
    catalog: DnsSubdomain = "giantswarm"
    namespace: DnsLabel = "zot"
    # The DNS domain of the cluster zot runs in (the kubelet's clusterDomain): every in-cluster name the program
    # writes ends in it, the inClusterUrl output and the scale-out members' names alike.
    cluster_domain: DnsSubdomain = "cluster.local"
    cluster: WorkloadCluster | None = None
    app_namespace: DnsLabel | None = None
    pod_security_standards_enforced: bool = True

    @property
    def cr_namespace(self) -> str:
        """Where App, ConfigMap and Secret live: the org namespace for a workload cluster."""
        if self.app_namespace:
            return self.app_namespace
        return f"org-{self.cluster.organization}" if self.cluster else self.namespace

    def app_cr_issues(self) -> Iterator[Issue]:
        """What app-admission-controller's webhook refuses in an App this target makes (platform app only)."""
        # An in-cluster App must target its own namespace, unless it lives in "giantswarm" (giantswarm/app v8.1.1
        # pkg/validation/app.go L213-225, validateTargetNamespace), so that spec.namespace cannot escape the
        # permissions of the namespace the App was created in.
        if self.cluster is None and self.cr_namespace not in (self.namespace, "giantswarm"):
            yield (
                ("appNamespace",),
                f"{self.cr_namespace!r} differs from app.namespace {self.namespace!r}: Giant Swarm's App webhook "
                "refuses an in-cluster App whose target namespace is not its own; remove appNamespace (the App then "
                "lives in app.namespace), or set app.cluster to install into a workload cluster",
            )

    def issues(self) -> Iterator[Issue]:
        if not self.pod_security_standards_enforced:
            yield (
                ("podSecurityStandardsEnforced",),
                "false makes the chart render a PodSecurityPolicy "
                "(policy/v1beta1), an API removed in Kubernetes 1.25; keep it true",
            )


_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def _digest(value: str) -> str:
    if not _DIGEST.fullmatch(value):
        raise ValueError(
            "is not a chart digest; write sha256: and 64 lower-case hex digits, as `crane digest "
            "gsoci.azurecr.io/charts/giantswarm/zot:2.9.0` or `oras resolve` prints"
        )
    return value


# Who signs Giant Swarm's public charts: architect-orb v9+ (giantswarm/zot v2.9.0 is pushed with architect@9.5.5,
# .circleci/config.yml) signs each pushed chart keyless from CircleCI and verifies it with these two patterns
# (giantswarm/architect-orb v9.5.5 src/commands/cosign-sign-verify.yaml L65-66, src/commands/push-helm.yaml
# L209-225; docs/cosign-signing.md, "Helm chart").
GIANT_SWARM_SIGNER_ISSUER = r"^https://oidc\.circleci\.com"
GIANT_SWARM_SIGNER_SUBJECT = r"^https://circleci\.com/api/v2/projects/[a-f0-9-]+/pipeline-definitions/[a-f0-9-]+$"
# These are the patterns Giant Swarm publishes, and they are wide: CircleCI's OIDC issuer is
# https://oidc.circleci.com/org/<organization id> and the subject names only a project id, so together they match a
# signature from any CircleCI organisation's project. Giant Swarm's organization id is published in none of its
# repositories or docs this program's authors could find, so the defaults stay, with a warning
# (components/builders/advice.py), and a pattern a user writes must pin one signer.
# Signers that are not Giant Swarm: another CircleCI organisation's project, and any GitHub repository's workflow.
# cosign looks for each pattern anywhere in the certificate's value (sigstore/cosign pkg/cosign/verify.go,
# CheckCertificatePolicy: regexp.Compile(identity.IssuerRegExp), then MatchString).
FOREIGN_SIGNERS = (
    (
        "https://oidc.circleci.com/org/7f3c9a2e-5b1d-4e8f-a6c0-d2b4e6f8a1c3",
        "https://circleci.com/api/v2/projects/c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f/pipeline-definitions/"
        "9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b",
    ),
    (
        "https://token.actions.githubusercontent.com",
        "https://github.com/someone-else/charts/.github/workflows/release.yaml@refs/heads/main",
    ),
)


def _unpinned(pattern: str) -> str | None:
    """Why a signer pattern a user wrote pins nothing by itself, or None."""
    if regex_engine.go_search(pattern, ""):
        return f"{pattern!r} matches every identity (it matches even the empty text)"
    if not pattern.startswith("^") or not pattern.endswith("$") or pattern.endswith("\\$"):
        return (
            f"{pattern!r} is not anchored with ^ at the start and $ at the end: cosign finds it anywhere in the "
            "certificate's value, so an identity that merely contains the signer's matches too"
        )
    return None


class Flux(Model):
    """platform flux: an OCIRepository holding the chart and a HelmRelease of it, as `kubectl gs deploy chart`."""

    # Clusters on Flux before source-controller v1.5 serve OCIRepository only as v1beta2.
    oci_repository_api_version: Literal["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2"] = (
        "source.toolkit.fluxcd.io/v1"
    )
    # The chart is <chartRegistry>/<app.chart> at app.version.
    chart_registry: Annotated[str, _chart_source("oci")] = "oci://gsoci.azurecr.io/charts/giantswarm"
    interval: Duration = "10m"
    timeout: Duration = "10m"
    retries: int = Field(default=3, ge=0, le=100)
    # The chart's manifest digest: Flux pulls exactly that content and ignores the tag (source-controller v1.9.1
    # internal/controller/ocirepository_controller.go L884-886: ref.digest wins over semver and tag).
    chart_digest: Annotated[str, AfterValidator(_digest)] | None = None
    # spec.verify: cosign keyless, the chart's signature must come from an identity matching both patterns.
    verify_signature: bool = False
    signature_issuer: GoRegex = GIANT_SWARM_SIGNER_ISSUER
    signature_subject: GoRegex = GIANT_SWARM_SIGNER_SUBJECT

    @property
    def signer_is_default(self) -> bool:
        return not {"signature_issuer", "signature_subject"} & self.model_fields_set

    def accepts_foreign_signer(self) -> bool:
        """Whether the issuer and subject patterns together match a signer that is not the chart's (FOREIGN_SIGNERS)."""
        return any(
            regex_engine.go_search(self.signature_issuer, issuer)
            and regex_engine.go_search(self.signature_subject, subject)
            for issuer, subject in FOREIGN_SIGNERS
        )

    def issues(self) -> Iterator[Issue]:
        if self.verify_signature:
            yield from self._signer_issues()
        if not self.verify_signature:
            for field in ("signature_issuer", "signature_subject"):
                if field in self.model_fields_set:
                    key = Flux.model_fields[field].alias or field
                    yield ((key,), "is only read with flux.verifySignature: true; set that, or remove this")
        elif self.oci_repository_api_version != "source.toolkit.fluxcd.io/v1":
            # Giant Swarm signs with cosign v3 bundles (OCI referrers), which source-controller verifies from
            # v1.8.0 on (internal/oci/cosign/cosign.go, Verify: GetBundles); a Flux that serves OCIRepository
            # only as v1beta2 is older than v1.5 and would refuse every revision.
            yield (
                ("verifySignature",),
                "needs Flux source-controller v1.8 or later (cosign v3 signatures), which serves "
                "source.toolkit.fluxcd.io/v1; upgrade Flux and drop flux.ociRepositoryApiVersion, or set false",
            )

    def _signer_issues(self) -> Iterator[Issue]:
        """A pattern the user wrote must pin the signer: the defaults are Giant Swarm's own and only warned about."""
        written = [f for f in ("signature_issuer", "signature_subject") if f in self.model_fields_set]
        keys = [Flux.model_fields[field].alias or field for field in written]
        unpinned = False
        for field, key in zip(written, keys, strict=True):
            reason = _unpinned(getattr(self, field))
            if reason:
                unpinned = True
                yield ((key,), f"{reason}; write the signer's exact value as ^...$ with its dots escaped")
        if written and not unpinned and self.accepts_foreign_signer():
            yield (
                (keys[0],),
                "together with the other signature pattern, accepts a chart signed by someone else (another CircleCI "
                "organisation's project, or any GitHub workflow); pin the issuer to the signer's organisation, "
                "like ^https://oidc\\.circleci\\.com/org/<organization id>$, or the subject to its project id "
                "(cosign verify ... --output json prints both from the chart's certificate)",
            )


class HelmChart(Model):
    """platform helm: the upstream project-zot chart, installed by Pulumi itself (no App CR, no Flux)."""

    repository: Annotated[str, _chart_source("https")] = "https://zotregistry.dev/helm-charts"
    chart: ChartName = "zot"
    # 0.1.122 ships zot v2.1.18, the version the config is checked against.
    version: ChartVersion = "0.1.122"
    # Helm provenance: project-zot signs every chart release with GPG (chart-releaser CR_SIGN, helm-charts
    # zot-0.1.122 .github/workflows/ci-cd.yml L189-232; key signing-key.pub, PROVENANCE.md). With verify, Helm
    # checks the chart archive's sha256 against the signed .prov beside it, with the public keys in keyring (a
    # legacy-format GPG keyring file, relative to the project folder), before rendering anything.
    verify: bool = False
    keyring: str | None = None

    def issues(self) -> Iterator[Issue]:
        if self.verify and self.keyring is None:
            yield (
                ("keyring",),
                "is required with helm.verify: true (otherwise Helm trusts whatever ~/.gnupg/pubring.gpg of the "
                "person running pulumi holds); export the chart signer's public key to a file and name it here",
            )
        elif self.keyring is not None and not self.verify:
            yield (("keyring",), "is only read with helm.verify: true; set that, or remove this")
        elif self.keyring is not None and (
            FilePath(self.keyring).is_absolute() or ".." in FilePath(self.keyring).parts
        ):
            yield (
                ("keyring",),
                f"{self.keyring!r} leaves the project folder; copy the keyring into it (committed beside "
                "Pulumi.yaml) and write its relative path, like zot-charts.gpg",
            )
        elif self.keyring is not None and not FilePath(self.keyring).is_file():
            # The CLI runs the program in the project folder, as it reads Pulumi.<stack>.yaml there.
            yield (("keyring",), "names no file in the project folder; write the path of the exported keyring")
