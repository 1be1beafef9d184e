"""``mfgcanon.compat.registry`` and ``compat check --registry``, against a loopback stand-in registry.

No schema-registry server can be installed here, so ``registry_server`` implements the part of the
REST API used, with the documented status codes and bodies; everything stays on 127.0.0.1 and each
test takes well under a second (timeouts and backoffs are set small).
"""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from registry_server import Fault, StandIn, running

from mfgcanon.cli import EXIT_FOUND, EXIT_OK, EXIT_USAGE
from mfgcanon.cli.app import cli
from mfgcanon.compat import Level, SchemaInputError
from mfgcanon.compat.registry import (
    CONTENT_TYPE,
    ENV_PASSWORD,
    ENV_TOKEN,
    ENV_USER,
    ENV_USER_INFO,
    RegistryClient,
    RegistryError,
    SchemaReference,
    check_registry,
)
from mfgcanon.errors import MfgcanonError

V1 = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}
V2 = {
    "type": "record",
    "name": "R",
    "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string", "default": "x"}],
}
# reads v2 data (b is there) but not v1 data (b has no default): BACKWARD ok, BACKWARD_TRANSITIVE not
V3 = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}]}
# b's type changes: v2 data cannot be read at all
BAD = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}]}
NO_ENV: dict[str, str] = {}


@pytest.fixture
def registry() -> Iterator[StandIn]:
    with running() as state:
        state.register("orders-value", V1)
        state.register("orders-value", V2)
        yield state


def client(state: StandIn, **kwargs: Any) -> RegistryClient:
    kwargs.setdefault("env", NO_ENV)
    kwargs.setdefault("timeout", 2.0)
    kwargs.setdefault("backoff", 0.001)
    return RegistryClient(state.url, **kwargs)


# ---------------------------------------------------------------------------------------------- the client


def test_versions_types_and_references(registry: StandIn) -> None:
    registry.register("events-value", {"type": "object"}, schema_type="JSON")
    registry.register(
        "events-value",
        {"type": "object", "properties": {"m": {"$ref": "material.json"}}},
        schema_type="JSON",
        references=[{"name": "material.json", "subject": "material-value", "version": 3}],
    )
    c = client(registry)
    assert c.get_versions("orders-value") == [1, 2]
    avro = c.get_version("orders-value", 1)
    assert (avro.schema_type, avro.version, avro.schema_id, avro.label) == ("AVRO", 1, 1, "v1")  # type omitted
    assert json.loads(avro.schema) == V1
    latest = c.get_version("events-value", "latest")
    assert latest.schema_type == "JSON"
    assert latest.references == (SchemaReference(name="material.json", subject="material-value", version=3),)
    assert [v.version for v in c.get_subject_versions("events-value")] == [1, 2]


def test_headers_sent(registry: StandIn) -> None:
    c = client(registry)
    c.get_versions("orders-value")
    c.test_compatibility("orders-value", json.dumps(V2))
    get, post = registry.seen
    assert get.headers["accept"].startswith(CONTENT_TYPE)
    assert "authorization" not in get.headers
    assert post.headers["content-type"] == CONTENT_TYPE
    assert post.path == "/compatibility/subjects/orders-value/versions/latest?verbose=true"
    assert json.loads(post.body) == {"schema": json.dumps(V2)}  # schemaType left out for Avro, as the API does


@pytest.mark.parametrize(
    ("call", "status", "error_code", "code"),
    [
        (lambda c: c.get_versions("nope"), 404, 40401, "SUBJECT_NOT_FOUND"),
        (lambda c: c.get_version("orders-value", 7), 404, 40402, "VERSION_NOT_FOUND"),
        (lambda c: c.get_version("nope", 1), 404, 40401, "SUBJECT_NOT_FOUND"),
        (lambda c: c.get_version("orders-value", "-1"), 422, 42202, "INVALID_VERSION"),
        (lambda c: c.test_compatibility("orders-value", "{not json", verbose=False), 422, 42201, "INVALID_SCHEMA"),
        (lambda c: c.test_compatibility("orders-value", "{}", version=9), 404, 40402, "VERSION_NOT_FOUND"),
    ],
)
def test_documented_errors_are_typed(registry: StandIn, call: Any, status: int, error_code: int, code: str) -> None:
    with pytest.raises(RegistryError) as info:
        call(client(registry))
    err = info.value
    assert isinstance(err, MfgcanonError)
    assert (err.code, err.status, err.error_code) == (code, status, error_code)
    assert f"error_code {error_code}" in str(err)
    assert err.to_dict()["error_code"] == error_code


def test_invalid_schema_under_verbose_is_a_verdict(registry: StandIn) -> None:
    verdict = client(registry).test_compatibility("orders-value", "{not json")
    assert verdict.is_compatible is False
    assert "Invalid schema" in verdict.messages[0]


def test_409_on_the_compatibility_endpoint_is_a_verdict(registry: StandIn) -> None:
    registry.faults.append(
        Fault(409, {"error_code": 409, "message": "Schema being registered is incompatible"}, path_prefix="/compat")
    )
    verdict = client(registry).test_compatibility("orders-value", json.dumps(BAD))
    assert verdict.is_compatible is False
    assert "incompatible" in verdict.messages[0]


def test_verbose_verdict_messages(registry: StandIn) -> None:
    verdict = client(registry).test_compatibility("orders-value", json.dumps(BAD))
    assert verdict.is_compatible is False
    assert any("TYPE_MISMATCH" in m for m in verdict.messages)
    assert "{oldSchemaVersion: 2}" in verdict.messages


def test_registry_messages_are_made_safe_to_print(registry: StandIn) -> None:
    registry.verdicts["orders-value"] = (False, ["\x1b]0;owned\x07red" + "x" * 5000] * 500)
    verdict = client(registry).test_compatibility("orders-value", json.dumps(V2))
    assert len(verdict.messages) == 100
    assert verdict.messages[0].startswith("?]0;owned?red")
    assert len(verdict.messages[0]) == 2003
    registry.faults.append(Fault(400, {"error_code": 400, "message": "bad\x1b[2J"}))
    with pytest.raises(RegistryError, match=r"bad\?\[2J"):
        client(registry).get_versions("orders-value")


def test_level_from_subject_or_global(registry: StandIn) -> None:
    c = client(registry)
    assert c.get_level("orders-value") == (Level.BACKWARD, "global")  # 404 / 40408 first, then /config
    assert c.get_config("orders-value", default_to_global=True) is Level.BACKWARD
    registry.config["orders-value"] = "full_transitive"
    assert c.get_level("orders-value") == (Level.FULL_TRANSITIVE, "subject")
    registry.global_level = "SOMETHING"
    with pytest.raises(RegistryError) as info:
        c.get_config()
    assert info.value.code == "BAD_RESPONSE"


# ------------------------------------------------------------------------------------------ authentication


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("env", "url_auth", "expected"),
    [
        ({ENV_USER: "ci", ENV_PASSWORD: "s3cret:x"}, "", _basic("ci", "s3cret:x")),
        ({ENV_USER_INFO: "svc:pa:ss"}, "", _basic("svc", "pa:ss")),
        ({ENV_TOKEN: "tok123"}, "", "Bearer tok123"),
        ({ENV_TOKEN: "tok123", ENV_USER_INFO: "svc:pw"}, "", "Bearer tok123"),  # ours before Confluent's
        ({}, "url%40user:p%3Aw@", _basic("url@user", "p:w")),
    ],
)
def test_credentials_arrive(registry: StandIn, env: dict[str, str], url_auth: str, expected: str) -> None:
    registry.basic, registry.token = None, None
    url = registry.url.replace("http://", f"http://{url_auth}")
    RegistryClient(url, env=env).get_versions("orders-value")
    assert registry.seen[-1].headers["authorization"] == expected


def test_unauthorised_and_forbidden(registry: StandIn) -> None:
    registry.basic = ("ci", "right")
    with pytest.raises(RegistryError) as info:
        client(registry, env={ENV_USER: "ci", ENV_PASSWORD: "wrong"}).get_versions("orders-value")
    assert (info.value.code, info.value.status) == ("UNAUTHORIZED", 401)
    assert "wrong" not in str(info.value)
    assert client(registry, basic=("ci", "right")).get_versions("orders-value") == [1, 2]
    registry.faults.append(Fault(403, {"error_code": 40301, "message": "User cannot access the resource."}))
    with pytest.raises(RegistryError) as info:
        client(registry, basic=("ci", "right")).get_versions("orders-value")
    assert (info.value.code, info.value.status, info.value.error_code) == ("FORBIDDEN", 403, 40301)


def test_bearer_token_required(registry: StandIn) -> None:
    registry.token = "t0k"
    with pytest.raises(RegistryError) as info:
        client(registry).get_versions("orders-value")
    assert info.value.code == "UNAUTHORIZED"
    assert client(registry, env={ENV_TOKEN: "t0k"}).get_versions("orders-value") == [1, 2]


@pytest.mark.parametrize(
    "env",
    [{ENV_TOKEN: "t", ENV_USER: "u", ENV_PASSWORD: "p"}, {ENV_USER: "u"}, {ENV_USER_INFO: "no-colon"}],
)
def test_ambiguous_or_partial_credentials_refused(env: dict[str, str]) -> None:
    with pytest.raises(RegistryError) as info:
        RegistryClient("http://127.0.0.1:1", env=env)
    assert info.value.code == "AUTH_CONFIG"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://host/", "registry:8081", "http://"])
def test_only_http_urls(url: str) -> None:
    with pytest.raises(RegistryError) as info:
        RegistryClient(url, env=NO_ENV)
    assert info.value.code == "INVALID_URL"


def test_password_in_url_never_shown() -> None:
    with pytest.raises(RegistryError) as info:
        RegistryClient("http://me:hunter2@127.0.0.1:1", env=NO_ENV, retries=0, timeout=1).get_versions("s")
    assert info.value.code == "UNREACHABLE"
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(RegistryClient("http://me:hunter2@127.0.0.1:1", env=NO_ENV))


def test_redirect_refused_and_credentials_not_forwarded(registry: StandIn) -> None:
    registry.faults.append(Fault(307, None, headers={"Location": "http://127.0.0.1:1/elsewhere"}))
    with pytest.raises(RegistryError) as info:
        client(registry, env={ENV_TOKEN: "t"}).get_versions("orders-value")
    assert (info.value.code, info.value.status) == ("BAD_RESPONSE", 307)
    assert "127.0.0.1:1/elsewhere" in str(info.value)
    assert len(registry.seen) == 1


# -------------------------------------------------------------------------------- retries and timeouts


def test_5xx_then_success_is_retried_with_backoff(registry: StandIn) -> None:
    registry.faults += [Fault(503, {"error_code": 50003, "message": "forwarding failed"}), Fault(500, b"oops")]
    waits: list[float] = []
    c = client(registry, backoff=0.1, sleep=waits.append)
    assert c.get_versions("orders-value") == [1, 2]
    assert waits == [0.1, 0.2]
    assert len(registry.seen) == 3


def test_5xx_after_retries_is_an_error(registry: StandIn) -> None:
    registry.faults += [Fault(500, {"error_code": 50001, "message": "Error in the backend data store"})] * 3
    with pytest.raises(RegistryError) as info:
        client(registry, retries=2).get_versions("orders-value")
    assert (info.value.code, info.value.status, info.value.error_code) == ("REGISTRY_UNAVAILABLE", 500, 50001)
    assert "after 3 attempts" in str(info.value)
    assert len(registry.seen) == 3


def test_retry_after_is_honoured_and_bounded(registry: StandIn) -> None:
    registry.faults += [
        Fault(429, {"error_code": 42901, "message": "Rate Limit Exceeded"}, headers={"Retry-After": "2"}),
        Fault(429, {"error_code": 42901, "message": "Rate Limit Exceeded"}, headers={"Retry-After": "3600"}),
    ]
    waits: list[float] = []
    assert client(registry, sleep=waits.append).get_versions("orders-value") == [1, 2]
    assert waits == [2.0, 5.0]


def test_dropped_connection_then_success(registry: StandIn) -> None:
    registry.faults.append(Fault(drop=True))
    assert client(registry).get_versions("orders-value") == [1, 2]
    assert len(registry.seen) == 2


def test_connection_refused_is_unreachable() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    waits: list[float] = []
    c = RegistryClient(f"http://127.0.0.1:{port}", env=NO_ENV, retries=2, backoff=0.01, sleep=waits.append)
    with pytest.raises(RegistryError) as info:
        c.get_versions("s")
    assert info.value.code == "UNREACHABLE"
    assert waits == [0.01, 0.02]


def test_slow_answer_times_out(registry: StandIn) -> None:
    registry.faults += [Fault(200, [1], delay=1.0), Fault(200, [1], delay=1.0)]
    start = time.monotonic()
    with pytest.raises(RegistryError) as info:
        client(registry, timeout=0.15, retries=1).get_versions("orders-value")
    assert info.value.code == "TIMEOUT"
    assert time.monotonic() - start < 0.9  # two attempts of 0.15 s, not the server's second per answer


def test_answers_that_are_not_the_api(registry: StandIn) -> None:
    registry.faults.append(Fault(200, b"<html>proxy login</html>"))
    with pytest.raises(RegistryError) as info:
        client(registry).get_versions("orders-value")
    assert info.value.code == "BAD_RESPONSE"
    registry.faults.append(Fault(200, {"versions": [1]}))
    with pytest.raises(RegistryError) as info:
        client(registry).get_versions("orders-value")
    assert info.value.code == "BAD_RESPONSE"


# ------------------------------------------------------------------------------------------------ the check


def test_check_agrees_and_explains(registry: StandIn) -> None:
    result = check_registry(V3, "orders-value", client(registry))
    assert result.is_compatible
    assert (result.level, result.level_source, result.schema_type) == (Level.BACKWARD, "global", "AVRO")
    assert result.local is not None
    assert result.local.version_labels == ("v1", "v2")
    assert result.registry_verdict is not None
    assert result.registry_verdict.is_compatible
    assert result.disagreement is None
    doc = json.loads(result.to_json())
    assert doc["kind"] == "compat_registry_check"
    assert [v["label"] for v in doc["versions"]] == ["v1", "v2"]


def test_check_breaking_names_the_rule(registry: StandIn) -> None:
    result = check_registry(BAD, "orders-value", client(registry))
    assert not result.is_compatible
    assert result.local is not None
    assert result.local.failed_version_label == "v2"
    assert {f.rule for f in result.local.breaking} == {"TYPE_MISMATCH"}
    assert result.registry_verdict is not None
    assert not result.registry_verdict.is_compatible
    assert result.disagreement is None  # Apache Avro's checker in the stand-in says the same


def test_transitive_subject_level_checks_every_version(registry: StandIn) -> None:
    registry.config["orders-value"] = "BACKWARD_TRANSITIVE"
    result = check_registry(V3, "orders-value", client(registry))
    # the registry's versions/latest verdict covers v2 only, which V3 reads; v1 data it cannot read
    assert result.registry_verdict is not None
    assert result.registry_verdict.is_compatible
    assert result.local is not None
    assert result.local.failed_version_label == "v1"
    assert not result.is_compatible
    assert result.disagreement is None  # not a disagreement: the registry would refuse the registration too
    assert check_registry(V3, "orders-value", client(registry), level="BACKWARD").level_source == "option"


def test_disagreement_is_reported(registry: StandIn) -> None:
    registry.verdicts["orders-value"] = (True, [])
    result = check_registry(BAD, "orders-value", client(registry))
    assert not result.is_compatible
    assert result.disagreement is not None
    assert "registry accepts" in result.disagreement
    assert "TYPE_MISMATCH" in result.disagreement
    assert "DISAGREEMENT" in result.summary()
    registry.verdicts["orders-value"] = (False, ["{errorType:'SOMETHING_ELSE'}"])
    result = check_registry(V2, "orders-value", client(registry))
    assert not result.is_compatible
    assert result.disagreement is not None
    assert "SOMETHING_ELSE" in result.disagreement


def test_json_schema_subject(registry: StandIn, tmp_path: Path) -> None:
    closed = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False}
    registry.register("events-value", closed, schema_type="JSON")
    new = tmp_path / "events.json"
    new.write_text(json.dumps({**closed, "properties": {"a": {"type": "integer"}}}))
    result = check_registry(new, "events-value", client(registry), ask_registry=False)
    assert result.schema_type == "JSON"
    assert result.local is not None
    assert not result.local.is_compatible
    assert result.registry_verdict is None
    assert result.registry_note == "not asked"
    assert [s.path for s in registry.seen if s.method == "POST"] == []


def test_file_sent_as_written(registry: StandIn, tmp_path: Path) -> None:
    path = tmp_path / "r.avsc"
    text = json.dumps(V2, indent=4)
    path.write_text(text)
    check_registry(path, "orders-value", client(registry))
    post = next(s for s in registry.seen if s.method == "POST")
    assert json.loads(post.body)["schema"] == text


def test_protobuf_subject_gets_the_registry_verdict_only(registry: StandIn) -> None:
    registry.register("pb-value", 'syntax = "proto3"; message M { int32 a = 1; }', schema_type="PROTOBUF")
    registry.verdicts["pb-value"] = (True, [])
    result = check_registry(V1, "pb-value", client(registry), schema_type="AVRO")
    assert result.local is None
    assert result.local_note is not None
    assert "PROTOBUF" in result.local_note
    assert result.is_compatible
    with pytest.raises(RegistryError) as info:
        check_registry(V1, "pb-value", client(registry), ask_registry=False)
    assert info.value.code == "NO_VERDICT"


def test_version_with_unresolvable_references(registry: StandIn) -> None:
    registry.register(
        "shipment-value",
        {"type": "record", "name": "S", "fields": [{"name": "m", "type": "com.x.Material"}]},
        references=[{"name": "com.x.Material", "subject": "material-value", "version": 1}],
    )
    registry.verdicts["shipment-value"] = (True, [])
    result = check_registry(V1, "shipment-value", client(registry))
    assert result.local is None
    assert result.local_note is not None
    assert "references: com.x.Material" in result.local_note
    assert result.versions[0].references[0].subject == "material-value"


def test_registered_text_is_never_a_file_name(registry: StandIn, tmp_path: Path) -> None:
    """A registry answering a path as schema text must not make the check read a local file."""
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(V1))
    registry.register("odd-value", str(secret))  # not JSON: a path, as a broken or hostile registry might answer
    registry.verdicts["odd-value"] = (True, [])
    result = check_registry(V1, "odd-value", client(registry))
    assert result.local is None  # not JSON, so not a schema; the file's record is never read
    assert result.local_note is not None
    assert "v1 cannot be read locally" in result.local_note


def test_missing_subject(registry: StandIn) -> None:
    with pytest.raises(RegistryError) as info:
        check_registry(V1, "typo-value", client(registry))
    assert (info.value.code, info.value.error_code) == ("SUBJECT_NOT_FOUND", 40401)
    result = check_registry(V1, "typo-value", client(registry), missing_ok=True)
    assert result.is_compatible
    assert result.versions == ()
    assert result.registry_note is not None
    assert "no versions yet" in result.registry_note


def test_local_input_errors_come_first(registry: StandIn, tmp_path: Path) -> None:
    bad = tmp_path / "bad.avsc"
    bad.write_text('{"type": "record", "name": "R", "fields": [{"name": "a", "type": "Nope"}]}')
    with pytest.raises(SchemaInputError):
        check_registry(bad, "orders-value", client(registry))
    assert registry.seen == []  # nothing asked of the registry for a schema that cannot be checked
    with pytest.raises(ValueError, match="unknown compatibility level"):
        check_registry(V1, "orders-value", client(registry), level="SIDEWAYS")


# ------------------------------------------------------------------------------- confluent-kafka as the source


def test_confluent_mock_registry_as_source() -> None:
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

    mock = SchemaRegistryClient.new_client({"url": "mock://"})
    mock.register_schema("orders-value", Schema(json.dumps(V1), "AVRO"))
    mock.register_schema("orders-value", Schema(json.dumps(V2), "AVRO"))
    start = time.monotonic()
    result = check_registry(V3, "orders-value", mock, level="BACKWARD_TRANSITIVE")
    assert time.monotonic() - start < 1.0  # the mock is never asked for what would go to the network
    assert result.registry == "mock://"
    assert result.local is not None
    assert result.local.failed_version_label == "v1"
    assert not result.is_compatible
    assert result.registry_verdict is None
    assert result.registry_note is not None
    default = check_registry(V3, "orders-value", mock)
    assert (default.level, default.level_source, default.is_compatible) == (Level.BACKWARD, "default", True)
    with pytest.raises(RegistryError) as info:
        check_registry(V3, "nothing-here", mock)
    assert info.value.code == "SUBJECT_NOT_FOUND"


def test_confluent_http_client_as_source(registry: StandIn) -> None:
    from confluent_kafka.schema_registry import SchemaRegistryClient

    registry.config["orders-value"] = "FULL"
    result = check_registry(BAD, "orders-value", SchemaRegistryClient({"url": registry.url}))
    assert result.level_source == "subject"
    assert result.level is Level.FULL
    assert result.registry_verdict is not None
    assert not result.registry_verdict.is_compatible
    assert not result.is_compatible
    with pytest.raises(RegistryError) as info:
        check_registry(V1, "nope", SchemaRegistryClient({"url": registry.url}))
    assert (info.value.code, info.value.status, info.value.error_code) == ("SUBJECT_NOT_FOUND", 404, 40401)


def test_other_sources_refused() -> None:
    with pytest.raises(TypeError):
        check_registry(V1, "s", object())


# ------------------------------------------------------------------------------------------------- the CLI


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["compat", "check", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, doc in (("v3", V3), ("bad", BAD)):
        out[name] = tmp_path / f"{name}.avsc"
        out[name].write_text(json.dumps(doc))
    return out


@pytest.fixture(autouse=True)
def _quick_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (ENV_TOKEN, ENV_USER, ENV_PASSWORD, ENV_USER_INFO):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MFGCANON_REGISTRY_TIMEOUT", "2")
    monkeypatch.setenv("MFGCANON_REGISTRY_RETRIES", "0")


def test_cli_compatible(registry: StandIn, files: dict[str, Path]) -> None:
    code, out, _ = run_cli("--registry", registry.url, "--subject", "orders-value", str(files["v3"]))
    assert code == EXIT_OK
    assert out.strip().startswith("subject orders-value (BACKWARD from global, 2 versions): compatible")


def test_cli_breaking_text(registry: StandIn, files: dict[str, Path]) -> None:
    code, out, _ = run_cli("--registry", registry.url, "--subject", "orders-value", str(files["bad"]))
    assert code == EXIT_FOUND
    lines = out.strip().splitlines()
    assert lines[0].startswith(f"{files['bad']}:/fields/1/type: TYPE_MISMATCH: ")
    assert lines[0].endswith("[backward vs v2]")
    assert any("REGISTRY_INCOMPATIBLE" in line and "TYPE_MISMATCH" in line for line in lines)
    assert "INCOMPATIBLE" in lines[-1]


def test_cli_level_option_and_json(registry: StandIn, files: dict[str, Path]) -> None:
    code, out, _ = run_cli(
        "--registry", registry.url, "--subject", "orders-value", str(files["v3"]),
        "--level", "backward_transitive", "--format", "json",
    )
    assert code == EXIT_FOUND
    doc = json.loads(out)
    assert (doc["level"], doc["level_source"]) == ("BACKWARD_TRANSITIVE", "option")
    assert doc["local"]["failed_version_label"] == "v1"
    assert doc["registry_verdict"]["is_compatible"] is True


def test_cli_github_with_disagreement(registry: StandIn, files: dict[str, Path]) -> None:
    registry.verdicts["orders-value"] = (True, [])
    code, out, err = run_cli(
        "--registry", registry.url, "--subject", "orders-value", str(files["bad"]), "--format", "github"
    )
    assert code == EXIT_FOUND
    assert out.startswith(f"::error file={files['bad']},title=TYPE_MISMATCH::/fields/1/type: ")
    assert "::warning file=" in out
    assert "title=REGISTRY_DISAGREEMENT::" in out
    assert "INCOMPATIBLE" in err


def test_cli_auth_from_environment(
    registry: StandIn, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.token = "ci-token"
    code, _, err = run_cli("--registry", registry.url, "--subject", "orders-value", str(files["v3"]))
    assert code == EXIT_USAGE
    assert "UNAUTHORIZED" in err
    monkeypatch.setenv(ENV_TOKEN, "ci-token")
    code, _, _ = run_cli("--registry", registry.url, "--subject", "orders-value", str(files["v3"]))
    assert code == EXIT_OK
    assert registry.seen[-1].headers["authorization"] == "Bearer ci-token"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--subject", "typo-value"], "SUBJECT_NOT_FOUND"),
        (["--subject", "orders-value", "EXTRA"], "one FILE"),
        ([], "--registry and --subject go together"),
    ],
)
def test_cli_usage_and_registry_errors_exit_2(
    registry: StandIn, files: dict[str, Path], args: list[str], message: str
) -> None:
    extra = [str(files["v3"])] if "EXTRA" in args else []
    args = [a for a in args if a != "EXTRA"]
    code, out, err = run_cli("--registry", registry.url, *args, str(files["v3"]), *extra)
    assert code == EXIT_USAGE
    assert out == ""
    assert message in err


def test_cli_unreachable_and_bad_settings_exit_2(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli("--registry", "http://127.0.0.1:1", "--subject", "s", str(files["v3"]))
    assert code == EXIT_USAGE
    assert "UNREACHABLE" in err
    code, _, err = run_cli("--subject", "s", str(files["v3"]))
    assert code == EXIT_USAGE
    monkeypatch.setenv("MFGCANON_REGISTRY_TIMEOUT", "soon")
    code, _, err = run_cli("--registry", "http://127.0.0.1:1", "--subject", "s", str(files["v3"]))
    assert code == EXIT_USAGE
    assert "MFGCANON_REGISTRY_TIMEOUT" in err


def test_cli_two_files_still_work(files: dict[str, Path]) -> None:
    code, _, _ = run_cli(str(files["v3"]), str(files["bad"]))
    assert code == EXIT_FOUND
    code, _, err = run_cli(str(files["v3"]))
    assert code == EXIT_USAGE
    assert "NEW" in err
