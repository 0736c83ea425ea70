// Asaas module — see ../../docs and ARCHITECTURE.md
