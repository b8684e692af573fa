using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.State;

namespace Aeg.IntegrationTests.Annotations;

/// <summary>
/// A value that cannot be read (too big, a fraction, an impossible date) costs its row only: among 10,000 rows
/// read in keyset batches from the real MariaDB (sequential access), the 9,999 others come back right and the
/// poison row comes back with a fault naming the column and the exception type, and with the keys it could read.
/// </summary>
public sealed class PoisonRowReadingTests
{
    private const int Rows = 10_000;
    private const long FirstId = 1_000_000;
    private const long FirstMs = 1_795_000_000_000;
    // In the middle of a batch of 1000 (not its last row, whose keys move the cursor).
    private const long PoisonId = FirstId + 5_500;

    [Theory]
    [InlineData("MODIFY version BIGINT UNSIGNED NOT NULL DEFAULT 1", "version = 18446744073709551615",
        "column version: OverflowException, value 18446744073709551615", PoisonId, 0L)]
    [InlineData("MODIFY event_id DECIMAL(30,0) NOT NULL", "event_id = 99999999999999999999",
        "column event_id: OverflowException, value 99999999999999999999", 0L, 1L)]
    public async Task A_key_beyond_long_is_named_with_its_value_and_the_other_keys_are_still_read(string alter, string set, string fault,
        long eventId, long version)
    {
        await using var db = await EpochTableAsync(alter);
        await db.ExecuteAsync($"UPDATE arc_event_annotation SET {set} WHERE event_id = {PoisonId}");

        var poison = AssertGoodRowsAndGetPoison(await SourceReading.ReadAllAsync(db));

        Assert.Equal(fault, poison.Fault);
        Assert.Equal((eventId, version, MsOf(PoisonId)), (poison.EventId, poison.Version, poison.ModificationTimeMs));
    }

    [Theory]
    [InlineData("BIGINT UNSIGNED", "9223372036854775809", "column flags: OverflowException")]
    [InlineData("DECIMAL(20,2)", "1.50", "column flags: Decimal value is not a whole number in the range of a 64-bit integer")]
    [InlineData("DECIMAL(30,0)", "100000000000000000000000000", "column flags: OverflowException")]
    [InlineData("DOUBLE", "0.5", "column flags: Double value is not a whole number in the range of a 64-bit integer")]
    [InlineData("VARCHAR(20)", "'7 or 8'", "column flags: String value is not a whole number in the range of a 64-bit integer")]
    public async Task A_flags_value_that_is_no_long_integer_is_the_poison_rows_fault_only(string type, string value, string fault)
    {
        await using var db = await EpochTableAsync($"MODIFY flags {type} NOT NULL DEFAULT 0");
        await db.ExecuteAsync($"UPDATE arc_event_annotation SET flags = {value} WHERE event_id = {PoisonId}");

        var poison = AssertGoodRowsAndGetPoison(await SourceReading.ReadAllAsync(db));

        Assert.Equal(fault, poison.Fault);
        AssertKeys(poison);
    }

    [Theory]
    [InlineData("manager_receipt_time", "'0000-00-00 00:00:00'", "column manager_receipt_time: InvalidCastException")]
    [InlineData("end_time", "'2026-00-15 10:00:00'", "column end_time: FormatException")]
    [InlineData("stage_update_time", "'2026-02-00 10:00:00'", "column stage_update_time: FormatException")]
    public async Task An_impossible_date_in_a_datetime_table_is_the_poison_rows_fault_only(string column, string value, string fault)
    {
        await using var db = await DatetimeTableAsync();
        await db.ExecuteAsync($"SET SESSION sql_mode = ''; UPDATE arc_event_annotation SET {column} = {value} WHERE event_id = {PoisonId}");

        var poison = AssertGoodRowsAndGetPoison(await SourceReading.ReadAllAsync(db, new SourceOptions { TimeKind = TimeKind.Datetime }));

        Assert.Equal(fault, poison.Fault);
        AssertKeys(poison);
    }

    [Fact]
    public async Task An_impossible_modification_time_is_named_and_the_row_keeps_its_id_and_version()
    {
        await using var db = await DatetimeTableAsync();
        // A zero month sorts before 2026-01-01: the keyset query returns it first.
        await db.ExecuteAsync($"SET SESSION sql_mode = ''; UPDATE arc_event_annotation SET modification_time = '2026-00-01 00:00:00' WHERE event_id = {PoisonId}");

        var rows = await SourceReading.ReadAllAsync(db, new SourceOptions { TimeKind = TimeKind.Datetime });

        var poison = Assert.Single(rows, r => r.Fault is not null);
        Assert.Equal("column modification_time: FormatException", poison.Fault);
        Assert.Equal((PoisonId, 1L, 0L), (poison.EventId, poison.Version, poison.ModificationTimeMs));
        AssertGood(rows.Where(r => r.Fault is null).ToList());
    }

    [Fact]
    public async Task Through_the_poller_a_row_the_reader_faulted_is_quarantined_with_its_reason_and_the_others_are_sent()
    {
        await using var h = await PollerHarness.CreateAsync();
        await h.Db.InsertRangeAsync(FirstId, Rows, FirstMs, stepMs: 1);
        await h.Db.ExecuteAsync("ALTER TABLE arc_event_annotation MODIFY flags BIGINT UNSIGNED NOT NULL DEFAULT 0");
        await h.Db.ExecuteAsync($"UPDATE arc_event_annotation SET flags = 9223372036854775809 WHERE event_id = {PoisonId}");
        var sender = new RecordingSyslogSender();
        await using var poller = h.CreatePoller(sender);

        await poller.PollOnceAsync(CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, Rows).Select(i => FirstId + i).Where(id => id != PoisonId), ParsedCef.EventIds(sender.Flushed));
        Assert.Equal(1, poller.Counters.Quarantined);
        Assert.Equal($"event {PoisonId} version 1: column flags: OverflowException", poller.Counters.LastQuarantined);
        Assert.Equal(new AnnotationCursor(MsOf(FirstId + Rows - 1), FirstId + Rows - 1), poller.Cursor);
    }

    // The default schema and 10,000 rows one millisecond apart, then the column change.
    private static async Task<TestDatabase> EpochTableAsync(string alter)
    {
        var db = await TestDatabase.CreateEsmAsync();
        try
        {
            await db.InsertRangeAsync(FirstId, Rows, FirstMs, stepMs: 1);
            await db.ExecuteAsync($"ALTER TABLE arc_event_annotation {alter}");
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    // Every time column DATETIME(3) (read as UTC), the same 10,000 rows.
    private static async Task<TestDatabase> DatetimeTableAsync()
    {
        var db = await TestDatabase.CreateEsmAsync();
        try
        {
            await db.ExecuteAsync("""
                ALTER TABLE arc_event_annotation MODIFY modification_time DATETIME(3) NOT NULL, MODIFY stage_update_time DATETIME(3) NULL,
                  MODIFY end_time DATETIME(3) NULL, MODIFY manager_receipt_time DATETIME(3) NULL
                """);
            await db.ExecuteAsync($"""
                SET SESSION time_zone = '+00:00';
                SET SESSION max_recursive_iterations = 100000000;
                INSERT INTO arc_event_annotation (event_id, version, modification_time, stage, current_comment, flags)
                WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {Rows - 1})
                SELECT {FirstId} + n, 1, FROM_UNIXTIME(({FirstMs} + n) / 1000), 1, CONCAT('row ', {FirstId} + n), 0 FROM seq
                """);
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    private static long MsOf(long id) => FirstMs + (id - FirstId);

    private static AnnotationRow AssertGoodRowsAndGetPoison(List<AnnotationRow> rows)
    {
        Assert.Equal(Rows, rows.Count);
        var poison = Assert.Single(rows, r => r.Fault is not null);
        Assert.Equal(5_500, rows.IndexOf(poison));
        AssertGood(rows.Where(r => r.Fault is null).ToList());
        return poison;
    }

    private static void AssertGood(List<AnnotationRow> good)
    {
        Assert.Equal(Enumerable.Range(0, Rows).Select(i => FirstId + i).Where(id => id != PoisonId), good.Select(r => r.EventId));
        Assert.All(good, r =>
        {
            Assert.Equal((1L, MsOf(r.EventId), 0L), (r.Version, r.ModificationTimeMs, r.Flags));
            Assert.Equal(($"row {r.EventId}", "Queued", RowChanges.None), (r.CurrentComment, r.StageName, r.Changes));
            Assert.Equal(((long?)null, (long?)null, (long?)null), (r.StageUpdateTimeMs, r.EndTimeMs, r.ManagerReceiptTimeMs));
        });
    }

    private static void AssertKeys(AnnotationRow poison) =>
        Assert.Equal((PoisonId, 1L, MsOf(PoisonId)), (poison.EventId, poison.Version, poison.ModificationTimeMs));
}
