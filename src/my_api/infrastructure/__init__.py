"""Technical plumbing: database connections, migrations, logging."""
