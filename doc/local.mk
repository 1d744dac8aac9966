## doc: the language and command-line references, man pages.
dist_doc_DATA += doc/language.md doc/running.md doc/testing.md doc/locust.md doc/reports.md doc/extensions.md
dist_man_MANS += doc/crowdc.1 doc/crowd.1
