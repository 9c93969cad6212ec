"""SQL through `databases`: dialects, statements, repository, unit of work, migrations."""
