;;; eglot_e2e.el --- headless Emacs + eglot run of scriptum-mode against scriptum-lsp  -*- lexical-binding: t -*-
;; Usage (no -Q: Debian's site-start puts elpa-eglot on the load-path):
;;   SCRIPTUM_E2E_PLUGIN=editors/emacs SCRIPTUM_E2E_CMD='["python","-m","scriptum_lsp"]' \
;;   SCRIPTUM_E2E_SETTINGS='{"endpoint":"http://127.0.0.1:PORT","organization":"org"}' \
;;   SCRIPTUM_E2E_RESULT=out.json emacs --batch -l eglot_e2e.el demo.scriptum
;; Steps: diagnostics -> preferred quick fix through `eglot-code-actions' -> save -> `scriptum-publish'
;; -> `scriptum-test' -> `scriptum-status'.  Exit code 0 only if every step passed.
(require 'json)
(add-to-list 'load-path (expand-file-name (getenv "SCRIPTUM_E2E_PLUGIN")))
(require 'eglot)
(require 'flymake)
(require 'scriptum-mode)

(defvar e2e-timeout (/ (string-to-number (or (getenv "SCRIPTUM_E2E_TIMEOUT_MS") "30000")) 1000.0))
(defvar e2e-result (list (cons 'emacs emacs-version)
                         (cons 'eglot (file-name-nondirectory
                                       (directory-file-name (file-name-directory (locate-library "eglot")))))))
(defvar e2e-steps nil)

(defun e2e-put (key value) (push (cons key value) e2e-result))
(defun e2e-step (name) (push name e2e-steps))

(defun e2e-wait (what pred)
  (let ((deadline (+ (float-time) e2e-timeout)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (or (funcall pred) (error "Timeout waiting for %s" what))))

(defun e2e-finish (ok)
  (e2e-put 'ok (if ok t :json-false))
  (e2e-put 'steps (vconcat (reverse e2e-steps)))
  (with-temp-file (or (getenv "SCRIPTUM_E2E_RESULT") "emacs-result.json")
    (insert (json-encode e2e-result)))
  (let ((server (ignore-errors (eglot-current-server))))
    (when server (ignore-errors (eglot-shutdown server))))
  (kill-emacs (if ok 0 1)))

(defun e2e-errors ()
  (cl-remove-if-not (lambda (d) (eq (flymake-diagnostic-type d) 'eglot-error)) (flymake-diagnostics)))

(defun e2e-position (pos)
  "POS as 0-based (line character): characters from the line start, not display columns."
  (save-excursion (goto-char pos) (list (1- (line-number-at-pos)) (- (point) (line-beginning-position)))))

(setq scriptum-lsp-command (append (json-read-from-string (getenv "SCRIPTUM_E2E_CMD")) nil))
(setq scriptum-settings
      (json-parse-string (or (getenv "SCRIPTUM_E2E_SETTINGS") "{}") :object-type 'plist))

(let ((file (pop command-line-args-left)))
  (condition-case err
      (progn
        (find-file file)
        (e2e-put 'major_mode (symbol-name major-mode))
        (e2e-step "mode")
        ;; what M-x eglot does, minus the prompts
        (apply #'eglot (eglot--guess-contact))
        (e2e-wait "the server" (lambda () (eglot-current-server)))
        (e2e-put 'server_class (symbol-name (eieio-object-class (eglot-current-server))))
        (e2e-step "initialized")
        ;; flymake normally starts deferred (after a command, in a visible buffer): never in batch
        (flymake-start)
        (e2e-wait "diagnostics" (lambda () (flymake-diagnostics)))
        (e2e-put 'diagnostics
                 (vconcat (mapcar (lambda (d)
                                    (list (cons 'start (e2e-position (flymake-diagnostic-beg d)))
                                          (cons 'end (e2e-position (flymake-diagnostic-end d)))
                                          (cons 'type (symbol-name (flymake-diagnostic-type d)))
                                          (cons 'text (flymake-diagnostic-text d))))
                                  (flymake-diagnostics))))
        (e2e-step "diagnostics")
        ;; the quick fix, as `M-x eglot-code-actions RET' on the diagnostic picking the default
        ;; (preferred) entry
        (let* ((d (car (flymake-diagnostics)))
               (fixed-text (flymake-diagnostic-text d))
               (before (buffer-string))
               (menu nil))
          (cl-letf ((last-nonmenu-event 13) ; invoked from the keyboard, not a mouse menu
                    ((symbol-function 'completing-read)
                     (lambda (_prompt collection &optional _pred _req _init _hist def &rest _)
                       (setq menu (mapcar #'car collection))
                       def)))
            (eglot-code-actions (flymake-diagnostic-beg d) (flymake-diagnostic-end d) nil t))
          (e2e-put 'menu (vconcat menu))
          (e2e-wait "the quick fix edit" (lambda () (not (equal before (buffer-string)))))
          (e2e-put 'fixed_text (buffer-string))
          ;; saving sends didChange + didSave (in batch the idle timer that sends didChange never fires)
          (save-buffer)
          (e2e-wait "the fixed diagnostic to go away"
                    (lambda ()
                      (flymake-start)
                      (not (member fixed-text (mapcar #'flymake-diagnostic-text (flymake-diagnostics))))))
          (e2e-put 'remaining_errors (length (e2e-errors))))
        (e2e-step "quickfix")
        (e2e-put 'publish (scriptum-publish))
        (e2e-step "publish")
        (e2e-put 'test (scriptum-test (or (getenv "SCRIPTUM_E2E_INPUT") "{}")))
        (e2e-wait "the threads buffer" (lambda () (get-buffer "*scriptum threads*")))
        (e2e-put 'thread_buffer (with-current-buffer "*scriptum threads*" (buffer-string)))
        (e2e-step "test")
        ;; a second version, then `scriptum-versions': pick v1 and "rollback" in the two prompts
        (goto-char (point-max))
        (insert "-- second version\n")
        (save-buffer)
        (e2e-put 'publish2 (scriptum-publish))
        (let ((prompts nil))
          (cl-letf (((symbol-function 'completing-read)
                     (lambda (prompt collection &rest _)
                       (let ((labels (mapcar (lambda (c) (if (consp c) (car c) c)) collection)))
                         (push (list (cons 'prompt prompt) (cons 'items (vconcat labels))) prompts)
                         (if (string-prefix-p "Version:" prompt)
                             (cl-find-if (lambda (l) (string-prefix-p "v1 " l)) labels)
                           "rollback")))))
            (scriptum-versions))
          (e2e-put 'version_prompts (vconcat (reverse prompts))))
        (e2e-put 'rollback (alist-get "scriptum.rollback" scriptum-last-results nil nil #'equal))
        (e2e-step "versions")
        ;; v1 again: "open" (a read-only buffer), then "restore" (workspace/applyEdit into this buffer)
        (let ((script-buffer (current-buffer)))
          (dolist (action '("open" "restore"))
            (cl-letf (((symbol-function 'completing-read)
                       (lambda (prompt collection &rest _)
                         (if (string-prefix-p "Version:" prompt)
                             (cl-find-if (lambda (l) (string-prefix-p "v1 " l))
                                         (mapcar (lambda (c) (if (consp c) (car c) c)) collection))
                           action)))
                      ;; eglot asks before applying a server's workspace/applyEdit: answer "y"
                      ((symbol-function 'y-or-n-p)
                       (lambda (prompt) (e2e-put 'confirm_prompt prompt) t)))
              (with-current-buffer script-buffer (scriptum-versions))))
          (let ((opened (cl-find-if (lambda (b) (string-suffix-p "v1.scriptum" (or (buffer-file-name b) "")))
                                    (buffer-list))))
            (unless opened (error "Version 1 was not opened"))
            (e2e-put 'opened_version
                      (with-current-buffer opened
                        (list (cons 'text (buffer-string)) (cons 'read_only (if buffer-read-only t :json-false))))))
          (with-current-buffer script-buffer
            (e2e-wait "the restore edit" (lambda () (not (string-suffix-p "-- second version\n" (buffer-string)))))
            (e2e-put 'restored_text (buffer-string))))
        (e2e-step "open_restore")
        (e2e-put 'status (scriptum-status))
        (e2e-put 'mode_line (scriptum-mode-line))
        (e2e-step "status")
        (e2e-finish t))
    (error (e2e-put 'error (error-message-string err))
           (e2e-finish nil))))
