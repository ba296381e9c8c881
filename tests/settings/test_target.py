"""`app`, `flux`, `helm`: where the chart is installed, and by what (components/settings/target.py)."""

from __future__ import annotations

from typing import Any

from components.builders import advice
from components.stack_config import load_settings
from tests.settings.configs import SECRET_KEYS, Config, case, invalid_config_test, variant

# Another CircleCI organisation than the sample signer in components/settings/target.py FOREIGN_SIGNERS.
OTHER_ORG = "0a1b2c3d-0000-4000-8000-000000000000"


def verified(**signer: Any) -> Config:
    """platform flux with the chart's signature checked by the signer patterns given."""
    return variant(platform="flux", flux={"verifySignature": True, **signer})


def with_keyring(keyring: str) -> Config:
    """platform helm with the chart's provenance checked against `keyring`."""
    return variant(platform="helm", app={"name": "zot", "namespace": "zot"}, helm={"verify": True, "keyring": keyring})


INVALID = [
    case(
        "cluster-domain-invalid",
        variant(app={"clusterDomain": "Cluster_Local"}),
        "app.clusterDomain",
        "is not a Kubernetes object name",
    ),
    case("app-name-not-dns-label", variant(app={"name": "Zot_Cache"}), "app.name", "is not a Kubernetes name"),
    case("app-name-trailing-newline", variant(app={"name": "zot\n"}), "app.name", "is not a Kubernetes name"),
    case(
        # app-operator's App names and Helm release names stop at 53 (giantswarm/app pkg/validation/app.go L34-36).
        "app-name-longer-than-a-release",
        variant(app={"name": "a" * 54}),
        "app.name",
        "is 54 characters; the App and the Helm release named after it allow at most 53",
    ),
    case(
        # Giant Swarm's App webhook: an in-cluster App targets its own namespace (pkg/validation/app.go L215-224).
        "in-cluster-app-targeting-another-namespace",
        variant(app={"namespace": "zot", "appNamespace": "platform-apps"}),
        "app.appNamespace",
        "'platform-apps' differs from app.namespace 'zot': Giant Swarm's App webhook refuses an in-cluster App",
    ),
    # A signer pattern a user writes must pin one signer: cosign matches it anywhere in the certificate's value.
    case("signature-issuer-empty", verified(signatureIssuer=""), "flux.signatureIssuer", "matches every identity"),
    case("signature-issuer-dot-star", verified(signatureIssuer=".*"), "flux.signatureIssuer", "matches every identity"),
    case(
        "signature-subject-anchored-dot-star",
        verified(signatureSubject="^.*$"),
        "flux.signatureSubject",
        "matches every identity",
    ),
    case(
        "signature-issuer-unanchored",
        verified(signatureIssuer=f"https://oidc\\.circleci\\.com/org/{OTHER_ORG}"),
        "flux.signatureIssuer",
        "is not anchored with ^ at the start and $ at the end",
    ),
    case(
        "signature-issuer-without-end-anchor",
        verified(signatureIssuer=f"^https://oidc\\.circleci\\.com/org/{OTHER_ORG}"),
        "flux.signatureIssuer",
        "is not anchored",
    ),
    case(
        # Anchored, but any organisation id: with the default subject (any project) anyone on CircleCI signs.
        "signature-issuer-any-circleci-org",
        verified(signatureIssuer="^https://oidc\\.circleci\\.com/org/[a-f0-9-]+$"),
        "flux.signatureIssuer",
        "accepts a chart signed by someone else (another CircleCI organisation's project",
    ),
    case(
        "signature-subject-any-github-workflow",
        verified(
            signatureIssuer="^https://token\\.actions\\.githubusercontent\\.com$",
            signatureSubject="^https://github\\.com/.+$",
        ),
        "flux.signatureIssuer",
        "accepts a chart signed by someone else",
    ),
    # helm.keyring is a file in the project folder, read by Pulumi on the operator's machine and sent to Helm.
    *(
        case(f"helm-keyring-{id_}", with_keyring(keyring), "helm.keyring", f"{keyring!r} leaves the project folder")
        for id_, keyring in (
            ("absolute", "/etc/passwd"),
            ("up-and-out", "../../../etc/hostname"),
            ("down-then-up", "keys/../../x.gpg"),
        )
    ),
    case("app-chart-not-a-name", variant(app={"chart": "zot chart"}), "app.chart", "is not a chart name"),
    case("app-version-not-semver", variant(app={"version": "v2.9"}), "app.version", "is not a chart version"),
    case(
        "app-catalog-not-a-name", variant(app={"catalog": "Giant Swarm"}), "app.catalog", "is not a Kubernetes object"
    ),
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)


SIGNER_WARNING = "flux.verifySignature checks the chart against Giant Swarm's published signer patterns"


def test_a_signer_pinned_to_one_organisation_or_project_is_accepted_without_a_warning() -> None:
    for signer in (
        {"signatureIssuer": f"^https://oidc\\.circleci\\.com/org/{OTHER_ORG}$"},
        {"signatureSubject": f"^https://circleci\\.com/api/v2/projects/{OTHER_ORG}/pipeline-definitions/[a-f0-9-]+$"},
    ):
        settings = load_settings(verified(**signer), SECRET_KEYS)
        assert not settings.flux.accepts_foreign_signer()
        assert not [w for w in advice.warnings(settings) if w.startswith(SIGNER_WARNING)]


def test_giant_swarms_default_signer_patterns_are_warned_about() -> None:
    """They are what Giant Swarm's own CI verifies with, and they match any CircleCI organisation and project."""
    settings = load_settings(verified(), SECRET_KEYS)
    assert settings.flux.accepts_foreign_signer()
    (warning,) = [w for w in advice.warnings(settings) if w.startswith(SIGNER_WARNING)]
    assert "set flux.signatureIssuer to ^https://oidc\\.circleci\\.com/org/<organization id>$" in warning
