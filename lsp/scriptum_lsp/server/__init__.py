"""scriptum_lsp.server (see docs/architecture.md)."""
