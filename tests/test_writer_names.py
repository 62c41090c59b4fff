"""Names from the command line → file names: never outside the vault, portable, one file per person."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notebook_tool.core.names import MAX_BYTES, NameError_, file_stem, same_name_key
from tests.conftest import run_cli


@pytest.mark.parametrize(
    "name, stem",
    [
        ("Alice Chen", "Alice Chen"),
        ("王伟", "王伟"),
        ("Zoe\u0308 Ångström", "Zoë Ångström"),  # NFC
        ("../../etc/passwd", "-..-etc-passwd"),
        ("/abs/path", "-abs-path"),
        ("C:\\Users\\x", "C--Users-x"),
        (".hidden", "hidden"),
        ("  spaced   out  ", "spaced out"),
        ("con", "con_"),
        ("CON.txt", "CON_.txt"),
        ("lpt9 .notes", "lpt9 _.notes"),
        ("COM¹", "COM¹_"),
        ("CONIN$", "CONIN$_"),
        ("Connie", "Connie"),
        ("what? <really>", "what- -really-"),
        ("right\u202eleft", "right-left"),
    ],
)
def test_file_stem(name: str, stem: str) -> None:
    assert file_stem(name) == stem


@pytest.mark.parametrize("name", ["", "   ", "/", "..", "...", "\\", "?*"])
def test_names_that_cannot_be_files(name: str) -> None:
    with pytest.raises(NameError_):
        file_stem(name)


def test_long_names_are_cut_on_character_boundaries() -> None:
    assert len(file_stem("a" * 500).encode()) == MAX_BYTES
    stem = file_stem("王" * 100)  # 3 bytes each
    assert stem == "王" * (MAX_BYTES // 3)
    decomposed = file_stem("x" + "e\u0301\u0302" * 100)  # é̂: NFC keeps a combining mark
    assert not unicodedata.combining(decomposed[-1]) or len(decomposed.encode()) <= MAX_BYTES
    assert len(decomposed.encode()) <= MAX_BYTES


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_any_name_is_one_safe_path_component(name: str) -> None:
    try:
        stem = file_stem(name)
    except NameError_:
        return
    assert stem and "/" not in stem and "\\" not in stem and "\x00" not in stem
    assert not stem.startswith(".") and stem not in ("..", ".")
    assert len(f"{stem}.md".encode()) <= 255 - 40  # room for the writer's temp-file name
    assert stem.partition(".")[0].rstrip(" ").upper() not in {"CON", "PRN", "AUX", "NUL"}


def test_add_refuses_a_second_name_differing_by_case_or_normalisation(tmp_path: Path) -> None:
    root = tmp_path / "v"
    run_cli("init", str(root))
    assert run_cli("--vault", str(root), "add", "Zoë Chen").exit_code == 0
    for other in ("zoë chen", "ZOË CHEN", "Zoe\u0308 Chen"):
        r = run_cli("--vault", str(root), "add", other)
        assert (r.exit_code, r.stderr) == (1, f"guanxi: people/Zoë Chen.md already exists: {other!r} is already a contact\n")
    assert [p.name for p in (root / "people").iterdir()] == ["Zoë Chen.md"]
    assert same_name_key("Zoe\u0308") == same_name_key("ZOË")


def test_add_never_escapes_the_vault(tmp_path: Path) -> None:
    root = tmp_path / "v"
    run_cli("init", str(root))
    for name in ("../outside", "/tmp/abs", "a/../../b", "..\\..\\win"):
        assert run_cli("--vault", str(root), "add", name).exit_code == 0
    assert sorted(p.name for p in (root / "people").iterdir()) == ["-..-win.md", "-outside.md", "-tmp-abs.md",
                                                                    "a-..-..-b.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v"]
