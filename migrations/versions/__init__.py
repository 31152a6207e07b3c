"""The revisions, applied in order by ``blueprint db migrate``."""
