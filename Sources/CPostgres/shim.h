// libpq, PostgreSQL's C client library (Debian: libpq-dev). The headers live in /usr/include/postgresql;
// libpq-fe.h includes its siblings with quotes, so naming the directory here is enough.
#include <postgresql/libpq-fe.h>

/// Discards server notices ("NOTICE: relation already exists, skipping"): libpq's default processor
/// prints them on stderr, which is the server's log stream.
static inline void cpostgres_ignore_notice(void *arg, const char *message) { (void)arg; (void)message; }
static inline void cpostgres_silence_notices(PGconn *conn) { PQsetNoticeProcessor(conn, cpostgres_ignore_notice, 0); }
