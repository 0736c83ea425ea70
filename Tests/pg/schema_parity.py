#!/usr/bin/env python3
"""Schema parity of migrations/*.sql (SQLite) and migrations/postgres/*.sql (PostgreSQL).

    python3 Tests/pg/schema_parity.py postgres://billing@127.0.0.1:PORT/billing [-v] [--migrations DIR]

Applies migrations/NNN_name.sql in order to a fresh SQLite file (each file in one transaction, like the
server's runner) and migrations/postgres/NNN_name.sql to a fresh, uniquely named database of the cluster at
URL (`psql -v ON_ERROR_STOP=1 --single-transaction -f`, database dropped afterwards), then compares:

  * the migration file lists (same numbers and names on both sides);
  * the set of tables; per table the columns in order with a type class (integer/real/text/blob; a
    PostgreSQL integer column must be bigint), NOT NULL, DEFAULT (normalised), identity (SQLite's
    INTEGER PRIMARY KEY rowid alias <-> GENERATED ... AS IDENTITY / serial);
  * primary keys; unique constraints and unique indexes (columns, partial predicate); foreign keys
    (columns, target table and columns, ON DELETE / ON UPDATE); named indexes (unique, columns, predicate);
  * CHECK constraints (as normalised token streams, best effort);
  * the rows the migrations leave behind (seed data such as plans).

SQLite-only features mapped by rule: a COLLATE NOCASE column in a UNIQUE constraint must be, in PostgreSQL,
UNIQUE on the column plus a unique index named <table>_<column>_nocase on lower(<column>); GLOB 'pat' must be
`~ '^regex$'` with the same character classes. Expressions are compared best effort: casts, parentheses
and commas are dropped, IN (...) / = ANY (ARRAY[...]) and BETWEEN / >= AND <= are unified.

Prints every difference and exits 1 if there is any (2 when a migration fails to apply); only the Python
standard library and the psql client are used.
"""
import collections
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILE_RE = re.compile(r"^(\d+)_(.+)\.sql$")
NULL = "\\N"   # psql's rendering of NULL (-P null=...)
FS = "\x1f"    # field separator for psql -At -F
AS = "\x1e"    # separator inside aggregated arrays


class ApplyError(Exception):
    pass


# --- tokens ---------------------------------------------------------------------------------------------

TOKEN_RE = re.compile(r"""
    (?P<ws>\s+) | (?P<comment>--[^\n]*|/\*.*?\*/) |
    (?P<str>'(?:[^']|'')*') | (?P<qid>"(?:[^"]|"")*") |
    (?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?) | (?P<id>[A-Za-z_][A-Za-z0-9_$]*) |
    (?P<op>::|<>|!=|<=|>=|\|\||[=<>+\-*/%(),.\[\]~;])
""", re.X | re.S)

NUMERIC_TYPES = {"bigint", "integer", "smallint", "numeric", "int8", "int4", "int2"}
TYPE_WORDS = {"text", "bigint", "integer", "smallint", "numeric", "boolean", "bytea", "double", "precision", "real",
              "int8", "int4", "int2", "character", "varying"}


def tokenize(sql):
    """[(kind, value)]: kind is 'id' (lowercased), 'str' (unquoted), 'num' (canonical) or 'op'."""
    out, pos = [], 0
    while pos < len(sql):
        m = TOKEN_RE.match(sql, pos)
        if not m:
            raise ValueError("cannot tokenize %r" % sql[pos:pos + 40])
        pos = m.end()
        kind = m.lastgroup
        v = m.group(kind)
        if kind in ("ws", "comment"):
            continue
        if kind == "str":
            out.append(("str", v[1:-1].replace("''", "'")))
        elif kind == "qid":
            out.append(("id", v[1:-1].replace('""', '"').lower()))
        elif kind == "num":
            out.append(("num", canon_num(v)))
        elif kind == "id":
            out.append(("id", v.lower()))
        else:
            out.append(("op", "<>" if v == "!=" else v))
    return out


def canon_num(v):
    try:
        return str(int(v))
    except ValueError:
        return repr(float(v))


def glob_to_canon(pat):
    """A GLOB pattern (always anchored) in the canonical spelling: '[0-9][0-9]-' stays, '*' -> '.*', '?' -> '.'."""
    out, i = [], 0
    while i < len(pat):
        if pat[i] == "[":
            j = pat.index("]", i + 2 if pat[i + 1:i + 2] in ("]", "^") else i + 1)
            out.append(pat[i:j + 1])
            i = j + 1
            continue
        out.append({"*": ".*", "?": "."}.get(pat[i], pat[i]))
        i += 1
    return "".join(out)


def regex_to_canon(rx):
    """'^[0-9]{4}-[0-9]{2}$' -> '[0-9][0-9][0-9][0-9]-[0-9][0-9]' (the GLOB spelling); unanchored -> marked."""
    if not (rx.startswith("^") and rx.endswith("$")):
        return "unanchored:" + rx
    body, out, i = rx[1:-1], [], 0
    while i < len(body):
        if body[i] == "[":
            j = body.index("]", i + 1)
            atom = body[i:j + 1]
            i = j + 1
        elif body[i] == "\\" and i + 1 < len(body):
            atom = body[i + 1]
            i += 2
        else:
            atom = body[i]
            i += 1
        m = re.match(r"\{(\d+)\}", body[i:])
        if m:
            out.append(atom * int(m.group(1)))
            i += m.end()
        else:
            out.append(atom)
    return "".join(out)


def normalise_expr(tokens):
    """A best-effort canonical string for a CHECK / predicate / default expression of either dialect."""
    t = list(tokens)
    out = []
    i = 0
    while i < len(t):
        kind, v = t[i]
        # casts: x::type, 'nnn'::bigint -> number (PostgreSQL prints big integer literals that way)
        if (kind, v) == ("op", "::"):
            j = i + 1
            while j < len(t) and t[j][0] == "id" and t[j][1] in TYPE_WORDS:
                j += 1
            typ = " ".join(x[1] for x in t[i + 1:j])
            if out and out[-1][0] == "str" and typ in NUMERIC_TYPES and re.fullmatch(r"-?\d+", out[-1][1]):
                out[-1] = ("num", canon_num(out[-1][1]))
            if j < len(t) and t[j] == ("op", "["):   # ::text[]
                j += 2
            i = j
            continue
        # PostgreSQL: = ANY (ARRAY[...]) -> IN (...); <> ALL (ARRAY[...]) -> NOT IN (...)
        if (kind, v) == ("op", "=") and i + 2 < len(t) and t[i + 1] == ("id", "any") and \
                (t[i + 2] == ("id", "array") or (t[i + 2] == ("op", "(") and i + 3 < len(t) and t[i + 3] == ("id", "array"))):
            out.append(("id", "in"))
            i += 2
            continue
        if (kind, v) == ("op", "<>") and i + 2 < len(t) and t[i + 1] == ("id", "all"):
            out.extend([("id", "not"), ("id", "in")])
            i += 2
            continue
        if (kind, v) == ("id", "array"):
            i += 1
            continue
        # SQLite: GLOB 'pat' -> ~ canon; PostgreSQL: ~ 'regex' -> ~ canon
        if (kind, v) == ("id", "glob") and i + 1 < len(t) and t[i + 1][0] == "str":
            out.extend([("op", "~"), ("str", glob_to_canon(t[i + 1][1]))])
            i += 2
            continue
        if (kind, v) == ("op", "~") and i + 1 < len(t) and t[i + 1][0] == "str":
            out.extend([("op", "~"), ("str", regex_to_canon(t[i + 1][1]))])
            i += 2
            continue
        out.append((kind, v))
        i += 1
    # SQLite: x BETWEEN a AND b -> x >= a AND x <= b (what PostgreSQL prints)
    res = []
    i = 0
    flat = [x for x in out if x[1] not in ("(", ")", "[", "]", ",") or x[0] != "op"]
    while i < len(flat):
        if flat[i] == ("id", "between") and res and i + 3 < len(flat) and flat[i + 2] == ("id", "and"):
            subject = res[-1]
            res.extend([("op", ">="), flat[i + 1], ("id", "and"), subject, ("op", "<="), flat[i + 3]])
            i += 4
            continue
        res.append(flat[i])
        i += 1
    return " ".join(("'%s'" % v) if k == "str" else v for k, v in res)


def expr_text(tokens):
    """Index column expressions: tokens joined, parentheses kept (outer ones dropped)."""
    while len(tokens) >= 2 and tokens[0] == ("op", "(") and tokens[-1] == ("op", ")") and balanced(tokens[1:-1]):
        tokens = tokens[1:-1]
    return " ".join(("'%s'" % v) if k == "str" else v for k, v in tokens)


def balanced(tokens):
    depth = 0
    for k, v in tokens:
        if k == "op" and v == "(":
            depth += 1
        elif k == "op" and v == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def split_top(tokens, sep=","):
    parts, cur, depth = [], [], 0
    for tok in tokens:
        if tok == ("op", "("):
            depth += 1
        elif tok == ("op", ")"):
            depth -= 1
        if depth == 0 and tok == ("op", sep):
            parts.append(cur)
            cur = []
        else:
            cur.append(tok)
    if cur:
        parts.append(cur)
    return parts


def paren_body(tokens, start):
    """tokens[start] is '('; returns (inner tokens, index after the matching ')')."""
    depth = 0
    for j in range(start, len(tokens)):
        if tokens[j] == ("op", "("):
            depth += 1
        elif tokens[j] == ("op", ")"):
            depth -= 1
            if depth == 0:
                return tokens[start + 1:j], j + 1
    raise ValueError("unbalanced parentheses")


# --- schema model -----------------------------------------------------------------------------------------

def empty_table():
    return {"columns": [], "pk": (), "uniques": set(), "indexes": {}, "fks": set(), "checks": collections.Counter(),
            "nocase": set()}


# --- SQLite -----------------------------------------------------------------------------------------------

def migration_files(directory):
    files = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if not name.endswith(".sql") or not os.path.isfile(path):
            continue
        m = FILE_RE.match(name)
        if not m:
            raise ApplyError("bad migration file name %s" % path)
        files.append((int(m.group(1)), m.group(2), path))
    files.sort()
    return files


def sqlite_affinity(decl):
    d = (decl or "").upper()
    if "INT" in d:
        return "integer"
    if any(x in d for x in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if d == "" or "BLOB" in d:
        return "blob"
    if any(x in d for x in ("REAL", "FLOA", "DOUB")):
        return "real"
    return "numeric"


def sqlite_schema(files, path):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for version, name, fpath in files:
        sql = open(fpath, encoding="utf-8").read()
        try:
            conn.execute("BEGIN IMMEDIATE")
            # executescript would COMMIT first; run the statements one by one inside the transaction.
            for stmt in sqlite_statements(sql):
                conn.execute(stmt)
            bad = conn.execute("PRAGMA foreign_key_check").fetchone()
            if bad:
                raise ApplyError("foreign key check failed after %s: %r" % (fpath, bad))
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            raise ApplyError("SQLite: %s failed: %s" % (os.path.relpath(fpath, ROOT), e))
    tables = {}
    for tname, tsql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        t = empty_table()
        tables[tname] = t
        cols = conn.execute("PRAGMA table_info(%s)" % quote_id(tname)).fetchall()
        pkcols = [c[1] for c in sorted((c for c in cols if c[5] > 0), key=lambda c: c[5])]
        without_rowid = bool(re.search(r"\)\s*WITHOUT\s+ROWID\s*;?\s*$", tsql, re.I))
        rowid_alias = len(pkcols) == 1 and not without_rowid and \
            next(c for c in cols if c[1] == pkcols[0])[2].upper() == "INTEGER"
        collations = sqlite_column_collations(tsql)
        for cid, cname, ctype, notnull, dflt, pk in cols:
            identity = rowid_alias and cname == pkcols[0]
            default = "identity" if identity else (normalise_expr(tokenize(dflt)) if dflt is not None else None)
            if default == "null":
                default = None
            t["columns"].append((cname, sqlite_affinity(ctype), bool(notnull or pk), default))
            if collations.get(cname.lower(), "binary") != "binary":
                t["nocase"].add((cname, collations[cname.lower()]))
        t["pk"] = tuple(pkcols)
        for seq, iname, unique, origin, partial in conn.execute("PRAGMA index_list(%s)" % quote_id(tname)).fetchall():
            row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (iname,)).fetchone()
            isql = row[0] if row else None  # autoindexes have no SQL; a WITHOUT ROWID table's key has no row
            exprs, pred = sqlite_index_sql(isql) if isql else ([], None)
            keycols = []
            for n, row in enumerate(r for r in conn.execute("PRAGMA index_xinfo(%s)" % quote_id(iname)).fetchall() if r[5]):
                _, cid, cname, desc, coll, _key = row
                if cid == -2:
                    col = exprs[n] if n < len(exprs) else "?"
                elif (coll or "BINARY").upper() == "NOCASE":
                    col = "lower ( %s )" % cname.lower()
                else:
                    col = cname.lower()
                keycols.append(col + (" desc" if desc else ""))
            keycols = tuple(keycols)
            if origin == "pk":
                continue
            if unique:
                t["uniques"].add((keycols, pred))
                # NOCASE rule: PostgreSQL has UNIQUE (col) plus <table>_<col>_nocase on lower(col).
                if len(keycols) == 1 and keycols[0].startswith("lower ( ") and origin == "u":
                    col = keycols[0][len("lower ( "):-2]
                    t["uniques"].add(((col,), pred))
                    t["indexes"]["%s_%s_nocase" % (tname, col)] = (True, keycols, pred)
            if origin == "c":
                t["indexes"][iname] = (bool(unique), keycols, pred)
        fks = collections.defaultdict(list)
        for fid, seq, target, frm, to, on_update, on_delete, match in conn.execute(
                "PRAGMA foreign_key_list(%s)" % quote_id(tname)).fetchall():
            fks[fid].append((seq, frm, to, target, on_update, on_delete))
        for fid, rows in fks.items():
            rows.sort()
            target = rows[0][3]
            tos = [r[2] for r in rows]
            if any(x is None for x in tos):
                tcols = conn.execute("PRAGMA table_info(%s)" % quote_id(target)).fetchall()
                tos = [c[1] for c in sorted((c for c in tcols if c[5] > 0), key=lambda c: c[5])]
            t["fks"].add((tuple(r[1] for r in rows), target, tuple(tos), rows[0][5].upper(), rows[0][4].upper()))
        for check in sqlite_checks(tsql):
            t["checks"][normalise_expr(check)] += 1
    data = {}
    for tname in tables:
        order = ", ".join(str(i + 1) for i in range(len(tables[tname]["columns"])))
        data[tname] = [tuple(sqlite_value(v) for v in row)
                       for row in conn.execute("SELECT * FROM %s ORDER BY %s" % (quote_id(tname), order))]
    conn.close()
    return tables, data


def sqlite_value(v):
    if v is None:
        return NULL
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, bytes):
        return "\\x" + v.hex()
    return str(v)


def quote_id(name):
    return '"%s"' % name.replace('"', '""')


def sqlite_statements(sql):
    """Splits a migration into statements (sqlite3.complete_statement tells where one ends)."""
    out, cur = [], ""
    for line in sql.splitlines(keepends=True):
        cur += line
        if sqlite3.complete_statement(cur):
            if cur.strip():
                out.append(cur)
            cur = ""
    if cur.strip() and not all(tok[0] == "op" and tok[1] == ";" for tok in tokenize(cur)):
        out.append(cur)
    return out


def sqlite_column_collations(tsql):
    """{column: collation} from a CREATE TABLE statement (column definitions only)."""
    toks = tokenize(tsql)
    start = toks.index(("op", "("))
    body, _ = paren_body(toks, start)
    res = {}
    for part in split_top(body):
        if not part or part[0][0] != "id" or part[0][1] in ("constraint", "primary", "unique", "check", "foreign"):
            continue
        for i, tok in enumerate(part[:-1]):
            if tok == ("id", "collate"):
                res[part[0][1]] = part[i + 1][1].lower()
    return res


def sqlite_checks(tsql):
    toks = tokenize(tsql)
    start = toks.index(("op", "("))
    body, _ = paren_body(toks, start)
    checks = []
    i = 0
    while i < len(body):
        if body[i] == ("id", "check") and i + 1 < len(body) and body[i + 1] == ("op", "("):
            inner, i = paren_body(body, i + 1)
            checks.append(inner)
        else:
            i += 1
    return checks


def sqlite_index_sql(isql):
    """(key expressions, predicate) of a CREATE INDEX statement."""
    toks = tokenize(isql)
    on = toks.index(("id", "on"))
    start = toks.index(("op", "("), on)
    body, after = paren_body(toks, start)
    exprs = []
    for part in split_top(body):
        while part and part[-1][0] == "id" and part[-1][1] in ("asc", "desc"):
            part = part[:-1]
        exprs.append(expr_text(part))
    pred = None
    if after < len(toks) and toks[after] == ("id", "where"):
        rest = [x for x in toks[after + 1:] if x != ("op", ";")]
        pred = normalise_expr(rest)
    return exprs, pred


# --- PostgreSQL ------------------------------------------------------------------------------------------

def with_database(url, dbname):
    p = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((p.scheme, p.netloc, "/" + dbname, p.query, p.fragment))


def run_psql(args):
    try:
        return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"] + args, capture_output=True, text=True)
    except FileNotFoundError:
        raise ApplyError("psql not found: install postgresql-15 (make test-deps) or put psql on PATH")


def psql(url, sql):
    """Rows of a query, fields split on FS; NULL is NULL."""
    r = run_psql(["-At", "-F", FS, "-P", "null=" + NULL, "-d", url, "-c", sql])
    if r.returncode != 0:
        raise ApplyError("psql failed: %s\n%s" % (sql.strip()[:200], r.stderr.strip()))
    return [line.split(FS) for line in r.stdout.split("\n") if line != ""]


def pg_apply(url, files):
    for version, name, fpath in files:
        r = run_psql(["--single-transaction", "-d", url, "-f", fpath])
        if r.returncode != 0:
            raise ApplyError("PostgreSQL: %s failed:\n%s" % (os.path.relpath(fpath, ROOT), r.stderr.strip()))


PG_TYPECLASS = {"bigint": "integer", "double precision": "real", "text": "text", "bytea": "blob",
                "integer": "int4 (use bigint)", "smallint": "int2 (use bigint)", "real": "float4 (use double precision)"}
FK_ACTION = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def pg_schema(url):
    tables = {}
    for (tname,) in psql(url, """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1"""):
        tables[tname] = empty_table()
    for tname, cname, ctype, notnull, dflt, identity, coll in psql(url, """
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid), a.attidentity,
                   CASE WHEN a.attcollation IN (0, 100) THEN 'default' ELSE co.collname END
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY c.relname, a.attnum"""):
        t = tables[tname]
        if identity in ("a", "d") or (dflt != NULL and dflt.startswith("nextval(")):
            default = "identity"
        elif dflt == NULL:
            default = None
        else:
            default = normalise_expr(tokenize(dflt))
        t["columns"].append((cname, PG_TYPECLASS.get(ctype, ctype), notnull == "t", default))
        if coll != "default":
            t["nocase"].add((cname, "collate " + coll))
    for tname, conname, contype, condef, cols, ftable, fcols, deltype, updtype in psql(url, """
            SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid),
                   array_to_string(ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
                       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o), '%s'),
                   coalesce(f.relname, ''),
                   array_to_string(ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
                       JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o), '%s'),
                   k.confdeltype, k.confupdtype
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_class f ON f.oid = k.confrelid
            WHERE n.nspname = current_schema() ORDER BY 1, 2""" % (AS, AS)):
        t = tables[tname]
        cols = tuple(cols.split(AS)) if cols else ()
        if contype == "p":
            t["pk"] = cols
        elif contype == "f":
            t["fks"].add((cols, ftable, tuple(fcols.split(AS)), FK_ACTION[deltype], FK_ACTION[updtype]))
        elif contype == "c":
            toks = tokenize(condef)
            assert toks[0] == ("id", "check")
            inner, _ = paren_body(toks, 1)
            t["checks"][normalise_expr(inner)] += 1
        elif contype in ("u", "x", "t"):
            pass  # unique constraints are read through their indexes below; others are reported there
    for tname, iname, unique, primary, keys, pred, from_constraint in psql(url, """
            SELECT c.relname, i.relname, ix.indisunique, ix.indisprimary,
                   array_to_string(ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true)
                                         FROM generate_series(1, ix.indnkeyatts) k ORDER BY k), '%s'),
                   pg_get_expr(ix.indpred, ix.indrelid),
                   EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid AND k.conrelid = ix.indrelid)
            FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class c ON c.oid = ix.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() ORDER BY 1, 2""" % AS):
        t = tables[tname]
        if primary == "t":
            continue
        keycols = tuple(expr_text(tokenize(k)) for k in keys.split(AS))
        pred = None if pred == NULL else normalise_expr(tokenize(pred))
        if unique == "t":
            t["uniques"].add((keycols, pred))
        if from_constraint != "t":
            t["indexes"][iname] = (unique == "t", keycols, pred)
    data = {}
    for tname, t in tables.items():
        order = ", ".join(str(i + 1) for i in range(len(t["columns"])))
        rows = psql(url, "SELECT * FROM %s ORDER BY %s" % (quote_id(tname), order))
        data[tname] = [tuple(r) for r in rows]
    return tables, data


# --- comparison --------------------------------------------------------------------------------------------

def compare(sq, pg, sq_data, pg_data, out):
    for name in sorted(set(sq) - set(pg)):
        out.append("table %s: only in SQLite" % name)
    for name in sorted(set(pg) - set(sq)):
        out.append("table %s: only in PostgreSQL" % name)
    for name in sorted(set(sq) & set(pg)):
        a, b = sq[name], pg[name]
        acols, bcols = [c[0] for c in a["columns"]], [c[0] for c in b["columns"]]
        if acols != bcols:
            out.append("%s: columns differ\n    SQLite:     %s\n    PostgreSQL: %s" % (name, ", ".join(acols), ", ".join(bcols)))
        bmap = {c[0]: c for c in b["columns"]}
        for col in a["columns"]:
            other = bmap.get(col[0])
            if not other:
                continue
            for idx, what in ((1, "type"), (2, "not null"), (3, "default")):
                if col[idx] != other[idx]:
                    out.append("%s.%s: %s: SQLite %r, PostgreSQL %r" % (name, col[0], what, col[idx], other[idx]))
        if a["pk"] != b["pk"]:
            out.append("%s: primary key: SQLite %r, PostgreSQL %r" % (name, a["pk"], b["pk"]))
        for what in ("uniques", "fks"):
            for x in sorted(a[what] - b[what], key=repr):
                out.append("%s: %s only in SQLite: %r" % (name, what[:-1], x))
            for x in sorted(b[what] - a[what], key=repr):
                out.append("%s: %s only in PostgreSQL: %r" % (name, what[:-1], x))
        for iname in sorted(set(a["indexes"]) | set(b["indexes"])):
            x, y = a["indexes"].get(iname), b["indexes"].get(iname)
            if x != y:
                out.append("%s: index %s: SQLite %r, PostgreSQL %r" % (name, iname, x, y))
        if a["checks"] != b["checks"]:
            for c in sorted((a["checks"] - b["checks"]).elements()):
                out.append("%s: CHECK only in SQLite: %s" % (name, c))
            for c in sorted((b["checks"] - a["checks"]).elements()):
                out.append("%s: CHECK only in PostgreSQL: %s" % (name, c))
        # COLLATE NOCASE columns must be covered by the lower() rule (unique) -- anything else is untranslated.
        for col, coll in sorted(a["nocase"]):
            if coll != "nocase" or ("%s_%s_nocase" % (name, col.lower())) not in b["indexes"]:
                out.append("%s.%s: SQLite COLLATE %s has no PostgreSQL counterpart" % (name, col, coll))
        for col, coll in sorted(b["nocase"]):
            out.append("%s.%s: PostgreSQL column %s (SQLite has none)" % (name, col, coll))
        if sq_data.get(name) != pg_data.get(name):
            ra, rb = set(sq_data.get(name, [])), set(pg_data.get(name, []))
            out.append("%s: rows differ after the migrations: %d only in SQLite, %d only in PostgreSQL%s" % (
                name, len(ra - rb), len(rb - ra),
                "".join("\n    SQLite:     %r" % (r,) for r in sorted(ra - rb)[:3]) +
                "".join("\n    PostgreSQL: %r" % (r,) for r in sorted(rb - ra)[:3])))


def describe(tables):
    lines = []
    for name in sorted(tables):
        t = tables[name]
        lines.append("%s" % name)
        for c in t["columns"]:
            lines.append("    %-26s %-8s %-9s %s" % (c[0], c[1], "not null" if c[2] else "", c[3] if c[3] is not None else ""))
        lines.append("    pk %r" % (t["pk"],))
        for u in sorted(t["uniques"], key=repr):
            lines.append("    unique %r" % (u,))
        for i in sorted(t["indexes"]):
            lines.append("    index %s %r" % (i, t["indexes"][i]))
        for f in sorted(t["fks"], key=repr):
            lines.append("    fk %r" % (f,))
        for c in sorted(t["checks"]):
            lines.append("    check %s" % c)
    return "\n".join(lines)


def main():
    argv = sys.argv[1:]
    sqlite_dir = os.path.join(ROOT, "migrations")
    if "--migrations" in argv:  # another tree's migrations (DIR and DIR/postgres), e.g. to test this script
        i = argv.index("--migrations")
        sqlite_dir = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
    verbose = "-v" in argv
    args = [a for a in argv if not a.startswith("-")]
    if len(args) != 1:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    url = args[0]
    SQLITE_DIR, PG_DIR = sqlite_dir, os.path.join(sqlite_dir, "postgres")
    try:
        sq_files, pg_files = migration_files(SQLITE_DIR), migration_files(PG_DIR)
    except (ApplyError, OSError) as e:
        print(str(e), file=sys.stderr)
        return 2
    diffs = []
    sq_names = [(v, n) for v, n, _ in sq_files]
    pg_names = [(v, n) for v, n, _ in pg_files]
    for v, n in sorted(set(sq_names) - set(pg_names)):
        diffs.append("migration %03d_%s.sql has no migrations/postgres/%03d_%s.sql" % (v, n, v, n))
    for v, n in sorted(set(pg_names) - set(sq_names)):
        diffs.append("migrations/postgres/%03d_%s.sql has no SQLite migration" % (v, n))

    dbname = "parity_%d_%s" % (os.getpid(), uuid.uuid4().hex[:8])
    dburl = with_database(url, dbname)
    created = False
    try:
        with tempfile.TemporaryDirectory(prefix="schema_parity.") as tmp:
            sq, sq_data = sqlite_schema(sq_files, os.path.join(tmp, "parity.sqlite"))
        # C collation: text compares and sorts bytewise, like SQLite's BINARY (the app compares RFC 3339 text).
        psql(url, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" % dbname)
        created = True
        pg_apply(dburl, pg_files)
        pg, pg_data = pg_schema(dburl)
    except ApplyError as e:
        print(str(e), file=sys.stderr)
        return 2
    finally:
        if created:
            psql(url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % dbname)
    compare(sq, pg, sq_data, pg_data, diffs)
    if verbose:
        print("== SQLite\n" + describe(sq) + "\n== PostgreSQL\n" + describe(pg))
    if diffs:
        print("schema parity: %d difference(s) between migrations/ and migrations/postgres/:" % len(diffs))
        for d in diffs:
            print("  - " + d)
        return 1
    ncols = sum(len(t["columns"]) for t in sq.values())
    nidx = sum(len(t["indexes"]) for t in sq.values())
    nchk = sum(sum(t["checks"].values()) for t in sq.values())
    nfk = sum(len(t["fks"]) for t in sq.values())
    print("schema parity: OK (%d migrations, %d tables, %d columns, %d named indexes, %d foreign keys, %d checks)"
          % (len(sq_files), len(sq), ncols, nidx, nfk, nchk))
    return 0


if __name__ == "__main__":
    sys.exit(main())
