"""Content pins for what the program installs: the Flux chart by digest and cosign signature, checked against the
real Flux CRD; the upstream chart on platform helm (what can and cannot be pinned there)."""

from __future__ import annotations

import copy
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pulumi
import pytest

from components.settings.target import GIANT_SWARM_SIGNER_ISSUER, GIANT_SWARM_SIGNER_SUBJECT
from components.stack_config import load_settings
from tests.docs import all_docs
from tests.harness import ProgramRun, Resource, changed_inputs, run_program, stack_config
from tests.helm import helm_binary
from tests.programs import require_program
from tests.reference import crd_schema
from tools.offline import run_program as run_offline

OCI_REPOSITORY = "kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository"
DIGEST = "sha256:" + "0123456789abcdef" * 4


def flux(**keys: Any) -> tuple[dict[str, Any], set[str]]:
    """prod on platform flux, with these flux.* keys."""
    config, secret_keys = stack_config("prod")
    config = copy.deepcopy(config)
    config["platform"] = "flux"
    if keys:
        config["flux"] = {**config.get("flux", {}), **keys}
    return config, secret_keys


def source(run: ProgramRun) -> Resource:
    return run.one(OCI_REPOSITORY)


def oci_repository_schema() -> dict[str, Any]:
    return crd_schema("crds/source.toolkit.fluxcd.io_ocirepositories.yaml", "v1")


def test_without_pins_flux_follows_the_tag() -> None:
    spec = source(run_program("prod", *flux())).state["spec"]
    assert spec["ref"] == {"tag": "2.9.0"}
    assert "verify" not in spec


def test_chart_digest_pins_the_oci_repository_and_passes_the_flux_crd() -> None:
    resource = source(run_program("prod", *flux(chartDigest=DIGEST, verifySignature=True)))
    spec = resource.state["spec"]
    # Flux pulls by digest when one is set (source-controller v1.9.1 ocirepository_controller.go L884-886).
    assert spec["ref"] == {"tag": "2.9.0", "digest": DIGEST}
    assert spec["verify"] == {
        "provider": "cosign",
        "matchOIDCIdentity": [{"issuer": GIANT_SWARM_SIGNER_ISSUER, "subject": GIANT_SWARM_SIGNER_SUBJECT}],
    }
    manifest = {key: resource.state[key] for key in ("apiVersion", "kind", "metadata", "spec")}
    jsonschema.Draft7Validator(oci_repository_schema()).validate(manifest)


def test_the_crd_has_the_fields_the_pins_use() -> None:
    """Guards the test above: a schema without these properties would accept them as unknown-but-allowed."""
    spec = oci_repository_schema()["properties"]["spec"]["properties"]
    assert {"digest", "tag"} <= set(spec["ref"]["properties"])
    assert spec["verify"]["properties"]["provider"]["enum"] == ["cosign", "notation"]
    identity = spec["verify"]["properties"]["matchOIDCIdentity"]["items"]
    assert set(identity["required"]) == {"issuer", "subject"}


def test_a_pin_changes_only_the_oci_repository() -> None:
    before = run_program("prod", *flux())
    after = run_program("prod", *flux(chartDigest=DIGEST, verifySignature=True))
    assert {key.split("::")[0] for key in changed_inputs(before, after)} == {OCI_REPOSITORY}


def test_a_narrower_signer_is_emitted_as_written() -> None:
    subject = r"^https://circleci\.com/api/v2/projects/0b2a[a-f0-9-]+/pipeline-definitions/[a-f0-9-]+$"
    run = run_program("prod", *flux(verifySignature=True, signatureSubject=subject))
    (identity,) = source(run).state["spec"]["verify"]["matchOIDCIdentity"]
    assert identity == {"issuer": GIANT_SWARM_SIGNER_ISSUER, "subject": subject}


def refusal(config: dict[str, Any], secret_keys: set[str]) -> str:
    with pytest.raises(pulumi.RunError) as caught:
        load_settings(config, secret_keys)
    return str(caught.value)


@pytest.mark.parametrize(
    "digest",
    [
        "0123456789abcdef" * 4,  # no algorithm
        "sha256:" + "0123456789ABCDEF" * 4,  # upper case: Flux compares digests as strings
        "sha256:" + "0123456789abcdef" * 4 + "0",
        "sha512:" + "0123456789abcdef" * 8,
        "sha256:" + "0123456789abcdef" * 4 + "\n",
        "2.9.0",
    ],
)
def test_a_malformed_digest_is_refused_by_key(digest: str) -> None:
    message = refusal(*flux(chartDigest=digest))
    assert "zot-cache:flux.chartDigest: is not a chart digest; write sha256: and 64 lower-case hex" in message


@pytest.mark.parametrize(
    ("keys", "path", "fragment"),
    [
        ({"signatureIssuer": "^https://example\\.org$"}, "flux.signatureIssuer", "only read with flux.verifySignature"),
        ({"signatureSubject": "^x$"}, "flux.signatureSubject", "only read with flux.verifySignature"),
        (
            {"verifySignature": True, "ociRepositoryApiVersion": "source.toolkit.fluxcd.io/v1beta2"},
            "flux.verifySignature",
            "needs Flux source-controller v1.8 or later",
        ),
        (
            {"verifySignature": True, "signatureSubject": "(?=a)b"},
            "flux.signatureSubject",
            "not a valid regular expression in Go's RE2 syntax: invalid perl operator: (?=",
        ),
    ],
)
def test_signature_keys_that_would_do_nothing_or_fail_are_refused(
    keys: dict[str, Any], path: str, fragment: str
) -> None:
    message = refusal(*flux(**keys))
    assert any(line.startswith(f"  zot-cache:{path}: ") and fragment in line for line in message.splitlines()), message


def test_flux_pins_are_refused_on_other_platforms() -> None:
    config, secret_keys = flux(chartDigest=DIGEST)
    config["platform"] = "app"
    assert "zot-cache:flux: is only read with platform flux" in refusal(config, secret_keys)


CHART = "kubernetes:helm.sh/v4:Chart"


def helm(**keys: Any) -> tuple[dict[str, Any], set[str]]:
    """prod on platform helm, with these helm.* keys."""
    config, secret_keys = stack_config("prod")
    config = copy.deepcopy(config)
    config["platform"] = "helm"
    config["app"] = {key: value for key, value in config["app"].items() if key in ("name", "namespace")}
    if keys:
        config["helm"] = keys
    return config, secret_keys


def test_helm_fetches_by_version_without_verification_unless_asked() -> None:
    inputs = run_program("prod", *helm()).one(CHART).inputs
    assert (inputs["version"], inputs.get("verify"), inputs.get("keyring")) == ("0.1.122", None, None)


def test_helm_verify_hands_helm_the_keyring_file(tmp_path: Path) -> None:
    (tmp_path / "zot-charts.gpg").write_bytes(b"stand-in keyring: Helm reads it, the program only passes it on")
    # Run in tmp_path, as the CLI runs the program in the project folder.
    inputs = run_offline("prod", *helm(verify=True, keyring="zot-charts.gpg"), root=tmp_path).one(CHART).inputs
    assert inputs["verify"] is True
    assert isinstance(inputs["keyring"], pulumi.FileAsset)
    assert inputs["keyring"].path == "zot-charts.gpg"


@pytest.mark.parametrize(
    ("keys", "fragment"),
    [
        ({"verify": True}, "is required with helm.verify: true"),
        ({"keyring": "zot-charts.gpg"}, "is only read with helm.verify: true"),
        ({"verify": True, "keyring": "no-such-keyring.gpg"}, "names no file in the project folder"),
    ],
)
def test_helm_verification_keys_are_refused_when_they_would_not_verify(keys: dict[str, Any], fragment: str) -> None:
    message = refusal(*helm(**keys))
    assert any(line.startswith("  zot-cache:helm.keyring: ") and fragment in line for line in message.splitlines())


def readme_keyring_command() -> str:
    """The command README gives to turn project-zot's signing-key.pub into the keyring helm.keyring names."""
    text = all_docs()
    (command,) = re.findall(r"`(gpg --no-default-keyring [^`]+ > zot-charts\.gpg)`", text)
    return command


def test_readmes_keyring_is_one_real_helm_verifies_the_chart_with(tmp_path: Path) -> None:
    """A chart signed as project-zot signs (helm package --sign, GPG), the public key turned into a keyring by
    README's command, and real helm checking the archive against its .prov with it (what Chart v4's verify and
    keyring hand Helm): the signed archive passes, another archive under the same name and version does not."""
    gpg, helm = require_program("gpg", "gnupg"), str(helm_binary())
    signer, user = tmp_path / "signer", tmp_path / "user"
    for home in (signer, user):
        home.mkdir(mode=0o700)

    def run(command: list[str] | str, home: Path, **options: Any) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GNUPGHOME": str(home)}
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, **options)

    batch = [gpg, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
    run(
        [*batch, "--quick-gen-key", "chart signer <signer@example.invalid>", "rsa2048", "sign", "never"],
        signer,
        check=True,
    )
    run([*batch, "--output", "secring.gpg", "--export-secret-keys"], signer, check=True)
    (tmp_path / "signing-key.pub").write_text(run([gpg, "--armor", "--export"], signer, check=True).stdout)
    chart = tmp_path / "zot"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: zot\nversion: 0.1.122\n")
    signed = run([helm, "package", "--sign", "--key", "chart signer", "--keyring", "secring.gpg", "zot"], signer)
    assert signed.returncode == 0, signed.stderr

    made = run(readme_keyring_command(), user, shell=True, check=False)
    assert made.returncode == 0, made.stderr
    verify = [helm, "verify", "--keyring", "zot-charts.gpg", "zot-0.1.122.tgz"]
    verified = run(verify, user)
    assert verified.returncode == 0, verified.stderr

    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: zot\nversion: 0.1.122\ndescription: swapped\n")
    assert run([helm, "package", "zot"], user).returncode == 0  # same name, no new .prov
    refused = run(verify, user)
    assert refused.returncode != 0
    assert "sha256 sum does not match" in refused.stderr
