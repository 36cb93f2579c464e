"""scriptum_lsp.language (see docs/architecture.md)."""
