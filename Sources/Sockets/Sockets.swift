// Sockets module — see ../../docs and ARCHITECTURE.md
