"""guanxi.toml (SPEC §1), vault discovery, and NAME resolution (SPEC §6)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from notebook_tool.compute.resolve import ResolveError, resolve
from notebook_tool.core.config import Config
from notebook_tool.core.model import Contact
from notebook_tool.read.config import load_config
from notebook_tool.read.vault import NoVault, contact_paths, find_vault, load_vault

Vault = Callable[[dict[str, str | bytes]], Path]


def test_config_defaults_when_absent(tmp_path: Path) -> None:
    assert load_config(tmp_path) == (Config(), [])


def test_config_values_unknown_keys_and_wrong_types(vault: Vault) -> None:
    root = vault({"guanxi.toml": """
        contacts = ["people", "work/people"]
        output = "pages"
        cadence = "2m"
        half_life = "1y"
        colour = "blue"

        [tags]
        Family = "14d"
        work = "soon"

        [attention]
        owe_band = 1.5
        promise_grace = 3
        birthday_window = true
        new_connnection = "10d"
        """})
    config, problems = load_config(root)
    assert config.contacts == ("people", "work/people")
    assert (config.output, config.cadence_days, config.half_life_days, config.owe_band) == ("pages", 60, 365, 1.5)
    assert config.promise_grace_days == 3 and config.birthday_window_days == 14
    assert config.cadence_for_tag("family") == 14 and config.cadence_for_tag("work") is None
    assert sorted(p.format() for p in problems) == [
        "guanxi.toml:14: 'attention.birthday_window': expected a duration like 30d, 2w, 3m or 1y, got True",
        "guanxi.toml:15: warning: unknown key 'attention.new_connnection' (ignored)",
        "guanxi.toml:5: warning: unknown key 'colour' (ignored)",
        "guanxi.toml:9: 'tags.work': expected a duration like 30d, 2w, 3m or 1y, got 'soon'",
    ]


def test_config_toml_syntax_error_has_line(vault: Vault) -> None:
    root = vault({"guanxi.toml": 'contacts = ["people"\ncadence = "90d"\n'})
    config, problems = load_config(root)
    assert config == Config()
    assert [(p.path, p.line) for p in problems] == [("guanxi.toml", 2)]
    assert problems[0].message.startswith("invalid TOML:")


def test_config_refuses_paths_outside_the_vault(vault: Vault) -> None:
    root = vault({"guanxi.toml": 'contacts = ["../elsewhere"]\noutput = "/tmp/x"\n'})
    config, problems = load_config(root)
    assert config.contacts is None and config.output == "_index"
    assert [p.line for p in problems] == [1, 2]


def test_find_vault_order(tmp_path: Path) -> None:
    (tmp_path / "v" / "people" / "deep").mkdir(parents=True)
    (tmp_path / "v" / "guanxi.toml").write_text("")
    deep = tmp_path / "v" / "people" / "deep"
    assert find_vault(None, cwd=deep, environ={}) == tmp_path / "v"
    assert find_vault(None, cwd=deep, environ={"GUANXI_VAULT": str(tmp_path)}) == tmp_path
    assert find_vault(str(deep), cwd=tmp_path, environ={"GUANXI_VAULT": str(tmp_path)}) == deep
    with pytest.raises(NoVault):  # no guanxi.toml here or above: not a vault
        find_vault(None, cwd=tmp_path, environ={})


def test_which_files_are_contacts(vault: Vault) -> None:
    root = vault({
        "A.md": "a", "sub/B.MD": "b", "notes.txt": "x", ".obsidian/C.md": "c", ".hidden.md": "h",
        "_index/attention.md": "generated", ".git/D.md": "d",
    })
    assert contact_paths(root, Config()) == (["A.md", "sub/B.MD"], [])
    only = Config(contacts=("sub",))
    assert contact_paths(root, only)[0] == ["sub/B.MD"]


def test_symlink_leaving_the_vault_is_not_followed(tmp_path: Path, vault: Vault) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("---\nname: Secret\n---\n")
    root = vault({"A.md": "a"})
    (root / "Link.md").symlink_to(outside)
    paths, problems = contact_paths(root, Config())
    assert paths == ["A.md"]
    assert [p.format() for p in problems] == ["Link.md:1: warning: symlink points outside the vault; not followed"]


def test_a_broken_file_does_not_stop_the_rest(vault: Vault) -> None:
    root = vault({"people/Good.md": "---\nemail: g@x\n---\n", "people/Bad.md": "---\nemail: [\n---\n"})
    v = load_vault(root)
    assert [c.name for c in v.contacts] == ["Good"]
    assert [p.format() for p in v.all_problems()] == ["people/Bad.md:3:1: invalid YAML: did not find expected node content"]


# -- NAME resolution -------------------------------------------------------------

PEOPLE = [
    Contact(name="Alice Chen", path="people/Alice Chen.md", aliases=("Ali",)),
    Contact(name="Alicia Keys", path="people/Alicia Keys.md"),
    Contact(name="Zoë Ångström", path="people/Zoë Ångström.md"),
    Contact(name="王伟", path="people/王伟.md", aliases=("Wang Wei",)),
    Contact(name="Dr. Amara Okafor", path="people/Amara Okafor.md"),
]


@pytest.mark.parametrize(
    "query, name",
    [
        ("Alice Chen", "Alice Chen"),
        ("alice chen", "Alice Chen"),
        ("ali", "Alice Chen"),  # an exact alias beats the prefix shared with Alicia
        ("alice", "Alice Chen"),
        ("alici", "Alicia Keys"),
        ("zoe angstrom", "Zoë Ångström"),
        ("ZOË", "Zoë Ångström"),
        ("王", "王伟"),
        ("wang", "王伟"),
        ("amara okafor", "Dr. Amara Okafor"),  # the file name counts as a name
        ("okafor", "Dr. Amara Okafor"),  # a word of the name
    ],
)
def test_resolve(query: str, name: str) -> None:
    assert resolve(PEOPLE, query).name == name


def test_resolve_ambiguous_lists_candidates() -> None:
    with pytest.raises(ResolveError) as exc:
        resolve(PEOPLE, "al")
    assert str(exc.value) == "'al' is ambiguous; it could be:"
    assert [c.name for c in exc.value.candidates] == ["Alice Chen", "Alicia Keys"]


def test_resolve_unknown_suggests_close_names() -> None:
    with pytest.raises(ResolveError) as exc:
        resolve(PEOPLE, "Alise Chen")
    assert str(exc.value) == "no contact named 'Alise Chen'; did you mean:"
    assert [c.name for c in exc.value.candidates] == ["Alice Chen"]
    with pytest.raises(ResolveError, match="^no contact named 'xyz'$"):
        resolve(PEOPLE, "xyz")
