"""How clients reach zot: the Service and the ingress."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from components.settings.common import DNS_SUBDOMAIN, AnnotationKey, DnsSubdomain, Issue, Model, repeats


class Service(Model):
    type: Literal["ClusterIP", "NodePort"] = "ClusterIP"
    port: int = Field(default=5000, ge=1, le=65535)
    node_port: int | None = Field(default=None, ge=30000, le=32767)

    def issues(self) -> Iterator[Issue]:
        if self.node_port is not None and self.type != "NodePort":
            yield (("nodePort",), "is only used with type NodePort; set type: NodePort or remove nodePort")


NGINX_REGISTRY_ANNOTATIONS = {
    # Layers are large: no body size limit, no request buffering, and long timeouts for pulls that sync.
    "nginx.ingress.kubernetes.io/proxy-body-size": "0",
    "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
    "nginx.ingress.kubernetes.io/proxy-read-timeout": "1800",
    "nginx.ingress.kubernetes.io/proxy-send-timeout": "1800",
}


# Words YAML 1.1 (Helm's reader) takes for null or a boolean when a chart writes them unquoted.
_YAML_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"}


def _host(value: str) -> str:
    if value.startswith("*."):
        # The chart writes hosts unquoted (`- host: {{ .host }}`): YAML reads a leading * as an alias, and the
        # chart fails to render.
        raise ValueError(
            f"{value!r} is a wildcard, which the chart cannot render (it writes hosts unquoted); list each host"
        )
    if len(value) > 253 or not DNS_SUBDOMAIN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a host name; write it without scheme, port or path, like registry.example.org"
        )
    if value in _YAML_WORDS or not value.rsplit(".", 1)[-1][0].isalpha():
        # Written unquoted, these are YAML null (a rule without host serves every host), booleans or numbers.
        raise ValueError(
            f"{value!r} would be read as YAML null, a boolean or a number where the chart writes it unquoted; "
            "use a host name whose last part starts with a letter, like registry.example.org"
        )
    return value


# The annotation cert-manager's ingress-shim reads; the chart gets it from ingress.clusterIssuer or annotations.
CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"


class Ingress(Model):
    enabled: bool = False
    class_name: DnsSubdomain = "nginx"
    hosts: list[Annotated[str, AfterValidator(_host)]] = Field(default_factory=list)
    tls: bool = True
    tls_secret_name: DnsSubdomain | None = None
    cluster_issuer: DnsSubdomain | None = None
    annotations: dict[AnnotationKey, str] = Field(default_factory=dict)

    @property
    def issuer(self) -> str | None:
        """The ClusterIssuer that signs the certificate: an annotation set by hand replaces clusterIssuer."""
        return self.annotations.get(CLUSTER_ISSUER_ANNOTATION, self.cluster_issuer)

    def issues(self) -> Iterator[Issue]:
        if self.enabled and not self.hosts:
            yield (("hosts",), "an enabled ingress needs at least one host, like [registry.example.org]")
        if self.cluster_issuer and not self.tls:
            yield (("clusterIssuer",), "cert-manager only issues a certificate for a TLS ingress; set tls: true")
        yield from repeats(self.hosts, ("hosts",))

    def clear_text_logins(self, logins: list[str]) -> Iterator[Issue]:
        """Every htpasswd user, human or node, may log in through an enabled ingress: over plain http each request
        carries the password in its Basic header, readable on every network between the client and the ingress."""
        if self.enabled and not self.tls and logins:
            yield (
                ("tls",),
                f"is false while users log in ({', '.join(logins)}): over http the password would travel in clear "
                "with every request; set ingress.tls: true (with tlsSecretName or clusterIssuer for the certificate)",
            )
