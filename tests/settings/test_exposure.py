"""`service` and `ingress`: ports, hosts, classes, issuers and annotations (components/settings/exposure.py)."""

from __future__ import annotations

from tests.settings.configs import case, invalid_config_test, variant

INVALID = [
    case(
        "node-port-with-cluster-ip",
        variant(service={"nodePort": 30500}),
        "service.nodePort",
        "set type: NodePort or remove nodePort",
    ),
    case(
        "node-port-out-of-range",
        variant(service={"type": "NodePort", "nodePort": 8080}),
        "service.nodePort",
        "greater than or equal to 30000",
    ),
    case(
        "ingress-without-hosts",
        variant(ingress={"enabled": True}),
        "ingress.hosts",
        "an enabled ingress needs at least one host",
    ),
    case(
        "ingress-host-with-scheme",
        variant(ingress={"enabled": True, "hosts": ["https://zot.example.org"]}),
        "ingress.hosts[0]",
        "write it without scheme, port or path",
    ),
    case(
        "ingress-host-wildcard",
        variant(ingress={"enabled": True, "hosts": ["*.example.org"]}),
        "ingress.hosts[0]",
        "is a wildcard, which the chart cannot render",
    ),
    case(
        "ingress-host-yaml-null",
        variant(ingress={"enabled": True, "hosts": ["null"]}),
        "ingress.hosts[0]",
        "would be read as YAML null, a boolean or a number",
    ),
    case(
        "ingress-host-trailing-newline",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org\n"]}),
        "ingress.hosts[0]",
        "is not a host name",
    ),
    case(
        "ingress-class-not-a-name",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "className": 'nginx"\n---'}),
        "ingress.className",
        "is not a Kubernetes object name; use at most 253 lower-case letters",
    ),
    case(
        "cluster-issuer-not-a-name",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "clusterIssuer": "Let's Encrypt"}),
        "ingress.clusterIssuer",
        "is not a Kubernetes object name",
    ),
    case(
        "tls-secret-not-a-name",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "tlsSecretName": "zot_tls"}),
        "ingress.tlsSecretName",
        "is not a Kubernetes object name",
    ),
    case(
        "annotation-key-not-a-name",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "annotations": {"team\n---": "x"}}),
        'ingress.annotations["team\\n---"]',
        "is not an annotation key; use an optional DNS-subdomain prefix and '/'",
    ),
    case(
        "annotation-key-bad-prefix",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "annotations": {"Example.org/team": "x"}}),
        'ingress.annotations["Example.org/team"]',
        "is not an annotation key",
    ),
    case(
        "cluster-issuer-without-tls",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "tls": False, "clusterIssuer": "letsencrypt"}),
        "ingress.clusterIssuer",
        "set tls: true",
    ),
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
