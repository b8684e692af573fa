using System.Text;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.State;

namespace Aeg.IntegrationTests.Annotations;

/// <summary>
/// <c>source.fetch: packed</c> against the real MariaDB: every batch must hold exactly what the row-by-row
/// reader returns, for any value the columns can hold.
/// </summary>
public sealed class PackedFetchTests
{
    private static readonly string[] Pieces =
        ["", "N", "N,", "0:", "5:abc", ",", ":", "12,34", "-1,", "\n", "\r\n", "a\0b", "😀", "é", "日本", "|", "=", "\\", "'", "\"", " "];

    public enum Layout { IdsResolvedByCache, NamesInColumns, SmallPacketsManyChunks }

    [Theory]
    [InlineData(Layout.IdsResolvedByCache)]
    [InlineData(Layout.NamesInColumns)]
    [InlineData(Layout.SmallPacketsManyChunks)]
    public async Task Packed_batches_hold_what_row_reading_returns_for_awkward_values(Layout layout)
    {
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync("INSERT INTO arc_resource VALUES (100, 2, 'N,1:x', NULL), (101, 2, '😀 bøb', NULL), (102, 2, '', NULL)");
        var inserted = new List<(long Id, string? Comment, string? Trail)>();
        var ids = new HashSet<long> { long.MaxValue, long.MinValue + 1 };
        while (ids.Count < 400)
        {
            ids.Add(random.NextInt64(-1_000_000, 1_000_000_000_000));
        }
        var i = 0;
        foreach (var id in ids)
        {
            // Few distinct times, so many rows share a millisecond and chunk ends fall inside a millisecond.
            var mt = i % 7 == 0 ? long.MaxValue - random.Next(3) : 1_795_000_000_000 + random.Next(40);
            var comment = i == 0 ? new string('é', 1024) : i == 1 ? string.Concat(Enumerable.Repeat("😀", 1024)) : Awkward(random, 60);
            var trail = i == 0 ? string.Concat(Enumerable.Repeat("😀", 2048)) : i == 1 ? new string('N', 2048) : Awkward(random, 200);
            await db.ExecuteAsync("""
                INSERT INTO arc_event_annotation (event_id, version, modification_time, modified_by, stage, stage_update_time,
                  stage_user, current_comment, audit_trail, flags, end_time, manager_receipt_time)
                VALUES (@id, @v, @mt, @mb, @st, @sut, @su, @c, @a, @f, @et, @mrt)
                """,
                ("@id", id), ("@v", random.Next(int.MinValue, int.MaxValue)), ("@mt", mt),
                ("@mb", MaybeNull(random, 100L + random.Next(4))), ("@st", MaybeNull(random, (long)random.Next(0, 7))),
                ("@sut", MaybeNull(random, random.NextInt64(long.MinValue, long.MaxValue))), ("@su", MaybeNull(random, 99L + random.Next(5))),
                ("@c", comment), ("@a", trail), ("@f", random.Next(int.MinValue, int.MaxValue)),
                ("@et", MaybeNull(random, long.MinValue)), ("@mrt", MaybeNull(random, long.MaxValue)));
            inserted.Add((id, comment, trail));
            i++;
        }
        var source = new SourceOptions { Fetch = FetchMode.Packed };
        if (layout == Layout.NamesInColumns)
        {
            source.StageLookup = null;
            source.UserLookup = null;
        }
        var packed = new AnnotationSource(db.Database, source)
        {
            PackedByteLimit = layout == Layout.SmallPacketsManyChunks ? 300_000 : null,
        };
        var rowsOptions = Clone(source);
        rowsOptions.Fetch = FetchMode.Rows;

        var expected = await ReadAllAsync(new AnnotationSource(db.Database, rowsOptions), 97);
        var actual = await ReadAllAsync(packed, 97);

        Assert.Null(packed.PackedUnavailableReason);
        Assert.Equal(inserted.Count, expected.Count);
        for (var r = 0; r < expected.Count; r++)
        {
            Assert.True(expected[r] == actual[r], $"seed {seed}, row {r}:\n rows   {expected[r]}\n packed {actual[r]}");
        }
        // And the reference itself holds what went in.
        var byId = inserted.ToDictionary(x => x.Id);
        Assert.All(actual, a => Assert.Equal((byId[a.EventId].Comment, byId[a.EventId].Trail), (a.CurrentComment, a.AuditTrail)));
        if (layout == Layout.IdsResolvedByCache)
        {
            Assert.Contains(actual, a => a.ModifiedBy == "N,1:x");
            Assert.Contains(actual, a => a.StageName == "Closed" && a.StageUri == "/All Stages/Closed");
            // Bounded by the declared sizes: 4 bytes per character of the two text columns, plus the numbers.
            Assert.InRange(packed.PackedRowBound!.Value, 4 * (1024 + 2048), 4 * (1024 + 2048) + 300);
        }
    }

    [Fact]
    public async Task Datetime_columns_give_the_same_milliseconds_as_row_reading_before_and_after_1970()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync("""
            CREATE TABLE site_annotations (id BIGINT PRIMARY KEY, ver INT, changed DATETIME(6), who VARCHAR(50), mrt DATETIME(6) NULL,
              ended DATETIME NULL, KEY (changed, id));
            INSERT INTO site_annotations VALUES
              (1, 1, '1969-12-31 23:59:59.999500', 'a', '1000-01-01 00:00:00', '1969-12-31 23:59:59'),
              (2, 1, '1969-12-31 23:59:59.999500', 'b', '9999-12-31 23:59:59.999999', NULL),
              (3, 1, '2026-11-01 10:00:00.123999', NULL, NULL, '2026-11-01 10:00:00'),
              (4, 1, '2026-11-01 10:00:00.124000', 'd', '1970-01-01 00:00:00.000001', '1970-01-01 00:00:00');
            """);
        var source = new SourceOptions
        {
            Fetch = FetchMode.Packed,
            Table = "site_annotations",
            TimeKind = TimeKind.Datetime,
            StageLookup = null,
            UserLookup = null,
            Columns = new SourceColumns
            {
                EventId = "id",
                Version = "ver",
                ModificationTime = "changed",
                ModifiedBy = "who",
                ManagerReceiptTime = "mrt",
                EndTime = "ended",
                Stage = null,
                StageUpdateTime = null,
                StageUser = null,
                CurrentComment = null,
                AuditTrail = null,
                Flags = null,
            },
        };
        var packed = new AnnotationSource(db.Database, source);
        var rowsOptions = Clone(source);
        rowsOptions.Fetch = FetchMode.Rows;

        var expected = await ReadAllAsync(new AnnotationSource(db.Database, rowsOptions), 10);
        var actual = await ReadAllAsync(packed, 10);

        Assert.Null(packed.PackedUnavailableReason);
        Assert.Equal([1L, 2, 3, 4], actual.Select(a => a.EventId));
        Assert.Equal(expected, actual);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 10, 0, 0, 123, TimeSpan.Zero).ToUnixTimeMilliseconds(), actual[2].ModificationTimeMs);
        Assert.Equal(-1, actual[0].ModificationTimeMs);
    }

    [Fact]
    public async Task Datetime_chunk_ends_inside_a_second_lose_and_repeat_nothing()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync("""
            CREATE TABLE site_annotations (id BIGINT PRIMARY KEY, ver INT, changed DATETIME(6), note VARCHAR(20), KEY (changed, id));
            SET SESSION max_recursive_iterations = 1000;
            INSERT INTO site_annotations
            WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < 59)
            SELECT 100 - n, 1, TIMESTAMP('2026-11-01 10:00:00') + INTERVAL (n DIV 5) * 37 MICROSECOND, CONCAT('n', n) FROM seq;
            """);
        var source = new SourceOptions
        {
            Fetch = FetchMode.Packed,
            Table = "site_annotations",
            TimeKind = TimeKind.Datetime,
            StageLookup = null,
            UserLookup = null,
            Columns = new SourceColumns
            {
                EventId = "id",
                Version = "ver",
                ModificationTime = "changed",
                CurrentComment = "note",
                ModifiedBy = null,
                Stage = null,
                StageUpdateTime = null,
                StageUser = null,
                AuditTrail = null,
                Flags = null,
                EndTime = null,
                ManagerReceiptTime = null,
            },
        };
        // A few rows per chunk, all 60 rows in one batch: chunk ends are sub-millisecond keys, some inside a group of equal times.
        const int limit = 2000;
        var packed = new AnnotationSource(db.Database, source) { PackedByteLimit = limit };

        var rows = await ReadAllAsync(packed, 1000);

        Assert.Null(packed.PackedUnavailableReason);
        Assert.InRange((limit - 1024) / packed.PackedRowBound!.Value, 2, 30);
        // Keyset order: time (five rows per time), then id = 100 - n.
        Assert.Equal(Enumerable.Range(0, 60).OrderBy(n => n / 5).ThenBy(n => 100 - n).Select(n => $"n{n}"), rows.Select(r => r.CurrentComment));
    }

    [Fact]
    public async Task Names_joined_by_the_database_for_text_ids_come_packed_like_rows()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync("""
            CREATE TABLE site_stages (code VARCHAR(10) PRIMARY KEY, title VARCHAR(50), path VARCHAR(100));
            INSERT INTO site_stages VALUES ('S-F', NULL, '/All Stages/Final'), ('S-I', '3:N,😀', '/All Stages/Initial'), ('S-E', '', NULL);
            CREATE TABLE site_annotations (id BIGINT PRIMARY KEY, ver INT, changed BIGINT, stage_code VARCHAR(10), note TEXT, KEY (changed, id));
            INSERT INTO site_annotations VALUES (1, 1, 10, 'S-I', 'N'), (2, 1, 10, 'S-F', ''), (3, 1, 11, 'S-X', NULL), (4, 2, 11, 'S-E', '1:ab'),
              (5, 1, 12, NULL, '😀');
            """);
        var source = new SourceOptions
        {
            Fetch = FetchMode.Packed,
            Table = "site_annotations",
            StageLookup = new LookupOptions { Table = "site_stages", IdColumn = "code", NameColumn = "title", UriColumn = "path" },
            UserLookup = null,
            Columns = new SourceColumns
            {
                EventId = "id",
                Version = "ver",
                ModificationTime = "changed",
                Stage = "stage_code",
                CurrentComment = "note",
                ModifiedBy = null,
                StageUpdateTime = null,
                StageUser = null,
                AuditTrail = null,
                Flags = null,
                EndTime = null,
                ManagerReceiptTime = null,
            },
        };
        var packed = new AnnotationSource(db.Database, source);
        var rowsOptions = Clone(source);
        rowsOptions.Fetch = FetchMode.Rows;

        var expected = await ReadAllAsync(new AnnotationSource(db.Database, rowsOptions), 2);
        var actual = await ReadAllAsync(packed, 2);

        Assert.Null(packed.PackedUnavailableReason);
        Assert.Equal(expected, actual);
        Assert.Equal(["3:N,😀", "Final", null, "", null], actual.Select(a => a.StageName));
        Assert.Equal(["N", "", null, "1:ab", "😀"], actual.Select(a => a.CurrentComment));
    }

    [Fact]
    public async Task A_row_larger_than_the_servers_limit_switches_to_row_reading_and_nothing_is_lost()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.InsertRangeAsync(firstId: 1, count: 30, firstMs: 1_795_000_000_000, stepMs: 0);
        var packed = new AnnotationSource(db.Database, new SourceOptions { Fetch = FetchMode.Packed })
        {
            // Not even one row fits.
            PackedByteLimit = 8000,
        };

        var rows = await ReadAllAsync(packed, 7);

        Assert.NotNull(packed.PackedUnavailableReason);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), rows.Select(r => r.EventId));
        Assert.All(rows, r => Assert.Equal($"row {r.EventId}", r.CurrentComment));
    }

    [Fact]
    public void Decoding_fails_on_cut_or_foreign_bytes_instead_of_inventing_rows()
    {
        PackedKind[] kinds = [PackedKind.Integer, PackedKind.Integer, PackedKind.Integer, PackedKind.Absent, PackedKind.Absent, PackedKind.Absent,
            PackedKind.Absent, PackedKind.Absent, PackedKind.Text, PackedKind.Absent, PackedKind.Absent, PackedKind.Absent, PackedKind.Absent];
        var rows = new[] { new AnnotationRow(), new AnnotationRow(), new AnnotationRow() };
        var whole = "7,1,-5,3:a,b"u8.ToArray().Concat("8,2,N2:é"u8.ToArray()).ToArray();

        Assert.True(PackedRowDecoder.TryDecode(whole, 2, kinds, false, false, rows, 0, 2, out var n));
        Assert.Equal(2, n);
        Assert.Equal((7L, 1L, -5L, "a,b"), (rows[0].EventId, rows[0].Version, rows[0].ModificationTimeMs, rows[0].CurrentComment));
        Assert.Equal((8L, 0L, "é"), (rows[1].EventId, rows[1].ModificationTimeMs, rows[1].CurrentComment));
        for (var cut = 0; cut < whole.Length; cut++)
        {
            Assert.False(PackedRowDecoder.TryDecode(whole.AsSpan(0, cut), 2, kinds, false, false, rows, 0, 2, out _), $"cut at {cut}");
        }
        Assert.False(PackedRowDecoder.TryDecode(whole, 1, kinds, false, false, rows, 0, 2, out _));
        Assert.False(PackedRowDecoder.TryDecode(whole, 3, kinds, false, false, rows, 0, 3, out _));
        Assert.False(PackedRowDecoder.TryDecode("x,1,2,N"u8, 1, kinds, false, false, rows, 0, 2, out _));
        Assert.False(PackedRowDecoder.TryDecode("N1,2,N"u8, 1, kinds, false, false, rows, 0, 2, out _));
        // Fewer rows taken than came: only those, the rest is for the next batch.
        Assert.True(PackedRowDecoder.TryDecode(whole, 2, kinds, false, false, rows, 1, 1, out n));
        Assert.Equal((1, 7L), (n, rows[1].EventId));
    }

    private static string? Awkward(Random random, int maxPieces)
    {
        if (random.Next(8) == 0)
        {
            return null;
        }
        var sb = new StringBuilder();
        for (var n = random.Next(maxPieces); n > 0; n--)
        {
            sb.Append(Pieces[random.Next(Pieces.Length)]);
        }
        return sb.ToString();
    }

    private static object? MaybeNull(Random random, long value) => random.Next(4) == 0 ? null : value;

    private static SourceOptions Clone(SourceOptions s) => new()
    {
        Table = s.Table,
        TimeKind = s.TimeKind,
        Columns = s.Columns,
        StageLookup = s.StageLookup,
        UserLookup = s.UserLookup,
        Fetch = s.Fetch,
    };

    private static async Task<List<RowValues>> ReadAllAsync(AnnotationSource source, int batchSize)
    {
        var all = new List<RowValues>();
        var rows = Enumerable.Range(0, batchSize).Select(_ => new AnnotationRow()).ToArray();
        var cursor = AnnotationCursor.Beginning;
        try
        {
            while (true)
            {
                var n = await source.ReadBatchAsync(cursor, rows, CancellationToken.None);
                all.AddRange(rows.Take(n).Select(RowValues.Of));
                if (n < batchSize)
                {
                    return all;
                }
                cursor = new AnnotationCursor(rows[n - 1].ModificationTimeMs, rows[n - 1].EventId);
            }
        }
        finally
        {
            await source.ReleaseAsync();
        }
    }

    private sealed record RowValues(long EventId, long Version, long ModificationTimeMs, string? ModifiedBy, string? StageName, string? StageUri,
        string? StageUser, long? StageUpdateTimeMs, string? CurrentComment, string? AuditTrail, long? Flags, long? EndTimeMs, long? ManagerReceiptTimeMs)
    {
        public static RowValues Of(AnnotationRow r) => new(r.EventId, r.Version, r.ModificationTimeMs, r.ModifiedBy, r.StageName, r.StageUri,
            r.StageUser, r.StageUpdateTimeMs, r.CurrentComment, r.AuditTrail, r.Flags, r.EndTimeMs, r.ManagerReceiptTimeMs);
    }
}
