"""`nodes`: how nodes reach the cache and log in (components/settings/nodes.py, node_rules.py)."""

from __future__ import annotations

from tests.settings.configs import (
    ADMIN,
    DOCKER_HUB,
    GHCR,
    NODE_PASSWORD,
    NODE_READS,
    NODES_ANONYMOUS,
    PRIVATE,
    SALT_KEY,
    case,
    invalid_config_test,
    pulled_by_node_user,
    wired,
)
from tests.tls import sample_ca_pem

# Nodes move from login node-pull to node-pull-2: the old one stays in zot until every node has new files.
ROTATING = {
    "mode": "ingress",
    "pullUser": {
        "name": "node-pull-2",
        "password": NODE_PASSWORD,
        "previous": {"name": "node-pull", "password": NODE_PASSWORD[::-1]},
    },
}

INVALID = [
    case(
        "node-url-in-cluster-dns",
        wired({"mode": "url", "url": "http://zot.zot.svc.cluster.local:5000"}),
        "nodes.url",
        "is an in-cluster DNS name (or a short one), but containerd runs on the node and uses the node's resolver",
    ),
    case(
        "node-url-in-cluster-dns-of-another-domain",
        wired({"mode": "url", "url": "https://zot.zot.svc.prod01.internal"}, app={"clusterDomain": "prod01.internal"}),
        "nodes.url",
        "'zot.zot.svc.prod01.internal' is an in-cluster DNS name (or a short one)",
    ),
    case(
        "node-url-svc",
        wired({"mode": "url", "url": "https://zot.zot.svc"}),
        "nodes.url",
        "in-cluster DNS name",
    ),
    case("node-url-missing", wired({"mode": "url"}), "nodes.url", "mode url needs the URL nodes pull from"),
    case(
        "node-url-in-another-mode",
        wired({"mode": "nodePort", "url": "https://zot.example.org"}),
        "nodes.url",
        "is only used with mode url",
    ),
    case("nodes-node-port-out-of-range", wired({"mode": "nodePort", "nodePort": 8080}), "nodes.nodePort", "30000"),
    case(
        "node-port-not-the-service",
        wired({"mode": "nodePort", "nodePort": 30001}),
        "nodes.nodePort",
        "is 30001, but the Service listens on node port 32767 (service.nodePort); set both to the same port",
    ),
    case(
        "node-port-without-nodeport-service",
        wired(service={"type": "ClusterIP"}),
        "nodes.mode",
        "nodePort needs the Service to be a NodePort",
    ),
    case(
        "node-mode-ingress-without-ingress",
        wired({"mode": "ingress"}),
        "nodes.mode",
        "ingress needs ingress.enabled: true",
    ),
    case(
        "node-anonymous-read-on-everything",
        wired(accessControl={"repositories": {"**": {"anonymousPolicy": ["read"]}}}),
        'accessControl.repositories["**"].anonymousPolicy',
        "anonymous read on ** also opens what no upstream mirrors",
    ),
    case(
        "node-anonymous-cannot-read-a-namespace",
        wired(accessControl={"repositories": {"docker.io/**": {"anonymousPolicy": ["read"]}}}),
        "registries[1]",
        'anonymous clients cannot read all of it; add accessControl.repositories["ghcr.io/**"]',
    ),
    case(
        "node-anonymous-over-private-upstream",
        wired(registries=[DOCKER_HUB, GHCR, PRIVATE], htpasswdSaltKey=SALT_KEY),
        "registries[2].credentials",
        "list 'my-registry' in nodes.allowAnonymousRead",
    ),
    case(
        "node-anonymous-opt-in-names-no-private-upstream",
        wired({"mode": "nodePort", "allowAnonymousRead": ["ghcr"]}),
        "nodes.allowAnonymousRead[0]",
        "is not the name of a registry with credentials",
    ),
    case(
        "node-pull-user-over-nodeport",
        wired({"mode": "nodePort", "pullUser": {"name": "node-pull", "password": NODE_PASSWORD}}),
        "nodes.pullUser",
        "nodes reach a NodePort over plain http, where containerd would send the password in clear",
    ),
    case(
        "node-pull-user-over-http-url",
        pulled_by_node_user(
            nodes={
                "mode": "url",
                "url": "http://zot.example.org",
                "pullUser": {"name": "node-pull", "password": NODE_PASSWORD},
            }
        ),
        "nodes.pullUser",
        "needs an https url",
    ),
    case(
        "node-password-short",
        pulled_by_node_user(nodes={"mode": "ingress", "pullUser": {"name": "node-pull", "password": "too-short"}}),
        "nodes.pullUser.password",
        "a node password needs at least 32 random ones",
    ),
    case(
        "node-password-missing",
        pulled_by_node_user(nodes={"mode": "ingress", "pullUser": {"name": "node-pull"}}),
        "nodes.pullUser.password",
        "missing; run pulumi config set --secret --path 'nodes.pullUser.password'",
    ),
    case(
        "node-pull-user-cannot-read",
        pulled_by_node_user(
            accessControl={
                "repositories": NODE_READS["repositories"]
                | {"ghcr.io/**": {"policies": [{"users": ["node-pull"], "actions": ["delete"]}]}}
            }
        ),
        "registries[1]",
        "node login 'node-pull' cannot read all of namespace 'ghcr.io'",
    ),
    case(
        "node-pull-user-may-delete",
        pulled_by_node_user(
            accessControl={
                "repositories": NODE_READS["repositories"]
                | {"ghcr.io/**": {"policies": [{"users": ["node-pull"], "actions": ["read", "delete"]}]}}
            }
        ),
        'accessControl.repositories["ghcr.io/**"].policies[0].actions',
        "gives node login 'node-pull' delete; the node login only reads",
    ),
    case(
        "node-pull-user-pushes-through-default-policy",
        pulled_by_node_user(
            users=[ADMIN],
            accessControl={
                "repositories": NODE_READS["repositories"] | {"internal/**": {"defaultPolicy": ["read", "create"]}}
            },
        ),
        'accessControl.repositories["internal/**"].defaultPolicy',
        "create for every logged-in user includes node login 'node-pull'",
    ),
    case(
        "node-pull-user-also-a-user",
        pulled_by_node_user(users=[{"name": "node-pull", "password": "another-password"}]),
        "nodes.pullUser.name",
        "is also in users",
    ),
    case(
        "node-two-upstreams-one-host",
        wired(registries=[DOCKER_HUB, GHCR, {**GHCR, "name": "ghcr-team", "namespace": "team"}]),
        "registries[2].urls[0]",
        "nodes keep one mirror per registry host, and ghcr.io is already registries[1]",
    ),
    case(
        "node-ca-over-http",
        wired({"mode": "nodePort", "trust": "system"}),
        "nodes.trust",
        "applies to an https mirror only",
    ),
    case(
        "node-upstream-content-moved-away",
        wired(registries=[DOCKER_HUB, {**GHCR, "content": [{"prefix": "org/**", "destination": "/mine"}]}]),
        "registries[1].content[0].destination",
        "moves the upstream's repositories away from where nodes ask for them",
    ),
    case(
        "node-upstream-content-stripped",
        wired(registries=[DOCKER_HUB, {**GHCR, "content": [{"prefix": "org/**", "stripPrefix": True}]}]),
        "registries[1].content[0].stripPrefix",
        "stores repositories without their prefix, but nodes ask for the full upstream name",
    ),
    case(
        "node-password-repetitive",
        pulled_by_node_user(nodes={"mode": "ingress", "pullUser": {"name": "node-pull", "password": "ab" * 20}}),
        "nodes.pullUser.password",
        "repeats too few characters to be random (fewer than 16 different ones)",
    ),
    case(
        "node-ca-a-path",
        wired({"mode": "nodePort", "ca": "/etc/containerd/certs.d/zot-ca.crt"}),
        "nodes.ca",
        "must be the CA certificate itself (PEM, -----BEGIN CERTIFICATE-----)",
    ),
    case(
        "node-ca-not-a-certificate",
        wired({"mode": "nodePort", "ca": "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"}),
        "nodes.ca",
        "is not a PEM certificate OpenSSL can read",
    ),
    case(
        "node-ca-with-a-private-key",
        # A combined PEM: the key block (a stand-in, no real key) would reach every node and the plain output.
        wired(
            {
                "mode": "nodePort",
                "ca": "-----BEGIN PRIVATE KEY-----\nc3RhbmQtaW4=\n-----END PRIVATE KEY-----\n" + sample_ca_pem(),
            }
        ),
        "nodes.ca",
        "holds a PEM block other than a certificate (PRIVATE KEY)",
    ),
    case(
        "node-trust-unstated-for-a-private-issuer",
        pulled_by_node_user(
            ingress={"enabled": True, "hosts": ["zot.example.org"], "clusterIssuer": "private-giantswarm"}
        ),
        "nodes.trust",
        "ingress.clusterIssuer 'private-giantswarm' is a private issuer; a certificate they do not trust makes "
        "containerd skip the cache without an error",
    ),
    case(
        "node-trust-unstated-for-an-unknown-certificate",
        wired({"mode": "url", "url": "https://zot.example.org"}),
        "nodes.trust",
        "the program cannot tell whether nodes trust its certificate (issuer: not set)",
    ),
    case(
        "node-trust-system-for-a-private-issuer",
        pulled_by_node_user(
            nodes={"mode": "ingress", "trust": "system"},
            ingress={"enabled": True, "hosts": ["zot.example.org"], "clusterIssuer": "selfsigned-giantswarm"},
            accessControl=NODES_ANONYMOUS,
        ),
        "nodes.trust",
        "is system, but ingress.clusterIssuer 'selfsigned-giantswarm' is a private issuer",
    ),
    case(
        "node-trust-system-for-the-ingress-host-by-url",
        # mode url naming the ingress's own host reaches the same private certificate as mode ingress.
        pulled_by_node_user(
            nodes={"mode": "url", "url": "https://zot.example.org", "trust": "system"},
            ingress={"enabled": True, "hosts": ["zot.example.org"], "clusterIssuer": "private-giantswarm"},
            accessControl=NODES_ANONYMOUS,
        ),
        "nodes.trust",
        "is system, but ingress.clusterIssuer 'private-giantswarm' is a private issuer",
    ),
    case(
        "node-trust-ca-without-the-ca",
        wired({"mode": "url", "url": "https://zot.example.org", "trust": "ca"}),
        "nodes.ca",
        "trust: ca needs the CA certificate; pulumi config set --path 'nodes.ca'",
    ),
    case(
        "node-ca-without-trust-ca",
        wired({"mode": "url", "url": "https://zot.example.org", "trust": "system", "ca": sample_ca_pem()}),
        "nodes.ca",
        "is only installed with trust: ca",
    ),
    case(
        "node-login-over-unverified-tls",
        pulled_by_node_user(
            nodes={
                "mode": "url",
                "url": "https://zot.example.org",
                "trust": "skipVerify",
                "pullUser": {"name": "node-pull", "password": NODE_PASSWORD},
            }
        ),
        "nodes.trust",
        "skipVerify with a pullUser sends the node login to any server that answers for the mirror's name",
    ),
    case(
        "node-url-short-service-name",
        wired({"mode": "url", "url": "http://zot:5000"}),
        "nodes.url",
        "'zot' is an in-cluster DNS name (or a short one)",
    ),
    case(
        "node-url-service-dot-namespace",
        wired({"mode": "url", "url": "http://zot.zot:5000"}),
        "nodes.url",
        "'zot.zot' is an in-cluster DNS name (or a short one)",
    ),
    case(
        "node-login-private-scope-without-a-private-upstream",
        pulled_by_node_user(
            nodes={
                "mode": "ingress",
                "pullUser": {"name": "node-pull", "password": NODE_PASSWORD, "scope": "private"},
            }
        ),
        "nodes.pullUser.scope",
        "no upstream has credentials, so nodes never send it",
    ),
    case(
        "node-previous-login-same-name",
        pulled_by_node_user(
            nodes={
                "mode": "ingress",
                "pullUser": {
                    "name": "node-pull",
                    "password": NODE_PASSWORD,
                    "previous": {"name": "node-pull", "password": NODE_PASSWORD[::-1]},
                },
            }
        ),
        "nodes.pullUser.previous.name",
        "zot keeps one password per user name, so the new login needs a name of its own",
    ),
    case(
        "node-previous-login-same-password",
        pulled_by_node_user(
            nodes={
                "mode": "ingress",
                "pullUser": {
                    "name": "node-pull-2",
                    "password": NODE_PASSWORD,
                    "previous": {"name": "node-pull", "password": NODE_PASSWORD},
                },
            }
        ),
        "nodes.pullUser",
        "previous.password is the same as password: a rotation gives the nodes a new one",
    ),
    case(
        "node-previous-password-short",
        pulled_by_node_user(
            nodes={
                "mode": "ingress",
                "pullUser": {
                    "name": "node-pull-2",
                    "password": NODE_PASSWORD,
                    "previous": {"name": "node-pull", "password": "short"},
                },
            }
        ),
        "nodes.pullUser.previous.password",
        "it must be the password the nodes' files carry now (nodes.pullUser.password before this rotation)",
    ),
    case(
        "node-previous-login-cannot-read",
        pulled_by_node_user(nodes=ROTATING),
        "registries[0]",
        "node login 'node-pull-2' cannot read all of namespace 'docker.io'",
    ),
    case(
        "node-login-reads-where-nothing-is-mirrored",
        # As prod's internal/**, where admin pushes: no upstream fills it, so nodes never pull there.
        pulled_by_node_user(
            accessControl={
                "repositories": {
                    **NODE_READS["repositories"],
                    "internal/**": {"policies": [{"users": ["admin", "node-pull"], "actions": ["read"]}]},
                }
            }
        ),
        'accessControl.repositories["internal/**"].policies[0].users[1]',
        "'node-pull' is nodes.pullUser, whose password any process on a node can read, but 'internal/**' reaches "
        "no namespace an upstream mirrors",
    ),
    case(
        "node-login-reads-everything-beside-the-namespaces",
        # With every upstream in a namespace of its own, ** is zot's longest match only for the rest.
        pulled_by_node_user(
            accessControl={
                "repositories": {
                    **NODE_READS["repositories"],
                    "**": {"policies": [{"users": ["node-pull"], "actions": ["read"]}]},
                }
            }
        ),
        'accessControl.repositories["**"].policies[0].users[0]',
        "remove the node login from this policy",
    ),
    case(
        "node-previous-login-reads-where-nothing-is-mirrored",
        pulled_by_node_user(
            nodes=ROTATING,
            accessControl={
                "repositories": {
                    ns: {"policies": [{"users": ["node-pull", "node-pull-2"], "actions": ["read"]}]}
                    for ns in ("docker.io/**", "ghcr.io/**", "internal/**")
                }
            },
        ),
        'accessControl.repositories["internal/**"].policies[0].users[0]',
        "'node-pull' is nodes.pullUser.previous, whose password any process on a node can read",
    ),
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
