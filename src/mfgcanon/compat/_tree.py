"""Whole-tree checks: every schema of a folder against a git ref, a folder, or a release root.

Schemas are paired by *subject*: by default the file's path relative to the folder checked
(``avro/v1/material.avsc``), so a tree and its snapshot pair up whatever the folders are called; with
``subject_by = "name"`` an Avro schema is paired by its full name (``mfgcanon.v1.Material``) instead,
for trees whose files moved. A subject only on the new side is reported (``SUBJECT_ADDED``, not
breaking); one in the newest version compared but no longer in the tree is ``SUBJECT_REMOVED``
(breaking unless ignored).

A *release root* is a folder whose subfolders are all versions (``1.0.0``, ``v2.1``): each is a tree,
taken in semantic-version order, and a subject is checked against the versions that hold it, as a
registry would (transitive levels: all, newest first; the others: the newest).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Collection, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Final

import msgspec

from mfgcanon.compat._check import _gc_paused, check_history
from mfgcanon.compat._config import CompatConfig
from mfgcanon.compat._errors import SchemaInputError
from mfgcanon.compat._load import SchemaInput, SchemaText
from mfgcanon.compat._report import Direction, Finding, Location, Report

__all__ = [
    "GitRef",
    "SubjectResult",
    "Tree",
    "TreeReport",
    "check_tree",
    "open_against",
    "parse_git_ref",
    "version_key",
]

SCHEMA_SUFFIXES: Final = (".avsc", ".json")
_VERSION_RE: Final = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+.]?(.*))?", re.IGNORECASE)
_RELEASE_DIR_RE: Final = re.compile(r"v?\d+(\.\d+)+([-+].*)?", re.IGNORECASE)
_GIT_KEYS: Final = frozenset({"branch", "tag", "ref", "subdir"})
TREE_REPORT_FORMAT_VERSION: Final = 1


def version_key(name: str) -> tuple[Any, ...]:
    """Semantic-version order (``1.2.9`` < ``1.2.10`` < ``1.10.0``; ``1.0.0-rc1`` < ``1.0.0``)."""
    match = _VERSION_RE.fullmatch(name)
    if not match:
        return (1, name)
    major, minor, patch, rest = match.groups()
    pre = (1, "") if not rest else (0, rest)
    return (0, int(major), int(minor or 0), int(patch or 0), pre)


class Tree:
    """Schemas by subject, with the label of where they came from (``schemas``, ``main``, ``1.1.0``)."""

    __slots__ = ("files", "label")

    def __init__(self, label: str, files: dict[str, SchemaInput]) -> None:
        self.label = label
        self.files = files


class SubjectResult(msgspec.Struct, frozen=True, kw_only=True):
    """One subject: ``checked`` (with its report), ``added`` or ``removed``."""

    subject: str
    status: str
    file: str | None
    old_files: tuple[str, ...] = ()
    level: str | None = None
    report: Report | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def breaking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.breaking)


class TreeReport(msgspec.Struct, frozen=True, kw_only=True):
    """Outcome of :func:`check_tree`: a result per subject, in subject order."""

    new: str
    against: str
    versions: tuple[str, ...]
    is_compatible: bool
    subjects: tuple[SubjectResult, ...] = ()

    def __bool__(self) -> bool:
        return self.is_compatible

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for s in self.subjects for f in s.findings)

    @property
    def breaking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.breaking)

    def to_dict(self) -> dict[str, Any]:
        """The versioned document (``kind: compat_tree_report``); each report as in ``compat_report``."""
        body: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(self))
        for subject, result in zip(body["subjects"], self.subjects, strict=True):
            if result.report is not None:
                subject["report"] = result.report.to_dict()
        return {"version": TREE_REPORT_FORMAT_VERSION, "kind": "compat_tree_report", **body}

    def to_json(self, *, indent: int = 0) -> str:
        raw = msgspec.json.encode(self.to_dict())
        return (msgspec.json.format(raw, indent=indent) if indent else raw).decode()

    def summary(self) -> str:
        """One line: verdict and counts."""
        counts = {s: sum(1 for r in self.subjects if r.status == s) for s in ("checked", "added", "removed")}
        failing = sum(1 for r in self.subjects if r.breaking)
        n = len(self.breaking)
        verdict = (
            "compatible"
            if self.is_compatible
            else f"INCOMPATIBLE: {n} breaking finding{'s' if n != 1 else ''} in {failing} "
            f"subject{'s' if failing != 1 else ''}"
        )
        versions = f" ({', '.join(self.versions)})" if len(self.versions) > 1 else ""
        return (
            f"{self.new} against {self.against}{versions}: {verdict}; {counts['checked']} checked, "
            f"{counts['added']} added, {counts['removed']} removed"
        )


# --------------------------------------------------------------------------------------------- folders


def _is_release_names(names: Collection[str]) -> bool:
    return bool(names) and all(_RELEASE_DIR_RE.fullmatch(n) for n in names)


def folder_tree(root: Path, label: str | None = None, *, skip: Path | None = None) -> Tree:
    """Every ``.avsc``/``.json`` file under ``root`` by relative path (hidden folders skipped)."""
    files: dict[str, SchemaInput] = {}
    skip_resolved = skip.resolve() if skip is not None else None
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and (skip_resolved is None or (here / d).resolve() != skip_resolved)
        )
        for name in names:
            if name.lower().endswith(SCHEMA_SUFFIXES):
                path = here / name
                files[path.relative_to(root).as_posix()] = path
    return Tree(label or str(root), files)


def folder_releases(root: Path) -> list[Tree] | None:
    """The version subfolders of a release root, oldest first, or ``None`` if ``root`` is not one."""
    subdirs = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    loose = [p for p in root.iterdir() if p.is_file() and p.name.lower().endswith(SCHEMA_SUFFIXES)]
    if loose or not _is_release_names([p.name for p in subdirs]):
        return None
    return [folder_tree(p, p.name) for p in sorted(subdirs, key=lambda p: version_key(p.name))]


# ------------------------------------------------------------------------------------------------- git


class GitRef(msgspec.Struct, frozen=True, kw_only=True):
    """``.git#branch=main``, ``.git#tag=v1``, ``.git#ref=<commit>``, each with an optional ``subdir=``
    (buf's input syntax); ``repo`` is the ``.git`` folder or file, or a work tree."""

    repo: str
    kind: str
    rev: str
    subdir: str | None = None

    @property
    def label(self) -> str:
        return self.rev


def parse_git_ref(text: str) -> GitRef | None:
    """A :class:`GitRef` when ``text`` uses the git input syntax, else ``None`` (a folder)."""
    if "#" not in text:
        return None
    repo, _, options = text.partition("#")
    path = Path(repo or ".")
    if not (path.name == ".git" or repo.endswith(".git") or (path / ".git").exists()):
        return None
    values: dict[str, str] = {}
    for part in options.split(","):
        key, eq, value = part.partition("=")
        key = key.strip()
        if not eq or key not in _GIT_KEYS or not value.strip():
            raise SchemaInputError(
                "INVALID_REF",
                f"git input option {part!r} is not one of branch=, tag=, ref=, subdir=",
                source=text,
            )
        values[key] = value.strip()
    kinds = [k for k in ("branch", "tag", "ref") if k in values]
    if len(kinds) != 1:
        raise SchemaInputError("INVALID_REF", "give exactly one of branch=, tag= or ref=", source=text)
    return GitRef(repo=repo or ".", kind=kinds[0], rev=values[kinds[0]], subdir=values.get("subdir"))


def _git(workdir: Path, args: Sequence[str], source: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(workdir), *args], input=stdin, capture_output=True, check=False, timeout=300
        )
    except FileNotFoundError:
        raise SchemaInputError("GIT_UNAVAILABLE", "git is not installed or not on PATH", source=source) from None
    except subprocess.TimeoutExpired:
        raise SchemaInputError("GIT_FAILED", f"git {args[0]} timed out", source=source) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SchemaInputError(
            "GIT_FAILED", f"git {args[0]} failed: {message[-1] if message else done.returncode}", source=source
        )
    return done.stdout


def _git_commit(workdir: Path, ref: GitRef, source: str) -> str:
    candidates = {
        "branch": [ref.rev, f"origin/{ref.rev}", f"refs/remotes/origin/{ref.rev}"],
        "tag": [f"refs/tags/{ref.rev}"],
        "ref": [ref.rev],
    }[ref.kind]
    for candidate in candidates:
        try:
            return (
                _git(workdir, ["rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"], source).decode().strip()
            )
        except SchemaInputError as exc:
            if exc.code == "GIT_UNAVAILABLE":
                raise
    raise SchemaInputError("GIT_REF_NOT_FOUND", f"no {ref.kind} {ref.rev!r} in {ref.repo}", source=source)


def git_files(ref: GitRef, new_dir: Path, source: str) -> tuple[dict[str, bytes], str]:
    """The schema blobs under the ref's ``subdir`` (by default: where ``new_dir`` is in the work tree),
    read from git objects (``ls-tree`` and ``cat-file --batch``): nothing is checked out."""
    repo_path = Path(ref.repo)
    workdir = repo_path.parent if repo_path.name == ".git" else repo_path
    commit = _git_commit(workdir, ref, source)
    subdir = ref.subdir
    if subdir is None:
        top = Path(_git(workdir, ["rev-parse", "--show-toplevel"], source).decode().strip())
        try:
            subdir = new_dir.resolve().relative_to(top.resolve()).as_posix()
        except ValueError:
            subdir = ""
    subdir = "" if subdir in (".", "") else subdir.strip("/")
    args = ["ls-tree", "-r", "-z", "--full-tree", commit]
    if subdir:
        args += ["--", subdir]
    entries: list[tuple[str, str]] = []
    for entry in _git(workdir, args, source).split(b"\0"):
        if not entry:
            continue
        meta, _, path_b = entry.partition(b"\t")
        _, kind, sha = meta.split()
        path = path_b.decode("utf-8", "surrogateescape")
        if kind == b"blob" and path.lower().endswith(SCHEMA_SUFFIXES):
            relative = path[len(subdir) + 1 :] if subdir else path
            entries.append((relative, sha.decode()))
    blobs: dict[str, bytes] = {}
    if entries:
        out = _git(workdir, ["cat-file", "--batch"], source, stdin="".join(f"{sha}\n" for _, sha in entries).encode())
        offset = 0
        for relative, _ in entries:
            header_end = out.index(b"\n", offset)
            size = int(out[offset:header_end].split()[2])
            blobs[relative] = out[header_end + 1 : header_end + 1 + size]
            offset = header_end + 1 + size + 1
    return blobs, (f"{ref.rev}:{subdir}/" if subdir else f"{ref.rev}:")


def git_trees(ref: GitRef, new_dir: Path, source: str) -> list[Tree]:
    """The ref's folder as one tree, or its versions when that folder is a release root."""
    blobs, prefix = git_files(ref, new_dir, source)
    tops = {PurePosixPath(p).parts[0] for p in blobs if "/" in p}
    loose = [p for p in blobs if "/" not in p]
    if not loose and _is_release_names(tops):
        trees = []
        for version in sorted(tops, key=version_key):
            files = {
                p.split("/", 1)[1]: SchemaText(data, f"{prefix}{p}")
                for p, data in blobs.items()
                if p.split("/", 1)[0] == version
            }
            trees.append(Tree(version, dict(files)))
        return trees
    return [Tree(ref.label, {p: SchemaText(data, f"{prefix}{p}") for p, data in blobs.items()})]


def open_against(against: str, new_dir: Path) -> tuple[list[Tree], str]:
    """The trees ``against`` names (oldest first) and a label for it; :class:`SchemaInputError` else."""
    ref = parse_git_ref(against)
    if ref is not None:
        return git_trees(ref, new_dir, against), against
    path = Path(against)
    if not path.is_dir():
        raise SchemaInputError(
            "UNREADABLE",
            "--against must be a folder, a release root or a git ref such as .git#branch=main",
            source=against,
        )
    releases = folder_releases(path)
    if releases is not None:
        return releases, against
    return [folder_tree(path, against)], against


# ---------------------------------------------------------------------------------------------- check


def _avro_name(value: SchemaInput) -> str | None:
    """An Avro schema's full name, read cheaply from the top of its document."""
    try:
        data = value.data if isinstance(value, SchemaText) else Path(value).read_bytes()
        doc = msgspec.json.decode(data)
    except (OSError, msgspec.DecodeError, TypeError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        return None
    name: str = doc["name"]
    namespace = doc.get("namespace")
    return name if "." in name or not isinstance(namespace, str) or not namespace else f"{namespace}.{name}"


def _keyed(tree: Tree, config: CompatConfig) -> dict[str, tuple[str, SchemaInput]]:
    """subject -> (relative path, input), honouring ``subject_by`` and the include/exclude globs."""
    out: dict[str, tuple[str, SchemaInput]] = {}
    for relative, value in sorted(tree.files.items()):
        if not config.selects(relative):
            continue
        subject = relative
        if config.subject_by == "name" and relative.lower().endswith(".avsc"):
            subject = _avro_name(value) or relative
        out.setdefault(subject, (relative, value))
    return out


def _name_of(value: SchemaInput) -> str:
    return value.name if isinstance(value, SchemaText) else str(value)


def check_tree(
    new: str | os.PathLike[str],
    against: str | os.PathLike[str] | Sequence[Tree],
    *,
    config: CompatConfig | None = None,
    level: str | None = None,
    policy: str | None = None,
    versions: Collection[str] | None = None,
) -> TreeReport:
    """Check every schema under the folder ``new`` against ``against``: a git ref (``.git#branch=main``),
    a folder, a release root (``schemas/released``), or trees already opened.

    ``level`` (any registry level, or ``project``) overrides the configuration's levels; ``versions``
    keeps only those release versions. A release root inside ``new`` is not itself checked. Raises
    :class:`SchemaInputError` for unreadable input, an unknown ref, or a schema that is not well formed.
    """
    with _gc_paused():
        return _check_tree(new, against, config or CompatConfig(), level, policy, versions)


def _check_tree(
    new: str | os.PathLike[str],
    against: str | os.PathLike[str] | Sequence[Tree],
    config: CompatConfig,
    level: str | None,
    policy: str | None,
    versions: Collection[str] | None,
) -> TreeReport:
    new_dir = Path(new)
    if not new_dir.is_dir():
        raise SchemaInputError("UNREADABLE", "the schemas to check must be a folder", source=str(new))
    if isinstance(against, (str, os.PathLike)):
        trees, against_label = open_against(os.fspath(against), new_dir)
        skip = Path(against) if parse_git_ref(os.fspath(against)) is None else None
    else:
        trees, against_label, skip = list(against), ", ".join(t.label for t in against), None
    if versions is not None:
        trees = [t for t in trees if t.label in versions]
    current = _keyed(folder_tree(new_dir, str(new), skip=skip), config)
    olds = [(t.label, _keyed(t, config)) for t in trees]
    newest = olds[-1][1] if olds else {}
    results: list[SubjectResult] = []
    for subject in sorted(set(current) | set(newest)):
        if subject not in current:
            _, value = newest[subject]
            results.append(_removed(subject, _name_of(value), olds[-1][0], config))
            continue
        _, value = current[subject]
        history = [(label, found[subject][1]) for label, found in olds if subject in found]
        if not history:
            finding = Finding(
                rule="SUBJECT_ADDED",
                path="/",
                direction=Direction.BACKWARD,
                message=f"{subject}: a new subject, not in {against_label}",
                breaking=False,
                new_location=Location(file=_name_of(value), pointer="/", line=1, column=1),
            )
            results.append(SubjectResult(subject=subject, status="added", file=_name_of(value), findings=(finding,)))
            continue
        subject_level = config.level_for(subject, level)
        report = check_history(
            [v for _, v in history],
            value,
            subject_level,
            policy=policy or config.policy,
            labels=[label for label, _ in history],
            ignore=_ignorer(config, subject),
        )
        results.append(
            SubjectResult(
                subject=subject,
                status="checked",
                file=_name_of(value),
                old_files=tuple(_name_of(v) for _, v in history),
                level=str(report.level),
                report=report,
                findings=report.findings,
            )
        )
    return TreeReport(
        new=str(new),
        against=against_label,
        versions=tuple(label for label, _ in olds),
        is_compatible=not any(r.breaking for r in results),
        subjects=tuple(results),
    )


def _ignorer(config: CompatConfig, subject: str) -> Callable[[Finding], bool]:
    def ignore(finding: Finding) -> bool:
        return config.ignores(subject, finding)

    return ignore


def _removed(subject: str, old_file: str, version: str, config: CompatConfig) -> SubjectResult:
    finding = Finding(
        rule="SUBJECT_REMOVED",
        path="/",
        direction=Direction.BACKWARD,
        message=f"{subject}: the subject was removed (it is in {version}); consumers of it lose their schema",
        version=version,
        old_location=Location(file=old_file, pointer="/", line=1, column=1),
    )
    if config.ignores(subject, finding):
        finding = msgspec.structs.replace(finding, breaking=False, ignored=True)
    return SubjectResult(subject=subject, status="removed", file=None, old_files=(old_file,), findings=(finding,))
