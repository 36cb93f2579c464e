"""scriptum-lsp: language server, local emulator and editor tooling for dodil's Scriptum DSL."""

__version__ = "0.1.0"
