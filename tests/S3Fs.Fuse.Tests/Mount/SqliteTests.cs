using System.Text;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// A SQLite database on the mount: many small writes at random offsets, fsyncs, a journal file created and deleted
/// per transaction. The same statements run against a database on local disk; every query must agree, before and
/// after a remount, and the database must pass its own integrity check.
/// </summary>
[Trait("Category", "Fuse")]
[Trait("Category", "S3")]
public sealed class SqliteTests
{
    /// <summary>5,000 rows in batches, then updates, deletes and an index, each statement group one transaction.</summary>
    private const string Fill = """
        sqlite3 "$DB" <<'SQL'
        PRAGMA journal_mode = DELETE;
        CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, payload TEXT NOT NULL);
        BEGIN;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
          INSERT INTO t SELECT i, 'row-' || i, printf('S3CFS-E2E-MARKER sqlite payload %08d %s', i, hex(i * 2654435761)) FROM n;
        COMMIT;
        BEGIN;
        WITH RECURSIVE n(i) AS (SELECT 2501 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
          INSERT INTO t SELECT i, 'row-' || i, printf('S3CFS-E2E-MARKER sqlite payload %08d %s', i, hex(i * 2654435761)) FROM n;
        COMMIT;
        BEGIN;
        UPDATE t SET name = 'updated-' || id WHERE id % 7 = 0;
        DELETE FROM t WHERE id % 11 = 0;
        COMMIT;
        CREATE INDEX t_name ON t (name);
        SQL
        for i in $(seq 1 20); do sqlite3 "$DB" "INSERT INTO t (name, payload) VALUES ('single-$i', 'S3CFS-E2E-MARKER single insert $i');"; done
        """;

    private const string Query = """
        sqlite3 "$DB" <<'SQL'
        PRAGMA integrity_check;
        SELECT count(*), sum(id), sum(length(payload)) FROM t;
        SELECT name FROM t WHERE id IN (1, 7, 11, 2500, 4998, 5010) ORDER BY id;
        SELECT count(*) FROM t WHERE name LIKE 'updated-%';
        SELECT payload FROM t ORDER BY id DESC LIMIT 1;
        SQL
        """;

    [Fact]
    public async Task Sqlite_TransactionsThenQueries_AgreeWithLocalDatabaseAcrossRemount()
    {
        await using var s = await ShellScenario.StartAsync("sqlite");
        await s.InLocalAsync("DB=local.db\n" + Fill);
        await s.InMountAsync("DB=app.db\n" + Fill);
        var expected = await s.InLocalAsync("DB=local.db\n" + Query);
        Assert.StartsWith("ok\n", expected, StringComparison.Ordinal);
        Assert.Contains("\n4566|", expected, StringComparison.Ordinal); // 5,000 - 454 deleted + 20 single inserts

        Assert.Equal(expected, await s.InMountAsync("DB=app.db\n" + Query));
        Assert.Equal("app.db\n", await s.InMountAsync("ls -A")); // the journal is gone

        await s.RemountAsync();
        Assert.Equal(expected, await s.InMountAsync("DB=app.db\n" + Query));
        await s.AuditAsync([.. Enumerable.Range(1, 5000).Select(i => Encoding.UTF8.GetBytes($"S3CFS-E2E-MARKER sqlite payload {i:D8}")).Where((_, i) => i % 97 == 0)]);
    }

    [Fact]
    public async Task Sqlite_WalMode_SharedMemoryIndexWorksAndCheckpointedDataSurvivesRemount()
    {
        await using var s = await ShellScenario.StartAsync("sqlite-wal");
        const string WalFill = """
            sqlite3 "$DB" "PRAGMA journal_mode = WAL;" > /dev/null
            sqlite3 "$DB" "CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);"
            for batch in 0 1 2 3; do
              sqlite3 "$DB" "BEGIN; WITH RECURSIVE n(i) AS (SELECT $((batch * 500 + 1)) UNION ALL SELECT i + 1 FROM n WHERE i < $((batch * 500 + 500))) INSERT INTO t SELECT i, printf('S3CFS-E2E-MARKER wal row %08d', i) FROM n; COMMIT;"
            done
            """;
        const string WalQuery = "sqlite3 \"$DB\" \"PRAGMA integrity_check; PRAGMA journal_mode; SELECT count(*), sum(id), max(payload) FROM t;\"";
        await s.InLocalAsync("DB=local.db\n" + WalFill);
        await s.InMountAsync("DB=wal.db\n" + WalFill);
        var expected = await s.InLocalAsync("DB=local.db\n" + WalQuery);
        Assert.Equal("ok\nwal\n2000|2001000|S3CFS-E2E-MARKER wal row 00002000\n", expected);
        Assert.Equal(expected, await s.InMountAsync("DB=wal.db\n" + WalQuery));
        await s.RemountAsync();
        Assert.Equal(expected, await s.InMountAsync("DB=wal.db\n" + WalQuery));
    }
}
