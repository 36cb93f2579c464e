;;; snippet_probe.el --- loaded after a documented init snippet (docs/editors.md)  -*- lexical-binding: t -*-
;; Opens the script like a user, lets the hooks run (`eglot-ensure' connects after the first command),
;; waits for the typo's diagnostic, asks `scriptum.status', writes the result.
(require 'json)
(require 'eglot)
(require 'flymake)
(defvar probe-timeout (/ (string-to-number (or (getenv "SCRIPTUM_E2E_TIMEOUT_MS") "60000")) 1000.0))
(defun probe-wait (what pred)
  (let ((deadline (+ (float-time) probe-timeout)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (or (funcall pred) (error "Timeout waiting for %s" what))))
(let ((result nil))
  (condition-case err
      (progn
        (find-file (pop command-line-args-left))
        (push (cons 'major_mode (symbol-name major-mode)) result)
        (run-hooks 'post-command-hook)  ; what the first command after opening the file does
        (probe-wait "eglot" (lambda () (eglot-current-server)))
        (probe-wait "the typo's diagnostic"
                    (lambda ()
                      (flymake-start)
                      (cl-some (lambda (d) (string-match-p "nmae" (flymake-diagnostic-text d)))
                               (flymake-diagnostics))))
        (push (cons 'diagnostics
                    (vconcat (mapcar (lambda (d)
                                       (save-excursion
                                         (goto-char (flymake-diagnostic-beg d))
                                         (list (cons 'line (1- (line-number-at-pos)))
                                               (cons 'col (- (point) (line-beginning-position)))
                                               (cons 'text (flymake-diagnostic-text d)))))
                                     (flymake-diagnostics))))
              result)
        (push (cons 'status (jsonrpc-request (eglot-current-server) :workspace/executeCommand
                                             '(:command "scriptum.status" :arguments [])))
              result)
        (push (cons 'ok t) result))
    (error (push (cons 'error (error-message-string err)) result)
           (push (cons 'ok :json-false) result)))
  (with-temp-file (getenv "SCRIPTUM_E2E_RESULT") (insert (json-encode result)))
  (let ((server (ignore-errors (eglot-current-server))))
    (when server (ignore-errors (eglot-shutdown server))))
  (kill-emacs (if (eq (alist-get 'ok result) t) 0 1)))
