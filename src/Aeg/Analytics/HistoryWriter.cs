using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Aeg.Analytics;

/// <summary>
/// The connection that writes recorded batches to the history: SQLite's own handle, opened
/// without its per-call mutex (one batch uses it at a time) and kept between batches so its page
/// cache stays warm. <see cref="Rent"/> hands out the kept one, or opens another when it is in use.
/// </summary>
internal sealed class HistoryWriter
{
    private readonly string _path;
    private readonly HistoryWriter? _pool;
    private HistoryWriter? _idle;

    /// <summary>A pool of writers for the history at <paramref name="path"/> (opens nothing yet).</summary>
    public static HistoryWriter Pool(string path) => new(path, null, null!);

    private HistoryWriter(string path, HistoryWriter? pool, sqlite3 handle)
    {
        _path = path;
        _pool = pool;
        Handle = handle;
    }

    /// <summary>The open connection (only on a rented writer).</summary>
    public sqlite3 Handle { get; }

    /// <summary>A writer of its own until <see cref="Release"/>.</summary>
    public HistoryWriter Rent() => Interlocked.Exchange(ref _idle, null) ?? new HistoryWriter(_path, this, Open(_path));

    /// <summary>Gives the connection back to the pool; one that failed (or a second idle one) is closed.</summary>
    public void Release(bool healthy)
    {
        if (!healthy || _pool is null || Interlocked.CompareExchange(ref _pool._idle, this, null) is not null)
        {
            Handle.Dispose();
        }
    }

    private static sqlite3 Open(string path)
    {
        var rc = raw.sqlite3_open_v2(path, out var db, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_NOMUTEX, null);
        try
        {
            PendingHistory.Check(db, rc);
            // On a read-only file system SQLite quietly opens the file read-only: such a handle could never record and
            // would pin the directory, so it is refused here and the next batch tries again.
            if (raw.sqlite3_db_readonly(db, "main") == 1)
            {
                throw new SqliteException($"cannot write {path}: the file or its directory is read-only", raw.SQLITE_READONLY);
            }
            // Microsoft.Data.Sqlite waits out a locked database in its own command loop, which a
            // raw handle bypasses: SQLite waits instead, as long as the store's connections do.
            raw.sqlite3_busy_timeout(db, 30_000);
            // With WAL, NORMAL cannot corrupt the file; a power cut may lose the last batches,
            // and the position that goes with them, so they are read again from ESM: nothing is lost.
            PendingHistory.Check(db, raw.sqlite3_exec(db, "PRAGMA synchronous=NORMAL"));
            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }
}
