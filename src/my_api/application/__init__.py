"""Resource declarations: the DTOs and mappings that plug entities into the generics."""
