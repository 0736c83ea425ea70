// Billing module — see ../../docs and ARCHITECTURE.md
