// AdminAPI module — see ../../docs and ARCHITECTURE.md
