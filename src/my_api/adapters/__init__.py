"""Everything that talks to the outside: HTTP and storage."""
