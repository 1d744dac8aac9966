## doc: the language and command-line references.
dist_doc_DATA += doc/language.md doc/running.md
