"""Use cases: the generic CRUD pipelines, resource declarations and the catalog."""
