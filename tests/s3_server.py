"""An S3-compatible server on 127.0.0.1 for tests: moto's, which checks every request's signature against the keys
of its own IAM users, so a wrong key is refused as a real store refuses it.

zot has no binary here. Debian's docker-registry (distribution 2.8.2) builds in the same Go S3 driver family and
AWS SDK (aws-sdk-go v1) as zot v2.1.18 (distribution v3.1.1, go.mod L28, L176), so it stores through the bucket
settings and keys the program renders, against this server (tests/test_scale_s3.py).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from tests.daemons import free_port, listening, running

# What AWS's SDKs assume without a region; moto's IAM is global and its S3 takes any.
REGION = "us-east-1"
# The IAM calls below that make the one user, its key and its policy; moto lets that many through unsigned
# (INITIAL_NO_AUTH_ACTION_COUNT), then checks every request.
SETUP_ACTIONS = 3
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


@dataclass(frozen=True)
class S3Server:
    """A running server and the one key it accepts."""

    port: int
    access_key_id: str
    secret_access_key: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, secret_access_key: str | None = None) -> Any:
        """An S3 client with the server's key (or its id with another secret)."""
        return _client("s3", self.url, self.access_key_id, secret_access_key or self.secret_access_key)

    def keys(self, bucket: str) -> list[str]:
        """Every object's key in `bucket`."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def _client(service: str, url: str, access_key_id: str, secret_access_key: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
    )


@contextmanager
def serve_s3(folder: Path) -> Iterator[S3Server]:
    """moto's server in `folder` (its log, its HOME), with one IAM user allowed s3:*; stopped when the block ends.
    It runs without the test run's environment, so no AWS_* setting of this machine reaches it."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(folder), "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_ACTIONS)}
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with running(command, folder / "moto.log", listening(port), "moto", env):
        iam = _client("iam", f"http://127.0.0.1:{port}", "setup", "setup")
        iam.create_user(UserName="zot")
        key = iam.create_access_key(UserName="zot")["AccessKey"]
        iam.put_user_policy(UserName="zot", PolicyName="s3", PolicyDocument=json.dumps(POLICY))
        yield S3Server(port, key["AccessKeyId"], key["SecretAccessKey"])
