"""A deterministic synthetic vault: N people with realistic front matter.

Owns only the benchmark fixture: ``generate(root, n, seed)`` writes
``guanxi.toml`` and ``people/*.md`` the same way every time for the same
arguments (``random.Random(seed)``, no clock), so figures from two runs or
two machines are about the same bytes. Mean ~20 entries per person, a mix of
one-line and mapping entries, promises, weights, ``[[links]]``, and about
one name in ten non-ASCII.

Run: ``python -m benchmarks.genvault DIR N``.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

FIRST = ["Alice", "Bob", "Carol", "Dan", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory",
         "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Yusuf", "Zoë",
         "Ångström", "Chloé", "José", "Małgorzata", "Søren"]
LAST = ["Chen", "Smith", "Diaz", "Okafor", "Novak", "Tanaka", "Müller", "García", "Nguyen", "Kowalski",
        "Rossi", "Haddad", "Ivanova", "Johansson", "O'Brien", "Patel", "Schmidt", "Dubois", "Silva", "Kim"]
CJK = ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "黄丽", "赵强", "周杰", "吴芳"]
COMPANIES = ["ACME Recruiting", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises",
             "Soylent", "Vehement Capital", "Massive Dynamic"]
ROLES = ["Partner", "SRE", "CTO", "Recruiter", "Engineering Manager", "Founder", "Designer", "Staff Engineer"]
TAGS = ["recruiting", "mentor", "devops", "family", "friend", "investor", "conference", "alumni", "client"]
GIVE = ["Introduced them to [[{other}]] at {company}", "Reviewed their CV", "Sent the DevOps hiring report",
        "Recommended them for a talk", "Shared salary benchmarks", "Helped debug their CI pipeline"]
TAKE = ["Referred me to a contract role at {company}", "Intro to [[{other}]]", "Coffee and career advice",
        "Feedback on my conference talk", "Lent me a book on SRE"]
# Needs and offers (issue 10's introductions), drawn from their own random
# stream so that every other byte of the vault stays what it was.
NEEDS = ["senior SRE candidates", "a Kubernetes mentor", "seed investors", "platform engineers",
         "a designer for the new app", "salary benchmarks for Berlin", "an intro to a VC", "hiring advice",
         "data scientists", "speaking slots at conferences", "a hardware supplier", "ML engineers"]
OFFERS = ["SRE referrals", "Kubernetes mentoring", "investor intros", "platform engineering advice",
          "design reviews", "salary benchmarks", "VC contacts", "hiring advice", "data science mentoring",
          "conference speaking slots", "hardware suppliers in Shenzhen", "ML hiring contacts"]
TOUCH = ["Coffee at the DevOps meetup", "Call about hiring", "Met at KubeCon", "Lunch near the office",
         "Congratulated them on the new role", "Chatted on LinkedIn"]


def _name(rng: random.Random, i: int) -> str:
    r = rng.random()
    if r < 0.05:
        base = rng.choice(CJK)
    else:
        base = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return f"{base} {i:05d}"  # unique, and a stable file name


def _day(rng: random.Random, start: dt.date, span: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(span))


def contact_text(rng: random.Random, i: int, names: list[str]) -> str:
    """One contact file's text (front matter plus a short body)."""
    start = dt.date(2018, 1, 1)
    met = _day(rng, start, 2000)
    company = rng.choice(COMPANIES)
    lines = ["---"]
    if rng.random() < 0.2:
        lines.append(f"aliases: [{names[i].split()[0]}{i}]")
    if rng.random() < 0.85:
        lines.append(f"email: person{i}@example.com")
    if rng.random() < 0.5:
        lines.append(f'phone: "+1 555 {i % 10000:04d}"')
    if rng.random() < 0.4:
        lines.append(f"links: [https://www.linkedin.com/in/person-{i}]")
    lines.append(f"company: {company}")
    lines.append(f"role: {rng.choice(ROLES)}")
    lines.append(f"tags: [{', '.join(rng.sample(TAGS, rng.randrange(0, 3)))}]")
    lines.append(f"met: {met.isoformat()}")
    if rng.random() < 0.3:
        lines.append(f'via: "[[{rng.choice(names)}]]"')
    side = random.Random(i)
    if side.random() < 0.3:
        lines.append(f"needs: [{', '.join(side.sample(NEEDS, side.randrange(1, 3)))}]")
    if side.random() < 0.3:
        lines.append(f"offers: [{', '.join(side.sample(OFFERS, side.randrange(1, 3)))}]")
    if rng.random() < 0.3:
        lines.append(f"cadence: {rng.choice(['14d', '30d', '90d', '6m', 'none'])}")
    if rng.random() < 0.3:
        lines.append(f"birthday: --{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}")
    n = max(0, int(rng.gauss(20, 8)))
    kinds: dict[str, list[str]] = {"give": [], "take": [], "touch": []}
    for _ in range(n):
        kind = rng.choices(("give", "take", "touch"), (4, 3, 3))[0]
        day = _day(rng, met, 2500)
        other = rng.choice(names)
        text = rng.choice({"give": GIVE, "take": TAKE, "touch": TOUCH}[kind]).format(other=other, company=company)
        r = rng.random()
        if r < 0.08 and kind == "give":
            item = f"{day.isoformat()} [ ] {text}"
        elif r < 0.12:
            item = f"{day.isoformat()} [x] {text}"
        else:
            item = f"{day.isoformat()} {text}"
        if kind != "touch" and rng.random() < 0.3:
            item += f" +{rng.randrange(2, 5)}"
        if rng.random() < 0.03:
            item = f'{{date: {day.isoformat()}, what: "{text}", weight: 2}}'
        elif '"' in item or ": " in item or item.endswith(":"):
            item = '"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"'
        kinds[kind].append(item)
    for kind, items in kinds.items():
        if items:
            lines.append(f"{kind}:")
            lines.extend(f"  - {it}" for it in sorted(items))
    lines.append("---")
    lines.append(f"Notes about {names[i]}. Works at {company}.")
    lines.append("")
    return "\n".join(lines)


def generate(root: Path, n: int, seed: int = 42) -> list[str]:
    """Write a vault of ``n`` people under ``root``; returns the relative paths."""
    rng = random.Random(seed)
    names = [_name(rng, i) for i in range(n)]
    people = root / "people"
    people.mkdir(parents=True, exist_ok=True)
    (root / "guanxi.toml").write_text('contacts = ["people"]\n', encoding="utf-8")
    rels = []
    for i, name in enumerate(names):
        rel = f"people/{name}.md"
        (root / rel).write_text(contact_text(rng, i, names), encoding="utf-8")
        rels.append(rel)
    return rels


if __name__ == "__main__":  # pragma: no cover
    generate(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 42)
