"""Content for the directory tests: SAMPLE plus people built to tell ranking, places and facets apart."""

from __future__ import annotations

from .conftest import SAMPLE

REGIONS_YML = """
    - command: AFRICOM
      name: U.S. Africa Command
      words: [Africa, African, West Africa]
      countries: [Nigeria, Kenya, Côte d'Ivoire]
    - command: EUCOM
      name: U.S. European Command
      words: [Europe, European, Baltics]
      countries: [Poland, Estonia]
    - command: INDOPACOM
      name: U.S. Indo-Pacific Command
      words: [Pacific, Indo-Pacific, Asia]
      countries: [New Zealand, Republic of Korea, Japan]
    - command: SOUTHCOM
      name: U.S. Southern Command
      words: [South America, Latin America]
      countries: [Colombia, Peru]
    """

PEOPLE = {
    "people/ana-novak.md": """
        ---
        name: Ana Novak
        title: Pricing Analyst
        organization: DSCA
        email: ana.novak@example.mil
        phone: "+1 555 0111"
        location: Warsaw, Poland
        areas: [fms]
        expertise: [FMS pricing, price and availability data]
        countries: [Poland]
        languages:
          - {name: French, level: ILR 3}
          - Polish
        certification: SC Workforce Certification, Advanced
        sco: Office of Defense Cooperation Warsaw
        ---
        Ana prepares cost estimates.
        """,
    "people/bob-bio.md": """
        ---
        name: Bob Bio
        title: Generalist
        organization: Army
        email: bob.bio@example.mil
        phone: "+1 555 0112"
        regions: [EUCOM]
        languages: [German]
        ---
        Bob has read about pricing, talks about pricing and once sat in a pricing meeting.
        """,
    "people/tane-parata.md": """
        ---
        name: Tane Parata
        title: Training Manager
        organization: NETSAFA
        email: tane.parata@example.mil
        phone: "+64 555 0113"
        areas: [eum]
        expertise: [IMET program management]
        countries: [New Zealand]
        languages: [Māori, English]
        sco: Office of Defense Cooperation Wellington
        ---
        Tane runs training programs.
        """,
    "people/chloe-kone.md": """
        ---
        name: Chloé Koné
        title: Case Manager
        organization: DSCA
        email: chloe.kone@example.mil
        phone: "+1 555 0114"
        areas: [fms, eum]
        expertise: [end-use monitoring checks]
        countries: [Côte d'Ivoire, Kenya]
        languages: [French]
        certification: SC Workforce Certification, Advanced
        ---
        Chloé checks that articles are used as agreed.
        """,
    "articles/fms/pricing.md": """
        ---
        title: FMS pricing
        summary: How FMS prices are built.
        tags: [pricing, case-development]
        experts: [ana-novak]
        countries: [Poland]
        regions: [SOUTHCOM]
        ---
        Pricing of FMS cases: estimates, surcharges and price and availability data.
        """,
    "articles/eum/kenya-visits.md": """
        ---
        title: Compliance visits in Kenya
        summary: What a visit covers.
        areas: [eum]
        countries: [Kenya]
        ---
        Visits check night vision devices.
        """,
}

DIRECTORY_SAMPLE = {**SAMPLE, **PEOPLE, "regions.yml": REGIONS_YML}
# every sample person's contact data, for the privacy tests
CONTACTS = {
    "maria-delgado": ("maria.delgado@example.mil", "+1 555 0101"),
    "ana-novak": ("ana.novak@example.mil", "+1 555 0111"),
    "bob-bio": ("bob.bio@example.mil", "+1 555 0112"),
    "tane-parata": ("tane.parata@example.mil", "+64 555 0113"),
    "chloe-kone": ("chloe.kone@example.mil", "+1 555 0114"),
}
