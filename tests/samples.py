"""Settings shared by the builder tests: the two stacks, and one with every feature switched on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from components.builders.stack_keys import StackKeys, stack_keys
from components.settings import Settings
from components.stack_config import PROJECT, load_settings
from tests.harness import stack_config, standin_salt_key

SALT_KEY = standin_salt_key("test-salt-key")


def stack_settings(stack: str) -> Settings:
    return load_settings(*stack_config(stack))


def keys_of(settings: Settings, stack: str = "test") -> StackKeys | None:
    """The derived keys __main__.py would pass for settings in `stack`."""
    return stack_keys(settings.htpasswd_salt_key, PROJECT, stack)


def scaled(replicas: int) -> Callable[[dict[str, Any]], None]:
    """The one edit that scales a stack out, each member on a volume of its own."""

    def edit(config: dict[str, Any]) -> None:
        config["scale"] = {"replicas": replicas, "storage": "perMember"}

    return edit


def scaled_prod(replicas: int = 3) -> tuple[dict[str, Any], set[str]]:
    """prod as issue 17's acceptance names it: the example, plus scale: {replicas, storage: perMember}, nothing else."""
    config, secret_keys = stack_config("prod")
    scaled(replicas)(config)
    return config, secret_keys


def everything() -> dict[str, Any]:
    """A config that exercises every emitted key at once."""
    return {
        "app": {"name": "mc-zot", "namespace": "registry", "cluster": {"name": "mc", "organization": "acme"}},
        "registries": [
            {
                "name": "hub",
                "urls": ["https://docker.io"],
                "onDemand": True,
                "maxRetries": 2,
                "retryDelay": "1s",
                "syncTimeout": "1h",
                "credentials": {"username": "hub-user", "password": "hub-token"},
            },
            {
                "name": "internal",
                "urls": ["https://registry.internal:5443", "https://mirror.internal"],
                "onDemand": True,
                "pollInterval": "1h",
                "tlsVerify": False,
                "onlySigned": True,
                "content": [
                    {
                        "prefix": "team/**",
                        "destination": "/internal",
                        "stripPrefix": True,
                        "tags": {"regex": "^v[0-9]+", "excludeRegex": "-rc", "semver": True},
                    }
                ],
                "credentials": {"username": "robot", "password": "robot-token"},
            },
        ],
        "users": [
            {"name": "admin", "password": "admin-password", "bcryptCost": 4},
            {"name": "ci", "htpasswd": "$2y$05$vmiurPmJvHylk78HHFWuruFFVePlit9rZWGA/FbZfTEmNRneGJtha"},
        ],
        "accessControl": {
            "repositories": {
                "**": {"policies": [{"users": ["ci"], "actions": ["read"]}], "anonymousPolicy": ["read"]},
                "team/**": {"defaultPolicy": ["read", "create"]},
            },
            "adminPolicy": {"users": ["admin"], "actions": ["read", "delete"]},
        },
        "service": {"type": "NodePort", "port": 5000, "nodePort": 32767},
        "ingress": {
            "enabled": True,
            "className": "nginx",
            "hosts": ["zot.example.org", "cache.example.org"],
            "clusterIssuer": "letsencrypt",
            "annotations": {"example.org/team": "platform"},
        },
        "resources": {
            "vpa": {"enabled": False},
            "gogc": 75,
            "gomemlimit": "1000MiB",
            "requests": {"cpu": "250m", "memory": "1536Mi"},
            "limits": {"cpu": "1", "memory": "1536Mi"},
        },
        "storage": {"persistence": False},
        "retention": {
            "dryRun": True,
            "delay": "12h",
            "gcDelay": "2h",
            "gcInterval": "3h",
            "pulledWithin": "336h",
            "keepTags": ["^3\\.2[0-9]$"],
            "mostRecentlyPulledCount": 2,
            "deleteReferrers": False,
            "policies": [
                {
                    "repositories": ["team/**"],
                    "deleteUntagged": True,
                    "keepTags": [
                        {"patterns": ["^v", "^release-"], "pushedWithin": "8760h", "mostRecentlyPushedCount": 10},
                        {"pulledWithin": "168h", "mostRecentlyPulledCount": 3},
                    ],
                }
            ],
        },
        "strategy": "Recreate",
        "metrics": {"enabled": True, "serviceMonitor": True},
        "zot": {
            "logLevel": "debug",
            "readTimeout": "5m",
            "writeTimeout": "0s",
            "preserveDigests": True,
            "scrub": {"enabled": True, "interval": "12h"},
            "search": True,
            "ui": True,
        },
        "htpasswdSaltKey": SALT_KEY,
    }


EVERYTHING_SECRET_KEYS = {"registries", "users", "htpasswdSaltKey"}


def everything_settings(**changes: Any) -> Settings:
    return load_settings({**everything(), **changes}, EVERYTHING_SECRET_KEYS)


# Named settings the builder tests run against: both stacks and the everything-on config.
SAMPLES: dict[str, Callable[[], Settings]] = {
    "dev": lambda: stack_settings("dev"),
    "prod": lambda: stack_settings("prod"),
    "everything": everything_settings,
}
