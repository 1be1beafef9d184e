"""Checking a schema against a live Confluent-compatible schema registry.

Two answers, side by side: the registry's own verdict (``POST /compatibility/subjects/{s}/versions/latest
?verbose=true``) and a local check that fetches the subject's registered versions and runs
:func:`mfgcanon.compat.check_history` on them at the subject's level, so that a verdict comes with rule
ids, paths and messages that say what broke and against which version. When the two disagree, the
result says so.

The HTTP client uses only the standard library (no dependency added to the core). In library use the
versions may also come from a ``confluent_kafka.schema_registry.SchemaRegistryClient``, its in-memory
``mock://`` registry included.

>>> from mfgcanon.compat.registry import check_registry            # doctest: +SKIP
>>> result = check_registry("order.avsc", "orders-value", "https://registry.example:8081")  # doctest: +SKIP
>>> result.is_compatible, result.level, result.disagreement       # doctest: +SKIP
"""

from __future__ import annotations

import base64
import functools
import http.client
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal, Protocol

import msgspec

from mfgcanon.compat._check import _coerce_level, check_history
from mfgcanon.compat._errors import SchemaInputError
from mfgcanon.compat._load import SchemaInput, detect, read
from mfgcanon.compat._report import Level, Policy, Report, SchemaType
from mfgcanon.errors import MfgcanonError

__all__ = [
    "CONTENT_TYPE",
    "ENV_PASSWORD",
    "ENV_TOKEN",
    "ENV_USER",
    "ENV_USER_INFO",
    "RegistryCheck",
    "RegistryClient",
    "RegistryError",
    "RegistryVerdict",
    "SchemaReference",
    "SubjectVersion",
    "check_registry",
]

CONTENT_TYPE: Final = "application/vnd.schemaregistry.v1+json"
_ACCEPT: Final = f"{CONTENT_TYPE}, application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5"

ENV_TOKEN: Final = "MFGCANON_REGISTRY_TOKEN"
"""A bearer token (``Authorization: Bearer ...``)."""
ENV_USER: Final = "MFGCANON_REGISTRY_USER"
ENV_PASSWORD: Final = "MFGCANON_REGISTRY_PASSWORD"
ENV_USER_INFO: Final = "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO"
"""``user:password``, the variable Confluent's own tools read."""

_MAX_BODY: Final = 32 * 1024 * 1024  # a registry answer larger than this is refused, not buffered
_MAX_DELAY: Final = 5.0  # no single wait between retries is longer, whatever Retry-After says
_RETRY_STATUS: Final = frozenset({429, 500, 502, 503, 504})
_MAX_TEXT: Final = 2000  # characters kept of one registry message
_MAX_MESSAGES: Final = 100
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# registry error_code -> our stable code (Confluent's documented codes; Karapace and Redpanda use them too)
_ERROR_CODES: Final[dict[int, str]] = {
    40401: "SUBJECT_NOT_FOUND",
    40402: "VERSION_NOT_FOUND",
    40403: "SCHEMA_NOT_FOUND",
    42201: "INVALID_SCHEMA",
    42202: "INVALID_VERSION",
    42203: "INVALID_COMPATIBILITY_LEVEL",
}
_STATUS_CODES: Final[dict[int, str]] = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "INCOMPATIBLE",
    422: "UNPROCESSABLE",
    429: "RATE_LIMITED",
}


class RegistryError(MfgcanonError):
    """A registry that refused, failed or could not be reached, or a registry setting that is wrong.

    ``code`` is a stable UPPER_SNAKE identifier (``SUBJECT_NOT_FOUND``, ``VERSION_NOT_FOUND``,
    ``INVALID_SCHEMA``, ``INCOMPATIBLE``, ``UNAUTHORIZED``, ``FORBIDDEN``, ``REGISTRY_UNAVAILABLE``,
    ``UNREACHABLE``, ``TIMEOUT``, ``BAD_RESPONSE``, ``AUTH_CONFIG``, ``INVALID_URL``, ...); ``status`` the
    HTTP status and ``error_code`` the registry's own code (40401, 42201, ...) where there was an answer.
    Credentials never appear in the message.
    """

    code: str  # type: ignore[assignment]  # registry codes are UPPER_SNAKE, outside the model's ErrorCode list
    status: int | None
    error_code: int | None

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        error_code: int | None = None,
        url: str | None = None,
    ) -> None:
        self.code = code
        self.status = status
        self.error_code = error_code
        self.url = url
        self.message = message
        self.detail = message
        self.path = None
        self.position = None
        self.record_index = None
        self.cause_type = None
        parts = [f"HTTP {status}"] if status is not None else []
        if error_code is not None:
            parts.append(f"error_code {error_code}")
        where = f" ({', '.join(parts)})" if parts else ""
        Exception.__init__(self, f"{message}{where} [{code}]")

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": type(self).__name__,
            "code": self.code,
            "message": self.message,
            "status": self.status,
            "error_code": self.error_code,
            "url": self.url,
        }


class SchemaReference(msgspec.Struct, frozen=True, kw_only=True):
    """A registered schema's reference to another subject's version (``references`` in the API)."""

    name: str
    subject: str
    version: int


class SubjectVersion(msgspec.Struct, frozen=True, kw_only=True):
    """One registered version of a subject, as ``GET /subjects/{s}/versions/{v}`` returns it."""

    subject: str
    version: int
    schema: str = msgspec.field(default="")
    schema_type: str = "AVRO"  # the API omits schemaType for Avro
    schema_id: int | None = None
    references: tuple[SchemaReference, ...] = ()

    @property
    def label(self) -> str:
        """How findings name this version: ``v3``."""
        return f"v{self.version}"


class RegistryVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """The registry's own answer: ``is_compatible`` and, with ``verbose``, its ``messages``."""

    is_compatible: bool
    messages: tuple[str, ...] = ()
    against: str = "latest"


# --------------------------------------------------------------------------------------------- HTTP client


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A registry does not redirect; following one would send the credentials to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _split_url(url: str) -> tuple[str, tuple[str, str] | None]:
    """The base URL without credentials, and the ``user:password`` it carried (if any)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError("INVALID_URL", f"registry URL must be http:// or https:// with a host: {_redact(url)!r}")
    userinfo = None
    if parts.username is not None:
        userinfo = (urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port is not None:
        netloc += f":{parts.port}"
    base = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    return base, userinfo


def _redact(url: str) -> str:
    """The URL with any ``user:password@`` removed, for messages."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def auth_header(
    env: Mapping[str, str] | None = None,
    *,
    basic: tuple[str, str] | None = None,
    token: str | None = None,
    url_userinfo: tuple[str, str] | None = None,
) -> str | None:
    """The ``Authorization`` header to send, from arguments first, then the environment, then the URL.

    Order: ``token`` or ``basic`` given in code; :data:`ENV_TOKEN`; :data:`ENV_USER` with
    :data:`ENV_PASSWORD`; :data:`ENV_USER_INFO` (``user:password``); credentials in the URL. Setting both
    mfgcanon variables for a token and for a user is ambiguous and refused, as is a user without a password.
    """
    if token is not None and basic is not None:
        raise RegistryError("AUTH_CONFIG", "give a bearer token or a user and password, not both")
    if token is not None:
        return f"Bearer {token}"
    if basic is not None:
        return _basic(*basic)
    env = os.environ if env is None else env
    env_token, user, password = env.get(ENV_TOKEN), env.get(ENV_USER), env.get(ENV_PASSWORD)
    if env_token and (user or password):
        raise RegistryError("AUTH_CONFIG", f"both {ENV_TOKEN} and {ENV_USER}/{ENV_PASSWORD} are set: keep one")
    if env_token:
        return f"Bearer {env_token.strip()}"
    if user or password:
        if not user or password is None:
            raise RegistryError("AUTH_CONFIG", f"{ENV_USER} and {ENV_PASSWORD} must be set together")
        return _basic(user, password)
    info = env.get(ENV_USER_INFO)
    if info:
        name, sep, secret = info.partition(":")
        if not sep:
            raise RegistryError("AUTH_CONFIG", f"{ENV_USER_INFO} must be 'user:password'")
        return _basic(name, secret)
    if url_userinfo is not None:
        return _basic(*url_userinfo)
    return None


def _clean(text: str) -> str:
    """A registry's message made safe to print: no terminal control sequences, bounded length."""
    text = _CONTROL.sub("?", text)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "..."


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _level(value: Any, url: str) -> Level:
    try:
        return Level(str(value).upper())
    except ValueError:
        raise RegistryError("BAD_RESPONSE", f"the registry answered an unknown compatibility level {value!r}",
                            url=url) from None


class RegistryClient:
    """A small client for the part of the Confluent Schema Registry REST API a compatibility check needs.

    ``timeout`` is per request (seconds); 5xx answers, 429, timeouts and connection failures are retried
    up to ``retries`` times with exponential backoff from ``backoff`` seconds (at most 5 s a wait,
    ``Retry-After`` honoured within that bound). Authentication: see :func:`auth_header`; ``headers`` adds
    any others a hosted registry needs (e.g. Confluent Cloud's ``target-sr-cluster``). Redirects are
    refused rather than followed, so credentials go to the given address only.
    """

    def __init__(
        self,
        url: str,
        *,
        basic: tuple[str, str] | None = None,
        token: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.25,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if retries < 0:
            raise ValueError("retries must be 0 or more")
        self.url, userinfo = _split_url(url)
        self._auth = auth_header(env, basic=basic, token=token, url_userinfo=userinfo)
        self.timeout = timeout
        self.retries = retries
        self.backoff = max(0.0, backoff)
        self._headers = dict(headers or {})
        self._sleep = sleep
        self._opener = urllib.request.build_opener(_NoRedirect())

    def __repr__(self) -> str:
        return f"RegistryClient({self.url!r})"

    # -- the endpoints -------------------------------------------------------------------------------------

    def get_versions(self, subject: str) -> list[int]:
        """``GET /subjects/{subject}/versions``: the subject's live version numbers, oldest first."""
        body = self._call("GET", f"/subjects/{_quote(subject)}/versions")
        if not isinstance(body, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in body):
            raise self._bad(f"expected a list of version numbers for subject {subject!r}")
        return sorted(body)

    def get_version(self, subject: str, version: int | Literal["latest"] = "latest") -> SubjectVersion:
        """``GET /subjects/{subject}/versions/{version}``: one registered schema with its type and references."""
        body = self._call("GET", f"/subjects/{_quote(subject)}/versions/{_quote(str(version))}")
        if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
            raise self._bad(f"expected a schema object for {subject!r} version {version}")
        try:
            refs = tuple(
                SchemaReference(name=str(r["name"]), subject=str(r["subject"]), version=int(r["version"]))
                for r in body.get("references") or ()
            )
            number = int(body.get("version", version))
        except (KeyError, TypeError, ValueError):
            raise self._bad(f"malformed version or references for {subject!r} version {version}") from None
        schema_id = body.get("id")
        return SubjectVersion(
            subject=str(body.get("subject", subject)),
            version=number,
            schema=body["schema"],
            schema_type=str(body.get("schemaType") or "AVRO").upper(),
            schema_id=schema_id if isinstance(schema_id, int) else None,
            references=refs,
        )

    def get_subject_versions(self, subject: str) -> list[SubjectVersion]:
        """Every live version of ``subject``, oldest first (soft-deleted versions are not checked against)."""
        return [self.get_version(subject, v) for v in self.get_versions(subject)]

    def get_config(self, subject: str | None = None, *, default_to_global: bool = False) -> Level:
        """``GET /config/{subject}`` (``?defaultToGlobal=true`` when asked) or ``GET /config``: a level."""
        path = "/config" if subject is None else f"/config/{_quote(subject)}"
        query = {"defaultToGlobal": "true"} if subject is not None and default_to_global else None
        body = self._call("GET", path, query=query)
        value = body.get("compatibilityLevel", body.get("compatibility")) if isinstance(body, dict) else None
        if value is None:
            raise self._bad("expected 'compatibilityLevel' in the config answer")
        return _level(value, self.url)

    def get_level(self, subject: str) -> tuple[Level, str]:
        """The subject's level and where it comes from: ``subject`` (its own setting) or ``global``.

        Asks ``/config/{subject}`` first, so that the answer can say which one applies; a registry
        without a subject setting answers 404 (40408, or 40401 on older ones), and the global level holds.
        """
        try:
            return self.get_config(subject), "subject"
        except RegistryError as exc:
            if exc.status != 404:
                raise
        return self.get_config(None), "global"

    def test_compatibility(
        self,
        subject: str,
        schema: str,
        *,
        schema_type: str = "AVRO",
        references: Sequence[SchemaReference] = (),
        version: int | Literal["latest"] | None = "latest",
        verbose: bool = True,
    ) -> RegistryVerdict:
        """``POST /compatibility/subjects/{subject}/versions/{version}``: the registry's own verdict.

        ``version=None`` asks ``/compatibility/subjects/{subject}/versions`` instead (every version, as a
        registration would be checked; newer registries only). A 409 answer (some registries use it for
        "incompatible") is a verdict, not an error.
        """
        body: dict[str, Any] = {"schema": schema}
        if schema_type.upper() != "AVRO":
            body["schemaType"] = schema_type.upper()
        if references:
            body["references"] = [msgspec.to_builtins(r) for r in references]
        path = f"/compatibility/subjects/{_quote(subject)}/versions"
        if version is not None:
            path += f"/{_quote(str(version))}"
        against = "all" if version is None else str(version)
        try:
            answer = self._call("POST", path, query={"verbose": "true" if verbose else "false"}, body=body)
        except RegistryError as exc:
            if exc.code == "INCOMPATIBLE":
                return RegistryVerdict(is_compatible=False, messages=(exc.message,), against=against)
            raise
        if not isinstance(answer, dict) or not isinstance(answer.get("is_compatible"), bool):
            raise self._bad("expected 'is_compatible' in the compatibility answer")
        messages = answer.get("messages")
        if messages is None:
            messages = []
        elif not isinstance(messages, list):
            messages = [messages]
        return RegistryVerdict(
            is_compatible=answer["is_compatible"],
            messages=tuple(_clean(str(m)) for m in messages[:_MAX_MESSAGES]),
            against=against,
        )

    # -- transport -----------------------------------------------------------------------------------------

    def _bad(self, message: str) -> RegistryError:
        return RegistryError("BAD_RESPONSE", f"unexpected registry answer: {message}", url=self.url)

    def _call(
        self, method: str, path: str, *, query: Mapping[str, str] | None = None, body: Any = None
    ) -> Any:
        url = self.url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = None if body is None else msgspec.json.encode(body)
        attempt = 0
        while True:
            delay = self.backoff * (2**attempt)
            try:
                status, raw = self._send(method, url, data)
            except _Retryable as exc:
                if attempt >= self.retries:
                    raise exc.error from None
                self._sleep(min(delay, _MAX_DELAY))
                attempt += 1
                continue
            if status in _RETRY_STATUS and attempt < self.retries:
                self._sleep(min(max(delay, raw.retry_after or 0.0), _MAX_DELAY))
                attempt += 1
                continue
            return self._decode(status, raw, url)

    def _send(self, method: str, url: str, data: bytes | None) -> tuple[int, _Raw]:
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", _ACCEPT)
        if data is not None:
            request.add_header("Content-Type", CONTENT_TYPE)
        for name, value in self._headers.items():
            request.add_header(name, value)
        if self._auth is not None:
            request.add_unredirected_header("Authorization", self._auth)
        where = _redact(url)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, _Raw.read(response, where)
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, _Raw.read(exc, where)
        except TimeoutError:
            raise _Retryable(
                RegistryError("TIMEOUT", f"no answer from {where} within {self.timeout:g} s", url=self.url)
            ) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise _Retryable(
                    RegistryError("TIMEOUT", f"no answer from {where} within {self.timeout:g} s", url=self.url)
                ) from None
            raise _Retryable(
                RegistryError("UNREACHABLE", f"cannot reach the registry at {where}: {reason}", url=self.url)
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retryable(
                RegistryError("UNREACHABLE", f"connection to {where} failed: {type(exc).__name__}: {exc}",
                              url=self.url)
            ) from None

    def _decode(self, status: int, raw: _Raw, url: str) -> Any:
        where = _redact(url)
        try:
            body = msgspec.json.decode(raw.body) if raw.body.strip() else None
        except msgspec.DecodeError:
            body = None
            if 200 <= status < 300:
                raise self._bad(f"{where} did not answer JSON") from None
        if 200 <= status < 300:
            return body
        code_number = body.get("error_code") if isinstance(body, dict) else None
        error_code = code_number if isinstance(code_number, int) and not isinstance(code_number, bool) else None
        text = body.get("message") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text:
            text = raw.body[:200].decode("utf-8", "replace").strip() or http.client.responses.get(status, "error")
        text = _clean(text)
        if 300 <= status < 400:
            raise RegistryError(
                "BAD_RESPONSE", f"{where} redirected (to {raw.location or '?'}); give the registry's own URL",
                status=status, url=self.url,
            )
        if status >= 500:
            code = "REGISTRY_UNAVAILABLE"
            text = f"{text} (after {self.retries + 1} attempt{'s' if self.retries else ''})"
        else:
            code = _ERROR_CODES.get(error_code or 0) or _STATUS_CODES.get(status, "BAD_REQUEST")
        raise RegistryError(code, f"{where}: {text}", status=status, error_code=error_code, url=self.url)


class _Retryable(Exception):
    def __init__(self, error: RegistryError) -> None:
        super().__init__(str(error))
        self.error = error


class _Raw:
    """A bounded response body and the headers the client looks at."""

    __slots__ = ("body", "location", "retry_after")

    def __init__(self, body: bytes, retry_after: float | None, location: str | None) -> None:
        self.body = body
        self.retry_after = retry_after
        self.location = location

    @classmethod
    def read(cls, response: Any, where: str) -> _Raw:
        try:
            body = response.read(_MAX_BODY + 1)
        except TimeoutError:
            raise _Retryable(RegistryError("TIMEOUT", f"{where} stopped answering mid-response")) from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retryable(RegistryError("UNREACHABLE", f"{where}: reading the answer failed: {exc}")) from None
        if len(body) > _MAX_BODY:
            raise RegistryError("BAD_RESPONSE", f"{where}: answer larger than {_MAX_BODY // (1024 * 1024)} MiB")
        headers = response.headers
        retry_after: float | None = None
        value = headers.get("Retry-After") if headers is not None else None
        if value is not None:
            try:
                retry_after = max(0.0, float(value))
            except ValueError:
                retry_after = None
        location = headers.get("Location") if headers is not None else None
        return cls(body, retry_after, location)


# ------------------------------------------------------------------------------- confluent-kafka as a source


class _Source(Protocol):
    """What the check needs of a registry: versions, the level, and (optionally) its own verdict."""

    name: str

    def get_subject_versions(self, subject: str) -> list[SubjectVersion]: ...

    def get_level(self, subject: str) -> tuple[Level, str] | None: ...

    def test_compatibility(
        self, subject: str, schema: str, *, schema_type: str, references: Sequence[SchemaReference]
    ) -> RegistryVerdict | None: ...


class _HttpSource:
    def __init__(self, client: RegistryClient) -> None:
        self.client = client
        self.name = client.url

    def get_subject_versions(self, subject: str) -> list[SubjectVersion]:
        return self.client.get_subject_versions(subject)

    def get_level(self, subject: str) -> tuple[Level, str] | None:
        return self.client.get_level(subject)

    def test_compatibility(
        self, subject: str, schema: str, *, schema_type: str, references: Sequence[SchemaReference]
    ) -> RegistryVerdict | None:
        return self.client.test_compatibility(subject, schema, schema_type=schema_type, references=references)


class _ConfluentSource:
    """A ``confluent_kafka.schema_registry.SchemaRegistryClient``; its errors become :class:`RegistryError`.

    The in-memory ``mock://`` client keeps no configuration and checks no compatibility (asking it would
    try the network), so with it the level comes from the caller and there is no registry verdict.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.mock = any(cls.__name__ == "MockSchemaRegistryClient" for cls in type(client).__mro__)
        self.name = "mock://" if self.mock else f"confluent-kafka {type(client).__name__}"

    def _wrap(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as exc:  # the confluent client's own error type, or its HTTP library's
            status = getattr(exc, "http_status_code", None)
            error_code = getattr(exc, "error_code", None)
            message = _clean(str(getattr(exc, "error_message", None) or exc))
            if isinstance(status, int):
                code = _ERROR_CODES.get(error_code if isinstance(error_code, int) else 0) or (
                    "REGISTRY_UNAVAILABLE" if status >= 500 else _STATUS_CODES.get(status, "BAD_REQUEST")
                )
                if status == 404 and error_code == 40400:  # the mock's answer for any missing schema
                    code = "VERSION_NOT_FOUND"
                raise RegistryError(code, message, status=status,
                                    error_code=error_code if isinstance(error_code, int) else None) from None
            raise RegistryError("UNREACHABLE", f"{type(exc).__name__}: {message}") from None

    def get_subject_versions(self, subject: str) -> list[SubjectVersion]:
        numbers = self._wrap(lambda: self.client.get_versions(subject))
        out = []
        for number in sorted(numbers):
            registered = self._wrap(functools.partial(self.client.get_version, subject, number))
            schema = registered.schema
            refs = tuple(
                SchemaReference(name=str(r.name), subject=str(r.subject), version=int(r.version))
                for r in (schema.references or ())
            )
            out.append(
                SubjectVersion(
                    subject=subject,
                    version=int(registered.version),
                    schema=str(schema.schema_str),
                    schema_type=str(schema.schema_type or "AVRO").upper(),
                    schema_id=registered.schema_id if isinstance(registered.schema_id, int) else None,
                    references=refs,
                )
            )
        return out

    def get_level(self, subject: str) -> tuple[Level, str] | None:
        if self.mock:
            return None
        try:
            return _level(self._wrap(lambda: self.client.get_compatibility(subject)), self.name), "subject"
        except RegistryError as exc:
            if exc.status != 404:
                raise
        return _level(self._wrap(lambda: self.client.get_compatibility()), self.name), "global"

    def test_compatibility(
        self, subject: str, schema: str, *, schema_type: str, references: Sequence[SchemaReference]
    ) -> RegistryVerdict | None:
        if self.mock:
            return None
        from confluent_kafka.schema_registry import Schema
        from confluent_kafka.schema_registry import SchemaReference as ConfluentReference

        candidate = Schema(
            schema, schema_type.upper(), [ConfluentReference(r.name, r.subject, r.version) for r in references]
        )
        ok = self._wrap(lambda: self.client.test_compatibility(subject, candidate, verbose=True))
        return RegistryVerdict(is_compatible=bool(ok))  # this client returns the verdict without messages


def _source(registry: Any, env: Mapping[str, str] | None) -> _Source:
    if isinstance(registry, str):
        return _HttpSource(RegistryClient(registry, env=env))
    if isinstance(registry, RegistryClient):
        return _HttpSource(registry)
    if callable(getattr(registry, "get_versions", None)) and callable(getattr(registry, "get_version", None)):
        return _ConfluentSource(registry)
    raise TypeError(
        f"registry must be a URL, a RegistryClient or a confluent_kafka SchemaRegistryClient, "
        f"not {type(registry).__name__}"
    )


# ----------------------------------------------------------------------------------------------- the check


class RegistryCheck(msgspec.Struct, frozen=True, kw_only=True):
    """Outcome of :func:`check_registry`: the registry's verdict and the local, explainable one.

    ``local`` is the :class:`~mfgcanon.compat.Report` of the local file against the subject's versions
    (labelled ``v1``, ``v2``, ...) at ``level``; ``local_note`` says why it is missing when it is (a
    PROTOBUF subject, a version that only parses with its references). ``registry_verdict`` is the
    registry's answer for the latest version; ``registry_note`` says why it is missing (the mock client).
    ``is_compatible`` is false when either says incompatible. The registry's ``versions/latest`` verdict
    covers the latest version only, so it is compared with the local verdict against that version;
    ``disagreement`` describes any difference there. A local failure against an older version under a
    transitive level is not a disagreement: the registry would refuse that registration too.
    """

    subject: str
    registry: str
    level: Level
    level_source: str  # "option", "subject", "global" or "default"
    schema_type: str
    versions: tuple[SubjectVersion, ...]
    is_compatible: bool
    local: Report | None = None
    local_note: str | None = None
    registry_verdict: RegistryVerdict | None = None
    registry_note: str | None = None
    disagreement: str | None = None

    def __bool__(self) -> bool:
        return self.is_compatible

    @property
    def latest(self) -> SubjectVersion | None:
        return self.versions[-1] if self.versions else None

    def summary(self) -> str:
        """One line: subject, level and where it came from, the verdict, and what each side said."""
        verdict = "compatible" if self.is_compatible else "INCOMPATIBLE"
        sides = []
        if self.local is not None:
            sides.append(f"local {self.local.summary()}")
        if self.registry_verdict is not None:
            said = "compatible" if self.registry_verdict.is_compatible else "INCOMPATIBLE"
            sides.append(f"registry {said} against {self.registry_verdict.against}")
        count = len(self.versions)
        plural = "s" if count != 1 else ""
        head = f"subject {self.subject} ({self.level} from {self.level_source}, {count} version{plural})"
        text = f"{head}: {verdict}" + (f" [{'; '.join(sides)}]" if sides else "")
        if self.disagreement:
            text += f"; DISAGREEMENT: {self.disagreement}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """A versioned JSON document (``kind: compat_registry_check``); schema texts are left out."""
        return {
            "version": 1,
            "kind": "compat_registry_check",
            "subject": self.subject,
            "registry": self.registry,
            "level": str(self.level),
            "level_source": self.level_source,
            "schema_type": self.schema_type,
            "is_compatible": self.is_compatible,
            "versions": [
                {
                    "version": v.version,
                    "label": v.label,
                    "schema_id": v.schema_id,
                    "schema_type": v.schema_type,
                    "references": [msgspec.to_builtins(r) for r in v.references],
                }
                for v in self.versions
            ],
            "local": None if self.local is None else self.local.to_dict(),
            "local_note": self.local_note,
            "registry_verdict": None if self.registry_verdict is None else msgspec.to_builtins(self.registry_verdict),
            "registry_note": self.registry_note,
            "disagreement": self.disagreement,
        }

    def to_json(self, *, indent: int = 0) -> str:
        raw = msgspec.json.encode(self.to_dict())
        return (msgspec.json.format(raw, indent=indent) if indent else raw).decode()


def _schema_text(schema: SchemaInput) -> tuple[Any, str | None, str]:
    """The decoded document, its file, and the text to send to the registry (the file as written)."""
    doc, source = read(schema)  # the checker's own errors for a file that is missing or not JSON
    if source is not None:
        try:
            with open(source, encoding="utf-8") as handle:
                return doc, source, handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemaInputError("UNREADABLE", f"cannot read schema file: {exc}", source=source) from None
    if isinstance(schema, str):
        return doc, None, schema.strip()
    if isinstance(schema, (bytes, bytearray)):
        return doc, None, bytes(schema).decode("utf-8", "replace")
    return doc, None, msgspec.json.encode(doc).decode()


def check_registry(
    schema: SchemaInput,
    subject: str,
    registry: Any,
    *,
    level: str | Level | None = None,
    schema_type: str | SchemaType | None = None,
    policy: str | Policy = Policy.STRICT,
    ask_registry: bool = True,
    missing_ok: bool = False,
    references: Sequence[SchemaReference] = (),
    env: Mapping[str, str] | None = None,
) -> RegistryCheck:
    """Check ``schema`` (a file, JSON text or parsed document) against the versions of ``subject``.

    ``registry`` is a URL (a :class:`RegistryClient` is made, with auth from the environment), a
    :class:`RegistryClient`, or a ``confluent_kafka.schema_registry.SchemaRegistryClient`` (the
    ``mock://`` one included). ``level`` overrides the subject's configured level (transitive levels
    compare with every version, newest first). ``ask_registry=False`` skips the registry's own verdict;
    ``missing_ok=True`` accepts a subject with no versions yet (a first registration passes any level).
    ``references`` go with the schema when the registry is asked.

    Raises :class:`mfgcanon.compat.SchemaInputError` for a local schema that cannot be used,
    :class:`RegistryError` when the registry refuses, fails or cannot be reached (a subject that does not
    exist is ``SUBJECT_NOT_FOUND``), and ``ValueError`` for an unknown level, policy or schema type.
    """
    forced = None if schema_type is None else SchemaType(str(schema_type).upper())
    lvl_given = None if level is None else _coerce_level(level)
    doc, file, text = _schema_text(schema)
    detected = detect(doc, file)
    check_history([], schema, Level.NONE, schema_type=forced or detected)  # a bad local schema: before any request
    source = _source(registry, env)
    try:
        versions = tuple(source.get_subject_versions(subject))
    except RegistryError as exc:
        if not (missing_ok and exc.code == "SUBJECT_NOT_FOUND"):
            raise
        versions = ()
    if not versions and not missing_ok:
        raise RegistryError("SUBJECT_NOT_FOUND", f"subject {subject!r} has no versions in {source.name}",
                            status=404, error_code=40401)
    if lvl_given is not None:
        lvl, level_source = lvl_given, "option"
    else:
        found = source.get_level(subject)
        lvl, level_source = found if found is not None else (Level.BACKWARD, "default")

    registered = {v.schema_type for v in versions}
    held = SchemaType(registered.pop()) if len(registered) == 1 and versions[-1].schema_type in _TYPES else None
    # the registry says which language the subject holds; a local file that plainly is the other one is
    # compared as it is, so that the change of language is a finding (SCHEMA_TYPE_CHANGED), not a parse error
    kind = forced or (held if detected in (None, held) else None)
    local, local_note = _local_check(schema, versions, lvl, kind, policy)
    type_name = str(forced or (local.schema_type if local is not None else None) or held or detected or "AVRO")

    verdict, registry_note = None, None
    if not versions:
        registry_note = f"subject {subject!r} has no versions yet: a first registration passes any level"
    elif not ask_registry:
        registry_note = "not asked"
    else:
        verdict = source.test_compatibility(subject, text, schema_type=type_name, references=references)
        if verdict is None:
            registry_note = "the in-memory mock registry gives no verdicts; local check only"
    if local is None and verdict is None:
        raise RegistryError("NO_VERDICT", f"no verdict for subject {subject!r}: {local_note}")
    compatible = (local is None or local.is_compatible) and (verdict is None or verdict.is_compatible)
    return RegistryCheck(
        subject=subject,
        registry=source.name,
        level=lvl,
        level_source=level_source,
        schema_type=type_name,
        versions=versions,
        is_compatible=compatible,
        local=local,
        local_note=local_note,
        registry_verdict=verdict,
        registry_note=registry_note,
        disagreement=_disagreement(local, verdict, versions),
    )


_TYPES: Final = frozenset(SchemaType.__members__)


def _local_check(
    schema: SchemaInput,
    versions: Sequence[SubjectVersion],
    level: Level,
    kind: SchemaType | None,
    policy: str | Policy,
) -> tuple[Report | None, str | None]:
    """Our checker against the registered versions, or the reason it cannot run on them.

    Registered texts go in as bytes: never read as a file name, whatever a registry answers.
    """
    check_history([], schema, Level.NONE, schema_type=kind)  # the local schema's own errors are input errors
    other = sorted({v.schema_type for v in versions} - _TYPES)
    if other:
        return None, f"the subject holds {', '.join(other)} schemas; the local checker reads Avro and JSON Schema"
    texts = [v.schema.encode() for v in versions]
    for v, raw in zip(versions, texts, strict=True):
        try:
            check_history([], raw, Level.NONE, schema_type=kind or v.schema_type)
        except SchemaInputError as exc:
            refs = f" (it has references: {', '.join(r.name for r in v.references)})" if v.references else ""
            return None, f"registered {v.label} cannot be read locally{refs}: {exc}"
    report = check_history(texts, schema, level, schema_type=kind, policy=policy, labels=[v.label for v in versions])
    return report, None


def _disagreement(
    local: Report | None, verdict: RegistryVerdict | None, versions: Sequence[SubjectVersion]
) -> str | None:
    if local is None or verdict is None or verdict.against != "latest":
        return None
    # transitive levels compare newest first, so the latest version failed exactly when it is the failed one
    local_latest = not versions or local.level is Level.NONE or local.failed_version != len(versions) - 1
    if local_latest == verdict.is_compatible:
        return None
    latest = versions[-1].label if versions else "latest"
    if verdict.is_compatible:
        rules = ", ".join(sorted({f.rule for f in local.breaking if f.version == latest})) or "breaking findings"
        return f"the registry accepts the schema against {latest}; the local check finds {rules} against it"
    said = f": {verdict.messages[0]}" if verdict.messages else ""
    return f"the registry refuses the schema against {latest}{said}; the local check finds it compatible there"
