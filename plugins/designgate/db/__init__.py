"""The database design made executable: verification on a real PostgreSQL."""
