// Storage module — see ../../docs and ARCHITECTURE.md
