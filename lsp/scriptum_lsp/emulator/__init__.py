"""scriptum_lsp.emulator (see docs/architecture.md)."""
