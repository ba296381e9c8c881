"""The one boundary where stack config becomes `Settings`: every mistake becomes one clean `pulumi.RunError`."""

from __future__ import annotations

import difflib
import json
import re
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path as FilePath
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import BaseModel, ValidationError

from components.settings import Settings
from components.settings.common import Issue, Path, format_path
from components.settings.upstreams import public_url
from components.stack_file import StackFileError, is_secure, load_stack_file, project_config

PROJECT = "zot-cache"
# Config namespaces a stack may hold besides the project's: the engine's own (pulumi:tags, ...) and those of the
# one provider the program uses (kubernetes:context, kubernetes:kubeconfig, ...). A key anywhere else is read by
# nobody, so a misspelt `zot_cache:storage` would leave the defaults in place without a word.
OTHER_NAMESPACES = ("pulumi", "kubernetes")

# Keys that have moved, with where they live now and why; an earlier stack file may still hold them.
_MOVED_KEYS: dict[Path, tuple[str, str]] = {
    ("scale", "clusterDomain"): (
        "app.clusterDomain",
        "every in-cluster name the program writes (inClusterUrl too) ends in it, with one replica as with many",
    ),
}

# Config leaves that hold secrets: they must come from secret config and are never echoed back.
_SECRET_LEAVES = {"password", "htpasswd", "htpasswdSaltKey", "kubeconfig", "accessKeyId", "secretAccessKey"}


def read_stack_config(project: str = PROJECT) -> tuple[dict[str, Any], set[str], dict[str, Any] | None]:
    """All `<project>:*` keys the engine passed in, decoded; the names of those that are secret; and the same
    keys as the stack file in the working directory holds them (None without a file), `secure:` leaves kept.

    Raises RunError for a key under a namespace nobody reads, in the engine's config or the file.
    """
    prefix = f"{project}:"
    all_keys = {*runtime_config.CONFIG.get(), *runtime_config.get_config_env()}
    full_keys = sorted(key for key in all_keys if key.startswith(prefix))
    raw = {key[len(prefix) :]: _decode(runtime_config.get_config(key)) for key in full_keys}
    secret = {key[len(prefix) :] for key in full_keys if runtime_config.is_config_secret(key)}
    # The CLI runs the program in the project folder, beside Pulumi.<stack>.yaml.
    path = FilePath.cwd() / f"Pulumi.{pulumi.get_stack()}.yaml"
    document: dict[str, Any] | None = None
    if path.is_file():
        try:
            document = load_stack_file(path)
        except StackFileError as error:
            raise pulumi.RunError(str(error)) from None
    unknown = unknown_namespaces([*all_keys, *((document or {}).get("config") or {})], project)
    if unknown:
        raise pulumi.RunError(_message(unknown))
    return raw, secret, None if document is None else project_config(document, project)


def unknown_namespaces(keys: Iterable[str], project: str = PROJECT) -> list[str]:
    """A problem line for each key whose namespace nobody reads, with the known namespace closest to it.

    Keys are `<namespace>:<name>`, or the old `<namespace>:config:<name>` (pulumi/pulumi
    sdk/go/common/resource/config/key.go:45, ParseKey), so the namespace is what comes before the first colon.
    """
    known = [project, *OTHER_NAMESPACES]
    lines = []
    for key in sorted(set(keys)):
        namespace, colon, name = key.partition(":")
        if not colon:
            lines.append(
                f"  {key}: has no namespace, and the Pulumi CLI reads only <namespace>:<name>; write {project}:{key}"
            )
        elif namespace not in known:
            closest = difflib.get_close_matches(namespace, known, n=1, cutoff=0)[0]
            lines.append(
                f"  {key}: unknown config namespace {namespace!r}, so nothing reads this key; did you mean "
                f"{closest}:{name}? (the namespaces read here are {', '.join(known)})"
            )
    return lines


def _decode(value: Any) -> Any:
    """The CLI passes structured values as JSON text and plain strings as they are."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def load_settings(
    raw: Mapping[str, Any],
    secret_keys: Iterable[str] = (),
    stack_file: Mapping[str, Any] | None = None,
    project: str = PROJECT,
    stack: str | None = None,
) -> Settings:
    """Parse and check everything, or raise RunError listing each bad key, what is wrong and the fix.

    `stack_file` is the config as the stack file holds it (see read_stack_config), to find clear-text secrets;
    `stack` goes into every `pulumi config set` the fixes name.
    """
    secret = set(secret_keys)
    try:
        settings = Settings.model_validate(dict(raw))
    except ValidationError as exc:
        issues = [_pydantic_issue(error, secret) for error in exc.errors()]
        raise pulumi.RunError(with_stack(_message(_issue_lines(project, issues)), stack)) from None
    issues = [*settings.issues(), *_plain_text_secrets(raw, secret, stack_file)]
    if issues:
        raise pulumi.RunError(with_stack(_message(_issue_lines(project, issues)), stack))
    return settings


_CONFIG_SET = re.compile(r"\bpulumi config set\b")


def with_stack(text: str, stack: str | None) -> str:
    """Each `pulumi config set` in a message, for the stack at hand: without --stack the CLI sets the key in
    whichever stack is selected, often another one. Settings write the commands without it, as they do not know
    (and should not ask) which stack they are in."""
    return text if stack is None else _CONFIG_SET.sub(f"pulumi config set --stack {stack}", text)


_ABSENT = object()


def _plain_text_secrets(
    raw: Mapping[str, Any], secret_keys: set[str], stack_file: Mapping[str, Any] | None
) -> Iterable[Issue]:
    """Each secret leaf must be a `secure:` value in the stack file.

    The engine marks a whole top-level key secret as soon as one leaf under it is, so `users[0].password` set
    without --secret beside a secure `users[1].password` looks secret to the program: only the file tells. A leaf
    the file does not hold (config from elsewhere) is judged by the engine's marking of its top-level key.
    """
    for key, value in raw.items():
        for path in _secret_leaf_paths(value, (key,)):
            filed = _ABSENT if stack_file is None else _file_value(stack_file, path)
            if (key in secret_keys) if filed is _ABSENT else is_secure(filed):
                continue
            yield (
                path,
                f"is stored in clear text; run {_set_secret(path)} so that it is encrypted in the stack file",
            )


def _set_secret(path: Path) -> str:
    """The command that sets a secret leaf encrypted (with_stack adds the stack where the run knows it)."""
    return f"pulumi config set --secret --path '{format_path(path)}' <value>"


def _file_value(config: Mapping[str, Any], path: Path) -> Any:
    """The stack file's value at `path`, a `secure:` ancestor (a whole key set with --secret), or _ABSENT."""
    node: Any = config
    for part in path:
        if is_secure(node):
            return node
        in_list = isinstance(part, int) and isinstance(node, list) and part < len(node)
        if not in_list and not (isinstance(node, dict) and part in node):
            return _ABSENT
        node = node[part]
    return node


def _secret_leaf_paths(value: Any, path: Path) -> Iterable[Path]:
    if path[-1] in _SECRET_LEAVES and value is not None:
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _secret_leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _secret_leaf_paths(item, (*path, index))


def _issue_lines(project: str, issues: list[Issue]) -> list[str]:
    return [f"  {project}:{format_path(path)}: {message}" for path, message in issues]


def _message(lines: list[str]) -> str:
    noun = "problem" if len(lines) == 1 else "problems"
    return f"invalid stack configuration ({len(lines)} {noun}); nothing was changed:\n" + "\n".join(lines)


def _pydantic_issue(error: Any, secret_keys: set[str]) -> Issue:
    # pydantic marks errors in a map key with a "[key]" step after the key itself.
    path: Path = tuple(part for part in error["loc"] if part != "[key]")
    kind = error["type"]
    if kind == "extra_forbidden" and path in _MOVED_KEYS:
        new_key, why = _MOVED_KEYS[path]
        return path, (
            f"has moved to {new_key} ({why}); move the value: pulumi config set --path '{new_key}' <the same "
            "value>, then remove this key"
        )
    if kind == "extra_forbidden":
        known = ", ".join(_known_keys(path[:-1]))
        return path, f"unknown key; the keys here are: {known}"
    if kind == "missing" and path and path[-1] in _SECRET_LEAVES:
        return path, f"is required; set it with {_set_secret(path)}"
    if kind == "missing":
        return path, "is required; see docs/reference.md"
    message = _public_urls(error["msg"].removeprefix("Value error, "))
    value = error["input"]
    secret = (bool(path) and path[0] in secret_keys) or any(
        part in _SECRET_LEAVES for part in path if isinstance(part, str)
    )
    if secret:
        # Validators name the value they refuse; under a secret key the value itself is the secret.
        return path, _without(message, value)
    shown = _shown(value)
    if kind not in ("value_error", "assertion_error") and shown is not None:
        message += f" (got {shown})"
    return path, message


# Anything URL-shaped in a message: its userinfo, path, query or fragment can carry a token.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'`]*")


def _public_urls(text: str) -> str:
    return _URL.sub(lambda match: public_url(match.group()), text)


def _without(message: str, value: Any) -> str:
    """The message with the quoted value (as validators write it, `{value!r}`) taken out.

    A URL in the message is already cut to scheme and host (`_public_urls`), which is safe to show and is often
    the fix itself ('write the host only, like "https://docker.io"'), so only other values are taken out.
    """
    if isinstance(value, str):
        for quoted in (repr(value), json.dumps(value)):
            if _public_urls(quoted) == quoted:
                message = message.replace(quoted, "the value")
    return message


def _shown(value: Any) -> str | None:
    """A scalar input as it may be echoed, or None: containers can hold secret leaves, and `name:secret` or
    `user:token@host` text is a pasted credential."""
    if isinstance(value, (dict, list)):
        return None
    if isinstance(value, str):
        value = _public_urls(value)
        if "@" in value or ":" in _URL.sub("", value):
            return None
    return json.dumps(value)[:80]


def _known_keys(path: Path) -> list[str]:
    """The keys a model at `path` accepts, for 'unknown key' messages."""
    model: type[BaseModel] | None = Settings
    expect_key = False
    for part in path:
        if model is None:
            return []
        if expect_key or isinstance(part, int):
            expect_key = False
            continue
        field = next((f for name, f in model.model_fields.items() if part in (f.alias, name)), None)
        if field is None:
            return []
        model, expect_key = _inner_model(field.annotation)
    if model is None:
        return []
    return sorted(field.alias or name for name, field in model.model_fields.items())


def _inner_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model inside Optional/list/dict; the flag says a map key comes first in a path."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    for arg in typing.get_args(annotation):
        inner, _ = _inner_model(arg)
        if inner is not None:
            return inner, origin is dict
    return None, False
