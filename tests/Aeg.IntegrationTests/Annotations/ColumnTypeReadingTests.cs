using System.Text;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Syslog;

namespace Aeg.IntegrationTests.Annotations;

/// <summary>
/// Every column type a DBA can give the text columns (binary, latin1, utf8mb3, utf8mb4, numbers, dates)
/// arrives as the right text from the real MariaDB; invalid UTF-8 becomes U+FFFD and marks the row; a stage or
/// user id the lookup table does not know marks the row, on every query the source runs.
/// </summary>
public sealed class ColumnTypeReadingTests
{
    private const long Ms = 1_795_000_000_000;
    private const string Full = "Grüße é € 😀 | = \\";
    private const string NoEmoji = "Grüße é € | = \\";

    public static TheoryData<string, string> TextTypes => new()
    {
        { "VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", Full },
        { "VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci", Full },
        { "TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", Full },
        { "VARCHAR(1024) CHARACTER SET utf8mb3 COLLATE utf8mb3_bin", NoEmoji },
        { "VARCHAR(1024) CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci", NoEmoji },
        // MariaDB's latin1 is cp1252, which holds €.
        { "VARCHAR(1024) CHARACTER SET latin1 COLLATE latin1_bin", NoEmoji },
        { "VARCHAR(1024) CHARACTER SET latin1 COLLATE latin1_swedish_ci", NoEmoji },
        { "VARBINARY(1024)", Full },
        { "BLOB", Full },
        { "BINARY(64)", Full },
    };

    [Theory]
    [MemberData(nameof(TextTypes))]
    public async Task A_comment_and_audit_trail_of_each_type_arrive_as_their_text_and_null_stays_null(string type, string text)
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync($"ALTER TABLE arc_event_annotation MODIFY current_comment {type} NULL, MODIFY audit_trail {type} NULL");
        await InsertAsync(db, 1, ("current_comment", text), ("audit_trail", "2," + text + ",,,,\n"));
        await InsertAsync(db, 2, ("current_comment", null), ("audit_trail", ""));

        var rows = await SourceReading.ReadAllAsync(db);

        Assert.Equal([text, null], rows.Select(r => r.CurrentComment));
        Assert.Equal(["2," + text + ",,,,\n", ""], rows.Select(r => r.AuditTrail));
        Assert.All(rows, r => Assert.Equal(RowChanges.None, r.Changes));
        var cef = ParsedCef.Parse(Encoding.UTF8.GetString(Mapper().Map(rows[0]).Span));
        Assert.Equal(text, cef["cs2"]);
    }

    [Theory]
    [InlineData("VARBINARY(1024)")]
    [InlineData("BLOB")]
    [InlineData("BINARY(16)")]
    public async Task Bytes_that_are_not_utf8_become_replacement_characters_and_mark_the_row(string type)
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync($"ALTER TABLE arc_event_annotation MODIFY current_comment {type} NULL, MODIFY audit_trail {type} NULL");
        byte[] cut = [(byte)'o', (byte)'k', 0xFF, (byte)'!'], surrogate = [0xC3, (byte)'x', 0xED, 0xA0, 0x80];
        await InsertAsync(db, 1, ("current_comment", cut), ("audit_trail", "fine"));
        await InsertAsync(db, 2, ("current_comment", "fine"), ("audit_trail", surrogate));
        await InsertAsync(db, 3, ("current_comment", "é"), ("audit_trail", "€"));

        var rows = await SourceReading.ReadAllAsync(db);

        Assert.Equal(["ok\uFFFD!", "fine", "é"], rows.Select(r => r.CurrentComment));
        Assert.Equal(["fine", Encoding.UTF8.GetString(surrogate), "€"], rows.Select(r => r.AuditTrail));
        Assert.Contains('\uFFFD', rows[1].AuditTrail!);
        Assert.Equal([RowChanges.InvalidText, RowChanges.InvalidText, RowChanges.None], rows.Select(r => r.Changes));
        var cef = ParsedCef.Parse(Encoding.UTF8.GetString(Mapper().Map(rows[0]).Span));
        Assert.Equal("ok\uFFFD!", cef["cs2"]);
    }

    [Fact]
    public async Task Binary_user_and_stage_columns_holding_names_arrive_as_their_text()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync("""
            ALTER TABLE arc_event_annotation MODIFY modified_by VARBINARY(255) NULL, MODIFY stage VARBINARY(255) NULL,
              MODIFY stage_user BLOB NULL
            """);
        await InsertAsync(db, 1, ("modified_by", "José"), ("stage", "Follow-Up"), ("stage_user", "Zoë 😀"));
        await InsertAsync(db, 2, ("modified_by", new byte[] { 0x80 }), ("stage", null), ("stage_user", null));

        var rows = await SourceReading.ReadAllAsync(db, NamesInTheTable());

        Assert.Equal(["José", "\uFFFD"], rows.Select(r => r.ModifiedBy));
        Assert.Equal(["Follow-Up", null], rows.Select(r => r.StageName));
        Assert.Equal(["Zoë 😀", null], rows.Select(r => r.StageUser));
        Assert.Equal([RowChanges.None, RowChanges.InvalidText], rows.Select(r => r.Changes));
    }

    [Fact]
    public async Task Numbers_and_dates_in_text_columns_arrive_as_invariant_text()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync("""
            ALTER TABLE arc_event_annotation MODIFY current_comment DECIMAL(12,2) NULL, MODIFY audit_trail DATETIME(3) NULL,
              MODIFY modified_by TINYINT(1) NULL, MODIFY stage CHAR(36) NULL, MODIFY stage_user DOUBLE NULL
            """);
        await InsertAsync(db, 1, ("current_comment", 1234567.5m), ("audit_trail", new DateTime(2026, 12, 3, 4, 5, 6, 250)),
            ("modified_by", 5), ("stage", "Follow-Up"), ("stage_user", 0.25));
        await InsertAsync(db, 2, ("current_comment", -3m), ("audit_trail", new DateTime(2026, 12, 3, 4, 5, 6)),
            ("modified_by", 0), ("stage", "0f8fad5b-d9cb-469f-a165-70867728950e"), ("stage_user", 1e20));

        var rows = await SourceReading.ReadAllAsync(db, NamesInTheTable());

        Assert.Equal(["1234567.50", "-3.00"], rows.Select(r => r.CurrentComment));
        Assert.Equal(["2026-12-03 04:05:06.25", "2026-12-03 04:05:06"], rows.Select(r => r.AuditTrail));
        Assert.Equal(["5", "0"], rows.Select(r => r.ModifiedBy));
        Assert.Equal(["Follow-Up", "0f8fad5b-d9cb-469f-a165-70867728950e"], rows.Select(r => r.StageName));
        Assert.Equal(["0.25", "1E+20"], rows.Select(r => r.StageUser));
        Assert.All(rows, r => Assert.Null(r.Fault));
    }

    [Fact]
    public async Task Ids_the_lookup_table_does_not_know_are_marked_when_resolved_by_the_cache()
    {
        await using var db = await UnresolvedRowsAsync();

        var rows = await SourceReading.ReadAllAsync(db);

        AssertUnresolved(rows);
    }

    [Fact]
    public async Task Ids_the_lookup_table_does_not_know_are_marked_when_resolved_by_joins()
    {
        await using var db = await UnresolvedRowsAsync();
        // A lookup column that is not an integer makes the source join the names in the database.
        await db.ExecuteAsync("ALTER TABLE arc_event_annotation MODIFY stage VARCHAR(20) NULL");

        AssertUnresolved(await SourceReading.ReadAllAsync(db));
        AssertUnresolved(await SourceReading.ReadAfterAsync(db));
    }

    [Fact]
    public async Task Ids_the_lookup_table_does_not_know_are_marked_in_the_look_back_and_single_row_queries()
    {
        await using var db = await UnresolvedRowsAsync();

        AssertUnresolved(await SourceReading.ReadAfterAsync(db));
        AssertUnresolved(await SourceReading.ReadWindowAsync(db, Ms));
    }

    [Fact]
    public async Task A_datetime_modification_time_with_epoch_ms_configured_is_an_error_naming_the_setting()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync("ALTER TABLE arc_event_annotation MODIFY modification_time DATETIME(3) NOT NULL");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SourceReading.ReadAllAsync(db));

        Assert.Contains("source.timeKind", error.Message);
        Assert.Contains("modification_time", error.Message);
    }

    [Fact]
    public async Task Time_columns_are_read_by_their_type_and_a_datetime_table_may_hold_the_modification_time_as_text()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync("""
            ALTER TABLE arc_event_annotation MODIFY modification_time VARCHAR(30) NOT NULL, MODIFY end_time DATETIME(3) NULL,
              MODIFY manager_receipt_time DECIMAL(20,0) NULL
            """);
        var at = new DateTimeOffset(2026, 12, 3, 4, 5, 6, 250, TimeSpan.Zero);
        await db.ExecuteAsync("""
            INSERT INTO arc_event_annotation (event_id, version, modification_time, stage_update_time, end_time, manager_receipt_time)
            VALUES (1, 1, '2026-12-03 04:05:06.250', @ms, '2026-12-03 04:05:06.250', @ms)
            """, ("@ms", at.ToUnixTimeMilliseconds()));

        var row = Assert.Single(await SourceReading.ReadAllAsync(db, new SourceOptions { TimeKind = TimeKind.Datetime }));

        var ms = at.ToUnixTimeMilliseconds();
        Assert.Equal((ms, ms, ms, ms), (row.ModificationTimeMs, row.StageUpdateTimeMs, row.EndTimeMs, row.ManagerReceiptTimeMs));
        Assert.Null(row.Fault);
    }

    // Rows 1-5: resolved, unknown stage, unknown modifier, unknown stage user, no ids at all.
    private static async Task<TestDatabase> UnresolvedRowsAsync()
    {
        var db = await TestDatabase.CreateEsmAsync();
        try
        {
            await db.ExecuteAsync("INSERT INTO arc_resource (id, resource_type, name, uri) VALUES (100, 2, 'alice', NULL)");
            await InsertAsync(db, 1, ("stage", 3), ("modified_by", 100), ("stage_user", 100));
            await InsertAsync(db, 2, ("stage", 99), ("modified_by", 100), ("stage_user", null));
            await InsertAsync(db, 3, ("stage", 1), ("modified_by", 999), ("stage_user", 100));
            await InsertAsync(db, 4, ("stage", 2), ("modified_by", null), ("stage_user", 998));
            await InsertAsync(db, 5, ("stage", null), ("modified_by", null), ("stage_user", null));
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    private static void AssertUnresolved(List<AnnotationRow> rows)
    {
        Assert.Equal([1L, 2, 3, 4, 5], rows.Select(r => r.EventId));
        Assert.Equal(["Follow-Up", null, "Queued", "Initial", null], rows.Select(r => r.StageName));
        Assert.Equal(["alice", "alice", null, null, null], rows.Select(r => r.ModifiedBy));
        Assert.Equal(["alice", null, "alice", null, null], rows.Select(r => r.StageUser));
        Assert.Equal([RowChanges.None, RowChanges.UnresolvedStage, RowChanges.UnresolvedUser, RowChanges.UnresolvedUser, RowChanges.None],
            rows.Select(r => r.Changes));
    }

    private static SourceOptions NamesInTheTable() => new() { StageLookup = null, UserLookup = null };

    private static Task InsertAsync(TestDatabase db, long id, params (string Column, object? Value)[] values) => db.ExecuteAsync(
        $"INSERT INTO arc_event_annotation (event_id, version, modification_time{string.Concat(values.Select(v => ", " + v.Column))}) " +
        $"VALUES (@id, 1, @mt{string.Concat(values.Select(v => ", @" + v.Column))})",
        [("@id", id), ("@mt", Ms + id), .. values.Select(v => ("@" + v.Column, v.Value))]);

    private static AnnotationMapper Mapper() => new(
        RepoMappings.Load(), new SyslogOutputOptions(), "aeg01.example.com", () => new DateTimeOffset(2026, 12, 3, 4, 5, 6, TimeSpan.Zero));
}
