"""The design gate: reviews, revision cycles from git history, interventions."""
