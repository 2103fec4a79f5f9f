package bunstore

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/switchboardkit/switchboard/storage"
)

// Config is what a DSN means: the database behind it and the connection
// string its driver is given. ParseDSN builds it without connecting.
type Config struct {
	// Dialect is the database the DSN names.
	Dialect Dialect
	// Conn is the driver's connection string:
	//   - SQLite: ":memory:" for a private in-memory database, else a SQLite
	//     URI "file:PATH" with the caller's query parameters (the store adds
	//     its own pragmas when it opens the file);
	//   - PostgreSQL: the URL or key=value string as given (the scheme in
	//     lower case), for pgx;
	//   - MySQL/MariaDB: a go-sql-driver DSN with parseTime=true, loc=UTC and
	//     time_zone='+00:00' set.
	Conn string
}

// acceptedDSNs is appended to every refusal, so the caller learns what would
// have worked.
const acceptedDSNs = `accepted forms: "postgres://…" or "postgresql://…" URL, ` +
	`libpq "host=… dbname=…" (PostgreSQL); ` +
	`"user:pass@tcp(host:3306)/db?…", "user@unix(/path/mysqld.sock)/db", ` +
	`"mysql://" or "mariadb://" before either, or "mysql://user:pass@host:3306/db" (MySQL/MariaDB); ` +
	`"sqlite:PATH", "file:PATH[?…]", ":memory:", "" or a plain file path (SQLite)`

// libpqKeywords are the connection parameters a libpq key=value string may
// start with (PostgreSQL's documented keywords).
var libpqKeywords = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "password": true,
	"passfile": true, "require_auth": true, "channel_binding": true, "connect_timeout": true,
	"client_encoding": true, "options": true, "application_name": true,
	"fallback_application_name": true, "keepalives": true, "keepalives_idle": true,
	"keepalives_interval": true, "keepalives_count": true, "tcp_user_timeout": true,
	"replication": true, "gssencmode": true, "sslmode": true, "requiressl": true,
	"sslnegotiation": true, "sslcompression": true, "sslcert": true, "sslkey": true,
	"sslpassword": true, "sslcertmode": true, "sslrootcert": true, "sslcrl": true,
	"sslcrldir": true, "sslsni": true, "requirepeer": true, "ssl_min_protocol_version": true,
	"ssl_max_protocol_version": true, "krbsrvname": true, "gsslib": true, "gssdelegation": true,
	"service": true, "target_session_attrs": true, "load_balance_hosts": true,
}

// ParseDSN tells which database dsn names and what its driver gets, without
// connecting; Open uses it. The accepted forms, tried in this order:
//
//	"" or ":memory:"                          SQLite, private in-memory database
//	"postgres://…", "postgresql://…"          PostgreSQL URL (libpq syntax, through pgx)
//	"host=… dbname=… …"                       PostgreSQL key=value string (the first key is a libpq keyword)
//	"mysql://DSN", "mariadb://DSN"            MySQL/MariaDB; DSN in go-sql-driver form, below
//	"mysql://user:pass@host:3306/db?…"        MySQL/MariaDB as a URL (port 3306 when omitted)
//	"user:pass@tcp(host:port)/db?…"           MySQL/MariaDB, go-sql-driver form without a scheme;
//	"user@unix(/run/mysqld.sock)/db", "tcp(host)/db", "user@/db"  likewise
//	"sqlite:PATH", "file:PATH", "file:PATH?…" SQLite file; both are SQLite URIs: PATH is
//	                                          percent-decoded, the query goes to the driver,
//	                                          "file:///abs/path" and "file://localhost/…" work
//	PATH                                      SQLite file at a plain filesystem path
//
// Schemes are matched case-insensitively; mariadb:// is an alias of mysql://
// because one driver serves both. A plain path is a path only when it carries
// none of a DSN's markers: no "://" or other "scheme:" prefix (a Windows
// drive letter such as C:\ is allowed), no "@" (user@host), no "=" (key=value
// pairs), no "?" (a query), no "tcp(" or "unix(" (go-sql-driver), no control
// characters and no leading or trailing space. Anything else is refused
// rather than guessed: unknown schemes (mongodb://, sqlserver://, sqlite3://,
// …), a "user@host/db" that is not go-sql-driver syntax, a file name with one
// of the markers (open such a file with "sqlite:" or "file:", which take the
// rest literally apart from percent-escapes), SQLite URIs with a remote
// authority or parameters that would turn off what the store relies on
// (_txlock other than immediate, foreign_keys off).
//
// A refusal is a *storage.ValidationError (storage.ErrInvalid) on field
// "dsn" whose message says why and lists the accepted forms; it never
// repeats the DSN, which may hold a password.
func ParseDSN(dsn string) (Config, error) {
	const op = "bunstore.ParseDSN"
	refuse := func(format string, args ...any) (Config, error) {
		return Config{}, storage.Invalid(op, "dsn", "dsn", fmt.Sprintf(format, args...)+"; "+acceptedDSNs)
	}
	if dsn == "" || dsn == ":memory:" {
		return Config{Dialect: SQLite, Conn: ":memory:"}, nil
	}
	if !utf8.ValidString(dsn) {
		return refuse("the DSN is not valid UTF-8")
	}
	for _, r := range dsn {
		if unicode.IsControl(r) {
			return refuse("the DSN contains a control character")
		}
	}
	scheme, rest, hasScheme := splitScheme(dsn)
	switch {
	case hasScheme && strings.HasPrefix(rest, "://"):
		switch scheme {
		case "postgres", "postgresql":
			return postgresConfig(scheme+rest, refuse)
		case "mysql", "mariadb":
			return mysqlConfig(rest[3:], true, refuse)
		case "sqlite", "file":
			return sqliteURIConfig(rest[1:], refuse)
		}
		return refuse("the scheme %q is not supported", scheme)
	case hasScheme && (scheme == "sqlite" || scheme == "file"):
		return sqliteURIConfig(rest[1:], refuse)
	case looksLikeGoMySQL(dsn): // before "user:" could pass for a scheme
		return mysqlConfig(dsn, false, refuse)
	case hasScheme && len(scheme) == 1 && len(rest) > 1 && (rest[1] == '\\' || rest[1] == '/'):
		// a Windows drive letter: C:\data\x.db
	case hasScheme && (scheme == "postgres" || scheme == "postgresql" || scheme == "mysql" || scheme == "mariadb"):
		return refuse("%s: needs \"//\" after the colon", scheme)
	case hasScheme:
		return refuse("the scheme %q is not supported", scheme)
	}
	if key, ok := firstKey(dsn); ok {
		if libpqKeywords[strings.ToLower(key)] {
			return postgresConfig(dsn, refuse)
		}
		return refuse("%q=… is neither a libpq keyword nor part of a file path (name such a file with sqlite:)", key)
	}
	switch {
	case strings.Contains(dsn, "?"):
		return refuse(`a plain path cannot carry a query; write file:PATH?… for SQLite parameters`)
	case strings.Contains(dsn, "@"):
		return refuse(`the DSN has "@" like user@host but is not a go-sql-driver DSN (user:pass@tcp(host:port)/db); name a file with "@" with sqlite:`)
	case strings.Contains(dsn, "="):
		return refuse(`the DSN has "=" like key=value pairs but does not start with a libpq keyword; name a file with "=" with sqlite:`)
	case strings.TrimSpace(dsn) != dsn:
		return refuse("the DSN has leading or trailing spaces")
	}
	return Config{Dialect: SQLite, Conn: "file:" + (&url.URL{Path: dsn}).EscapedPath()}, nil
}

// splitScheme splits "scheme:rest" when dsn starts with an RFC 3986 scheme
// (a letter, then letters, digits, "+", "-" or "."), the scheme in lower
// case; rest keeps the colon.
func splitScheme(dsn string) (scheme, rest string, ok bool) {
	i := strings.IndexByte(dsn, ':')
	if i <= 0 {
		return "", "", false
	}
	for j, r := range dsn[:i] {
		letter := r < utf8.RuneSelf && unicode.IsLetter(r)
		other := j > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')
		if !letter && !other {
			return "", "", false
		}
	}
	return strings.ToLower(dsn[:i]), dsn[i:], true
}

// firstKey reports the key of a leading "key=" (spaces allowed around it).
func firstKey(dsn string) (string, bool) {
	s := strings.TrimLeft(dsn, " ")
	i := strings.IndexByte(s, '=')
	if i <= 0 {
		return "", false
	}
	key := strings.TrimRight(s[:i], " ")
	if key == "" {
		return "", false
	}
	for _, r := range key {
		word := r == '_' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if !word {
			return "", false
		}
	}
	return key, true
}

// goMySQLNets are the networks a go-sql-driver DSN without a scheme may
// name; a custom dialer's network needs the mysql:// scheme.
var goMySQLNets = map[string]bool{"tcp": true, "tcp4": true, "tcp6": true, "unix": true}

// looksLikeGoMySQL reports whether dsn has go-sql-driver's
// "[user[:pass]@][net(addr)]/db" shape: tcp, tcp4, tcp6 or unix with its
// address in parentheses ("@tcp(", "@unix(", a leading "tcp("), or "user@/db".
func looksLikeGoMySQL(dsn string) bool {
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		return false
	}
	head := dsn[:slash]
	if at := strings.LastIndexByte(head, '@'); at >= 0 {
		head = head[at+1:]
	} else if strings.Contains(dsn[:slash], ":") && !strings.Contains(dsn[:slash], "(") {
		return false
	}
	if head == "" {
		return strings.Contains(dsn[:slash], "@") // "user@/db": the default address
	}
	open := strings.IndexByte(head, '(')
	if open <= 0 || !strings.HasSuffix(head, ")") {
		return false
	}
	return goMySQLNets[head[:open]]
}

func postgresConfig(dsn string, refuse func(string, ...any) (Config, error)) (Config, error) {
	if _, err := pgx.ParseConfig(dsn); err != nil {
		return refuse("PostgreSQL DSN: %v", err) // pgconn redacts the password
	}
	return Config{Dialect: Postgres, Conn: dsn}, nil
}

// mysqlConfig parses a go-sql-driver DSN. After a scheme it also takes a
// URL "user:pass@host:port/db?…" (no "(" anywhere, so it cannot be the
// go-sql-driver form).
func mysqlConfig(dsn string, scheme bool, refuse func(string, ...any) (Config, error)) (Config, error) {
	var cfg *mysql.Config
	var err error
	if scheme && !strings.Contains(dsn, "(") && !strings.Contains(dsn, "@/") && !strings.HasPrefix(dsn, "/") {
		u, perr := url.Parse("mysql://" + dsn)
		if perr != nil {
			return refuse("MySQL URL: %v", redactURLError(perr))
		}
		if u.Host == "" || strings.Count(u.Path, "/") > 1 || u.Fragment != "" {
			return refuse("MySQL URL: want mysql://user:pass@host:port/db?…")
		}
		path := u.Path
		if path == "" {
			path = "/"
		}
		if cfg, err = mysql.ParseDSN(path + "?" + u.RawQuery); err != nil {
			return refuse("MySQL DSN: %v", err)
		}
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
		cfg.Net = "tcp"
		cfg.Addr = u.Host
		if u.Port() == "" {
			cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
		}
	} else if cfg, err = mysql.ParseDSN(dsn); err != nil {
		return refuse("MySQL DSN: %v", err)
	}
	forceMySQL(cfg)
	return Config{Dialect: MySQL, Conn: cfg.FormatDSN()}, nil
}

// forceMySQL sets what the store relies on: times scanned into time.Time in
// UTC, and a UTC session.
func forceMySQL(cfg *mysql.Config) {
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
}

// redactURLError drops the URL from a *url.Error: it may hold a password.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// sqliteURIConfig parses the part after "file:" or "sqlite:" as a SQLite URI.
func sqliteURIConfig(rest string, refuse func(string, ...any) (Config, error)) (Config, error) {
	pathPart, query, _ := strings.Cut(rest, "?")
	if strings.HasPrefix(pathPart, "//") {
		host, abs, _ := strings.Cut(pathPart[2:], "/")
		if host != "" && !strings.EqualFold(host, "localhost") {
			return refuse("a SQLite URI names no remote host (file:///abs/path or file:relative/path)")
		}
		pathPart = "/" + abs
	}
	path, err := url.PathUnescape(pathPart)
	if err != nil {
		return refuse("SQLite path: %v", err)
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return refuse("SQLite URI query: %v", err)
	}
	if msg := sqliteParamsProblem(params); msg != "" {
		return refuse("%s", msg)
	}
	if path == "" {
		return refuse("a SQLite URI needs a path (or :memory:)")
	}
	if path == ":memory:" && len(params) == 0 {
		return Config{Dialect: SQLite, Conn: ":memory:"}, nil
	}
	conn := "file:" + (&url.URL{Path: path}).EscapedPath()
	if len(params) > 0 {
		conn += "?" + params.Encode()
	}
	return Config{Dialect: SQLite, Conn: conn}, nil
}

// sqliteParamsProblem rejects URI parameters that would switch off what the
// store relies on: BEGIN IMMEDIATE and foreign keys.
func sqliteParamsProblem(params url.Values) string {
	for _, v := range params["_txlock"] {
		if !strings.EqualFold(v, "immediate") {
			return "_txlock=" + v + " would break the store's one-writer transactions (the store sets _txlock=immediate)"
		}
	}
	off := func(v string) bool {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "1", "on", "true", "yes", "t":
			return false
		}
		return true
	}
	for _, key := range []string{"_foreign_keys", "_fk"} {
		for _, v := range params[key] {
			if off(v) {
				return key + "=" + v + " would switch off foreign keys, which the schema relies on"
			}
		}
	}
	for _, p := range params["_pragma"] {
		if name, arg := pragmaName(p); name == "foreign_keys" && off(strings.TrimSuffix(arg, ")")) {
			return "_pragma=" + p + " would switch off foreign keys, which the schema relies on"
		}
	}
	return ""
}

// pragmaName splits a _pragma value "name(arg)" or "name=arg".
func pragmaName(p string) (name, arg string) {
	p = strings.ToLower(strings.TrimSpace(p))
	if i := strings.IndexAny(p, "(="); i >= 0 {
		return strings.TrimSpace(p[:i]), strings.TrimSpace(p[i+1:])
	}
	return p, ""
}

// sqliteShorthands are modernc.org/sqlite's DSN parameters that set a pragma
// the store would otherwise set with _pragma.
var sqliteShorthands = map[string]string{
	"_busy_timeout": "busy_timeout", "_timeout": "busy_timeout",
	"_foreign_keys": "foreign_keys", "_fk": "foreign_keys",
	"_journal_mode": "journal_mode", "_journal": "journal_mode",
	"_synchronous": "synchronous", "_sync": "synchronous",
}

// sqliteMemory reports whether a SQLite Config.Conn is an in-memory
// database, which lives as long as its one connection.
func sqliteMemory(conn string) bool {
	if conn == ":memory:" || strings.HasPrefix(conn, "file::memory:") {
		return true
	}
	_, query, _ := strings.Cut(conn, "?")
	params, _ := url.ParseQuery(query)
	return params.Get("mode") == "memory"
}

// sqliteDriverDSN is what modernc.org/sqlite gets for a SQLite Config.Conn:
// the caller's URI with the store's pragmas added — a 10 s busy timeout,
// foreign keys, BEGIN IMMEDIATE, and for files WAL with synchronous=NORMAL.
// A pragma the caller set is not set twice. An in-memory database gets a
// private name.
func sqliteDriverDSN(conn string) string {
	memory := sqliteMemory(conn)
	pathPart, query, _ := strings.Cut(conn, "?")
	params, _ := url.ParseQuery(query)
	if conn == ":memory:" || pathPart == "file::memory:" {
		pathPart = "file:sb-" + storage.NewID()
		params.Set("mode", "memory")
	}
	set := map[string]bool{}
	for _, p := range params["_pragma"] {
		name, _ := pragmaName(p)
		set[name] = true
	}
	for key, name := range sqliteShorthands {
		if params.Has(key) {
			set[name] = true
		}
	}
	add := []string{"busy_timeout(10000)", "foreign_keys(1)"}
	if !memory {
		add = append(add, "journal_mode(WAL)", "synchronous(NORMAL)")
	}
	for _, p := range add {
		if name, _, _ := strings.Cut(p, "("); !set[name] {
			params.Add("_pragma", p)
		}
	}
	params.Set("_txlock", "immediate")
	return pathPart + "?" + params.Encode()
}

// sqliteFilePath is the filesystem path of a SQLite Config.Conn ("" for an
// in-memory database), so Open can create its directory.
func sqliteFilePath(conn string) string {
	if sqliteMemory(conn) {
		return ""
	}
	pathPart, _, _ := strings.Cut(strings.TrimPrefix(conn, "file:"), "?")
	p, err := url.PathUnescape(pathPart)
	if err != nil {
		return ""
	}
	return p
}
