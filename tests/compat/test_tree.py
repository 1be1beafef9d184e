"""Whole-tree checks: folders, release roots and git refs, subjects, configuration (issue #13)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import msgspec
import pytest

from mfgcanon.compat import CompatConfig, SchemaInputError, check_tree, load_config, parse_git_ref
from mfgcanon.compat._tree import version_key


def record(*fields: dict[str, Any], name: str = "Material", namespace: str = "mfg.v1") -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": namespace, "fields": list(fields)}


A = {"name": "a", "type": "int"}
B_DEFAULT = {"name": "b", "type": ["null", "string"], "default": None}
B_REQUIRED = {"name": "b", "type": "string"}
JSON_OLD = {"type": "object", "additionalProperties": False, "properties": {"x": {"type": "string"}}}
JSON_NEW = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"x": {"type": "string"}, "y": {"type": "integer"}},
}


def write(root: Path, files: dict[str, Any]) -> Path:
    for relative, doc in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2))
    return root


@pytest.fixture
def trees(tmp_path: Path) -> tuple[Path, Path]:
    old = write(
        tmp_path / "old",
        {
            "avro/material.avsc": record(A),
            "avro/gone.avsc": record(A, name="Gone"),
            "json/order.json": JSON_OLD,
        },
    )
    new = write(
        tmp_path / "new",
        {
            "avro/material.avsc": record(A, B_REQUIRED),
            "avro/fresh.avsc": record(A, name="Fresh"),
            "json/order.json": JSON_NEW,
        },
    )
    return old, new


def test_folder_against_folder_pairs_by_path(trees: tuple[Path, Path]) -> None:
    old, new = trees
    report = check_tree(new, old)
    by_subject = {s.subject: s for s in report.subjects}
    assert set(by_subject) == {"avro/material.avsc", "avro/fresh.avsc", "avro/gone.avsc", "json/order.json"}
    assert by_subject["avro/fresh.avsc"].status == "added"
    assert [f.rule for f in by_subject["avro/fresh.avsc"].findings] == ["SUBJECT_ADDED"]
    assert not by_subject["avro/fresh.avsc"].breaking
    removed = by_subject["avro/gone.avsc"]
    assert removed.status == "removed"
    assert [f.rule for f in removed.breaking] == ["SUBJECT_REMOVED"]
    assert removed.findings[0].old_location is not None
    assert removed.findings[0].old_location.file == str(old / "avro/gone.avsc")
    material = by_subject["avro/material.avsc"]
    assert [f.rule for f in material.breaking] == ["READER_FIELD_MISSING_DEFAULT_VALUE"]
    assert material.breaking[0].new_location is not None
    assert material.breaking[0].new_location.file == str(new / "avro/material.avsc")
    assert material.breaking[0].new_location.line is not None
    assert by_subject["json/order.json"].report is not None
    assert by_subject["json/order.json"].report.is_compatible
    assert not report.is_compatible
    assert report.summary().endswith("2 checked, 1 added, 1 removed")


def test_ignores_rule_ids_paths_and_rule_to_paths(trees: tuple[Path, Path]) -> None:
    old, new = trees
    config = CompatConfig(
        ignore=("SUBJECT_REMOVED",), ignore_only=(("READER_FIELD_MISSING_DEFAULT_VALUE", ("avro/mat*",)),)
    )
    report = check_tree(new, old, config=config)
    assert report.is_compatible
    ignored = [f for f in report.findings if f.ignored]
    assert {f.rule for f in ignored} == {"SUBJECT_REMOVED", "READER_FIELD_MISSING_DEFAULT_VALUE"}
    assert all(not f.breaking for f in ignored)
    # ignore_only for another subject does not apply; a finding name glob does
    assert not check_tree(
        new,
        old,
        config=CompatConfig(
            ignore=("avro/gone.avsc",), ignore_only=(("READER_FIELD_MISSING_DEFAULT_VALUE", ("json/*",)),)
        ),
    ).is_compatible
    assert check_tree(new, old, config=CompatConfig(ignore=("avro/gone.avsc", "Material.b"))).is_compatible


def test_levels_per_glob_and_the_project_level(trees: tuple[Path, Path]) -> None:
    old, new = trees
    config = CompatConfig(levels=(("avro/material.avsc", "NONE"), ("avro/*", "FULL")), ignore=("SUBJECT_REMOVED",))
    report = check_tree(new, old, config=config)
    levels = {s.subject: s.level for s in report.subjects if s.status == "checked"}
    assert levels == {"avro/material.avsc": "NONE", "json/order.json": "BACKWARD"}
    assert report.is_compatible
    project = check_tree(new, old, config=config, level="project")  # the command line wins
    levels = {s.subject: s.level for s in project.subjects if s.status == "checked"}
    assert levels == {"avro/material.avsc": "FULL_TRANSITIVE", "json/order.json": "BACKWARD_TRANSITIVE"}


def test_subject_by_name_pairs_moved_avro_files(tmp_path: Path) -> None:
    old = write(tmp_path / "old", {"material.avsc": record(A)})
    new = write(tmp_path / "new", {"v2/material-value.avsc": record(A, B_REQUIRED)})
    by_path = check_tree(new, old)
    assert {s.status for s in by_path.subjects} == {"added", "removed"}
    by_name = check_tree(new, old, config=CompatConfig(subject_by="name"))
    (subject,) = by_name.subjects
    assert subject.subject == "mfg.v1.Material"
    assert [f.rule for f in subject.breaking] == ["READER_FIELD_MISSING_DEFAULT_VALUE"]


def test_release_root_in_semver_order_transitively(tmp_path: Path) -> None:
    released = tmp_path / "released"
    write(released / "1.0.0", {"avro/material.avsc": record(A)})
    write(released / "1.2.0", {"avro/material.avsc": record(A, B_DEFAULT)})
    write(released / "1.10.0", {"avro/material.avsc": record(A, B_DEFAULT)})
    new = write(tmp_path / "schemas", {"avro/material.avsc": record(A, B_REQUIRED)})
    report = check_tree(new, released, level="BACKWARD_TRANSITIVE")
    assert report.versions == ("1.0.0", "1.2.0", "1.10.0")
    (subject,) = report.subjects
    assert subject.report is not None
    assert subject.report.version_labels == ("1.0.0", "1.2.0", "1.10.0")
    # b lost its default: every version fails; the newest is checked first and stops the walk
    assert subject.report.failed_version_label == "1.10.0"
    assert subject.breaking[0].old_location is not None
    assert subject.breaking[0].old_location.file == str(released / "1.10.0" / "avro/material.avsc")
    # a plain level compares with the newest version only
    plain = check_tree(new, released, level="BACKWARD").subjects[0].report
    assert plain is not None
    assert plain.checked_versions == (2,)


def test_release_root_inside_the_tree_is_not_a_subject(tmp_path: Path) -> None:
    schemas = write(tmp_path / "schemas", {"avro/material.avsc": record(A)})
    write(schemas / "released" / "1.0.0", {"avro/material.avsc": record(A)})
    report = check_tree(schemas, schemas / "released")
    assert [s.subject for s in report.subjects] == ["avro/material.avsc"]
    assert report.is_compatible


def test_version_key_orders_semver_and_prereleases() -> None:
    names = ["1.10.0", "v1.2.0", "1.2.0-rc1", "1.0.0", "2.0"]
    assert sorted(names, key=version_key) == ["1.0.0", "1.2.0-rc1", "v1.2.0", "1.10.0", "2.0"]


def test_the_projects_own_tree_passes_its_own_configuration() -> None:
    root = Path(__file__).resolve().parents[2]
    config = load_config(root / "pyproject.toml")
    assert config.exclude == ("released/*",)
    report = check_tree(root / "schemas", root / "schemas" / "released", config=config)
    assert report.is_compatible, [f.message for f in report.breaking]
    assert {s.level for s in report.subjects if s.subject.startswith("avro/")} == {"FULL_TRANSITIVE"}
    assert {s.level for s in report.subjects if s.subject.startswith("json/")} == {"BACKWARD_TRANSITIVE"}


def test_release_gate_reports_a_removed_schema(tmp_path: Path) -> None:
    import shutil

    from codegen.release import ROOT, verify

    from mfgcanon.v1 import __schema_version__

    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    (schemas / "avro" / "v1" / "material.avsc").unlink()
    major, minor, _ = (int(p) for p in __schema_version__.split("."))
    problems = verify(schemas, f"{major}.{minor + 1}.0")
    assert any(p.startswith("avro/v1/material.avsc: /: SUBJECT_REMOVED") for p in problems), problems


# ----------------------------------------------------------------------------------------- configuration


def test_config_from_pyproject_and_from_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.mfgcanon.compat]\nlevel = "full"\nignore = ["TITLE_CHANGED"]\n'
        '[tool.mfgcanon.compat.levels]\n"avro/*" = "project"\n'
        '[tool.mfgcanon.compat.ignore_only]\nTYPE_MISMATCH = ["legacy/*"]\n'
    )
    config = load_config(directory=tmp_path)
    assert config.level == "FULL"
    assert config.levels == (("avro/*", "PROJECT"),)
    assert config.ignore_only == (("TYPE_MISMATCH", ("legacy/*",)),)
    assert config.source == str(tmp_path / "pyproject.toml")
    (tmp_path / "mfgcanon-compat.toml").write_text('level = "backward_transitive"\nexclude = "released/*"\n')
    config = load_config(directory=tmp_path)  # the dedicated file comes first
    assert (config.level, config.exclude) == ("BACKWARD_TRANSITIVE", ("released/*",))
    assert load_config(directory=tmp_path / "nowhere") == CompatConfig()
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "pyproject.toml").write_text("[tool]\nmfgcanon = 1\n")  # not our table: defaults, no crash
    assert load_config(directory=odd) == CompatConfig()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('level = "sideways"', "not a level"),
        ("ignore = [1]", "list of strings"),
        ('colour = "red"', "unknown key"),
        ("[ignore_only]\nnot_a_rule = []", "not a rule id"),
        ('subject_by = "hash"', "subject_by"),
        ("level = ", "not valid TOML"),
    ],
)
def test_invalid_config_is_a_typed_error(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "mfgcanon-compat.toml"
    path.write_text(text)
    with pytest.raises(SchemaInputError) as info:
        load_config(path)
    assert info.value.code == "INVALID_CONFIG"
    assert words in str(info.value)
    assert info.value.source == str(path)


# ------------------------------------------------------------------------------------------------- git


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root / "schemas", {"avro/material.avsc": record(A), "json/order.json": JSON_OLD})
    write(root / "schemas" / "released" / "1.0.0", {"avro/material.avsc": record(A)})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    git(root, "tag", "v1")
    write(root / "schemas", {"avro/material.avsc": record(A, B_REQUIRED), "json/order.json": JSON_NEW})
    monkeypatch.chdir(root)
    return root


def test_git_branch_tag_and_commit_without_checkout(repo: Path) -> None:
    commit = git(repo, "rev-parse", "HEAD")
    for ref in (".git#branch=main", ".git#tag=v1", f".git#ref={commit}", f".git#ref={commit[:10]},subdir=schemas"):
        report = check_tree("schemas", ref, config=CompatConfig(exclude=("released/*",)))
        assert not report.is_compatible, ref
        material = next(s for s in report.subjects if s.subject == "avro/material.avsc")
        assert material.old_files == (f"{ref.split('=')[1].split(',')[0]}:schemas/avro/material.avsc",)
        finding = material.breaking[0]
        assert finding.old_location is not None
        assert finding.old_location.line is not None  # positions from the git object's text
    status = git(repo, "status", "--porcelain").splitlines()  # the work tree is as it was: nothing checked out
    assert sorted(line.split() for line in status) == [
        ["M", "schemas/avro/material.avsc"],
        ["M", "schemas/json/order.json"],
    ]
    assert (repo / "schemas/avro/material.avsc").read_text() == json.dumps(record(A, B_REQUIRED), indent=2)


def test_git_release_root_and_errors(repo: Path) -> None:
    report = check_tree(
        "schemas", ".git#branch=main,subdir=schemas/released", config=CompatConfig(exclude=("released/*",))
    )
    assert report.versions == ("1.0.0",)
    with pytest.raises(SchemaInputError) as info:
        check_tree("schemas", ".git#branch=nope")
    assert info.value.code == "GIT_REF_NOT_FOUND"
    with pytest.raises(SchemaInputError) as info:
        check_tree("schemas", ".git#colour=red")
    assert info.value.code == "INVALID_REF"
    with pytest.raises(SchemaInputError) as info:
        check_tree("schemas", ".git#branch=main,tag=v1")
    assert info.value.code == "INVALID_REF"


def test_parse_git_ref() -> None:
    ref = parse_git_ref(".git#branch=main,subdir=proto")
    assert ref is not None
    assert (ref.repo, ref.kind, ref.rev, ref.subdir) == (".git", "branch", "main", "proto")
    assert parse_git_ref("schemas/released") is None
    assert msgspec.json.decode(msgspec.json.encode(ref))["kind"] == "branch"


def test_tree_document_matches_published_schema(trees: tuple[Path, Path]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    reference = Path(__file__).resolve().parents[2] / "docs" / "reference"
    report_schema = json.loads((reference / "compat-report.schema.json").read_text())
    tree_schema = json.loads((reference / "compat-tree-report.schema.json").read_text())
    registry = referencing.Registry().with_resources(
        [(s["$id"], referencing.Resource.from_contents(s)) for s in (report_schema, tree_schema)]
    )
    jsonschema.Draft202012Validator.check_schema(tree_schema)
    validator = jsonschema.Draft202012Validator(tree_schema, registry=registry)
    old, new = trees
    document = check_tree(new, old).to_dict()
    validator.validate(document)
    assert {s["status"] for s in document["subjects"]} == {"checked", "added", "removed"}
