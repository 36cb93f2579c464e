"""scriptum_lsp.engine (see docs/architecture.md)."""
