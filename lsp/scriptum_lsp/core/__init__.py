"""scriptum_lsp.core (see docs/architecture.md)."""
