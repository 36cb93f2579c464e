"""scriptum_lsp.api (see docs/architecture.md)."""
