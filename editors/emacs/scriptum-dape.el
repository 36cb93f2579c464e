;;; scriptum-dape.el --- dape configurations for Scriptum scripts  -*- lexical-binding: t -*-

;; Package-Requires: ((emacs "29.1") (dape "0.13"))

;;; Commentary:

;; The Scriptum debugger (`scriptum-lsp debug', a Debug Adapter Protocol server; docs/debugger.md) for dape:
;;   (with-eval-after-load 'dape (require 'scriptum-dape))
;; then `M-x dape' and pick `scriptum' (debug the current script) or `scriptum-replay' (an exported thread).
;; Breakpoints go on step lines (`dape-breakpoint-toggle'); conditions are Scriptum expressions.

;;; Code:

(require 'dape)

(defvar scriptum-dape-command '("scriptum-lsp")
  "The scriptum-lsp command (a list); `debug' is added to it.")

(defun scriptum-dape--input ()
  "The script's NAME.input.json next to it, when there is one."
  (let ((f (concat (file-name-sans-extension (dape-buffer-default)) ".input.json")))
    (if (file-readable-p f) f nil)))

(add-to-list 'dape-configs
             `(scriptum
               modes (scriptum-mode)
               command ,(car scriptum-dape-command)
               command-args ,(append (cdr scriptum-dape-command) '("debug"))
               :type "scriptum"
               :request "launch"
               :script dape-buffer-default
               :input scriptum-dape--input))

(add-to-list 'dape-configs
             `(scriptum-replay
               modes (scriptum-mode)
               command ,(car scriptum-dape-command)
               command-args ,(append (cdr scriptum-dape-command) '("debug"))
               :type "scriptum"
               :request "launch"
               :threadFile (lambda () (read-file-name "Thread file: "))))

(provide 'scriptum-dape)
;;; scriptum-dape.el ends here
