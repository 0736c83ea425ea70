// HTTP module — see ../../docs and ARCHITECTURE.md
