"""Issue 10: introductions from needs and offers, `intro`, the graph and `path`, `find`, Mermaid."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notebook_tool.compute import graph as G
from notebook_tool.compute.introductions import Synonyms, introduced, stem, suggest, words
from notebook_tool.compute.resolve import resolve
from notebook_tool.compute.search import find
from notebook_tool.core.model import Contact, Entry
from notebook_tool.read.config import config_from_mapping
from notebook_tool.render.network import mermaid, mermaid_label
from tests.conftest import EXAMPLE_VAULT, run_cli
from tests.test_watch import TIMEOUT, age, wait_for

Vault = Callable[[dict[str, str | bytes]], Path]
TODAY = dt.date(2025, 6, 1)
MERMAID = Path(__file__).parent / "mermaid"
GOLDEN = Path(__file__).parent / "golden"


def person(name: str, needs: tuple[str, ...] = (), offers: tuple[str, ...] = (), **kw: object) -> Contact:
    return Contact(name=name, path=f"people/{name}.md", needs=needs, offers=offers, **kw)  # type: ignore[arg-type]


# -- matching ----------------------------------------------------------------------


@pytest.mark.parametrize(("word", "want"), [
    ("candidates", "candidate"), ("companies", "company"), ("boxes", "box"), ("classes", "class"),
    ("sales", "sales"), ("devops", "devops"), ("status", "status"), ("ops", "ops"), ("referrals", "referral"),
])
def test_stem(word: str, want: str) -> None:
    assert stem(word) == want


def test_words_fold_case_accents_punctuation_and_drop_stop_words() -> None:
    assert words("Looking for a Señor-Dévelopers, (Kubernetes)!") == ["senor", "developer", "kubernetes"]
    assert words("the and for a") == []


@pytest.mark.parametrize(("need", "offer"), [
    ("senior SRE candidates", "SRE referrals"),          # the example
    ("Kubernetes mentor", "mentor for kubernetes"),     # word order
    ("DÉVELOPERS", "developer intros"),                 # case, accents, plural
    ("data-science", "science (data)"),                 # punctuation
])
def test_needs_meet_offers_whatever_the_wording(need: str, offer: str) -> None:
    got = suggest([person("Carol", needs=(need,)), person("Dan", offers=(offer,))], TODAY)
    assert [(s.seeker.name, s.helper.name) for s in got] == [("Carol", "Dan")]
    assert got[0].why() == f"Carol needs {need}; Dan offers {offer}"


def test_stop_words_alone_never_match_nor_does_oneself() -> None:
    people = [person("Carol", needs=("someone to help with the things",), offers=("things",)),
              person("Dan", offers=("help for someone with a need",))]
    assert [(s.seeker.name, s.helper.name) for s in suggest(people, TODAY)] == []


def test_synonyms_from_config_join_phrases() -> None:
    people = [person("Carol", needs=("site reliability engineers",)), person("Dan", offers=("SRE referrals",))]
    assert suggest(people, TODAY) == []
    got = suggest(people, TODAY, [["sre", "site reliability engineer"]])
    assert [(s.seeker.name, s.helper.name, s.shared) for s in got] == [("Carol", "Dan", ("sre",))]
    assert Synonyms.from_groups([["vc", "venture capital"]]).terms("Venture-Capital intros") == {"vc", "intro"}


def test_shared_tags_and_knowing_them_rank_first() -> None:
    recent = (Entry("touch", dt.date(2025, 5, 20), "coffee"),)
    old = (Entry("touch", dt.date(2020, 1, 1), "coffee"),)
    people = [person("Carol", needs=("sre candidates",), tags=("ops",), entries=recent),
              person("Dan", offers=("sre referrals",), entries=old),
              person("Erin", offers=("sre referrals",), entries=recent),
              person("Faye", offers=("sre referrals",), tags=("Ops",), entries=recent)]
    got = suggest(people, TODAY)
    assert [s.helper.name for s in got] == ["Faye", "Erin", "Dan"]
    assert got[0].shared_tags == ("ops",)


def test_a_pair_already_introduced_is_not_suggested_again() -> None:
    intro = Entry("give", dt.date(2025, 1, 1), "Introduced to [[Dan]]", links=("Dan",))
    carol = person("Carol", needs=("sre candidates",), entries=(intro,))
    dan = person("Dan", offers=("sre referrals",))
    assert introduced(carol, dan) and introduced(dan, carol)
    assert suggest([carol, dan], TODAY) == []
    with_ = Entry("touch", dt.date(2025, 1, 1), "lunch", links=("carol",))
    assert suggest([person("Carol", needs=("sre candidates",)),
                    person("Dan", offers=("sre referrals",), entries=(with_,))], TODAY) == []


def test_introductions_config_errors_name_the_key() -> None:
    text = '[introductions]\nsynonyms = ["sre"]\ncolour = 1\n'
    config, problems = config_from_mapping({"introductions": {"synonyms": ["sre"], "colour": 1}}, text)
    assert config.synonyms == ()
    assert [p.format() for p in problems] == [
        "guanxi.toml:3: warning: unknown key 'introductions.colour' (ignored)",
        "guanxi.toml:2: 'introductions.synonyms' must be a list of groups, each a list of two or more "
        'phrases, e.g. [["sre", "site reliability"]]',
    ]
    ok, none = config_from_mapping({"introductions": {"synonyms": [["sre", " site reliability "]]}})
    assert none == [] and ok.synonyms == (("sre", "site reliability"),)


# -- intro ---------------------------------------------------------------------------

CAROL = """\
---
name: Carol Diaz
needs: [senior SRE candidates]
give:
  - 2025-01-01 Sent a CV
---
Notes.
"""
DAN = """\
---
name: Dan Okafor
offers: [SRE referrals]
---
"""


def test_intro_writes_a_give_in_both_files_each_linking_the_other(vault: Vault) -> None:
    root = vault({"people/Carol Diaz.md": CAROL, "people/Dan Okafor.md": DAN})
    r = run_cli("--vault", str(root), "intro", "carol", "dan", "SRE candidates", "--date", "2025-06-01")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ("people/Carol Diaz.md:6: give 2025-06-01 Introduced to [[Dan Okafor]] — SRE candidates\n"
                        "people/Dan Okafor.md:5: give 2025-06-01 Introduced to [[Carol Diaz]] — SRE candidates\n")
    assert (root / "people/Carol Diaz.md").read_text() == CAROL.replace(
        "Sent a CV\n", "Sent a CV\n  - 2025-06-01 Introduced to [[Dan Okafor]] — SRE candidates\n")
    assert (root / "people/Dan Okafor.md").read_text() == DAN.replace(
        "]\n---", "]\ngive:\n  - 2025-06-01 Introduced to [[Carol Diaz]] — SRE candidates\n---")
    # Introduced: no longer suggested.
    rep = run_cli("--vault", str(root), "report", "introductions", "--json", "--today", "2025-06-02")
    assert '"introductions": []' in rep.stdout


def test_intro_refused_for_the_second_file_leaves_both_untouched(vault: Vault) -> None:
    # Dan's `give:` is a one-line list: the writer refuses to add to it, after
    # Carol's edit was already planned. Neither file may change.
    broken = DAN.replace("---\n", "---\ngive: [2025-01-01 lunch]\n", 1)
    root = vault({"people/Carol Diaz.md": CAROL, "people/Dan Okafor.md": broken})
    r = run_cli("--vault", str(root), "intro", "carol", "dan", "SRE candidates", "--date", "2025-06-01")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "people/Dan Okafor.md:2: 'give' is a one-line list" in r.stderr
    assert (root / "people/Carol Diaz.md").read_text() == CAROL
    assert (root / "people/Dan Okafor.md").read_text() == broken


def test_intro_usage_errors(vault: Vault) -> None:
    root = vault({"people/Carol Diaz.md": CAROL, "people/Dan Okafor.md": DAN})
    same = run_cli("--vault", str(root), "intro", "carol", "Carol Diaz", "x")
    assert (same.exit_code, same.stderr) == (1, "guanxi: 'carol' and 'Carol Diaz' are the same person "
                                                 "(people/Carol Diaz.md)\n")
    assert run_cli("--vault", str(root), "intro", "carol", "dan", "  ").exit_code == 2


# -- graph and path --------------------------------------------------------------------


def _graph_from(n: int, edges: set[tuple[int, int]]) -> G.Graph:
    people = []
    for i in range(n):
        links = tuple(f"P{j}" for a, j in sorted(edges) if a == i)
        entries = tuple(Entry("give", dt.date(2025, 1, 1), f"met [[{x}]]", links=(x,), line=10 + k)
                        for k, x in enumerate(links))
        people.append(Contact(name=f"P{i}", path=f"people/P{i}.md", entries=entries))
    return G.build(people, with_you=False)


def _brute_force(n: int, edges: set[tuple[int, int]], a: int, b: int) -> list[tuple[str, ...]]:
    adj = {i: set() for i in range(n)}
    for x, y in edges:
        adj[x].add(y)
        adj[y].add(x)
    found: list[tuple[int, ...]] = []

    def walk(path: tuple[int, ...]) -> None:
        if path[-1] == b:
            found.append(path)
            return
        for nxt in adj[path[-1]]:
            if nxt not in path:
                walk((*path, nxt))

    walk((a,))
    if not found:
        return []
    best = min(len(p) for p in found)
    return sorted(tuple(f"people/P{i}.md" for i in p) for p in found if len(p) == best)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 7).flatmap(lambda n: st.tuples(
    st.just(n),
    st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] != e[1]), max_size=14),
    st.integers(0, n - 1), st.integers(0, n - 1))))
def test_shortest_paths_are_every_shortest_chain(case: tuple[int, set[tuple[int, int]], int, int]) -> None:
    n, edges, a, b = case
    graph = _graph_from(n, edges)
    got = G.shortest_paths(graph, f"people/P{a}.md", f"people/P{b}.md", limit=10_000)
    assert got == _brute_force(n, edges, a, b)
    for chain in got:  # every step has the entry that makes it
        for x, y in itertools.pairwise(chain):
            assert graph.edge(x, y).line >= 10


NET = {
    "people/Alice Chen.md": """\
        ---
        company: ACME
        tags: [recruiting]
        give:
          - 2025-01-10 Introduced her to [[Carol Diaz]] at Initech
        ---
        """,
    "people/Carol Diaz.md": """\
        ---
        company: Initech
        via: "[[Alice Chen]]"
        tags: [engineering]
        ---
        """,
    "people/Dan Okafor.md": """\
        ---
        company: Globex
        tags: [engineering]
        touch:
          - {date: 2025-02-01, what: "Lunch", with: ["Carol Diaz", "Erin \\"E\\" [Ng]"]}
        ---
        """,
    'people/Erin "E" [Ng].md': """\
        ---
        company: Initech
        ---
        """,
    "people/王伟.md": """\
        ---
        aliases: [Wang Wei]
        company: Great Wall Capital
        needs: [hardware supplier]
        ---
        Met at the Shenzhen fair.
        """,
    "people/Łukasz Nowak.md": """\
        ---
        role: SRE
        offers: [hardware suppliers]
        ---
        """,
}


def test_path_prints_every_shortest_chain_with_its_evidence(vault: Vault) -> None:
    root = vault(NET)
    r = run_cli("--vault", str(root), "path", "alice", "dan")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == (
        "1 shortest chain Alice Chen → Dan Okafor (2 steps):\n\n"
        "Alice Chen → Carol Diaz → Dan Okafor\n"
        "  Alice Chen — Carol Diaz: people/Alice Chen.md:5: 2025-01-10 Introduced her to [[Carol Diaz]] at Initech\n"
        "  Carol Diaz — Dan Okafor: people/Dan Okafor.md:5: 2025-02-01 Lunch\n")
    none = run_cli("--vault", str(root), "path", "alice", "wang")
    assert (none.exit_code, none.stdout) == (1, "No chain Alice Chen → 王伟.\n")


def test_path_to_a_company_starts_from_you(vault: Vault) -> None:
    root = vault(NET)
    r = run_cli("--vault", str(root), "path", "--company", "initech")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == (
        "3 shortest chains you → initech (2 steps):\n\n"
        "you → Alice Chen → Carol Diaz\n"
        "  you — Alice Chen: people/Alice Chen.md:5: 2025-01-10 Introduced her to [[Carol Diaz]] at Initech\n"
        "  Alice Chen — Carol Diaz: people/Alice Chen.md:5: 2025-01-10 Introduced her to [[Carol Diaz]] at Initech\n"
        "\n"
        "you → Dan Okafor → Carol Diaz\n"
        "  you — Dan Okafor: people/Dan Okafor.md:5: 2025-02-01 Lunch\n"
        "  Dan Okafor — Carol Diaz: people/Dan Okafor.md:5: 2025-02-01 Lunch\n"
        "\n"
        'you → Dan Okafor → Erin "E" [Ng]\n'
        "  you — Dan Okafor: people/Dan Okafor.md:5: 2025-02-01 Lunch\n"
        '  Dan Okafor — Erin "E" [Ng]: people/Dan Okafor.md:5: 2025-02-01 Lunch\n')
    bad = run_cli("--vault", str(root), "path", "--company", "Nowhere")
    assert (bad.exit_code, bad.stderr) == (1, "guanxi: no contact works at a company matching 'Nowhere'\n")
    assert run_cli("--vault", str(root), "path", "alice").exit_code == 2


def test_graph_selects_by_tag_and_around(vault: Vault) -> None:
    root = vault(NET)
    tag = run_cli("--vault", str(root), "graph", "--tag", "Engineering", "--format", "dot")
    assert tag.stdout == ('graph guanxi {\n  n1 [label="Carol Diaz"];\n  n2 [label="Dan Okafor"];\n'
                          '  n1 -- n2 [tooltip="people/Dan Okafor.md:5: 2025-02-01 Lunch"];\n}\n')
    near = run_cli("--vault", str(root), "graph", "--around", "alice", "--depth", "1", "--format", "json")
    assert [p["name"] for p in __import__("json").loads(near.stdout)["people"]] == ["Alice Chen", "Carol Diaz"]


# -- Mermaid, with the real parser ---------------------------------------------------------


@pytest.fixture(scope="session")
def mermaid_parser() -> Path:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the Mermaid text cannot be checked with the real parser")
    if not (MERMAID / "node_modules" / "mermaid").is_dir():
        # CI runs `npm ci` there (.ci/run); a fresh clone gets the same here.
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=MERMAID, check=True, capture_output=True)
    return MERMAID / "parse.mjs"


def parse_mermaid(parser: Path, tmp_path: Path, texts: dict[str, str]) -> str:
    files = []
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(str(tmp_path / name))
    r = subprocess.run(["node", str(parser), *files], capture_output=True, text=True, timeout=120)
    return r.stdout.replace(str(tmp_path) + "/", "")


def test_mermaid_labels_survive_the_real_parser(mermaid_parser: Path, tmp_path: Path, vault: Vault) -> None:
    awkward = ['Erin "E" [Ng]', "王伟", "O'Brien (CTO); #1 <b>&amp;</b>", "back`tick\\slash", "end", "graph"]
    people = [Contact(name=n, path=f"people/p{i}.md", tags=("a \"b\" [c]",) if i % 2 else ("",),
                      entries=(Entry("touch", TODAY, "x", links=(awkward[(i + 1) % len(awkward)],)),))
              for i, n in enumerate(awkward)]
    text = mermaid(G.build(people, with_you=False))
    assert mermaid_label('a "b" #1;') == '"a #quot;b#quot; #35;1#59;"'
    page = run_cli("--vault", str(vault(NET)), "index", "--today", "2025-06-01")
    assert page.exit_code == 0
    md = (tmp_path / "vault/_index/network.md").read_text(encoding="utf-8")
    block = md.split("```mermaid\n", 1)[1].split("```", 1)[0]
    bad = "flowchart LR\n  n1[\"a\"b\"] --- n2\n"
    texts = {"awkward.mmd": text, "page.mmd": block, "bad.mmd": bad}
    # Every committed network page too: the golden cases' and the example vault's.
    committed = [*sorted(GOLDEN.glob("*/expected/network.md")), EXAMPLE_VAULT / "_index" / "network.md"]
    for i, md_path in enumerate(committed):
        page_text = md_path.read_text(encoding="utf-8")
        if "```mermaid\n" in page_text:
            texts[f"committed-{i}.mmd"] = page_text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert len(texts) >= 5
    out = parse_mermaid(mermaid_parser, tmp_path, texts)
    lines = out.splitlines()
    assert sorted(line for line in lines if line.startswith("ok ")) == sorted(f"ok {n}" for n in texts if n != "bad.mmd")
    assert any(line.startswith("error bad.mmd: Parse error") for line in lines)  # the parser does check


def test_network_page_is_bounded(tmp_path: Path) -> None:
    from notebook_tool.render.network import MAX_EDGES, MAX_NODES, most_active

    people = [Contact(name=f"P{i}", path=f"people/P{i}.md",
                      entries=tuple(Entry("touch", TODAY, "x", links=(f"P{(i * 7 + k) % 300}",), line=k)
                                    for k in range(1, 4)))
              for i in range(300)]
    shown = most_active(G.build(people, with_you=False))
    assert 0 < len(shown.contacts) <= MAX_NODES and 0 < len(shown.evidence) <= MAX_EDGES


# -- find and NAME resolution -------------------------------------------------------------


def test_find_transliterates_and_ranks(vault: Vault) -> None:
    root = vault(NET)
    r = run_cli("--vault", str(root), "find", "wang")
    assert (r.exit_code, r.stdout) == (0, "王伟  (people/王伟.md)\n  alias: Wang Wei\n")
    r = run_cli("--vault", str(root), "find", "INITECH")
    assert r.stdout.splitlines()[::2][:2] == ["Carol Diaz  (people/Carol Diaz.md)",
                                              'Erin "E" [Ng]  (people/Erin "E" [Ng].md)']
    assert "Alice Chen" not in r.stdout.splitlines()[0]
    body = run_cli("--vault", str(root), "find", "shenzhen", "--json")
    assert '"field": "body"' in body.stdout and '"text": "Met at the Shenzhen fair."' in body.stdout
    both = run_cli("--vault", str(root), "find", "lukasz", "sre")
    assert both.stdout == "Łukasz Nowak  (people/Łukasz Nowak.md)\n  role: SRE\n"
    miss = run_cli("--vault", str(root), "find", "lukasz", "initech")
    assert (miss.exit_code, miss.stdout) == (1, "No one matches 'lukasz initech'.\n")


def test_find_searches_every_field() -> None:
    c = Contact(name="Zoë", path="people/Zoë.md", aliases=("Zed",), company="Nordlys", role="Founder",
                tags=("founders",), needs=("seed investors",), offers=("nordic network",), why="hardware")
    for q, field in [("zoe", "name"), ("zed", "alias"), ("nordlys", "company"), ("found", "role"),
                     ("seed", "needs"), ("nordic", "offers"), ("hardware", "why"), ("notes", "body")]:
        hits = find([c], q, lambda _: "Some notes")
        assert hits and field in dict(hits[0].fields), q


def test_show_resolves_transliterated_names(vault: Vault) -> None:
    root = vault(NET)
    r = run_cli("--vault", str(root), "show", "lukasz", "--today", "2025-06-01")
    assert r.exit_code == 0 and r.stdout.startswith("Łukasz Nowak\n")
    people = [person("Łukasz Nowak"), person("王伟")]
    assert resolve(people, "nowak").name == "Łukasz Nowak"
    assert resolve(people, "wang").name == "王伟"
    with pytest.raises(Exception, match="no contact"):
        resolve(people, "wang", transliterate=False)


def test_list_filters_by_company_needs_and_offers(vault: Vault) -> None:
    root = vault(NET)
    names = lambda *a: [line.split("  ")[0] for line in run_cli("--vault", str(root), "list", *a).stdout.splitlines()[1:]]
    assert names("--company", "initech") == ["Carol Diaz", 'Erin "E" [Ng]']
    assert names("--needs", "Hardware") == ["王伟"]
    assert names("--offers", "supplier") == ["Łukasz Nowak"]


def test_new_connection_without_needs_says_ask_what_you_can_do(vault: Vault) -> None:
    root = vault({"people/Ann.md": "---\nmet: 2025-05-30\nemail: a@x\n---\n",
                  "people/Ben.md": "---\nmet: 2025-05-30\nemail: b@x\nneeds: [a designer]\n---\n"})
    r = run_cli("--vault", str(root), "report", "attention", "--json", "--today", "2025-06-01")
    assert ("met 2 days ago (2025-05-30) and no give or touch since: say hello, say why, "
            "ask what you can do for them") in r.stdout
    assert r.stdout.count("ask what you can do") == 1


def test_the_page_limit_gives_the_same_first_suggestions_as_the_full_ranking() -> None:
    import random

    rng = random.Random(7)
    vocab = ["sre", "kubernetes", "mentor", "investor", "designer", "data", "hardware", "hiring"]
    people = []
    for i in range(400):
        entries = tuple(Entry(rng.choice(["give", "take", "touch"]), TODAY - dt.timedelta(days=rng.randrange(900)),
                              "x", weight=rng.choice([1, 2, 3])) for _ in range(rng.randrange(0, 5)))
        people.append(Contact(name=f"P{i}", path=f"people/P{i}.md", tags=tuple(rng.sample(["a", "b", "c"], 1)),
                              needs=tuple(" ".join(rng.sample(vocab, 2)) for _ in range(rng.randrange(0, 2))),
                              offers=tuple(" ".join(rng.sample(vocab, 2)) for _ in range(rng.randrange(0, 2))),
                              entries=entries))
    full = suggest(people, TODAY)
    for limit in (1, 10, 50):
        assert suggest(people, TODAY, limit=limit) == full[:limit]


def test_watch_keeps_the_introductions_page_current(vault: Vault) -> None:
    """The real watchdog observer: a saved `offers:` shows on the page without `guanxi index`."""
    import threading

    from notebook_tool.watch.watcher import Watcher

    root = vault({"people/Carol Diaz.md": CAROL, "people/Dan Okafor.md": DAN.replace("offers: [SRE referrals]\n", "")})
    age(root)
    w = Watcher(root, today=TODAY, debounce=0.1, echo=lambda _: None)
    t = threading.Thread(target=w.run, name="watcher", daemon=True)
    t.start()
    try:
        assert w.ready.wait(TIMEOUT), "watcher did not start"
        page = root / "_index" / "introductions.md"
        wait_for(lambda: page.is_file() and "No one's needs match" in page.read_text(encoding="utf-8"), "the first page")
        (root / "people/Dan Okafor.md").write_text(DAN, encoding="utf-8")
        wait_for(lambda: "Carol Diaz needs senior SRE candidates; Dan Okafor offers SRE referrals"
                 in page.read_text(encoding="utf-8"), "the suggestion after the save")
        assert (root / "_index" / "network.md").is_file()
    finally:
        w.stop()
        t.join(TIMEOUT)
    assert not t.is_alive()


def test_network_pages_render_user_text_literally() -> None:
    """The golden network case's pages through Python-Markdown and CommonMark/GFM: the only
    markup is ours (hostile needs, offers and names stay text)."""
    import markdown
    from markdown_it import MarkdownIt

    expected = GOLDEN / "network" / "expected"
    for name in ("introductions.md", "network.md"):
        text = (expected / name).read_text(encoding="utf-8")
        for html in (markdown.markdown(text), MarkdownIt("commonmark").render(text)):
            low = html.lower()
            assert "<b>" not in low and "<em>" not in low and "<strong>" not in low, name
            hrefs = re.findall(r'href="([^"]*)"', html)
            assert hrefs and all(h.startswith("../people/") for h in hrefs), (name, hrefs)
            if name == "introductions.md":
                assert "&lt;b&gt;bold&lt;/b&gt; *designer*" in html
                assert html.count("<li>") == 6
