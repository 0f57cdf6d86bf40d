// The same cases against both SqlDatabase engines: SQLite in a scratch file and the PostgreSQL server that
// with-services.sh starts (VA_PG_CONNINFO). A missing server is a failure, never a skip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "va/archive/SqlDatabase.h"

namespace va::archive {
namespace {

const char* const kSchema = R"(
DROP TABLE IF EXISTS sqltest_items;
DROP TABLE IF EXISTS sqltest_counter;
-- a comment with a question mark? and 'quotes'
CREATE TABLE sqltest_items (id BIGINT PRIMARY KEY, name TEXT, size BIGINT);
CREATE TABLE sqltest_counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO sqltest_counter (id, n) VALUES (1, 0);
)";

std::string PostgresConnection() {
  const char* conninfo = std::getenv("VA_PG_CONNINFO");
  return conninfo ? conninfo : "";
}

class SqlDatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "SQLite") {
      std::string folder = (std::filesystem::temp_directory_path() / "va-sqltest.XXXXXX").string();
      ASSERT_NE(mkdtemp(folder.data()), nullptr);
      folder_ = folder;
      db_ = OpenSqlDatabase("SQLite", folder_ + "/catalog.db");
    } else {
      const std::string conninfo = PostgresConnection();
      ASSERT_FALSE(conninfo.empty()) << "VA_PG_CONNINFO is not set: run this binary under "
                                        "tests/services/with-services.sh (ctest -R archive.services)";
      db_ = OpenSqlDatabase("PostgreSQL", conninfo);
    }
    ASSERT_EQ(db_->Engine(), GetParam());
    db_->Script(kSchema);
  }

  void TearDown() override {
    db_.reset();
    if (!folder_.empty()) std::filesystem::remove_all(folder_);
  }

  std::unique_ptr<SqlDatabase> OpenAnother() const {
    return GetParam() == "SQLite" ? OpenSqlDatabase("SQLite", folder_ + "/catalog.db")
                                  : OpenSqlDatabase("PostgreSQL", PostgresConnection());
  }

  int64_t Count() { return db_->Run("SELECT COUNT(*) FROM sqltest_items").rows.at(0).Int(0); }

  std::string folder_;
  std::unique_ptr<SqlDatabase> db_;
};

TEST_P(SqlDatabaseTest, InsertsAndSelectsIntegersTextAndNull) {
  const std::string insert = "INSERT INTO sqltest_items (id, name, size) VALUES (?, ?, ?)";
  EXPECT_EQ(db_->Run(insert, {int64_t{1}, "one", int64_t{10}}).changes, 1);
  EXPECT_EQ(db_->Run(insert, {int64_t{2}, "two", nullptr}).changes, 1);
  EXPECT_EQ(db_->Run(insert, {int64_t{3}, nullptr, int64_t{30}}).changes, 1);
  // A decimal text bound to an integer column is stored as an integer by both engines.
  db_->Run(insert, {"4", "four", "40"});

  const SqlResult all = db_->Run("SELECT id, name, size FROM sqltest_items ORDER BY id");
  ASSERT_EQ(all.rows.size(), 4u);
  EXPECT_EQ(all.rows[0].values[0], SqlValue(int64_t{1}));
  EXPECT_EQ(all.rows[0].values[1], SqlValue(std::string("one")));
  EXPECT_EQ(all.rows[0].values[2], SqlValue(int64_t{10}));
  EXPECT_TRUE(all.rows[1].IsNull(2));
  EXPECT_EQ(all.rows[1].values[2], SqlValue(nullptr));
  EXPECT_EQ(all.rows[1].Int(2), 0);
  EXPECT_TRUE(all.rows[2].IsNull(1));
  EXPECT_EQ(all.rows[2].Text(1), "");
  EXPECT_EQ(all.rows[3].values[0], SqlValue(int64_t{4}));
  EXPECT_EQ(all.rows[3].values[2], SqlValue(int64_t{40}));
  EXPECT_EQ(all.rows[3].Text(2), "40");

  const SqlResult one = db_->Run("SELECT name FROM sqltest_items WHERE id = ? AND size = ?", {int64_t{1}, int64_t{10}});
  ASSERT_EQ(one.rows.size(), 1u);
  EXPECT_EQ(one.rows[0].Text(0), "one");
  EXPECT_TRUE(db_->Run("SELECT name FROM sqltest_items WHERE id = ?", {int64_t{99}}).rows.empty());
  EXPECT_EQ(Count(), 4);

  // Unbound expressions: an integer, a text and a NULL parameter come back as they went.
  const SqlResult echo = db_->Run("SELECT ?, ?, ?", {int64_t{7}, "seven", nullptr});
  ASSERT_EQ(echo.rows.size(), 1u);
  EXPECT_EQ(echo.rows[0].values[0], SqlValue(int64_t{7}));
  EXPECT_EQ(echo.rows[0].values[1], SqlValue(std::string("seven")));
  EXPECT_EQ(echo.rows[0].values[2], SqlValue(nullptr));
}

TEST_P(SqlDatabaseTest, OnConflictDoNothingAndDoUpdate) {
  const std::string insert = "INSERT INTO sqltest_items (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING";
  EXPECT_EQ(db_->Run(insert, {int64_t{1}, "first"}).changes, 1);
  EXPECT_EQ(db_->Run(insert, {int64_t{1}, "second"}).changes, 0);
  EXPECT_EQ(db_->Run("SELECT name FROM sqltest_items WHERE id = 1").rows.at(0).Text(0), "first");

  const std::string upsert =
      "INSERT INTO sqltest_items (id, name, size) VALUES (?, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET name = excluded.name, size = excluded.size";
  EXPECT_EQ(db_->Run(upsert, {int64_t{1}, "third", int64_t{3}}).changes, 1);
  EXPECT_EQ(db_->Run(upsert, {int64_t{2}, "new", nullptr}).changes, 1);
  const SqlResult rows = db_->Run("SELECT id, name, size FROM sqltest_items ORDER BY id");
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_EQ(rows.rows[0].Text(1), "third");
  EXPECT_EQ(rows.rows[0].Int(2), 3);
  EXPECT_EQ(rows.rows[1].Text(1), "new");
  EXPECT_TRUE(rows.rows[1].IsNull(2));
}

TEST_P(SqlDatabaseTest, CountsChangedRows) {
  for (int64_t id = 1; id <= 5; ++id)
    db_->Run("INSERT INTO sqltest_items (id, name, size) VALUES (?, ?, ?)", {id, "item", id * 100});
  EXPECT_EQ(db_->Run("UPDATE sqltest_items SET name = ? WHERE size >= ?", {"big", int64_t{300}}).changes, 3);
  EXPECT_EQ(db_->Run("UPDATE sqltest_items SET name = ? WHERE id = ?", {"none", int64_t{42}}).changes, 0);
  EXPECT_EQ(db_->Run("DELETE FROM sqltest_items WHERE name = ?", {"item"}).changes, 2);
  EXPECT_EQ(db_->Run("DELETE FROM sqltest_items").changes, 3);
  EXPECT_EQ(db_->Run("INSERT INTO sqltest_items (id, name) VALUES (1, 'a'), (2, 'b')").changes, 2);
}

TEST_P(SqlDatabaseTest, QuestionMarksInLiteralsAndQuotesInValuesStayData) {
  EXPECT_EQ(db_->Run("INSERT INTO sqltest_items (id, name) VALUES (?, 'what?')", {int64_t{1}}).changes, 1);
  EXPECT_EQ(db_->Run("INSERT INTO sqltest_items (id, name) VALUES (?, 'it''s ?')", {int64_t{2}}).changes, 1);
  const SqlResult found =
      db_->Run("SELECT id FROM sqltest_items WHERE name = 'what?' AND \"id\" = ? -- or '?'\n", {int64_t{1}});
  ASSERT_EQ(found.rows.size(), 1u);
  EXPECT_EQ(db_->Run("SELECT name FROM sqltest_items WHERE id = ?", {int64_t{2}}).rows.at(0).Text(0), "it's ?");

  const std::string nasty = "O'Brien said \"?\" -- '; DROP TABLE sqltest_items; /* ? */ \\ é ü 漢字";
  db_->Run("INSERT INTO sqltest_items (id, name) VALUES (?, ?)", {int64_t{3}, nasty});
  EXPECT_EQ(db_->Run("SELECT name FROM sqltest_items WHERE id = ?", {int64_t{3}}).rows.at(0).Text(0), nasty);
  EXPECT_EQ(db_->Run("SELECT id FROM sqltest_items WHERE name = ?", {nasty}).rows.at(0).Int(0), 3);
  EXPECT_EQ(Count(), 3);
}

TEST_P(SqlDatabaseTest, TransactionCommits) {
  db_->Transaction([&] {
    db_->Run("INSERT INTO sqltest_items (id, name) VALUES (?, ?)", {int64_t{1}, "a"});
    db_->Run("INSERT INTO sqltest_items (id, name) VALUES (?, ?)", {int64_t{2}, "b"});
  });
  EXPECT_EQ(Count(), 2);
  // Committed: another connection sees the rows.
  auto other = OpenAnother();
  EXPECT_EQ(other->Run("SELECT COUNT(*) FROM sqltest_items").rows.at(0).Int(0), 2);
}

TEST_P(SqlDatabaseTest, TransactionRollsBackWhenTheBodyThrows) {
  struct Abort : std::runtime_error {
    Abort() : std::runtime_error("abort") {}
  };
  db_->Run("INSERT INTO sqltest_items (id, name) VALUES (?, ?)", {int64_t{1}, "kept"});
  EXPECT_THROW(db_->Transaction([&] {
    db_->Run("INSERT INTO sqltest_items (id, name) VALUES (?, ?)", {int64_t{2}, "lost"});
    db_->Run("UPDATE sqltest_items SET name = ? WHERE id = ?", {"changed", int64_t{1}});
    throw Abort();
  }),
               Abort);
  EXPECT_EQ(Count(), 1);
  EXPECT_EQ(db_->Run("SELECT name FROM sqltest_items WHERE id = 1").rows.at(0).Text(0), "kept");

  // An SQL error inside the body rolls back the statements before it, and is the error the caller sees.
  try {
    db_->Transaction([&] {
      db_->Run("INSERT INTO sqltest_items (id, name) VALUES (?, ?)", {int64_t{3}, "lost"});
      db_->Run("INSERT INTO sqltest_items (id, name) VALUES (?, ?)", {int64_t{1}, "duplicate"});
    });
    ADD_FAILURE() << "a duplicate key did not throw";
  } catch (const SqlError& e) {
    EXPECT_NE(std::string(e.what()).find("INSERT INTO sqltest_items"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Count(), 1);

  // The connection is usable again afterwards.
  db_->Transaction([&] { db_->Run("INSERT INTO sqltest_items (id, name) VALUES (?, ?)", {int64_t{4}, "after"}); });
  EXPECT_EQ(Count(), 2);
}

TEST_P(SqlDatabaseTest, NestedTransactionsJoinTheOuterOne) {
  db_->Transaction([&] {
    db_->Run("INSERT INTO sqltest_items (id, name) VALUES (1, 'outer')");
    db_->Transaction([&] { db_->Run("INSERT INTO sqltest_items (id, name) VALUES (2, 'inner')"); });
    EXPECT_EQ(Count(), 2);
  });
  EXPECT_EQ(Count(), 2);

  // The inner transaction did not commit on its own: the outer one's failure takes it back too.
  EXPECT_THROW(db_->Transaction([&] {
    db_->Transaction([&] { db_->Run("INSERT INTO sqltest_items (id, name) VALUES (3, 'inner')"); });
    throw std::runtime_error("outer fails");
  }),
               std::runtime_error);
  EXPECT_EQ(Count(), 2);

  // An inner failure propagates through the outer transaction, which rolls back.
  EXPECT_THROW(db_->Transaction([&] {
    db_->Run("INSERT INTO sqltest_items (id, name) VALUES (4, 'outer')");
    db_->Transaction([&] { throw std::logic_error("inner fails"); });
  }),
               std::logic_error);
  EXPECT_EQ(Count(), 2);
}

TEST_P(SqlDatabaseTest, RunsFromSeveralThreads) {
  constexpr int kThreads = 4;
  constexpr int kEach = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kEach; ++i) {
          const int64_t id = int64_t{t} * 1000 + i;
          db_->Run("INSERT INTO sqltest_items (id, name, size) VALUES (?, ?, ?)", {id, "t" + std::to_string(t), id});
          // A read-modify-write that is only exact if transactions really exclude the other threads.
          db_->Transaction([&] {
            const int64_t n = db_->Run("SELECT n FROM sqltest_counter WHERE id = 1").rows.at(0).Int(0);
            db_->Run("UPDATE sqltest_counter SET n = ? WHERE id = 1", {n + 1});
          });
          if (db_->Run("SELECT size FROM sqltest_items WHERE id = ?", {id}).rows.at(0).Int(0) != id) ++failures;
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "thread " << t << ": " << e.what();
        ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count(), kThreads * kEach);
  EXPECT_EQ(db_->Run("SELECT n FROM sqltest_counter WHERE id = 1").rows.at(0).Int(0), kThreads * kEach);
}

TEST_P(SqlDatabaseTest, KeepsLargeIntegersExact) {
  const int64_t values[] = {std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::min(),
                            -1,
                            0,
                            (int64_t{1} << 53) + 1,
                            int64_t{4102444800000000}};
  int64_t id = 0;
  for (const int64_t v : values) {
    ++id;
    db_->Run("INSERT INTO sqltest_items (id, size) VALUES (?, ?)", {id, v});
    const SqlResult back = db_->Run("SELECT size FROM sqltest_items WHERE id = ?", {id});
    ASSERT_EQ(back.rows.size(), 1u);
    EXPECT_EQ(back.rows[0].values[0], SqlValue(v));
    EXPECT_EQ(db_->Run("SELECT id FROM sqltest_items WHERE size = ?", {v}).rows.at(0).Int(0), id);
    EXPECT_EQ(db_->Run("SELECT ?", {v}).rows.at(0).values[0], SqlValue(v));
  }
  EXPECT_EQ(db_->Run("SELECT MAX(size) FROM sqltest_items").rows.at(0).Int(0), std::numeric_limits<int64_t>::max());
}

TEST_P(SqlDatabaseTest, AnErrorNamesTheEngineAndTheStatement) {
  const std::string bad = "SELECT no_such_column FROM sqltest_items WHERE id = ?";
  try {
    db_->Run(bad, {int64_t{1}});
    ADD_FAILURE() << "no error";
  } catch (const SqlError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(GetParam() + ": ", 0), 0u) << what;
    EXPECT_NE(what.find(bad), std::string::npos) << what;
    EXPECT_NE(what.find("no_such_column"), std::string::npos) << what;
  }
  try {
    db_->Run("SELECT id FROM sqltest_items WHERE id = ? AND name = ?", {int64_t{1}});
    ADD_FAILURE() << "a missing parameter was accepted";
  } catch (const SqlError& e) {
    EXPECT_NE(std::string(e.what()).find("WHERE id = ? AND name = ?"), std::string::npos) << e.what();
  }
  EXPECT_THROW(db_->Script("CREATE TABLE sqltest_items (id BIGINT)"), SqlError);  // exists already
  // Still usable.
  EXPECT_EQ(Count(), 0);
}

TEST_P(SqlDatabaseTest, EmptyResultsAndScripts) {
  const SqlResult none = db_->Run("SELECT id, name FROM sqltest_items");
  EXPECT_TRUE(none.rows.empty());
  EXPECT_EQ(none.changes, 0) << "a SELECT changes no rows (sqlite3_changes() still reports the last write's count; "
                                "sqlite3_stmt_readonly() tells a SELECT)";
  db_->Script("");
  db_->Script(
      "INSERT INTO sqltest_items (id, name) VALUES (1, 'a'); INSERT INTO sqltest_items (id, name) VALUES (2, "
      "'b?');");
  EXPECT_EQ(Count(), 2);
}

INSTANTIATE_TEST_SUITE_P(Engines, SqlDatabaseTest, ::testing::Values("SQLite", "PostgreSQL"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

void ExpectOpenFailsWithoutPassword(const std::string& connection) {
  try {
    OpenSqlDatabase("PostgreSQL", connection);
    ADD_FAILURE() << "connected to " << connection;
  } catch (const SqlError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("PostgreSQL: ", 0), 0u) << what;
    EXPECT_EQ(what.find("secret"), std::string::npos) << what;
    EXPECT_GT(what.size(), std::string("PostgreSQL: cannot connect: ").size()) << what;
  }
}

TEST(SqlDatabaseOpenTest, ABadPostgresConnectionStringGivesAClearErrorWithoutThePassword) {
  // Nothing listens on port 1 (connection refused at once).
  ExpectOpenFailsWithoutPassword("host=127.0.0.1 port=1 dbname=archive user=archive password=secret");
  ExpectOpenFailsWithoutPassword("postgresql://archive:secret@127.0.0.1:1/archive");
  ExpectOpenFailsWithoutPassword("host=127.0.0.1 port=1 password=secret nonsense");
  ExpectOpenFailsWithoutPassword("host=127.0.0.1 port=1 password=secret no_such_option=1");
  ExpectOpenFailsWithoutPassword("postgresql://archive:secret@127.0.0.1:notaport/archive");
  ExpectOpenFailsWithoutPassword("host=127.0.0.1 port=1 password='secret' connect_timeout=x");
  // Malformed URIs that libpq quotes back whole.
  ExpectOpenFailsWithoutPassword("postgresql://archive:secret@[::1/archive");
  ExpectOpenFailsWithoutPassword("postgresql://archive:secret@[::1]x/archive");
}

TEST(SqlDatabaseOpenTest, ABadSqliteTargetOrEngineGivesAClearError) {
  try {
    OpenSqlDatabase("SQLite", "/proc/no/such/folder/catalog.db");
    ADD_FAILURE() << "opened a database under /proc";
  } catch (const SqlError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("SQLite: ", 0), 0u) << e.what();
  }
  EXPECT_THROW(OpenSqlDatabase("Oracle", "x"), SqlError);
}

// PostgreSQL only: a connection the server dropped is re-established before the next statement.
TEST(SqlDatabasePostgresTest, ReconnectsAfterTheServerDroppedTheConnection) {
  const std::string conninfo = PostgresConnection();
  ASSERT_FALSE(conninfo.empty()) << "VA_PG_CONNINFO is not set: run this binary under tests/services/with-services.sh";
  auto db = OpenSqlDatabase("PostgreSQL", conninfo);
  auto admin = OpenSqlDatabase("PostgreSQL", conninfo);
  const int64_t pid = db->Run("SELECT pg_backend_pid()").rows.at(0).Int(0);
  EXPECT_EQ(admin->Run("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?", {pid}).rows.at(0).Int(0), 1);
  // Waits up to 5 s for the backend to exit. (An int64 parameter is sent as int8, and int8 has no implicit cast to
  // a function's int4 argument: hence the CAST.)
  admin->Run("SELECT pg_terminate_backend(CAST(? AS INTEGER), 5000)", {pid});
  // The statement that discovers the loss fails (it may or may not have run); the next one reconnects.
  EXPECT_THROW(db->Run("SELECT 1"), SqlError);
  EXPECT_EQ(db->Run("SELECT 1").rows.at(0).Int(0), 1);
  EXPECT_NE(db->Run("SELECT pg_backend_pid()").rows.at(0).Int(0), pid);
}

}  // namespace
}  // namespace va::archive
