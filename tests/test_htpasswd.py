"""htpasswd lines from components/builders/htpasswd.py, checked against the implementations that read them.

Zot reads the file with golang.org/x/crypto/bcrypt. Each generated line is checked three ways: Python's
`bcrypt.checkpw`, Apache's `htpasswd -vb`, and a Go server (Debian's `docker-registry`, which uses the
same Go bcrypt package as zot) on loopback that serves HTTP Basic auth from the file. CI installs
apache2-utils and docker-registry and requires them (tests/programs.py); elsewhere a missing one skips, saying
which package to install.
"""

from __future__ import annotations

import base64
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import pytest
from pydantic import SecretStr, ValidationError

from components.builders.htpasswd import bcrypt_hash, htpasswd_file
from components.builders.stack_keys import StackKeys
from components.settings.access import User
from tests.programs import require_program
from tests.registry import serve_registry
from tests.samples import SALT_KEY as STACK_SALT_KEY

KEYS = StackKeys.derive(SecretStr(STACK_SALT_KEY), "zot-cache", "test")
SALT_KEY = KEYS.bcrypt_salt
OTHER_SALT_KEY = b"other-bcrypt-salt-key-0123456789"
COST = 4
TOOL_TIMEOUT = 10.0
TOOL_PACKAGES = {"htpasswd": "apache2-utils"}


@dataclass(frozen=True)
class Account:
    """A user of the test htpasswd file, with its right password and a close but wrong one."""

    name: str
    password: str
    wrong: str


# Users whose lines htpasswd_file hashes. The 72-byte passwords differ from their wrong ones only in the
# last byte or character, so an implementation that cut them short would accept the wrong one.
GENERATED = [
    Account("alice", "correct horse battery staple", "correct horse battery stapler"),
    Account("bob", "pässwörd–日本語–🔑", "passwörd–日本語–🔑"),  # noqa: RUF001 (non-ASCII on purpose)
    Account("carol", "C" * 71 + "1", "C" * 71 + "2"),
    Account("dave", "€" * 24, "€" * 23 + "₤"),
]
# A user given as a pre-hashed line that Apache's `htpasswd -nbB` wrote, passed through as is.
APACHE_HASHED = Account("erin", "apache made this hash", "apache made that hash")
ACCOUNTS = [*GENERATED, APACHE_HASHED]


def test_accounts_cover_the_edge_cases() -> None:
    """Guards the table above: non-ASCII and 72-byte passwords stay in the checks that use it."""
    assert any(not account.password.isascii() for account in GENERATED)
    assert any(len(account.password.encode()) == 72 and account.password.isascii() for account in GENERATED)
    assert any(len(account.password.encode()) == 72 and not account.password.isascii() for account in GENERATED)


def require(tool: str) -> str:
    return require_program(tool, TOOL_PACKAGES[tool])


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False)


def salt_of(hashed: str) -> str:
    """The 22 salt characters of a `$2y$NN$` hash."""
    return hashed[7:29]


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("htpasswd")


@pytest.fixture(scope="module")
def apache_hash() -> str:
    """The hash part of a line Apache's own `htpasswd -nbB` writes."""
    result = run(require("htpasswd"), "-nbB", "-C", str(COST), APACHE_HASHED.name, APACHE_HASHED.password)
    assert result.returncode == 0, result.stderr
    name, hashed = result.stdout.strip().split(":", 1)
    assert name == APACHE_HASHED.name
    return hashed


@pytest.fixture(scope="module")
def users(apache_hash: str) -> list[User]:
    generated = [User(name=a.name, password=SecretStr(a.password), bcrypt_cost=COST) for a in GENERATED]
    return [*generated, User(name=APACHE_HASHED.name, htpasswd=SecretStr(apache_hash))]


@pytest.fixture(scope="module")
def htpasswd_path(workdir: Path, users: list[User]) -> Path:
    path = workdir / "htpasswd"
    path.write_text(htpasswd_file(users, KEYS), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lines(htpasswd_path: Path) -> dict[str, str]:
    """User name to hash, as written to the file."""
    return dict(line.split(":", 1) for line in htpasswd_path.read_text(encoding="utf-8").splitlines())


@pytest.fixture(scope="module")
def registry(workdir: Path, htpasswd_path: Path) -> Iterator[str]:
    """Base URL of a docker-registry (Go bcrypt) on loopback that authenticates from the htpasswd file."""
    with serve_registry(workdir / "registry", htpasswd=htpasswd_path) as running:
        yield running.url


def status(url: str, user: str, password: str) -> int:
    """HTTP status of GET url with Basic credentials (UTF-8, as Go's BasicAuth reads them)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


# ------------------------------------------------------------------------------------------ determinism


def test_same_inputs_give_the_same_line() -> None:
    user = User(name="alice", password=SecretStr("pw"), bcrypt_cost=COST)
    first = htpasswd_file([user], KEYS)
    bcrypt_hash.cache_clear()  # hash again rather than read the cache
    assert htpasswd_file([user], KEYS) == first


@pytest.mark.parametrize(
    ("user", "password", "cost", "salt_key"),
    [
        ("alice", "pw2", COST, SALT_KEY),
        ("alice", "pw", COST, OTHER_SALT_KEY),
        ("bob", "pw", COST, SALT_KEY),
        ("alice", "pw", COST + 1, SALT_KEY),
    ],
    ids=["password", "salt-key", "user", "cost"],
)
def test_changing_one_input_changes_the_hash(user: str, password: str, cost: int, salt_key: bytes) -> None:
    base = bcrypt_hash("alice", "pw", COST, SALT_KEY)
    changed = bcrypt_hash(user, password, cost, salt_key)
    assert changed != base
    if password == "pw":
        # Same password: only a different salt can make the hash differ.
        assert salt_of(changed) != salt_of(base)


def test_salt_changes_with_the_salt_key_alone() -> None:
    """The salt is not a function of the password alone: the key (and the user) seed it too."""
    salts = {salt_of(bcrypt_hash("alice", "pw", COST, f"salt-key-{i:08d}-abcdef".encode())) for i in range(5)}
    assert len(salts) == 5
    first = bcrypt_hash("alice", "pw", COST, SALT_KEY)
    bcrypt_hash.cache_clear()
    assert salt_of(bcrypt_hash("alice", "pw", COST, SALT_KEY)) == salt_of(first)
    assert salt_of(bcrypt_hash("alice", "pw", COST, SALT_KEY)) != salt_of(bcrypt_hash("bob", "pw", COST, SALT_KEY))


# ----------------------------------------------------------------------------------------------- format


@pytest.mark.parametrize("cost", [4, 5])
def test_hash_format(cost: int) -> None:
    hashed = bcrypt_hash("alice", "pw", cost, SALT_KEY)
    assert hashed.startswith(f"$2y${cost:02d}$")
    assert len(hashed) == 60
    assert all(char in "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" for char in hashed[7:])


def test_configured_cost_is_the_cost_in_the_hash() -> None:
    user = User(name="alice", password=SecretStr("pw"), bcrypt_cost=12)
    name, hashed = htpasswd_file([user], KEYS).rstrip("\n").split(":", 1)
    assert name == "alice"
    assert hashed.startswith("$2y$12$")
    assert bcrypt.checkpw(b"pw", hashed.encode())


def test_file_has_one_line_per_user_in_order() -> None:
    prehashed = bcrypt.hashpw(b"pre", bcrypt.gensalt(COST)).decode()
    users = [
        User(name="zed", password=SecretStr("one"), bcrypt_cost=COST),
        User(name="amy", htpasswd=SecretStr(prehashed)),
        User(name="max", password=SecretStr("two"), bcrypt_cost=5),
    ]
    content = htpasswd_file(users, KEYS)
    assert content.endswith("\n")
    assert content.count("\n") == len(users)
    assert content.splitlines() == [
        f"zed:{bcrypt_hash('zed', 'one', COST, SALT_KEY)}",
        f"amy:{prehashed}",
        f"max:{bcrypt_hash('max', 'two', 5, SALT_KEY)}",
    ]


def test_written_file_passes_apache_hash_through(lines: dict[str, str], apache_hash: str) -> None:
    assert list(lines) == [account.name for account in ACCOUNTS]
    assert lines[APACHE_HASHED.name] == apache_hash


# ----------------------------------------------------------------------------------------- verification


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda account: account.name)
def test_python_bcrypt_verifies(account: Account, lines: dict[str, str]) -> None:
    hashed = lines[account.name].encode()
    assert bcrypt.checkpw(account.password.encode(), hashed)
    assert not bcrypt.checkpw(account.wrong.encode(), hashed)


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda account: account.name)
def test_apache_htpasswd_verifies(account: Account, htpasswd_path: Path) -> None:
    htpasswd = require("htpasswd")
    right = run(htpasswd, "-vb", str(htpasswd_path), account.name, account.password)
    assert right.returncode == 0, right.stderr
    wrong = run(htpasswd, "-vb", str(htpasswd_path), account.name, account.wrong)
    assert wrong.returncode == 3, wrong.stderr


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda account: account.name)
def test_go_registry_verifies(account: Account, registry: str) -> None:
    assert status(f"{registry}/v2/", account.name, account.password) == 200
    assert status(f"{registry}/v2/", account.name, account.wrong) == 401


def test_go_registry_refuses_unknown_user(registry: str) -> None:
    assert status(f"{registry}/v2/", "mallory", GENERATED[0].password) == 401


# ------------------------------------------------------------------------------------- config boundary


def test_password_over_72_bytes_is_refused() -> None:
    with pytest.raises(ValidationError, match="72 bytes"):
        User(name="u", password=SecretStr("x" * 73))


def test_password_of_72_ascii_bytes_is_accepted() -> None:
    assert User(name="u", password=SecretStr("x" * 72)).password is not None


def test_multibyte_password_is_measured_in_bytes() -> None:
    password = "€" * 25
    assert (len(password), len(password.encode())) == (25, 75)
    with pytest.raises(ValidationError, match="72 bytes"):
        User(name="u", password=SecretStr(password))
