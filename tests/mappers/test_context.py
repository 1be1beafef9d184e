"""Mapping context files: the documented TOML shape, and errors that name the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mfgcanon.errors import MappingError
from mfgcanon.mappers import MappingContext, Resolver, load_context

REPO = Path(__file__).parents[2]


def test_example_context_loads() -> None:
    ctx = load_context(REPO / "examples" / "context.toml")
    assert ctx.source_system == "S4H-100"
    assert ctx.zone_for("1710") == ZoneInfo("America/Los_Angeles")
    assert ctx.units["KAR"] == "CT"


def test_missing_zone_is_an_error_not_a_guess(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('source_system = "S"\n[plants.1710]\ntimezone = "Europe/Berlin"\n')
    ctx = load_context(path)
    with pytest.raises(MappingError) as info:
        ctx.zone_for("9999")
    assert info.value.code == "missing_timezone"
    path.write_text('source_system = "S"\ndefault_timezone = "UTC"\n')
    assert load_context(path).zone_for("9999") == ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[plants.1710]\ntimezone = "Mars/Olympus"\n', "plants.1710.timezone"),
        ('default_timezone = "Nowhere/Else"\n', "default_timezone"),
        ('system_timezone = "Nowhere/Else"\n', "system_timezone"),
        ('[units]\nKAR = "NOPE"\n', "units.KAR"),
        ('[plants.1710]\nzone = "UTC"\n', "plants.1710"),
        ('sourcesystem = "typo"\n', "sourcesystem"),
        ('[companies.usmf.plants.1]\ntimezone = "Mars/Olympus"\n', "companies.usmf.plants.1.timezone"),
        ('[companies.usmf.plants.1]\nzone = "UTC"\n', "companies.usmf.plants.1"),
        ('[companies.usmf]\ntimezone = "Nowhere/Else"\n', "companies.usmf.timezone"),
        ('[companies.usmf]\nplant = "1"\n', "companies.usmf"),
        ('companies = 3\n', "companies"),
    ],
)
def test_bad_context_names_the_key(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(MappingError) as info:
        load_context(path)
    assert info.value.code == "invalid_context"
    assert info.value.path == where
    assert str(path) in info.value.message


def test_plant_zones_scoped_by_company(tmp_path: Path) -> None:
    """D365 sites and Oracle organizations are unique only within their legal entity: the same site code in two
    companies may sit in two zones."""
    path = tmp_path / "c.toml"
    path.write_text('[plants.1]\ntimezone = "Europe/Berlin"\n'
                    '[companies.usmf]\ntimezone = "America/Chicago"\n'
                    '[companies.usmf.plants.1]\ntimezone = "America/New_York"\n'
                    '[companies.demf.plants.1]\ntimezone = "Europe/Berlin"\n')
    ctx = load_context(path)
    assert ctx.zone_for("1", "usmf") == ZoneInfo("America/New_York")
    assert ctx.zone_for("1", "demf") == ZoneInfo("Europe/Berlin")
    assert ctx.zone_for("1") == ZoneInfo("Europe/Berlin")  # [plants.1] without a company
    assert ctx.zone_for("2", "usmf") == ZoneInfo("America/Chicago")  # the company's own zone
    assert ctx.zone_for(None, "usmf") == ZoneInfo("America/Chicago")
    with pytest.raises(MappingError, match=r"\[companies\.demf\.plants\.2\]") as info:
        ctx.zone_for("2", "demf")
    assert info.value.code == "missing_timezone"


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read"):
        load_context(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    with pytest.raises(MappingError, match="not valid TOML"):
        load_context(bad)


def test_system_clock_zone(tmp_path: Path) -> None:
    """The source system's clock zone is its own setting; without it the plant's zone stands in."""
    path = tmp_path / "c.toml"
    path.write_text('system_timezone = "UTC"\n[plants.1710]\ntimezone = "Europe/Berlin"\n')
    ctx = load_context(path)
    assert ctx.system_timezone == ZoneInfo("UTC")
    assert ctx.clock_zone_for("1710") == ZoneInfo("UTC")
    assert ctx.zone_for("1710") == ZoneInfo("Europe/Berlin")
    path.write_text('[plants.1710]\ntimezone = "Europe/Berlin"\n')
    assert load_context(path).clock_zone_for("1710") == ZoneInfo("Europe/Berlin")
    with pytest.raises(MappingError) as info:
        load_context(path).clock_zone_for("9999")
    assert info.value.code == "missing_timezone"


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ('max_document_bytes = "lots"', "max_document_bytes"),
        ("max_document_bytes = 1.5", "max_document_bytes"),
        ("max_document_bytes = -1", "max_document_bytes"),
        ("max_document_bytes = 0", "max_document_bytes"),
        ("max_document_bytes = true", "max_document_bytes"),
        ("max_document_bytes = 99999999999999", "max_document_bytes"),
        ("max_idoc_bytes = 0", "max_idoc_bytes"),
        ('max_idoc_bytes = "16MB"', "max_idoc_bytes"),
        ('keep_leading_zeros = "false"', "keep_leading_zeros"),
        ("keep_leading_zeros = 0", "keep_leading_zeros"),
        ('default_plant = ""', "default_plant"),
        ("default_plant = 1710", "default_plant"),
        ("language = 1", "language"),
        ('language = "english"', "language"),
        ('sender_partner = "A-VERY-LONG-PARTNER"', "sender_partner"),
        ("receiver_port = []", "receiver_port"),
    ],
)
def test_bad_option_is_an_invalid_context_naming_it(tmp_path: Path, line: str, name: str) -> None:
    """Options have types and ranges: a bad one is refused when the context is read, never used."""
    path = tmp_path / "c.toml"
    path.write_text(f'source_system = "S"\n[options]\n{line}\n')
    with pytest.raises(MappingError) as info:
        load_context(path)
    assert info.value.code == "invalid_context"
    assert info.value.path == f"options.{name}"
    assert name in info.value.message
    with pytest.raises(MappingError) as built:  # the same check however the context is made
        MappingContext.build(options=tomllib.loads(f"{line}\n"))
    assert built.value.code == "invalid_context"


def test_good_and_unknown_options_pass(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[options]\nkeep_leading_zeros = false\nmax_document_bytes = 1000\ndefault_plant = "1710"\n'
        'language = "DE"\nsender_partner = "MFGCANON"\nmy_plugin_setting = [1, 2]\n'
    )
    ctx = load_context(path)
    assert ctx.option("keep_leading_zeros") is False
    assert ctx.option("max_document_bytes") == 1000
    assert ctx.option("my_plugin_setting") == [1, 2]  # plugins read their own options


def test_bad_option_exits_2_from_the_cli(tmp_path: Path) -> None:
    """The CLI reports a bad option as a usage error (exit 2) naming it, not as an internal error (exit 3)."""
    from click.testing import CliRunner

    from mfgcanon.cli import EXIT_USAGE
    from mfgcanon.cli.convert import convert

    context = tmp_path / "c.toml"
    context.write_text('source_system = "S"\n[options]\nmax_document_bytes = "lots"\n')
    doc = tmp_path / "doc.xml"
    doc.write_bytes((REPO / "tests" / "mappers" / "fixtures" / "sap" / "idoc_mbgmcr03_scrap_551.xml").read_bytes())
    result = CliRunner().invoke(convert, ["--from", "sap-idoc", "--context", str(context), str(doc)])
    assert result.exit_code == EXIT_USAGE, result.output
    assert "options.max_document_bytes" in result.output


# Reference data, vendor sections and code lists ------------------------------------------------------
LOOKUPS = """
source_system = "ORA"
[lookups.item_base_unit]
"AS54888" = "EA"
"00123" = "KGM"
[lookups.company_sites]
"USMF" = { sites = ["1", "2"], zone = "America/Chicago" }
[vendors.oracle]
page_size = 500
[codes."oracle.transaction_types"]
"35" = "issue"
"""


class _Dict:
    def __init__(self, data: dict[tuple[str, str], str]) -> None:
        self.data = data
        self.asked: list[tuple[str, str]] = []

    def resolve(self, table: str, key: str) -> str | None:
        self.asked.append((table, key))
        return self.data.get((table, key))


def test_lookups_from_the_file(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text(LOOKUPS, encoding="utf-8")
    ctx = load_context(file)
    assert ctx.lookup("item_base_unit", "AS54888") == "EA"
    assert ctx.lookup("item_base_unit", "00123") == "KGM"
    assert ctx.lookup("company_sites", "USMF") == {"sites": ("1", "2"), "zone": "America/Chicago"}
    assert ctx.lookup_optional("item_base_unit", "nope") is None
    with pytest.raises(MappingError) as info:
        ctx.lookup("item_base_unit", "X-9", path="/items/0/ItemNumber")
    assert info.value.code == "unresolved_reference"
    assert info.value.path == "/items/0/ItemNumber"
    assert 'add "X-9" = ... to [lookups.item_base_unit] in the context file' in info.value.message
    assert ctx.vendor("oracle") == {"page_size": 500}
    assert ctx.vendor("d365") == {}
    packaged = {"35": "other", "44": "receipt"}
    assert ctx.codes("oracle.transaction_types", packaged) == {"35": "issue", "44": "receipt"}
    assert ctx.codes("unknown", packaged) is packaged
    with pytest.raises(TypeError):
        ctx.lookups["item_base_unit"]["new"] = "EA"  # type: ignore[index]


def test_resolvers_are_chained_after_the_file_tables() -> None:
    first, second = _Dict({("job_order", "J1"): "1000"}), _Dict({("job_order", "J2"): "2000",
                                                                  ("job_order", "J1"): "wrong"})
    ctx = MappingContext.build(lookups={"job_order": {"J0": "0999"}}, resolvers=[first, second])
    assert ctx.lookup("job_order", "J0") == "0999"  # the file's table first: nobody asked
    assert first.asked == []
    assert ctx.lookup("job_order", "J1") == "1000"  # the first resolver that knows it
    assert ctx.lookup("job_order", "J2") == "2000"
    with pytest.raises(MappingError) as info:
        ctx.lookup("job_order", "J3")
    assert info.value.code == "unresolved_reference"
    assert isinstance(first, Resolver)


def test_a_failing_resolver_is_a_source_error() -> None:
    class Broken:
        def resolve(self, table: str, key: str) -> str | None:
            raise ConnectionError("down")

    class Wrong:
        def resolve(self, table: str, key: str) -> str | None:
            return 42  # type: ignore[return-value]

    with pytest.raises(MappingError) as info:
        MappingContext(resolvers=(Broken(),)).lookup("t", "k")
    assert (info.value.code, info.value.cause_type) == ("source_error", "ConnectionError")
    with pytest.raises(MappingError, match="returns a string or None"):
        MappingContext(resolvers=(Wrong(),)).lookup("t", "k")
    with pytest.raises(MappingError, match="no resolve"):
        MappingContext(resolvers=(object(),))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[lookups.item_base_unit]\nA = 5", "lookups.item_base_unit.A"),
        ("[lookups.x]\nA = { n = true }", "lookups.x.A.n"),
        ("lookups = 3", "lookups"),
        ("[lookups]\nitem = 'EA'", "lookups.item"),
        ("vendors = 'x'", "vendors"),
        ("[codes]\nlist = 1", "codes.list"),
    ],
)
def test_bad_lookup_sections_name_the_key(tmp_path: Path, text: str, where: str) -> None:
    file = tmp_path / "c.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as info:
        load_context(file)
    assert (info.value.code, info.value.path) == ("invalid_context", where)


def test_a_deeply_nested_context_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(MappingError, match="nests too deeply") as info:
        load_context(path)
    assert info.value.code == "invalid_context"
