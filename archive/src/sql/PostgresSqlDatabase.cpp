// SqlDatabase on PostgreSQL through libpq: one connection, serialised by a recursive mutex (like the SQLite engine)
// so that a Transaction body can run statements on the same thread while other threads wait.
//
// Parameters go as text: an int64 is sent typed as int8 (so "SELECT ?" or "? IS NULL" work as on SQLite), a string
// is sent untyped and the server infers its type from the context (a text column, an integer column...). Result
// columns of type int2/int4/int8 come back as int64_t, NULL as nullptr, everything else as its text form (numeric,
// e.g. SUM over BIGINT, as decimal text: SqlRow::Int parses it).
//
// One difference with SQLite that portable callers must respect: after a failed statement inside a Transaction,
// PostgreSQL refuses every further statement of that transaction, so a body must not catch an SqlError and go on.
#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <mutex>

#include "PostgresPlaceholders.h"
#include "SqlEngines.h"
#include "va/archive/SqlDatabase.h"

namespace va::archive {
namespace {

struct ConnectionDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
struct ConninfoDeleter {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using Connection = std::unique_ptr<PGconn, ConnectionDeleter>;
using Result = std::unique_ptr<PGresult, ResultDeleter>;

constexpr Oid kInt8 = 20;
constexpr Oid kInt2 = 21;
constexpr Oid kInt4 = 23;

// libpq's messages span several lines and end with a newline; errors read better on one line.
std::string OneLine(const char* message) {
  std::string out;
  bool space = false;
  for (const char* p = message ? message : ""; *p != '\0'; ++p) {
    const char c = *p;
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out.empty() ? "unknown error" : out;
}

void ReplaceAll(std::string& text, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
}

// The password given in a connection string ("password=..." or "postgresql://user:password@host/db"), if it parses.
std::string PasswordOf(const std::string& connection) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoDeleter> options(PQconninfoParse(connection.c_str(), &error));
  PQfreemem(error);
  if (!options) return {};
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o)
    if (std::string(o->keyword) == "password" && o->val != nullptr) return o->val;
  return {};
}

// Never lets a password reach an error message, whatever libpq echoes (its messages normally don't, but a malformed
// connection string is quoted back in parts).
std::string Redact(std::string message, const std::string& password) {
  ReplaceAll(message, password, "***");
  for (size_t at = message.find("password="); at != std::string::npos; at = message.find("password=", at + 1)) {
    const size_t from = at + 9;
    size_t to = from;
    while (to < message.size() && message[to] != ' ' && message[to] != '"' && message[to] != '&') ++to;
    message.replace(from, to - from, "***");
  }
  const size_t scheme = message.find("://");
  if (scheme != std::string::npos) {
    const size_t at = message.find('@', scheme);
    const size_t colon = message.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at &&
        message.find_first_of(" /", scheme + 3) > at)
      message.replace(colon + 1, at - colon - 1, "***");
  }
  return message;
}

void IgnoreNotice(void*, const char*) {}  // "relation ... already exists, skipping" and the like

class PostgresSqlDatabase : public SqlDatabase {
 public:
  explicit PostgresSqlDatabase(const std::string& connection) : password_(PasswordOf(connection)) {
    // Defaults the connection string may override (later keywords win; "dbname" is expanded in place).
    const char* const keywords[] = {"connect_timeout", "client_encoding", "fallback_application_name", "dbname",
                                    nullptr};
    const char* const values[] = {"10", "UTF8", "video-archive", connection.c_str(), nullptr};
    conn_.reset(PQconnectdbParams(keywords, values, 1));
    if (!conn_) throw SqlError("PostgreSQL: cannot connect: out of memory");
    if (PQstatus(conn_.get()) != CONNECTION_OK)
      throw SqlError("PostgreSQL: cannot connect: " + Redact(OneLine(PQerrorMessage(conn_.get())), password_));
    PQsetNoticeProcessor(conn_.get(), IgnoreNotice, nullptr);
    PQsetErrorVerbosity(conn_.get(), PQERRORS_TERSE);
  }

  std::string Engine() const override { return "PostgreSQL"; }

  SqlResult Run(const std::string& sql, const std::vector<SqlValue>& params) override {
    const NumberedStatement statement = NumberPlaceholders(sql);
    if (statement.parameters != params.size())
      throw SqlError("PostgreSQL: '" + sql + "' takes " + std::to_string(statement.parameters) + " parameters, " +
                     std::to_string(params.size()) + " given");
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<Oid> types(params.size(), 0);  // 0: the server infers the type
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* v = std::get_if<int64_t>(&params[i])) {
        texts[i] = std::to_string(*v);
        values[i] = texts[i].c_str();
        types[i] = kInt8;
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        if (s->find('\0') != std::string::npos)
          throw SqlError("PostgreSQL: parameter " + std::to_string(i + 1) + " of '" + sql +
                         "' contains a NUL character");
        values[i] = s->c_str();
      }
    }

    std::lock_guard<std::recursive_mutex> lock(mutex_);
    EnsureConnected(sql);
    Result result(PQexecParams(conn_.get(), statement.sql.c_str(), static_cast<int>(params.size()), types.data(),
                               values.data(), nullptr, nullptr, 0));
    Check(result.get(), sql);

    SqlResult out;
    const int rows = PQntuples(result.get());
    const int columns = PQnfields(result.get());
    out.rows.reserve(static_cast<size_t>(rows));
    for (int r = 0; r < rows; ++r) {
      SqlRow row;
      row.values.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(result.get(), r, c)) {
          row.values.emplace_back(nullptr);
          continue;
        }
        const char* text = PQgetvalue(result.get(), r, c);
        const Oid type = PQftype(result.get(), c);
        if (type == kInt8 || type == kInt4 || type == kInt2) {
          row.values.emplace_back(static_cast<int64_t>(std::strtoll(text, nullptr, 10)));
        } else {
          row.values.emplace_back(std::string(text, static_cast<size_t>(PQgetlength(result.get(), r, c))));
        }
      }
      out.rows.push_back(std::move(row));
    }
    // PQcmdTuples also counts the rows a SELECT returned; only writes are changes.
    const std::string tag = PQcmdStatus(result.get());
    if (tag.rfind("INSERT", 0) == 0 || tag.rfind("UPDATE", 0) == 0 || tag.rfind("DELETE", 0) == 0 ||
        tag.rfind("MERGE", 0) == 0) {
      const char* count = PQcmdTuples(result.get());
      out.changes = std::strtoll(count, nullptr, 10);
    }
    return out;
  }

  void Script(const std::string& sql) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    EnsureConnected(sql);
    Result result(PQexec(conn_.get(), sql.c_str()));
    Check(result.get(), sql);
  }

  void Transaction(const std::function<void()>& body) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    RunTransaction(*this, depth_, "BEGIN", body);
  }

 private:
  // A connection the server dropped (restart, idle timeout) is re-established once, outside transactions only:
  // inside one, the transaction is gone and the statement must fail.
  void EnsureConnected(const std::string& sql) {
    if (PQstatus(conn_.get()) == CONNECTION_OK || depth_ > 0) return;
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK)
      throw SqlError("PostgreSQL: connection lost: " + Redact(OneLine(PQerrorMessage(conn_.get())), password_) +
                     " in '" + Shorten(sql) + "'");
  }

  void Check(const PGresult* result, const std::string& sql) const {
    if (result == nullptr)
      throw SqlError("PostgreSQL: " + Redact(OneLine(PQerrorMessage(conn_.get())), password_) + " in '" + Shorten(sql) +
                     "'");
    switch (PQresultStatus(result)) {
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
      case PGRES_EMPTY_QUERY: return;
      default:
        throw SqlError("PostgreSQL: " + Redact(OneLine(PQresultErrorMessage(result)), password_) + " in '" +
                       Shorten(sql) + "'");
    }
  }

  // Schemas run by Script can be long; the start of the text is enough to find it.
  static std::string Shorten(const std::string& sql) {
    constexpr size_t kMax = 500;
    return sql.size() <= kMax ? sql : sql.substr(0, kMax) + "...";
  }

  std::string password_;  // only to keep it out of error messages
  Connection conn_;
  std::recursive_mutex mutex_;
  int depth_ = 0;
};

}  // namespace

std::unique_ptr<SqlDatabase> OpenPostgresDatabase(const std::string& connection) {
  return std::make_unique<PostgresSqlDatabase>(connection);
}

}  // namespace va::archive
