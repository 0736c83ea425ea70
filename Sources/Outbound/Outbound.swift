// Outbound module — see ../../docs and ARCHITECTURE.md
