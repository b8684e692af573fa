using System.Data.Common;
using System.Runtime.CompilerServices;
using Aeg.Configuration;
using Aeg.State;

namespace Aeg.Annotations;

/// <summary>Reads annotation rows after a cursor or inside the look-back window.</summary>
public interface IAnnotationSource
{
    /// <summary>Up to <paramref name="limit"/> rows after <paramref name="cursor"/> in (mt, event_id) order. The row object is reused.</summary>
    IAsyncEnumerable<AnnotationRow> ReadAfterAsync(AnnotationCursor cursor, int limit, CancellationToken cancellationToken);

    /// <summary>Rows with mt ≥ <paramref name="fromMs"/> and at or behind <paramref name="cursor"/>. The row object is reused.</summary>
    IAsyncEnumerable<AnnotationRow> ReadWindowAsync(long fromMs, AnnotationCursor cursor, CancellationToken cancellationToken);

    /// <summary>
    /// Fills <paramref name="rows"/> (from index 0) with up to <c>rows.Length</c> rows after <paramref name="cursor"/>
    /// in (mt, event_id) order, names resolved; returns how many.
    /// </summary>
    Task<int> ReadBatchAsync(AnnotationCursor cursor, AnnotationRow[] rows, CancellationToken cancellationToken);

    /// <summary>Returns the connection kept between the batches of one poll cycle to the pool; ends the cycle.</summary>
    ValueTask ReleaseAsync();

    /// <summary>How many rows lie after <paramref name="cursor"/> (drain progress), on a connection of its own; null when unknown.</summary>
    Task<long?> CountAfterAsync(AnnotationCursor cursor, CancellationToken cancellationToken) => Task.FromResult<long?>(null);

    /// <summary>Rows whose modification time is 0 or NULL (no keyset read after a first start reaches them), on a connection of its own; null when unknown.</summary>
    Task<RowsWithoutTime?> CountWithoutTimeAsync(CancellationToken cancellationToken) => Task.FromResult<RowsWithoutTime?>(null);
}

/// <summary>How many rows have no modification time (0 or NULL), and one of their event ids.</summary>
public readonly record struct RowsWithoutTime(long Count, long? ExampleEventId);

/// <summary>
/// Reads the annotation table with a keyset query, streaming rows from a <see cref="DbDataReader"/>
/// so memory stays constant whatever the batch size.
/// </summary>
public sealed class AnnotationSource(AnnotationDatabase database, SourceOptions options, IReadOnlySet<AnnotationField>? usedFields = null)
    : IAnnotationSource
{
    // Resolved names, kept for one poll cycle (so a renamed stage or user shows up from the next cycle on).
    private readonly ResourceNames _names = new(database, options);
    // Set when a lookup column turns out not to hold integers: names are then joined by the database.
    private bool _joinLookups = options.StageLookup is null && options.UserLookup is null;

    // Kept open across the batches of a cycle: a pool checkout per batch costs a round trip.
    private DbConnection? _connection;

    // DATETIME cannot hold the extremes of a long; clamp to the range MySQL accepts.
    private static readonly long MinDateTimeMs = new DateTimeOffset(1000, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly long MaxDateTimeMs = new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private readonly AnnotationQuery _query = new(options, usedFields);

    public AnnotationQuery Query => _query;

    public async IAsyncEnumerable<AnnotationRow> ReadAfterAsync(AnnotationCursor cursor, int limit,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        await using var command = database.CreateCommand(connection, _query.After);
        AnnotationDatabase.AddParameter(command, "@t", TimeParameter(cursor.ModificationTimeMs));
        AnnotationDatabase.AddParameter(command, "@id", cursor.EventId);
        AnnotationDatabase.AddParameter(command, "@batch", limit);
        await foreach (var row in ReadRows(command, cancellationToken))
        {
            yield return row;
        }
    }

    public async IAsyncEnumerable<AnnotationRow> ReadWindowAsync(long fromMs, AnnotationCursor cursor,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        await using var command = database.CreateCommand(connection, _query.Window);
        AnnotationDatabase.AddParameter(command, "@from", TimeParameter(fromMs));
        AnnotationDatabase.AddParameter(command, "@t", TimeParameter(cursor.ModificationTimeMs));
        AnnotationDatabase.AddParameter(command, "@id", cursor.EventId);
        await foreach (var row in ReadRows(command, cancellationToken))
        {
            yield return row;
        }
    }

    /// <summary>The current row of one event (the row object is reused), or nothing when the event has no annotation.</summary>
    public async IAsyncEnumerable<AnnotationRow> ReadEventAsync(long eventId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        await using var command = database.CreateCommand(connection, _query.ByEventId);
        AnnotationDatabase.AddParameter(command, "@id", eventId);
        await foreach (var row in ReadRows(command, cancellationToken))
        {
            yield return row;
        }
    }

    public async Task<RowsWithoutTime?> CountWithoutTimeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = database.CreateCommand(connection, _query.WithoutTime);
        AnnotationDatabase.AddParameter(command, "@zero", TimeParameter(0));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || reader.IsDBNull(1))
        {
            return new RowsWithoutTime(0, null);
        }
        return new RowsWithoutTime(reader.GetInt64(0), reader.GetInt64(1));
    }

    public async Task<long?> CountAfterAsync(AnnotationCursor cursor, CancellationToken cancellationToken)
    {
        // Its own connection: the cycle's connection is busy with the batches meanwhile.
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = database.CreateCommand(connection, _query.CountAfter);
        AnnotationDatabase.AddParameter(command, "@t", TimeParameter(cursor.ModificationTimeMs));
        AnnotationDatabase.AddParameter(command, "@id", cursor.EventId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<int> ReadBatchAsync(AnnotationCursor cursor, AnnotationRow[] rows, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        var completed = false;
        try
        {
            var n = -1;
            if (!_joinLookups)
            {
                n = await ReadOneBatchAsync(connection, cursor, rows, ids: true, cancellationToken);
                if (n >= 0)
                {
                    await _names.ResolveAsync(connection, rows, n, cancellationToken);
                }
            }
            if (n < 0)
            {
                n = await ReadOneBatchAsync(connection, cursor, rows, ids: false, cancellationToken);
            }
            completed = true;
            return n;
        }
        finally
        {
            if (!completed)
            {
                // A failed or abandoned read leaves the connection in an unknown state.
                await ReleaseAsync();
            }
        }
    }

    public async ValueTask ReleaseAsync()
    {
        _names.Clear();
        if (_connection is { } c)
        {
            _connection = null;
            await c.DisposeAsync();
        }
    }

    // Returns -1 (and switches to joins for good) when a lookup column of the ids query is not an integer.
    private async Task<int> ReadOneBatchAsync(DbConnection connection, AnnotationCursor cursor, AnnotationRow[] rows, bool ids,
        CancellationToken cancellationToken)
    {
        return await ReadBatchCoreAsync(connection, ids ? _query.AfterIds : _query.AfterJoined, cursor, rows, ids, cancellationToken);
    }

    private async ValueTask<DbConnection> ConnectionAsync(CancellationToken cancellationToken) =>
        _connection is { State: System.Data.ConnectionState.Open } c ? c : _connection = await database.OpenAsync(cancellationToken);

    // Returns -1 (and switches to joins for good) when a lookup column of the ids query is not an integer.
    private async Task<int> ReadBatchCoreAsync(DbConnection connection, string sql, AnnotationCursor cursor, AnnotationRow[] rows, bool ids,
        CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(connection, sql);
        AnnotationDatabase.AddParameter(command, "@t", TimeParameter(cursor.ModificationTimeMs));
        AnnotationDatabase.AddParameter(command, "@id", cursor.EventId);
        AnnotationDatabase.AddParameter(command, "@batch", rows.Length);
        // A server-side prepared statement (prepared once per connection; the provider caches it by
        // its text): rows come in the binary protocol, so neither MariaDB nor the reader converts
        // the integer columns to and from decimal text (~8% less MariaDB CPU on a drain).
        await command.PrepareAsync(cancellationToken);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var columns = new ColumnReader(reader, options, _textAsBytes);
        var userIds = ids && options.UserLookup is not null;
        var stageIds = ids && options.StageLookup is not null;
        if ((userIds && _query.SelectsModifiedBy && !IsInteger(reader, AnnotationQuery.ModifiedBy))
            || (userIds && _query.SelectsStageUser && !IsInteger(reader, AnnotationQuery.StageUser))
            || (stageIds && _query.SelectsStage && !IsInteger(reader, AnnotationQuery.StageName)))
        {
            _joinLookups = true;
            return -1;
        }
        var n = 0;
        // Read(), not ReadAsync(): the rows of a batch are already buffered by the time the first one
        // is read, and a Task per row costs more than the row itself on a backlog drain.
        while (n < rows.Length && reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            ReadRow(columns, rows[n++], userIds, stageIds);
        }
        return n;
    }

    private static bool IsInteger(DbDataReader reader, int ordinal) =>
        Type.GetTypeCode(reader.GetFieldType(ordinal)) is TypeCode.Int64 or TypeCode.Int32 or TypeCode.Int16 or TypeCode.SByte
            or TypeCode.UInt32 or TypeCode.UInt16 or TypeCode.Byte;

    internal static void DeriveStageName(AnnotationRow row)
    {
        if (row.StageName is null && row.StageUri is { } uri)
        {
            row.StageName = uri[(uri.LastIndexOf('/') + 1)..];
        }
    }

    // One value that cannot be read costs its row only: the row comes back with a Fault (quarantined
    // downstream) and the rows behind it are read as usual (the provider holds the whole row, so the reader
    // is not left mid-row whatever SequentialAccess says).
    private static void ReadRow(ColumnReader columns, AnnotationRow row, bool userIds, bool stageIds)
    {
        row.MissedVersions = 0;
        row.Changes = RowChanges.None;
        row.Fault = null;
        try
        {
            ReadColumns(columns, row, userIds, stageIds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            columns.Fail(row, ex);
        }
    }

    // In select order (sequential access).
    private static void ReadColumns(ColumnReader c, AnnotationRow row, bool userIds, bool stageIds)
    {
        row.EventId = c.Required(AnnotationQuery.EventId);
        row.Version = c.Required(AnnotationQuery.Version);
        // NULL as 0: the mapper marks both MissingTime.
        row.ModificationTimeMs = c.Time(AnnotationQuery.ModificationTime) ?? 0;
        if (userIds)
        {
            row.ModifiedById = c.Int64(AnnotationQuery.ModifiedBy);
            row.ModifiedBy = null;
        }
        else
        {
            row.ModifiedBy = c.Text(AnnotationQuery.ModifiedBy, row);
        }
        if (stageIds)
        {
            row.StageId = c.Int64(AnnotationQuery.StageName);
            row.StageName = row.StageUri = null;
        }
        else
        {
            row.StageName = c.Text(AnnotationQuery.StageName, row);
            row.StageUri = c.Text(AnnotationQuery.StageUri, row);
            DeriveStageName(row);
        }
        if (userIds)
        {
            row.StageUserId = c.Int64(AnnotationQuery.StageUser);
            row.StageUser = null;
        }
        else
        {
            row.StageUser = c.Text(AnnotationQuery.StageUser, row);
        }
        row.StageUpdateTimeMs = c.Time(AnnotationQuery.StageUpdateTime);
        c.Utf8(AnnotationQuery.CurrentComment, row, row.CurrentCommentValue);
        c.Utf8(AnnotationQuery.AuditTrail, row, row.AuditTrailValue);
        row.Flags = c.Int64(AnnotationQuery.Flags);
        row.EndTimeMs = c.Time(AnnotationQuery.EndTime);
        row.ManagerReceiptTimeMs = c.Time(AnnotationQuery.ManagerReceiptTime);
        if (c.HasIdsPresent && (row.StageName is null || row.ModifiedBy is null || row.StageUser is null))
        {
            MarkUnresolved(row, c.Int64(AnnotationQuery.IdsPresent) ?? 0);
        }
    }

    // A joined name that is NULL while its id is not: the lookup table does not know the id.
    private static void MarkUnresolved(AnnotationRow row, long present)
    {
        if ((present & AnnotationQuery.StagePresent) != 0 && row.StageName is null)
        {
            row.Changes |= RowChanges.UnresolvedStage;
        }
        if (((present & AnnotationQuery.ModifiedByPresent) != 0 && row.ModifiedBy is null)
            || ((present & AnnotationQuery.StageUserPresent) != 0 && row.StageUser is null))
        {
            row.Changes |= RowChanges.UnresolvedUser;
        }
    }

    private async IAsyncEnumerable<AnnotationRow> ReadRows(DbCommand command, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var row = new AnnotationRow();
        var completed = false;
        try
        {
            await foreach (var r in ReadRowsCore(command, row, cancellationToken))
            {
                yield return r;
            }
            completed = true;
        }
        finally
        {
            if (!completed)
            {
                // A failed or abandoned read leaves the connection in an unknown state.
                await ReleaseAsync();
            }
        }
    }

    private async IAsyncEnumerable<AnnotationRow> ReadRowsCore(DbCommand command, AnnotationRow row, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Sequential access: columns are read in select order, so the reader need not keep the whole row.
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var columns = new ColumnReader(reader, options, _textAsBytes);
        // Read(), not ReadAsync(): the rows of a batch are already buffered by the time the first one
        // is read, and a Task per row costs more than the row itself on a backlog drain.
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            ReadRow(columns, row, userIds: false, stageIds: false);
            yield return row;
        }
    }

    // Per select ordinal: whether the provider hands out the raw bytes of this text column (null: not tried yet).
    private readonly bool?[] _textAsBytes = new bool?[AnnotationQuery.IdsPresent + 1];

    private object TimeParameter(long ms) => options.TimeKind == TimeKind.Datetime
        ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(ms, MinDateTimeMs, MaxDateTimeMs)).UtcDateTime
        : ms;
}
