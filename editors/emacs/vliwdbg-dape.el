;;; vliwdbg-dape.el --- vliwdbg as a dape adapter  -*- lexical-binding: t; -*-
;; Evaluate (or put in your init file) after dape is loaded; then `M-x dape' and choose
;; vliwdbg in a kernel file's buffer. `vliwdbg' must be on the PATH.
(with-eval-after-load 'dape
  (add-to-list 'dape-configs
               `(vliwdbg
                 modes (python-mode python-ts-mode)
                 command "vliwdbg"
                 command-args ("--dap")
                 :type "vliwdbg"
                 :request "launch"
                 :cwd dape-cwd
                 :kernel dape-buffer-default
                 :height 10
                 :rounds 16
                 :batch 256)))
;;; vliwdbg-dape.el ends here
