"""Pages: what each page shows, for one reader (the library, onboarding paths, feeds, markings, history and diffs)."""
