using System.Data.Common;
using System.Reflection;
using Aeg.Annotations;

namespace Aeg.Simulation;

/// <summary>
/// Writes simulated edits into a database with the shipped schema (content/esm/schema.sql):
/// one INSERT per new event, one UPDATE per edit with the version incremented, the audit trail
/// extended and the modification time set to the wall clock (so a running <c>aeg run</c>, even
/// with <c>firstStart: now</c>, sees every change as it would on ESM).
/// </summary>
public sealed class AnnotationWriter : IAsyncDisposable
{
    private readonly AnnotationDatabase _database;
    private readonly DbConnection _connection;
    private readonly Random _random;
    private readonly Dictionary<SimulatedStage, long> _stageIds;
    private readonly Dictionary<string, long> _userIds;
    private readonly Dictionary<long, RowState> _rows = [];
    private readonly long _firstEventId;
    private readonly DbCommand _insert, _update;

    private AnnotationWriter(AnnotationDatabase database, DbConnection connection, Random random,
        Dictionary<SimulatedStage, long> stageIds, Dictionary<string, long> userIds, long firstEventId)
    {
        _database = database;
        _connection = connection;
        _random = random;
        _stageIds = stageIds;
        _userIds = userIds;
        _firstEventId = firstEventId;
        _insert = Command("""
            INSERT INTO arc_event_annotation (event_id, version, modification_time, modified_by, stage, stage_update_time,
              stage_user, current_comment, audit_trail, flags, end_time, manager_receipt_time)
            VALUES (@id, @version, @time, @user, @stage, @stageTime, @stageUser, @comment, @trail, @flags, @end, @mrt)
            """);
        _update = Command("""
            UPDATE arc_event_annotation SET version = @version, modification_time = @time, modified_by = @user, stage = @stage,
              stage_update_time = @stageTime, stage_user = @stageUser, current_comment = @comment, audit_trail = @trail,
              flags = @flags, end_time = @end, manager_receipt_time = @mrt
            WHERE event_id = @id
            """);
    }

    /// <summary>Rows written (inserts and updates).</summary>
    public long Writes { get; private set; }

    /// <summary>The first event id used; events are numbered on from the table's highest id.</summary>
    public long FirstEventId => _firstEventId;

    /// <summary>Connects, optionally creates the schema, and makes sure the analysts and the re-image stage exist.</summary>
    public static async Task<AnnotationWriter> OpenAsync(AnnotationDatabase database, IReadOnlyList<string> analysts, bool createSchema,
        int? seed, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        try
        {
            if (createSchema && !await TableExistsAsync(database, connection, cancellationToken))
            {
                await ExecuteAsync(database, connection, SchemaSql(), cancellationToken);
            }
            await ExecuteAsync(database, connection, """
                INSERT INTO arc_resource (id, resource_type, name, uri)
                SELECT GREATEST(COALESCE(MAX(id), 0), 5) + 1, 1, 're-image', '/All Stages/re-image' FROM arc_resource
                HAVING NOT EXISTS (SELECT 1 FROM arc_resource WHERE resource_type = 1 AND name = 're-image')
                """, cancellationToken);
            var stages = await StageIdsAsync(database, connection, cancellationToken);
            var users = new Dictionary<string, long>();
            foreach (var name in analysts.Prepend("root"))
            {
                users[name] = await UserIdAsync(database, connection, name, cancellationToken);
            }
            await using var max = database.CreateCommand(connection, "SELECT COALESCE(MAX(event_id), 0) FROM arc_event_annotation");
            var first = Math.Max(Convert.ToInt64(await max.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) + 1, 1001);
            return new AnnotationWriter(database, connection, seed is { } s ? new Random(s + 1) : new Random(), stages, users, first);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>content/esm/schema.sql, carried inside the binary so that a single-file aeg can create it.</summary>
    public static string SchemaSql()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Aeg.Simulation.schema.sql")
            ?? throw new InvalidOperationException("schema.sql is not embedded in this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Writes one edit; returns the event id it wrote.</summary>
    public async Task<long> WriteAsync(SimulatedEdit edit, CancellationToken cancellationToken)
    {
        var eventId = _firstEventId + edit.EventNumber - 1;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Most consoles write LF; now and then a line ends in CRLF, as trails written by some real consoles do.
        var lineEnd = _random.Next(10) == 0 ? "\r\n" : "\n";
        DbCommand command;
        RowState row;
        if (edit.IsNew)
        {
            var end = now - _random.Next(1_000, 120_000);
            // The auto-generated Queued line can be older than the event itself.
            var queuedAt = _random.Next(10) == 0 ? end - _random.Next(1_000, 60_000) : now;
            row = new RowState
            {
                Version = 1,
                Stage = _stageIds[SimulatedStage.Queued],
                StageTime = now,
                EndTime = end,
                ManagerReceiptTime = end + _random.Next(200, 5_000),
                Trail = AuditTrail.Line(queuedAt, "root", SimulatedStages.Name(SimulatedStage.Queued), lineEnd),
            };
            _rows[eventId] = row;
            command = _insert;
        }
        else
        {
            row = _rows[eventId];
            row.Version++;
            row.ModifiedBy = _userIds[edit.Analyst!];
            if (edit.StageChanged)
            {
                row.Stage = _stageIds[edit.Stage];
                row.StageTime = now;
                row.StageUser = row.ModifiedBy;
            }
            if (edit.Comment is not null)
            {
                row.Comment = SimulationComments.Fit(edit.Comment);
            }
            row.Flags = (int)edit.Flags;
            row.Trail = AuditTrail.Prepend(AuditTrail.Line(now, edit.Analyst!, SimulatedStages.Name(edit.Stage), lineEnd), row.Trail);
            command = _update;
        }
        Set(command, "@id", eventId);
        Set(command, "@version", row.Version);
        Set(command, "@time", now);
        Set(command, "@user", row.ModifiedBy);
        Set(command, "@stage", row.Stage);
        Set(command, "@stageTime", row.StageTime);
        Set(command, "@stageUser", row.StageUser);
        Set(command, "@comment", row.Comment);
        Set(command, "@trail", row.Trail);
        Set(command, "@flags", row.Flags);
        Set(command, "@end", row.EndTime);
        Set(command, "@mrt", row.ManagerReceiptTime);
        var n = await command.ExecuteNonQueryAsync(cancellationToken);
        if (n != 1)
        {
            throw new InvalidOperationException($"event {eventId}: expected to write 1 row, wrote {n} (was the row deleted meanwhile?)");
        }
        Writes++;
        if (edit.FinishesEvent)
        {
            _rows.Remove(eventId);
        }
        return eventId;
    }

    public async ValueTask DisposeAsync()
    {
        await _insert.DisposeAsync();
        await _update.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private DbCommand Command(string sql)
    {
        var command = _database.CreateCommand(_connection, sql);
        foreach (var name in new[] { "@id", "@version", "@time", "@user", "@stage", "@stageTime", "@stageUser", "@comment", "@trail", "@flags", "@end", "@mrt" })
        {
            AnnotationDatabase.AddParameter(command, name, DBNull.Value);
        }
        return command;
    }

    private static void Set(DbCommand command, string name, object? value) => command.Parameters[name].Value = value ?? DBNull.Value;

    private static async Task ExecuteAsync(AnnotationDatabase database, DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(connection, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<bool> TableExistsAsync(AnnotationDatabase database, DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(connection,
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'arc_event_annotation'");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static async Task<Dictionary<SimulatedStage, long>> StageIdsAsync(AnnotationDatabase database, DbConnection connection, CancellationToken cancellationToken)
    {
        var byName = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        await using (var command = database.CreateCommand(connection, "SELECT id, name FROM arc_resource WHERE resource_type = 1"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                byName[reader.GetString(1)] = reader.GetInt64(0);
            }
        }
        var ids = new Dictionary<SimulatedStage, long>();
        foreach (var stage in Enum.GetValues<SimulatedStage>())
        {
            ids[stage] = byName.TryGetValue(SimulatedStages.Name(stage), out var id)
                ? id
                : throw new InvalidOperationException($"stage '{SimulatedStages.Name(stage)}' is missing from arc_resource; load content/esm/schema.sql (or run with --create-schema)");
        }
        return ids;
    }

    private static async Task<long> UserIdAsync(AnnotationDatabase database, DbConnection connection, string name, CancellationToken cancellationToken)
    {
        await using var find = database.CreateCommand(connection, "SELECT id FROM arc_resource WHERE resource_type = 2 AND name = @name");
        AnnotationDatabase.AddParameter(find, "@name", name);
        if (await find.ExecuteScalarAsync(cancellationToken) is { } found and not DBNull)
        {
            return Convert.ToInt64(found, System.Globalization.CultureInfo.InvariantCulture);
        }
        // User ids start above 100, clear of the stage ids.
        await using var insert = database.CreateCommand(connection, """
            INSERT INTO arc_resource (id, resource_type, name)
            SELECT GREATEST(COALESCE(MAX(id), 0), 100) + 1, 2, @name FROM arc_resource;
            SELECT id FROM arc_resource WHERE resource_type = 2 AND name = @name
            """);
        AnnotationDatabase.AddParameter(insert, "@name", name);
        return Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class RowState
    {
        public int Version;
        public long? ModifiedBy, StageUser, EndTime, ManagerReceiptTime;
        public long Stage, StageTime;
        public string? Comment;
        public string Trail = "";
        public int Flags;
    }
}
