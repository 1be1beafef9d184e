"""A loopback stand-in for the part of the Confluent Schema Registry REST API that ``compat.registry`` uses.

No registry server is published on the package registries reachable from the test machines, so the tests
run this instead: ``http.server`` in a thread, on 127.0.0.1 only, with the status codes and bodies the
API's public reference documents (``{"error_code": 40401, "message": ...}`` and so on):

- ``GET /subjects/{s}/versions``: live versions, or 404 / 40401.
- ``GET /subjects/{s}/versions/{v}``: ``subject``, ``version``, ``id``, ``schema``, ``schemaType`` (left
  out for Avro) and ``references`` (left out when empty); 404 / 40401 or 40402, 422 / 42202.
- ``GET /config/{s}``: the subject's own level, 404 / 40408 when it has none (the global level with
  ``?defaultToGlobal=true``); ``GET /config``: the global level (``compatibilityLevel``).
- ``POST /compatibility/subjects/{s}/versions/{v}``: ``is_compatible`` (and ``messages`` with
  ``?verbose=true``) against that one version, ``latest`` of a missing subject being compatible; an
  unparseable schema is 422 / 42201, or a verdict with its message under ``verbose``.

The Avro verdict comes from Apache Avro's own checker (the ``avro`` package), not from mfgcanon, so that a
test comparing the two compares independent implementations; JSON Schema verdicts are scripted by the
test (``verdicts``). Faults are scripted too: a queue of answers (status, body, delay, or a dropped
connection) served before the normal ones, and required basic or bearer credentials.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CONTENT_TYPES = ("application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json", "application/json")


@dataclass
class Fault:
    """One scripted answer: a status and body, after ``delay`` seconds; ``drop`` closes without answering."""

    status: int = 500
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    path_prefix: str = ""  # only requests whose path starts with this take the fault


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class StandIn:
    """The registry's state and the scripted behaviour; ``url`` once started."""

    subjects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)
    global_level: str = "BACKWARD"
    basic: tuple[str, str] | None = None
    token: str | None = None
    faults: list[Fault] = field(default_factory=list)
    verdicts: dict[str, tuple[bool, list[str]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    _next_id: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def register(
        self, subject: str, schema: Any, schema_type: str = "AVRO", references: list[dict[str, Any]] | None = None
    ) -> int:
        """Add a version (no compatibility check: tests set up histories directly)."""
        text = schema if isinstance(schema, str) else json.dumps(schema)
        versions = self.subjects.setdefault(subject, [])
        entry: dict[str, Any] = {
            "subject": subject,
            "version": len(versions) + 1,
            "id": self._next_id,
            "schema": text,
        }
        if schema_type != "AVRO":
            entry["schemaType"] = schema_type
        if references:
            entry["references"] = references
        self._next_id += 1
        versions.append(entry)
        return int(entry["version"])

    # -- the API -------------------------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        if method == "GET" and len(parts) == 3 and parts[0] == "subjects" and parts[2] == "versions":
            return self._versions(parts[1])
        if method == "GET" and len(parts) == 4 and parts[0] == "subjects" and parts[2] == "versions":
            return self._version(parts[1], parts[3])
        if method == "GET" and parts == ["config"]:
            return 200, {"compatibilityLevel": self.global_level}
        if method == "GET" and len(parts) == 2 and parts[0] == "config":
            level = self.config.get(parts[1])
            if level is None and query.get("defaultToGlobal") == "true":
                level = self.global_level
            if level is None:
                return 404, {
                    "error_code": 40408,
                    "message": f"Subject '{parts[1]}' does not have subject-level compatibility configured",
                }
            return 200, {"compatibilityLevel": level}
        compat_path = len(parts) == 5 and parts[:2] == ["compatibility", "subjects"] and parts[3] == "versions"
        if method == "POST" and compat_path:
            return self._compatibility(parts[2], parts[4], query.get("verbose") == "true", body)
        return 404, {"error_code": 404, "message": "HTTP 404 Not Found"}

    def _versions(self, subject: str) -> tuple[int, Any]:
        if not self.subjects.get(subject):
            return 404, {"error_code": 40401, "message": f"Subject '{subject}' not found."}
        return 200, [v["version"] for v in self.subjects[subject]]

    def _version(self, subject: str, version: str) -> tuple[int, Any]:
        versions = self.subjects.get(subject)
        if version != "latest" and not (version.isdigit() and int(version) > 0):
            return 422, {
                "error_code": 42202,
                "message": f"The specified version '{version}' is not a valid version id. "
                "Allowed values are between [1, 2^31-1] and the string \"latest\"",
            }
        if not versions:
            return 404, {"error_code": 40401, "message": f"Subject '{subject}' not found."}
        if version == "latest":
            return 200, versions[-1]
        match = [v for v in versions if v["version"] == int(version)]
        if not match:
            return 404, {"error_code": 40402, "message": f"Version {version} not found."}
        return 200, match[0]

    def _compatibility(self, subject: str, version: str, verbose: bool, body: bytes) -> tuple[int, Any]:
        try:
            request = json.loads(body)
            text = request["schema"]
            kind = request.get("schemaType", "AVRO")
        except (ValueError, KeyError, TypeError):
            return 422, {"error_code": 422, "message": "Unrecognized request body"}
        versions = self.subjects.get(subject) or []
        if version == "latest":
            target = versions[-1] if versions else None
        else:
            found = [v for v in versions if str(v["version"]) == version]
            if not found:
                code = 40402 if versions else 40401
                what = f"Version {version}" if versions else f"Subject '{subject}'"
                return 404, {"error_code": code, "message": f"{what} not found."}
            target = found[0]
        if subject in self.verdicts:
            ok, messages = self.verdicts[subject]
            return 200, ({"is_compatible": ok, "messages": messages} if verbose else {"is_compatible": ok})
        if target is None:
            return 200, {"is_compatible": True, "messages": []} if verbose else {"is_compatible": True}
        if kind != "AVRO":
            return 200, {"is_compatible": True, "messages": []}
        level = self.config.get(subject, self.global_level)
        try:
            messages = _avro_verdict(text, target["schema"], level)
        except Exception as exc:  # avro's parser: an invalid schema is 42201, or a verdict under verbose
            message = f"Invalid schema {text[:60]}, details: {exc}"
            if verbose:
                return 200, {"is_compatible": False, "messages": [message]}
            return 422, {"error_code": 42201, "message": message}
        if not messages:
            return 200, {"is_compatible": True, "messages": []} if verbose else {"is_compatible": True}
        messages += [f"{{oldSchemaVersion: {target['version']}}}", f"{{compatibility: '{level}'}}"]
        return 200, {"is_compatible": False, "messages": messages} if verbose else {"is_compatible": False}

    # -- auth ----------------------------------------------------------------------------------------------

    def authorised(self, header: str | None) -> bool:
        if self.basic is None and self.token is None:
            return True
        if header is None:
            return False
        if self.token is not None and header == f"Bearer {self.token}":
            return True
        if self.basic is not None:
            expected = base64.b64encode(f"{self.basic[0]}:{self.basic[1]}".encode()).decode()
            return header == f"Basic {expected}"
        return False


def _avro_verdict(new: str, old: str, level: str) -> list[str]:
    """Apache Avro's reader/writer check in the directions ``level`` asks, Confluent's message shape."""
    from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
    from avro.schema import parse

    new_schema, old_schema = parse(new), parse(old)
    base = level.removesuffix("_TRANSITIVE")
    pairs = []
    if base in ("BACKWARD", "FULL"):
        pairs.append((new_schema, old_schema))
    if base in ("FORWARD", "FULL"):
        pairs.append((old_schema, new_schema))
    messages = []
    for reader, writer in pairs:
        result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
        if result.compatibility is not SchemaCompatibilityType.compatible:
            for kind, message, location in zip(
                result.incompatibilities, sorted(result.messages), sorted(result.locations), strict=False
            ):
                messages.append(
                    f"{{errorType:'{kind.name.upper()}', description:'{message}', additionalInfo:'{location}'}}"
                )
    return messages


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows failures, not traffic
        return

    def _serve(self, method: str) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parsed = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        with state._lock:
            state.seen.append(Seen(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            fault = next((f for f in state.faults if parsed.path.startswith(f.path_prefix)), None)
            if fault is not None:
                state.faults.remove(fault)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                return
            self._send(fault.status, fault.body, fault.headers)
            return
        if not state.authorised(self.headers.get("Authorization")):
            self._send(401, {"error_code": 401, "message": "Unauthorized"})
            return
        if method == "POST" and (self.headers.get("Content-Type") or "").split(";")[0] not in CONTENT_TYPES:
            self._send(415, {"error_code": 415, "message": "HTTP 415 Unsupported Media Type"})
            return
        status, answer = state.answer(method, parsed.path, query, body)
        self._send(status, answer)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, state: StandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that gave up (the timeout tests) leaves a broken pipe here: expected


@contextmanager
def running(state: StandIn | None = None) -> Iterator[StandIn]:
    """Serve ``state`` on a free loopback port for the duration of the block."""
    state = state or StandIn()
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    state.url = f"http://{host}:{port}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
