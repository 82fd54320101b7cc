"""Content health and what readers need: kb check, freshness, the search log and its report."""
