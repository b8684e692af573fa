using System.Text;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.State;
using Aeg.Syslog;

namespace Aeg.IntegrationTests.Annotations;

/// <summary>
/// The batch reader keeps the comment and audit trail as the UTF-8 bytes MariaDB sent, where the provider
/// hands them out (a binary-collated column, as in content/esm/schema.sql), and falls back to strings for
/// any other column; either way the row and its CEF message must be what the strings give.
/// </summary>
public sealed class Utf8TextReadingTests
{
    private static readonly string[] Pieces = ["a", " ", "|", "=", "\\", "\r", "\n", "é", "ж", "€", "日本", "😀", ",", "'"];
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 4, 5, 6, TimeSpan.Zero);

    [Fact]
    public async Task Binary_collated_text_is_kept_as_utf8_and_maps_to_the_same_message_as_the_string()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        var inserted = await InsertAsync(db, 300, Pieces);
        var rows = await ReadAsync(db, inserted.Count);

        var mapper = Mapper();
        var copy = new AnnotationRow();
        foreach (var row in rows)
        {
            var (comment, trail) = inserted[row.EventId];
            Assert.Equal(comment is not null, row.CurrentCommentValue.TryGetUtf8(out _));
            Assert.Equal(trail is not null, row.AuditTrailValue.TryGetUtf8(out _));
            var fromBytes = mapper.Map(row).ToArray();
            Assert.Equal((comment, trail), (row.CurrentComment, row.AuditTrail));
            CopyWithStrings(row, copy);
            Assert.Equal(Encoding.UTF8.GetString(mapper.Map(copy).Span), Encoding.UTF8.GetString(fromBytes));
        }
    }

    [Fact]
    public async Task A_case_insensitive_latin1_column_is_read_as_strings_with_the_same_values()
    {
        await using var db = await TestDatabase.CreateEsmAsync();
        await db.ExecuteAsync("ALTER TABLE arc_event_annotation MODIFY current_comment VARCHAR(1024) CHARACTER SET latin1 COLLATE latin1_swedish_ci NULL");
        var inserted = await InsertAsync(db, 50, ["a", " ", "|", "=", "\\", "\n", "é", "ü", "'"]);
        var rows = await ReadAsync(db, inserted.Count);

        foreach (var row in rows)
        {
            var (comment, trail) = inserted[row.EventId];
            Assert.False(row.CurrentCommentValue.TryGetUtf8(out _));
            Assert.Equal(comment, row.CurrentComment);
            Assert.Equal(trail is not null, row.AuditTrailValue.TryGetUtf8(out _));
            Assert.Equal(trail, row.AuditTrail);
        }
    }

    private static async Task<Dictionary<long, (string? Comment, string? Trail)>> InsertAsync(TestDatabase db, int count, string[] pieces)
    {
        var random = new Random(count);
        var inserted = new Dictionary<long, (string?, string?)>();
        for (var id = 1; id <= count; id++)
        {
            string? Text(int max) => random.Next(8) switch
            {
                0 => null,
                1 => "",
                _ => string.Concat(Enumerable.Range(0, random.Next(1, max)).Select(_ => pieces[random.Next(pieces.Length)])),
            };
            var comment = id == 1 ? new string('é', 1024) : Text(120);
            var trail = id == 2 ? string.Concat(Enumerable.Repeat(pieces[^1], 2048)) : Text(400);
            await db.ExecuteAsync("""
                INSERT INTO arc_event_annotation (event_id, version, modification_time, modified_by, stage, current_comment, audit_trail, flags)
                VALUES (@id, 1, @mt, 100, 1, @c, @a, 0)
                """, ("@id", (long)id), ("@mt", 1_795_000_000_000 + (id % 5)), ("@c", comment), ("@a", trail));
            inserted[id] = (comment, trail);
        }
        return inserted;
    }

    private static async Task<AnnotationRow[]> ReadAsync(TestDatabase db, int count)
    {
        var source = new AnnotationSource(db.Database, new SourceOptions());
        var rows = Enumerable.Range(0, count + 1).Select(_ => new AnnotationRow()).ToArray();
        try
        {
            var n = await source.ReadBatchAsync(AnnotationCursor.Beginning, rows, CancellationToken.None);
            Assert.Equal(count, n);
            return rows[..n];
        }
        finally
        {
            await source.ReleaseAsync();
        }
    }

    private static AnnotationMapper Mapper() => new(
        RepoMappings.Load(), new SyslogOutputOptions(), "aeg01.example.com", () => Now);

    private static void CopyWithStrings(AnnotationRow from, AnnotationRow to)
    {
        to.EventId = from.EventId;
        to.Version = from.Version;
        to.ModificationTimeMs = from.ModificationTimeMs;
        to.ModifiedBy = from.ModifiedBy;
        to.StageName = from.StageName;
        to.StageUri = from.StageUri;
        to.StageUser = from.StageUser;
        to.StageUpdateTimeMs = from.StageUpdateTimeMs;
        to.CurrentComment = from.CurrentComment;
        to.AuditTrail = from.AuditTrail;
        to.Flags = from.Flags;
        to.EndTimeMs = from.EndTimeMs;
        to.ManagerReceiptTimeMs = from.ManagerReceiptTimeMs;
        to.MissedVersions = from.MissedVersions;
        // The rows' modified_by (100) is not in arc_resource: the copy must carry the UnresolvedUser mark too.
        to.Changes = from.Changes;
    }
}
