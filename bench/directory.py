"""Directory speed at scale: ``/people`` with facets, in-process, at 20,000 generated people.

Generates a deterministic directory (people with expertise, areas, countries from
``content/regions.yml``, languages with levels, organizations, certifications; articles
listing experts), indexes it with the real ``sync``, then asks the app through Flask's test
client and reads the server-side time from the ``Server-Timing`` header (the app's own
time, without the HTTP stack). Every answer includes all six facets.

    .venv/bin/python bench/directory.py [--people N] [--articles N] [--rounds N] [--quick]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AREAS = ["fms", "dcs", "financing", "bpc", "training", "eda", "tech-security", "logistics", "sco", "assessment", "humanitarian", "workforce"]
LANGUAGES = [
    "Arabic",
    "French",
    "Spanish",
    "Portuguese",
    "Korean",
    "Japanese",
    "Russian",
    "Swahili",
    "Tagalog",
    "Māori",
    "Polish",
    "German",
    "Hausa",
    "Vietnamese",
    "Ukrainian",
    "Hindi",
]
LEVELS = ["", "ILR 2", "ILR 3", "ILR 4"]
CERTIFICATIONS = [
    "SC Workforce Certification, Basic",
    "SC Workforce Certification, Intermediate",
    "SC Workforce Certification, Advanced",
    "SC Workforce Certification, Executive",
]
URLS = {
    "all, by name": "/people",
    "page 40": "/people?page=40",
    "one word": "/people?q=pricing",
    "skill + place + language": "/people?q=" + quote("Arabic speaker CENTCOM case manager"),
    "question": "/people?q=" + quote("who knows IMET in Africa"),
    "text + filters": "/people?q=pricing&region=EUCOM&language=French",
    "filters only": "/people?language=maori&certification=" + quote("SC Workforce Certification, Advanced"),
    "API, text": "/api/people?q=" + quote("end-use monitoring specialist Poland"),
}


def expertise_pool() -> list[str]:
    """Expertise phrases from the starter profiles, so generated people read like SC staff."""
    found = []
    for path in (ROOT / "content" / "people").glob("*.md"):
        front = path.read_text(encoding="utf-8").split("---")[1]
        found += yaml.safe_load(front).get("expertise", [])
    return sorted(set(found))


def generate(folder: Path, people: int, articles: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    regions = yaml.safe_load((ROOT / "content" / "regions.yml").read_text(encoding="utf-8"))
    skills = expertise_pool()
    organizations = [f"Office of Security Cooperation {n:03d}" for n in range(150)] + [
        "Defense Security Cooperation Agency",
        "USASAC",
        "NAVSUP WSS",
        "AFSAC",
        "DTSA",
        "NETSAFA",
    ]
    for sub in ("areas", "articles", "people"):
        (folder / sub).mkdir(parents=True)
    for n, area in enumerate(AREAS):
        (folder / "areas" / f"{area}.md").write_text(f"---\ntitle: Area {area}\norder: {n}\n---\nAbout {area}.\n")
    (folder / "regions.yml").write_text((ROOT / "content" / "regions.yml").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "glossary.yml").write_text((ROOT / "content" / "glossary.yml").read_text(encoding="utf-8"), encoding="utf-8")
    ids = [f"person-{n:05d}" for n in range(people)]
    for n, person_id in enumerate(ids):
        command = rng.choice(regions)
        meta = {
            "name": f"Person {n:05d} {rng.choice(['Smith', 'Diallo', 'Novak', 'Tanaka', 'Okafor', 'Santos'])}",
            "title": rng.choice(["Case Manager", "Program Manager", "Analyst", "SCO Chief", "Licensing Officer"]),
            "organization": rng.choice(organizations),
            "email": f"{person_id}@example.mil",
            "phone": f"+1 555 {n:07d}",
            "areas": rng.sample(AREAS, rng.randint(1, 2)),
            "expertise": rng.sample(skills, 3),
            "regions": [command["command"]],
            "countries": rng.sample(command["countries"], min(len(command["countries"]), rng.randint(1, 3))),
            "languages": [
                {"name": lang, "level": level} if level else lang
                for lang, level in zip(rng.sample(LANGUAGES, 2), rng.choices(LEVELS, k=2), strict=True)
            ],
            "certification": rng.choice(CERTIFICATIONS),
        }
        bio = " ".join(
            rng.choices(
                ["works", "on", "cases", "pricing", "training", "partners", "logistics", "monitoring", "budgets", "reviews", "the", "and"], k=60
            )
        )
        (folder / "people" / f"{person_id}.md").write_text(
            "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + bio + "\n", encoding="utf-8"
        )
    for n in range(articles):
        skill = rng.choice(skills)
        area = AREAS[n % len(AREAS)]
        meta = {"title": f"{skill.capitalize()} {n}", "summary": f"About {skill}.", "experts": rng.sample(ids, 2)}
        (folder / "articles" / area).mkdir(exist_ok=True)
        (folder / "articles" / area / f"topic-{n:04d}.md").write_text(
            "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + f"How {skill} works. " * 20 + "\n"
        )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="2,000 people, 5 rounds")
    parser.add_argument("--keep", type=Path, help="generate and index into this folder, or reuse what is there")
    args = parser.parse_args()
    if args.quick:
        args.people, args.articles, args.rounds = 2_000, 100, 5

    from kb import create_app
    from kb.index import SearchIndex
    from kb.repository.sync import sync

    with tempfile.TemporaryDirectory() as scratch:
        tmp = str(args.keep or scratch)
        content = Path(tmp) / "content"
        if not content.exists():
            started = time.perf_counter()
            generate(content, args.people, args.articles)
            print(f"generated {args.people:,} people and {args.articles} articles in {time.perf_counter() - started:.1f} s")
        index = SearchIndex(Path(tmp) / "index")
        report = sync(content, index)
        index.close()
        print(report.summary())
        app = create_app(
            {
                "CONTENT_DIR": str(content),
                "INDEX_DIR": str(index.directory),
                "SECRET_KEY": "bench",
                "INSTANCE_DIR": str(Path(tmp) / "instance"),
                "SERVER_TIMING": True,
            }
        )
        client = app.test_client()

        def timed(url: str) -> float:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return float(re.search(r"dur=([\d.]+)", response.headers["Server-Timing"]).group(1))

        first = {name: timed(url) for name, url in URLS.items()}  # builds the per-generation arrays
        times: dict[str, list[float]] = {name: [] for name in URLS}
        for _ in range(args.rounds):
            for name, url in URLS.items():
                times[name].append(timed(url))
        every = [t for values in times.values() for t in values]
        print(f"\n/people and /api/people at {args.people:,} people, server-side ms (Server-Timing), facets included")
        print(f"{'request':<28} {'first':>8} {'p50':>8} {'p95':>8}")
        for name, values in times.items():
            print(f"{name:<28} {first[name]:>8.1f} {statistics.median(values):>8.1f} {percentile(values, 0.95):>8.1f}")
        print(f"{'all':<28} {'':>8} {statistics.median(every):>8.1f} {percentile(every, 0.95):>8.1f}   (target p95 < 50)")
        app.extensions["kb.index"].close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
