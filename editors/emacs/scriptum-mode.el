;;; scriptum-mode.el --- Major mode and eglot setup for Scriptum scripts  -*- lexical-binding: t -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: languages

;;; Commentary:

;; Syntax highlighting for `.scriptum' files and an eglot setup for scriptum-lsp.
;;
;;   (add-to-list 'load-path "/path/to/scriptum-lsp/editors/emacs")
;;   (require 'scriptum-mode)
;;   (setq scriptum-settings '(:endpoint "https://api.dodil.io" :organization "acme"))
;;   (add-hook 'scriptum-mode-hook #'eglot-ensure)
;;
;; The token is not a setting you should write here: export DODIL_TOKEN (or SCRIPTUM_TOKEN) in the
;; environment Emacs starts the server from, or log in with the dodil CLI.
;;
;; Commands: `scriptum-publish', `scriptum-test', `scriptum-versions', `scriptum-rollback',
;; `scriptum-status', `scriptum-compile'.  Thread results land in the *scriptum threads* buffer.

;;; Code:

(require 'cl-lib)
(require 'json)
(require 'subr-x)
(require 'eglot)

(defgroup scriptum nil
  "Scriptum workflow scripts."
  :group 'languages
  :prefix "scriptum-")

(defcustom scriptum-lsp-command '("scriptum-lsp")
  "Command line (program and arguments) that starts the language server."
  :type '(repeat string))

(defcustom scriptum-settings nil
  "The `scriptum' settings section as a plist.
For example (:endpoint \"local\" :organization \"acme\").
Sent as initializationOptions and answered to workspace/configuration.  A
`.dir-locals.el' value of `eglot-workspace-configuration' with a :scriptum
section takes precedence for workspace/configuration."
  :type 'plist)

(defcustom scriptum-request-timeout 120
  "Seconds to wait for a command such as publish or test."
  :type 'integer)

;;;; Major mode

(defconst scriptum--keywords
  '("script" "version" "enum" "input" "output" "stream" "import" "tools" "env" "secrets"
    "do" "let" "each" "decide" "check" "together" "pipe" "repeat" "wait" "agent" "ask" "plan"
    "run" "emit" "yield" "send"
    "with" "in" "from" "parallel" "sleep" "batch" "via" "rules" "when" "otherwise" "until" "max"
    "native" "mcp"
    "on" "error" "thread" "retry" "fallback" "ignore" "pass" "fail" "continue" "goto"
    "and" "or" "not"))

(defconst scriptum--types
  '("text" "string" "number" "float" "double" "integer" "int" "int32" "int64" "long" "boolean"
    "bool" "object" "binary" "date" "timestamp" "datetime" "any" "value" "list" "map"))

(defconst scriptum--constants '("true" "false" "null"))

(defconst scriptum--capabilities '("llm" "embed" "rerank" "transcribe" "infer"))

(defvar scriptum-font-lock-keywords
  `(("^\\s-*###.*###\\s-*$" . font-lock-doc-face)
    ("--\\s-*\\(@[[:alnum:]_]+\\)" 1 font-lock-preprocessor-face t)
    (,(regexp-opt scriptum--keywords 'symbols) . font-lock-keyword-face)
    (,(regexp-opt scriptum--types 'symbols) . font-lock-type-face)
    (,(regexp-opt scriptum--constants 'symbols) . font-lock-constant-face)
    (,(regexp-opt scriptum--capabilities 'symbols) . font-lock-builtin-face)
    ("->>?\\s-*\\([[:alpha:]_][[:alnum:]_]*\\)" 1 font-lock-variable-name-face)
    ("^\\s-*\\([[:alpha:]_][[:alnum:]_]*\\)\\s-*[:=]" 1 font-lock-variable-name-face)
    ("{\\([[:alpha:]_][[:alnum:]_.]*\\)}" 1 font-lock-variable-name-face t))
  "Highlighting for `scriptum-mode'.")

(defvar scriptum-mode-syntax-table
  (let ((st (make-syntax-table)))
    (modify-syntax-entry ?- ". 12" st)
    (modify-syntax-entry ?\n ">" st)
    (modify-syntax-entry ?_ "_" st)
    (modify-syntax-entry ?\" "\"" st)
    (modify-syntax-entry ?' "." st)
    st)
  "Syntax table for `scriptum-mode': `--' starts a comment.")

;;;###autoload
(define-derived-mode scriptum-mode prog-mode "Scriptum"
  "Major mode for Scriptum workflow scripts (.scriptum)."
  (setq-local comment-start "-- ")
  (setq-local comment-start-skip "--+\\s-*")
  (setq-local indent-tabs-mode nil)
  (setq-local tab-width 2)
  (setq-local font-lock-defaults '(scriptum-font-lock-keywords)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.scriptum\\'" . scriptum-mode))

;;;; eglot

(declare-function eglot--path-to-uri "eglot")
(declare-function eglot-path-to-uri "eglot")
(declare-function eglot--uri-to-path "eglot")
(declare-function eglot--signal-textDocument/didChange "eglot")

(defvar scriptum--status nil "Last `scriptum/status' notification (plist).")
(defvar scriptum--threads nil "Alist threadId -> last result plist, newest first.")
(defvar scriptum-last-results nil "Alist command name -> last result, for scripts and tests.")

(defun scriptum--settings-object ()
  "The settings as a JSON-serialisable object (never nil)."
  (or scriptum-settings (make-hash-table)))

(defun scriptum-eglot-contact (&optional _interactive)
  "The eglot contact for scriptum-lsp.
Our server class, the command and its initializationOptions."
  `(scriptum-eglot-server ,@scriptum-lsp-command
                          :initializationOptions ,(lambda (_server) (scriptum--settings-object))))

(defclass scriptum-eglot-server (eglot-lsp-server) ()
  :documentation "eglot connection to scriptum-lsp.")

(add-to-list 'eglot-server-programs '(scriptum-mode . scriptum-eglot-contact))

(cl-defmethod eglot-handle-request
  ((_server scriptum-eglot-server) (_method (eql workspace/configuration)) &key items)
  "Answer ITEMS' `scriptum' section from `scriptum-settings'.
A `.dir-locals.el' value of `eglot-workspace-configuration' wins."
  (let ((answers (cl-call-next-method)))
      (apply #'vector
             (cl-loop for item across items
                      for answer across answers
                      collect (if (and (null answer) (equal (plist-get item :section) "scriptum"))
                                  (scriptum--settings-object)
                                answer)))))

(cl-defmethod eglot-handle-notification
  ((_server scriptum-eglot-server) (_method (eql scriptum/threadFinished)) &rest params)
  "Show the finished thread (PARAMS) in *scriptum threads*."
  (scriptum--show-thread params))

(cl-defmethod eglot-handle-notification
  ((_server scriptum-eglot-server) (_method (eql scriptum/status)) &rest params)
  "Remember the connection state (PARAMS) for `scriptum-mode-line'.
The server itself reports each failure once with window/showMessage."
  (setq scriptum--status params)
  (force-mode-line-update t))

;;;; Results

(defun scriptum-mode-line ()
  "A short status for the mode line: `scriptum: ok (local)'."
  (if scriptum--status
      (format "scriptum: %s (%s)" (plist-get scriptum--status :state)
              (or (plist-get scriptum--status :endpoint) "?"))
    ""))

(defun scriptum--json (value)
  "VALUE (a parsed JSON plist/vector) as indented JSON text."
  (with-temp-buffer
    (insert (let ((json-encoding-pretty-print t)) (json-encode value)))
    (buffer-string)))

(defun scriptum--show-thread (result)
  "Show RESULT (a thread result plist) in the *scriptum threads* buffer."
  (let* ((id (or (plist-get result :threadId) (format "#%d" (1+ (length scriptum--threads)))))
         (old (cdr (assoc id scriptum--threads)))
         (merged (append result old)))
    (setq scriptum--threads (cons (cons id merged) (assoc-delete-all id scriptum--threads)))
    (with-current-buffer (get-buffer-create "*scriptum threads*")
      (let ((inhibit-read-only t))
        (erase-buffer)
        (dolist (entry scriptum--threads)
          (let ((r (cdr entry)))
            (insert (format "## thread %s  %s" (car entry) (or (plist-get r :status) "?")))
            (when (numberp (plist-get r :durationMs))
              (insert (format "  (%d ms)" (plist-get r :durationMs))))
            (insert "\n")
            (let ((err (plist-get r :error)))
              (when (and err (not (eq err :null)) (not (equal err "")))
                (insert "error:\n" (if (stringp err) err (scriptum--json err)) "\n")))
            (let ((out (plist-get r :output)))
              (when (and out (not (eq out :null)))
                (insert "output:\n" (if (stringp out) out (scriptum--json out)) "\n")))
            (insert "\n"))))
      (special-mode)
      (goto-char (point-min)))
    (unless noninteractive
      (display-buffer "*scriptum threads*"))))

;;;; Commands

(defun scriptum--uri ()
  "The document URI of this buffer's file."
  (let ((path (expand-file-name (or (buffer-file-name) (user-error "Buffer has no file")))))
    (if (fboundp 'eglot-path-to-uri) (eglot-path-to-uri path) (eglot--path-to-uri path))))

(defun scriptum-execute (command &optional args)
  "Run the server COMMAND (a string) for this buffer.
ARGS (a plist) is merged into (:uri URI)."
  (when (fboundp 'eglot--signal-textDocument/didChange)
    (eglot--signal-textDocument/didChange)) ; the server must see the text we act on
  (scriptum--execute-on (eglot--current-server-or-lose) command args))

(defun scriptum--execute-on (server command args)
  "Run COMMAND on SERVER with (:uri URI) merged with the plist ARGS."
  (let* ((argument (append (list :uri (scriptum--uri)) args))
         (result (jsonrpc-request server :workspace/executeCommand
                                  (list :command command :arguments (vector argument))
                                  :timeout scriptum-request-timeout)))
    (setf (alist-get command scriptum-last-results nil nil #'equal) (or result :null))
    result))

(defun scriptum-publish ()
  "Publish the script draft as a new version."
  (interactive)
  (let ((result (scriptum-execute "scriptum.publish")))
    (message "Scriptum: published version %s" (plist-get result :version))
    result))

(defun scriptum--read-input (arg)
  "The test input for ARG, parsed.
ARG is JSON text, a path to a JSON file, or empty (then FILE.input.json
next to the script, or {})."
  (let* ((arg (string-trim (or arg "")))
         (sibling (and (buffer-file-name) (concat (file-name-sans-extension (buffer-file-name)) ".input.json")))
         (text (cond ((string-match-p "\\`[[{]" arg) arg)
                     ((not (string-empty-p arg))
                      (with-temp-buffer (insert-file-contents (expand-file-name arg)) (buffer-string)))
                     ((and sibling (file-readable-p sibling))
                      (with-temp-buffer (insert-file-contents sibling) (buffer-string)))
                     (t "{}"))))
    (json-parse-string text :object-type 'plist :null-object :null :false-object :json-false)))

(defun scriptum-test (input)
  "Test-run the draft with INPUT (JSON text or a JSON file).
The thread result goes to *scriptum threads*."
  (interactive (list (read-string "Scriptum test input (JSON or file, empty for {}): ")))
  (let* ((value (scriptum--read-input input))
         ;; :open false: the result goes to *scriptum threads*, not to a window/showDocument file
         (result (scriptum-execute "scriptum.test"
                                   (list :input (or value (make-hash-table)) :open :json-false))))
    (scriptum--show-thread result)
    (message "Scriptum: thread %s %s" (plist-get result :threadId) (plist-get result :status))
    result))

(defun scriptum--format-version (v)
  "A menu line for version V."
  (format "v%s  %s%s" (plist-get v :version) (or (plist-get v :status) "")
          (if (eq (plist-get v :active) t) "  (active)" "")))

(defun scriptum-versions ()
  "Pick a version, then open it, roll back to it or restore it into the buffer."
  (interactive)
  (let* ((versions (append (scriptum-execute "scriptum.listVersions") nil))
         (choices (mapcar (lambda (v) (cons (scriptum--format-version v) v)) versions)))
    (unless choices (user-error "No published versions yet"))
    (let* ((choice (cdr (assoc (completing-read "Version: " choices nil t) choices)))
           (version (plist-get choice :version))
           (action (completing-read (format "Version %s: " version)
                                    '("rollback" "open" "restore") nil t nil nil "rollback")))
      (pcase action
        ("rollback" (scriptum-rollback version))
        ("open" (scriptum--open-version version))
        ("restore" (scriptum-execute "scriptum.restoreVersion" (list :version version)))))))

(defun scriptum--open-version (version)
  "Show VERSION's source read-only."
  (let* ((result (scriptum-execute "scriptum.openVersion" (list :version version)))
         (text (or (plist-get result :text) (plist-get result :code) (plist-get result :content))))
    (cond ((stringp text)
           (with-current-buffer (get-buffer-create (format "*scriptum version %s*" version))
             (let ((inhibit-read-only t)) (erase-buffer) (insert text))
             (scriptum-mode)
             (setq buffer-read-only t)
             (pop-to-buffer (current-buffer))))
          ((stringp (plist-get result :uri))
           (find-file-read-only (eglot--uri-to-path (plist-get result :uri)))))))

(defun scriptum-rollback (version)
  "Make VERSION the active version."
  (interactive "nRoll back to version: ")
  (let ((result (scriptum-execute "scriptum.rollback" (list :version version))))
    (message "Scriptum: active version is now %s" (or (plist-get result :activeVersion) version))
    result))

(defun scriptum-status ()
  "Show the endpoint, organization, token source and connection state."
  (interactive)
  (let ((result (scriptum-execute "scriptum.status")))
    (message "Scriptum: %s" (scriptum--json result))
    result))

(defun scriptum-compile ()
  "Compile the draft on the endpoint now."
  (interactive)
  (scriptum-execute "scriptum.compile"))

(defun scriptum-code-action-publish ()
  "Run the server's `source.scriptum.publish' code action."
  (interactive)
  (eglot-code-actions (point-min) (point-max) "source.scriptum.publish" t))

(defun scriptum-code-action-test ()
  "Run the server's `source.scriptum.test' code action."
  (interactive)
  (eglot-code-actions (point-min) (point-max) "source.scriptum.test" t))


;;;; Ignite app drafts

;; The Ignite commands act on the app whose folder holds the current buffer (handler.py, a crate file, ...)
;; through a scriptum-lsp server of the same project: open any .scriptum file of the project first (or
;; M-x eglot in one). Python and Rust buffers stay with their own servers; the buffer is saved first, since
;; the server archives the app folder from disk.

(defun ignite--server ()
  "A running scriptum-lsp eglot server for the current project, or a user error."
  (or (and (eglot-managed-p) (memq 'scriptum-mode (eglot--major-modes (eglot-current-server)))
           (eglot-current-server))
      (let ((project (project-current)))
        (seq-find (lambda (s) (memq 'scriptum-mode (eglot--major-modes s)))
                  (and project (gethash project eglot--servers-by-project))))
      (user-error "No scriptum-lsp server in this project: open a .scriptum file of it first")))

(defun ignite-execute (command &optional args)
  "Run the server's Ignite COMMAND for this buffer's app.
ARGS (a plist) is merged into (:uri URI)."
  (when (and (buffer-file-name) (buffer-modified-p)) (save-buffer))
  (scriptum--execute-on (ignite--server) command args))

(defun ignite-save ()
  "Save the app folder as the Ignite app's draft."
  (interactive)
  (let ((r (ignite-execute "ignite.saveDraft")))
    (message "Ignite: %s draft saved (%s)" (plist-get r :app) (plist-get r :status)) r))

(defun ignite-compile ()
  "Compile the Rust draft (Python drafts need none); errors become diagnostics."
  (interactive)
  (let ((r (ignite-execute "ignite.compileDraft")))
    (message "Ignite: %s" (or (plist-get r :message) (plist-get r :status))) r))

(defun ignite-test (payload)
  "Test the draft with PAYLOAD (JSON text or a .json file).
Empty: the app's payload.json, else {}."
  (interactive (list (read-string "Ignite payload (JSON or file, empty for payload.json / {}): ")))
  (let* ((payload (string-trim (or payload "")))
         (r (ignite-execute "ignite.testDraft"
                            (append (list :open :json-false)
                                    (unless (string-empty-p payload) (list :payload payload))))))
    (when (stringp (plist-get r :document))
      (find-file-other-window (eglot--uri-to-path (plist-get r :document))))
    (message "Ignite: %s %s" (plist-get r :executionId) (plist-get r :status)) r))

(defun ignite-publish ()
  "Publish the draft as a new version."
  (interactive)
  (let ((r (ignite-execute "ignite.publishDraft")))
    (message "Ignite: %s published v%s" (plist-get r :app) (plist-get r :version)) r))

(defun ignite-rollback (version)
  "Make VERSION the active version (0: the one before the active one)."
  (interactive "nRoll back to version (0 = previous): ")
  (let ((r (ignite-execute "ignite.rollback" (list :version version))))
    (message "Ignite: active version is now v%s" (plist-get r :activeVersion)) r))

(defun ignite-versions ()
  "Pick a version, then open it, diff it with the workspace or roll back to it."
  (interactive)
  (let* ((versions (append (ignite-execute "ignite.listVersions") nil))
         (choices (mapcar (lambda (v) (cons (format "v%s  %s%s" (plist-get v :version) (plist-get v :status)
                                                    (if (eq (plist-get v :active) t) "  (active)" ""))
                                            v))
                          versions)))
    (unless choices (user-error "No published versions yet"))
    (let* ((version (plist-get (cdr (assoc (completing-read "Version: " choices nil t) choices)) :version))
           (action (completing-read (format "Version %s: " version) '("open" "diff" "rollback") nil t)))
      (pcase action
        ("rollback" (ignite-rollback version))
        ("open" (let ((r (ignite-execute "ignite.openVersion" (list :version version))))
                  (find-file-read-only-other-window (eglot--uri-to-path (plist-get r :uri))) r))
        ("diff" (let ((r (ignite-execute "ignite.diffVersion" (list :version version))))
                  (with-current-buffer (get-buffer-create "*ignite diff*")
                    (let ((inhibit-read-only t)) (erase-buffer) (insert (or (plist-get r :diff) "")))
                    (diff-mode) (setq buffer-read-only t) (pop-to-buffer (current-buffer)))
                  r))))))

(defun ignite-status ()
  "The project's Ignite apps with their draft status and active version."
  (interactive)
  (let ((r (ignite-execute "ignite.status")))
    (message "Ignite: %s" (mapconcat (lambda (a) (format "%s: draft %s, active v%s" (plist-get a :app)
                                                         (plist-get a :draft) (plist-get a :activeVersion)))
                                     (plist-get r :apps) "; "))
    r))

(provide 'scriptum-mode)
;;; scriptum-mode.el ends here
