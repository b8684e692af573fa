using System.Data.Common;
using System.Runtime.CompilerServices;
using Aeg.Configuration;
using Aeg.State;
using Serilog;

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
}

/// <summary>
/// Reads the annotation table with a keyset query, streaming rows from a <see cref="DbDataReader"/>
/// so memory stays constant whatever the batch size.
/// </summary>
public sealed class AnnotationSource(AnnotationDatabase database, SourceOptions options, IReadOnlySet<AnnotationField>? usedFields = null,
    ILogger? log = null)
    : IAnnotationSource
{
    // Rows per packed chunk at most: ~0.5 MB per result row for typical annotations. Fewer when the
    // columns' declared sizes say that many could exceed the server's packet size.
    private const int PackedChunkRows = 1000;
    private PackedBatchQuery? _packedIds;
    private PackedBatchQuery? _packedJoined;
    private bool _idTypesChecked;
    private DbConnection? _packedSession;
    private long _packedBudget;

    // Resolved names, kept for one poll cycle (so a renamed stage or user shows up from the next cycle on).
    private const int MaxCachedNames = 100_000;
    private const int LookupChunk = 1000;
    private readonly Dictionary<long, ResourceName> _stageNames = [];
    private readonly Dictionary<long, ResourceName> _userNames = [];
    // Set when a lookup column turns out not to hold integers: names are then joined by the database.
    private bool _joinLookups = options.StageLookup is null && options.UserLookup is null;

    // Kept open across the batches of a cycle: a pool checkout per batch costs a round trip.
    private DbConnection? _connection;

    // DATETIME cannot hold the extremes of a long; clamp to the range MySQL accepts.
    private static readonly long MinDateTimeMs = new DateTimeOffset(1000, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly long MaxDateTimeMs = new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private readonly AnnotationQuery _query = new(options, usedFields);

    public AnnotationQuery Query => _query;

    /// <summary>Why batches are read row by row although <c>source.fetch</c> is packed; null while packed reading works.</summary>
    public string? PackedUnavailableReason { get; private set; }

    /// <summary>Bytes per packed result row at most (else the server's max_allowed_packet); tests lower it.</summary>
    internal long? PackedByteLimit { get; init; }

    /// <summary>The most bytes a row may take packed, once the first packed batch measured it.</summary>
    internal long? PackedRowBound => _packedIds?.RowBound ?? _packedJoined?.RowBound;

    private bool Packed => options.Fetch == FetchMode.Packed && PackedUnavailableReason is null;

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
                    await ResolveNamesAsync(connection, rows, n, cancellationToken);
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
        _stageNames.Clear();
        _userNames.Clear();
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
        if (Packed)
        {
            if (ids && !_idTypesChecked)
            {
                // The row reader checks the id columns' types on every batch; the packed one asks once (LIMIT 0).
                if (await ReadBatchCoreAsync(connection, _query.AfterIds, cursor, [], ids: true, cancellationToken) < 0)
                {
                    return -1;
                }
                _idTypesChecked = true;
            }
            var query = ids ? _packedIds ??= new PackedBatchQuery(options, _query, ids: true) : _packedJoined ??= new PackedBatchQuery(options, _query, ids: false);
            var n = await ReadPackedAsync(connection, query, ids ? _query.AfterIds : _query.AfterJoined, cursor, rows, cancellationToken);
            if (n >= 0)
            {
                return n;
            }
        }
        return await ReadBatchCoreAsync(connection, ids ? _query.AfterIds : _query.AfterJoined, cursor, rows, ids, cancellationToken);
    }

    /// <summary>
    /// Fills <paramref name="rows"/> chunk by chunk: the end key of the next chunk (an index-only OFFSET query),
    /// then the chunk's rows packed into one result row. Returns -1 when packed reading is unavailable (the
    /// server refused the SQL, or a row may not fit its packet size); the caller then reads rows.
    /// </summary>
    /// <remarks>
    /// A chunk must never be cut by the server: a cut comes with a warning, and MySql.Data 8.0.16 fetches
    /// warnings with SHOW WARNINGS, whose utf8mb3 columns (MariaDB 10.6+) it cannot decode. So the chunk
    /// size comes from the columns' declared sizes, not from trying.
    /// </remarks>
    private async Task<int> ReadPackedAsync(DbConnection connection, PackedBatchQuery query, string rowsSql, AnnotationCursor cursor,
        AnnotationRow[] rows, CancellationToken cancellationToken)
    {
        try
        {
            if (!ReferenceEquals(_packedSession, connection))
            {
                await using (var command = database.CreateCommand(connection, "SELECT @@max_allowed_packet"))
                {
                    var packet = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
                    // Room for the packet header and the count column.
                    _packedBudget = Math.Min(packet, PackedByteLimit ?? long.MaxValue) - 1024;
                }
                await using (var command = database.CreateCommand(connection,
                    $"SET SESSION group_concat_max_len = {Math.Max(_packedBudget, 4).ToString(System.Globalization.CultureInfo.InvariantCulture)}"))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                _packedSession = connection;
            }
            query.RowBound ??= await RowBoundAsync(connection, query, rowsSql, cursor, cancellationToken);
            var chunkRows = (int)Math.Min(PackedChunkRows, _packedBudget / query.RowBound.Value);
            if (chunkRows < 1)
            {
                Unavailable($"a row may take {query.RowBound} bytes packed, more than the {_packedBudget} the server's packet size allows");
                return -1;
            }
            object t = TimeParameter(cursor.ModificationTimeMs), id = cursor.EventId;
            var n = 0;
            while (n < rows.Length)
            {
                var want = Math.Min(rows.Length - n, chunkRows);
                object? endTime = null, endId = null;
                await using (var command = database.CreateCommand(connection, query.EndKey))
                {
                    AnnotationDatabase.AddParameter(command, "@t", t);
                    AnnotationDatabase.AddParameter(command, "@id", id);
                    AnnotationDatabase.AddParameter(command, "@skip", want - 1);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    if (reader.Read())
                    {
                        endTime = reader.GetValue(0);
                        endId = reader.GetValue(1);
                    }
                }
                long count;
                byte[]? data;
                await using (var command = database.CreateCommand(connection, endTime is null ? query.Open : query.Bounded))
                {
                    AnnotationDatabase.AddParameter(command, "@t", t);
                    AnnotationDatabase.AddParameter(command, "@id", id);
                    if (endTime is not null)
                    {
                        AnnotationDatabase.AddParameter(command, "@et", endTime);
                        AnnotationDatabase.AddParameter(command, "@eid", endId!);
                    }
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    reader.Read();
                    count = reader.GetInt64(0);
                    data = reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1);
                }
                cancellationToken.ThrowIfCancellationRequested();
                // Rows committed between the two queries may make a chunk longer than asked: keep the first ones.
                if ((count > 0 && data is null)
                    || !PackedRowDecoder.TryDecode(data, count, query.Kinds, query.UserIds, query.StageIds, rows, n, rows.Length - n, out var got))
                {
                    Unavailable($"a packed chunk of {count} row(s) and {data?.Length ?? 0} bytes did not decode");
                    return -1;
                }
                n += got;
                if (endTime is null || got < count)
                {
                    break;
                }
                (t, id) = (endTime, endId!);
            }
            return n;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && connection.State == System.Data.ConnectionState.Open)
        {
            // The server refused the SQL (an old server without these functions, a proxy that rejects them), or
            // the driver failed on the answer: rows always work. A database failure (no answer to a ping)
            // propagates for the retry, which reads rows too unless it was only the network.
            var answers = await AnswersAsync(connection, cancellationToken);
            if (answers || ex is not DbException)
            {
                Unavailable($"{ex.GetType().Name}: {ex.Message}");
            }
            if (!answers)
            {
                throw;
            }
            return -1;
        }
    }

    // The most bytes one row can take packed, from the declared sizes of the selected columns.
    private async Task<long> RowBoundAsync(DbConnection connection, PackedBatchQuery query, string rowsSql, AnnotationCursor cursor,
        CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(connection, rowsSql);
        AnnotationDatabase.AddParameter(command, "@t", TimeParameter(cursor.ModificationTimeMs));
        AnnotationDatabase.AddParameter(command, "@id", cursor.EventId);
        AnnotationDatabase.AddParameter(command, "@batch", 0);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var schema = reader.GetSchemaTable()!.Rows;
        long bound = 0;
        for (var i = 0; i < query.Kinds.Length; i++)
        {
            bound += query.Kinds[i] switch
            {
                PackedKind.Integer => 21,
                // Characters × 4 (utf8mb4) and the length prefix; a column without a size is unbounded.
                PackedKind.Text => schema[i]["ColumnSize"] is int size and > 0 ? 12 + (4L * size) : long.MaxValue / 64,
                _ => 0,
            };
        }
        return bound;
    }

    private async Task<bool> AnswersAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await using var ping = database.CreateCommand(connection, "SELECT 1");
            return Convert.ToInt64(await ping.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }
        catch (DbException)
        {
            return false;
        }
    }

    private void Unavailable(string reason)
    {
        PackedUnavailableReason = reason;
        log?.Warning("Packed batch reading is unavailable, reading row by row from now on: {Reason}", reason);
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
        var text = TextColumns(reader);
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
        // Read(), not ReadAsync(): MySql.Data's async reads complete synchronously anyway, and the
        // Task per row costs more than the row itself on a backlog drain.
        while (n < rows.Length && reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = rows[n++];
            row.EventId = reader.GetInt64(AnnotationQuery.EventId);
            row.Version = reader.GetInt64(AnnotationQuery.Version);
            row.ModificationTimeMs = ReadTime(reader, AnnotationQuery.ModificationTime) ?? 0;
            if (userIds)
            {
                row.ModifiedById = ReadInt64(reader, AnnotationQuery.ModifiedBy);
                row.ModifiedBy = null;
            }
            else
            {
                row.ModifiedBy = ReadText(reader, AnnotationQuery.ModifiedBy, text);
            }
            if (stageIds)
            {
                row.StageId = ReadInt64(reader, AnnotationQuery.StageName);
                row.StageName = row.StageUri = null;
            }
            else
            {
                row.StageName = ReadText(reader, AnnotationQuery.StageName, text);
                row.StageUri = ReadText(reader, AnnotationQuery.StageUri, text);
                DeriveStageName(row);
            }
            if (userIds)
            {
                row.StageUserId = ReadInt64(reader, AnnotationQuery.StageUser);
                row.StageUser = null;
            }
            else
            {
                row.StageUser = ReadText(reader, AnnotationQuery.StageUser, text);
            }
            ReadRest(reader, row, text);
        }
        return n;
    }

    private async Task ResolveNamesAsync(DbConnection connection, AnnotationRow[] rows, int count, CancellationToken cancellationToken)
    {
        if (options.StageLookup is { } stage)
        {
            await LoadMissingAsync(connection, stage, _stageNames, rows, count, static r => r.StageId, null, cancellationToken);
        }
        if (options.UserLookup is { } user)
        {
            await LoadMissingAsync(connection, user, _userNames, rows, count, static r => r.ModifiedById, static r => r.StageUserId, cancellationToken);
        }
        for (var i = 0; i < count; i++)
        {
            var row = rows[i];
            if (options.StageLookup is not null)
            {
                var s = row.StageId is { } sid ? _stageNames[sid] : default;
                row.StageName = s.Name;
                row.StageUri = s.Uri;
                DeriveStageName(row);
            }
            if (options.UserLookup is not null)
            {
                row.ModifiedBy = row.ModifiedById is { } m ? _userNames[m].Name : null;
                row.StageUser = row.StageUserId is { } u ? _userNames[u].Name : null;
            }
        }
    }

    // An id missing from the lookup table resolves to no name, as the LEFT JOIN did.
    private async Task LoadMissingAsync(DbConnection connection, LookupOptions lookup, Dictionary<long, ResourceName> cache,
        AnnotationRow[] rows, int count, Func<AnnotationRow, long?> id1, Func<AnnotationRow, long?>? id2, CancellationToken cancellationToken)
    {
        HashSet<long>? missing = null;
        for (var i = 0; i < count; i++)
        {
            if (id1(rows[i]) is { } a && !cache.ContainsKey(a))
            {
                (missing ??= []).Add(a);
            }
            if (id2?.Invoke(rows[i]) is { } b && !cache.ContainsKey(b))
            {
                (missing ??= []).Add(b);
            }
        }
        if (missing is null)
        {
            return;
        }
        if (cache.Count + missing.Count > MaxCachedNames)
        {
            // Bounded memory: start over (the names of this batch are all reloaded below).
            cache.Clear();
            for (var i = 0; i < count; i++)
            {
                if (id1(rows[i]) is { } a)
                {
                    missing.Add(a);
                }
                if (id2?.Invoke(rows[i]) is { } b)
                {
                    missing.Add(b);
                }
            }
        }
        foreach (var chunk in missing.Chunk(LookupChunk))
        {
            await using var command = database.CreateCommand(connection, AnnotationQuery.Lookup(lookup, chunk));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (ReadId(reader, 0) is { } id)
                {
                    cache[id] = new ResourceName(
                        reader.IsDBNull(1) ? null : Convert.ToString(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture),
                        reader.IsDBNull(2) ? null : Convert.ToString(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            foreach (var id in chunk)
            {
                cache.TryAdd(id, default);
            }
        }
    }

    private readonly record struct ResourceName(string? Name, string? Uri);

    private static bool IsInteger(DbDataReader reader, int ordinal) =>
        Type.GetTypeCode(reader.GetFieldType(ordinal)) is TypeCode.Int64 or TypeCode.Int32 or TypeCode.Int16 or TypeCode.SByte
            or TypeCode.UInt32 or TypeCode.UInt16 or TypeCode.Byte;

    private static long? ReadInt64(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    // The lookup table's id column may be of another type than the annotation column it is joined on.
    private static long? ReadId(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null
        : reader.GetValue(ordinal) is var v && long.TryParse(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
            System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;

    private static void DeriveStageName(AnnotationRow row)
    {
        if (row.StageName is null && row.StageUri is { } uri)
        {
            row.StageName = uri[(uri.LastIndexOf('/') + 1)..];
        }
    }

    private static TextColumn[] TextColumns(DbDataReader reader)
    {
        var text = new TextColumn[AnnotationQuery.ManagerReceiptTime + 1];
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = new TextColumn(reader.GetFieldType(i) == typeof(string));
        }
        return text;
    }

    // The columns after the stage user, in select order (sequential access).
    private void ReadRest(DbDataReader reader, AnnotationRow row, TextColumn[] text)
    {
        row.StageUpdateTimeMs = ReadTime(reader, AnnotationQuery.StageUpdateTime);
        ReadUtf8Text(reader, AnnotationQuery.CurrentComment, text, row.CurrentCommentValue);
        ReadUtf8Text(reader, AnnotationQuery.AuditTrail, text, row.AuditTrailValue);
        row.Flags = reader.IsDBNull(AnnotationQuery.Flags) ? null : reader.GetInt64(AnnotationQuery.Flags);
        row.EndTimeMs = ReadTime(reader, AnnotationQuery.EndTime);
        row.ManagerReceiptTimeMs = ReadTime(reader, AnnotationQuery.ManagerReceiptTime);
        row.MissedVersions = 0;
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
        // Sequential access (columns are read in select order) saves MySql.Data about 15% CPU per row.
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var text = TextColumns(reader);
        // Read(), not ReadAsync(): MySql.Data's async reads complete synchronously anyway, and the
        // Task per row costs more than the row itself on a backlog drain.
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            row.EventId = reader.GetInt64(AnnotationQuery.EventId);
            row.Version = reader.GetInt64(AnnotationQuery.Version);
            row.ModificationTimeMs = ReadTime(reader, AnnotationQuery.ModificationTime) ?? 0;
            row.ModifiedBy = ReadText(reader, AnnotationQuery.ModifiedBy, text);
            row.StageName = ReadText(reader, AnnotationQuery.StageName, text);
            row.StageUri = ReadText(reader, AnnotationQuery.StageUri, text);
            DeriveStageName(row);
            row.StageUser = ReadText(reader, AnnotationQuery.StageUser, text);
            ReadRest(reader, row, text);
            yield return row;
        }
    }

    private readonly record struct TextColumn(bool IsString);

    // Per select ordinal: whether the provider hands out the raw bytes of this text column (null: not tried yet).
    private readonly bool?[] _textAsBytes = new bool?[AnnotationQuery.ManagerReceiptTime + 1];

    // The comment and audit trail are kept as the UTF-8 bytes the server sent (the connection's character set
    // is utf8mb4, so text arrives as UTF-8 whatever the column stores), copied into the row's own buffer: no
    // string, and the CEF writer escapes them as they are. MySqlConnector hands out the bytes of a column
    // flagged binary only (a _bin collation, as in content/esm/schema.sql); others are read as strings.
    private void ReadUtf8Text(DbDataReader reader, int ordinal, TextColumn[] columns, Utf8Text target)
    {
        if (!columns[ordinal].IsString || reader.IsDBNull(ordinal) || _textAsBytes[ordinal] == false)
        {
            target.Text = ReadText(reader, ordinal, columns);
            return;
        }
        long length;
        try
        {
            length = reader.GetBytes(ordinal, 0, null, 0, 0);
            _textAsBytes[ordinal] = true;
        }
        catch (InvalidCastException)
        {
            _textAsBytes[ordinal] = false;
            target.Text = ReadText(reader, ordinal, columns);
            return;
        }
        var read = reader.GetBytes(ordinal, 0, target.Reserve((int)length), 0, (int)length);
        if (read != length)
        {
            throw new InvalidOperationException($"column {ordinal}: {read} of {length} bytes read");
        }
    }

    // A configured column may hold a name (string) or, without a lookup table, an id (number).
    private static string? ReadText(DbDataReader reader, int ordinal, TextColumn[] columns) =>
        reader.IsDBNull(ordinal) ? null
        : columns[ordinal].IsString ? reader.GetString(ordinal)
        : Convert.ToString(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    private long? ReadTime(DbDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }
        return options.TimeKind == TimeKind.Datetime
            ? new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc)).ToUnixTimeMilliseconds()
            : reader.GetInt64(ordinal);
    }

    private object TimeParameter(long ms) => options.TimeKind == TimeKind.Datetime
        ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(ms, MinDateTimeMs, MaxDateTimeMs)).UtcDateTime
        : ms;
}
