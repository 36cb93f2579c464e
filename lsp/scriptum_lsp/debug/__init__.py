"""`scriptum-lsp debug`: a Debug Adapter Protocol server for Scriptum scripts (docs/debugger.md).

Two kinds of session share one adapter: *launch* runs a script's draft with the emulator's runner under a step
hook (a real stop at each step), *replay* walks the recorded steps of a finished thread (any endpoint, nothing
re-runs). `dap` is the wire, `control` decides where to stop, `live` and `replay` produce steps, `session` answers
the requests.
"""
