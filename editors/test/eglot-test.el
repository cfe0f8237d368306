;;; eglot-test.el --- the docs/editors.md Emacs configuration, run for real  -*- lexical-binding: t -*-

;; Starts copydesk through eglot with the configuration docs/editors.md gives
;; (Emacs 28 with Debian's elpa-eglot 1.9, or Emacs 29+ with eglot built in),
;; on the reference article and the fixture lexicon, and checks what eglot
;; receives. Run from the repository root:
;;
;;   COPYDESK_BIN=target/debug/copydesk emacs --batch -l editors/test/eglot-test.el
;;
;; Prints one line per check and "N passed, N failed"; exits 1 on a failure.

(require 'package)
(package-initialize)
(require 'eglot)
(require 'cl-lib)

(defvar copydesk-test-root (expand-file-name default-directory))
(defvar copydesk-test-bin
  (expand-file-name (or (getenv "COPYDESK_BIN") "target/debug/copydesk") copydesk-test-root))
(defvar copydesk-test-lexicon (expand-file-name "tests/fixtures/sochi.lexicon.json" copydesk-test-root))
(defvar copydesk-test-article (expand-file-name "tests/fixtures/sochi-putin-erdogan.txt" copydesk-test-root))
(defvar copydesk-test-passed 0)
(defvar copydesk-test-failed 0)

(defun copydesk-test-check (name ok &optional detail)
  (if ok
      (progn (setq copydesk-test-passed (1+ copydesk-test-passed))
             (princ (format "ok - %s\n" name)))
    (setq copydesk-test-failed (1+ copydesk-test-failed))
    (princ (format "not ok - %s\n  %s\n" name (or detail "")))))

;; --- The configuration from docs/editors.md, with the test's paths. ---
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               `((markdown-mode text-mode) . (,copydesk-test-bin "serve"))))
(setq-default eglot-workspace-configuration
              `(:copydesk (:lexicons [,copydesk-test-lexicon]
                           :diagnostics (:delayMs 0))))
;; The server's status after each lexicon (re)load; eglot would log it as an
;; unknown notification otherwise.
(defvar copydesk-status nil)
(cl-defmethod eglot-handle-notification (_server (_method (eql copydesk/status)) &key lexicons error)
  (setq copydesk-status (list :lexicons lexicons :error error))
  (message "copydesk: %s" (if (stringp error) error
                            (mapconcat (lambda (l) (format "%s: %s entities, %s claims"
                                                           (plist-get l :path) (plist-get l :entities)
                                                           (plist-get l :claims)))
                                       lexicons "; "))))
;; ---

(setq eglot-sync-connect 30
      eglot-connect-timeout 30)

(defun copydesk-test-hover-at (needle)
  "The hover text for the name at the first NEEDLE in the buffer."
  (goto-char (point-min))
  (search-forward needle)
  (goto-char (match-beginning 0))
  (let ((hover (jsonrpc-request (eglot-current-server) :textDocument/hover
                                (eglot--TextDocumentPositionParams))))
    (and hover (plist-get (plist-get hover :contents) :value))))

(condition-case err
    (progn
      (find-file copydesk-test-article)
      (text-mode)
      (apply #'eglot (eglot--guess-contact))
      (let ((server (eglot-current-server)))
        (copydesk-test-check "eglot connects to copydesk serve" (and server (jsonrpc-running-p server)))
        (copydesk-test-check "the server gets the copydesk section of the workspace configuration"
                             (equal (eglot--workspace-configuration-plist server)
                                    `(:copydesk (:lexicons [,copydesk-test-lexicon]
                                                 :diagnostics (:delayMs 0))))))
      (with-timeout (15 nil)
        (while (not copydesk-status) (accept-process-output nil 0.05)))
      (let ((lexicon (aref (plist-get copydesk-status :lexicons) 0)))
        (copydesk-test-check "the server reports the lexicon it loaded"
                             (and (equal (plist-get lexicon :entities) 35)
                                  (equal (plist-get lexicon :claims) 34)
                                  (not (stringp (plist-get copydesk-status :error))))
                             (format "%S" copydesk-status)))
      (let ((card (copydesk-test-hover-at "Erdemir, director")))
        (copydesk-test-check
         "hover on Erdemir shows his card"
         (and card (string-match-p "Aykan Erdemir" card)
              (string-match-p "director of the Turkey Program at the Foundation for Defense of Democracies" card))
         (format "%S" card)))
      (let ((card (copydesk-test-hover-at "S-400 missiles")))
        (copydesk-test-check "hover on S-400 describes the missile system"
                             (and card (string-match-p "Russian surface-to-air missile system" card))
                             (format "%S" card)))
      (goto-char (point-min))
      (search-forward "Erdemir, director")
      (goto-char (match-beginning 0))
      (let* ((found (jsonrpc-request (eglot-current-server) :textDocument/definition
                                     (eglot--TextDocumentPositionParams)))
             (uris (mapcar (lambda (l) (or (plist-get l :uri) (plist-get l :targetUri)))
                           (if (vectorp found) (append found nil) (list found)))))
        (copydesk-test-check "definition from the first mention reaches the lexicon entry"
                             (member (eglot--path-to-uri copydesk-test-lexicon) uris)
                             (format "%S" found)))
      (eglot-shutdown (eglot-current-server)))
  (error (copydesk-test-check "the eglot session" nil (error-message-string err))))

(princ (format "%d passed, %d failed\n" copydesk-test-passed copydesk-test-failed))
(kill-emacs (if (> copydesk-test-failed 0) 1 0))
;;; eglot-test.el ends here
