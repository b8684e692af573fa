using System.Text;
using Aeg.Annotations;
using Aeg.Cef;
using Aeg.Syslog;

namespace Aeg.Tests.Annotations;

public sealed class AnnotationMapperTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 3, 4, 5, TimeSpan.Zero);
    private static CefMappings Default => RepoMappings.Load();

    private static AnnotationRow FullRow() => new()
    {
        EventId = 9_007_199_254_740_993,
        Version = 7,
        ModificationTimeMs = 1_795_000_000_123,
        ModifiedBy = "alice",
        StageName = "Follow-Up",
        StageUri = "/All Stages/Follow-Up",
        StageUser = "bob",
        StageUpdateTimeMs = 1_795_000_000_000,
        CurrentComment = "pipe | equals = backslash \\ newline\nsecond line ünïcødé 日本",
        AuditTrail = "2,1795000000123,alice,Follow-Up,,,,\r\n1,1539102087491,root,Queued,,,,\n",
        Flags = 0b101,
        EndTimeMs = 1_794_999_999_000,
        ManagerReceiptTimeMs = 1_794_999_999_500,
    };

    private static ParsedCef MapAndParse(AnnotationRow row, SyslogOutputOptions? syslog = null, CefMappings? mappings = null)
    {
        var mapper = new AnnotationMapper(mappings ?? Default, syslog ?? new SyslogOutputOptions(), "aeg01.example.com", () => Now);
        return ParsedCef.Parse(Encoding.UTF8.GetString(mapper.Map(row).Span));
    }

    [Fact]
    public void Every_default_field_is_mapped_and_reads_back()
    {
        var row = FullRow();
        var cef = MapAndParse(row);
        Assert.Equal("HP", cef.Header[CefHeaderField.DeviceVendor]);
        Assert.Equal("AEG", cef.Header[CefHeaderField.DeviceProduct]);
        Assert.Equal("1.0", cef.Header[CefHeaderField.DeviceVersion]);
        Assert.Equal("annotation", cef.Header[CefHeaderField.DeviceEventClassId]);
        Assert.Equal("Annotation Event", cef.Header[CefHeaderField.Name]);
        Assert.Equal("5", cef.Header[CefHeaderField.Severity]);

        Assert.Equal("aeg01.example.com", cef["shost"]);
        Assert.Equal("alice", cef["duser"]);
        Assert.Equal(row.AuditTrail, cef["cs1"]);
        Assert.Equal("audit_trail", cef["cs1Label"]);
        Assert.Equal(row.CurrentComment, cef["cs2"]);
        Assert.Equal("current_comment", cef["cs2Label"]);
        Assert.Equal("Follow-Up", cef["cs3"]);
        Assert.Equal("stage", cef["cs3Label"]);
        Assert.Equal("Is Reviewed,Is Ignored", cef["cs4"]);
        Assert.Equal("flag_labels", cef["cs4Label"]);
        Assert.Equal("1795000000123", cef["deviceCustomDate1"]);
        Assert.Equal("modification_time", cef["deviceCustomDate1Label"]);
        Assert.Equal("1794999999500", cef["deviceCustomDate2"]);
        Assert.Equal("event_mrt", cef["deviceCustomDate2Label"]);
        Assert.Equal("7", cef["cn1"]);
        Assert.Equal("version", cef["cn1Label"]);
        Assert.Equal("9007199254740993", cef["cn2"]);
        Assert.Equal("event_id", cef["cn2Label"]);
        Assert.Equal("5", cef["cn3"]);
        Assert.Equal("flags", cef["cn3Label"]);
        Assert.False(cef.Extensions.ContainsKey("cs5"), "no missed versions, no cs5");
        Assert.Equal(20, cef.Extensions.Count);
    }

    [Fact]
    public void Syslog_prefix_follows_the_configured_format_and_facility()
    {
        var rfc3164 = MapAndParse(FullRow(), new SyslogOutputOptions { Facility = 20 });
        Assert.Equal(SyslogFormat.Rfc3164, rfc3164.SyslogFormat);
        Assert.Equal(20 * 8 + 5, rfc3164.SyslogPriority);
        Assert.Equal("aeg01.example.com", rfc3164.SyslogHost);

        var rfc5424 = MapAndParse(FullRow(), new SyslogOutputOptions { Format = SyslogMessageFormat.Rfc5424, Facility = 1 });
        Assert.Equal(SyslogFormat.Rfc5424, rfc5424.SyslogFormat);
        Assert.Equal(1 * 8 + 5, rfc5424.SyslogPriority);
        Assert.Equal("aeg01.example.com", rfc5424.SyslogHost);
    }

    [Fact]
    public void Null_columns_leave_their_fields_and_labels_out()
    {
        var row = new AnnotationRow { EventId = 1, Version = 1, ModificationTimeMs = 5 };
        var cef = MapAndParse(row);
        Assert.Equal(["shost", "deviceCustomDate1", "deviceCustomDate1Label", "cn1", "cn1Label", "cn2", "cn2Label"], cef.Extensions.Keys);
        Assert.Equal("Unknown", cef.Header[CefHeaderField.Severity]);
    }

    [Fact]
    public void Missed_versions_are_marked_in_cs5()
    {
        var row = FullRow();
        row.MissedVersions = 3;
        var cef = MapAndParse(row);
        Assert.Equal("3", cef["cs5"]);
        Assert.Equal("missed_versions", cef["cs5Label"]);
    }

    [Theory]
    [InlineData("Queued", "3")]
    [InlineData("Initial", "5")]
    [InlineData("Final", "7")]
    [InlineData("Closed", "1")]
    [InlineData("re-image", "Unknown")]
    public void Severity_comes_from_the_stage_table(string stage, string severity)
    {
        var row = FullRow();
        row.StageName = stage;
        Assert.Equal(severity, MapAndParse(row).Header[CefHeaderField.Severity]);
    }

    [Theory]
    [InlineData(0L, "")]
    [InlineData(1L, "Is Reviewed")]
    [InlineData(2L, "In Case")]
    [InlineData(7L, "Is Reviewed,In Case,Is Ignored")]
    [InlineData(8L, "")]
    [InlineData(10L, "In Case")]
    public void Flag_labels_list_the_known_set_bits_in_bit_order(long flags, string labels)
    {
        var mapper = new AnnotationMapper(Default, new SyslogOutputOptions(), "h", () => Now);
        Assert.Equal(labels, mapper.FlagLabels(flags));
    }

    [Fact]
    public void A_site_mapping_changes_keys_and_labels()
    {
        var mappings = CefMappingsFile.Parse("site.yaml", """
            header: { deviceEventClassId: "ann:1", defaultSeverity: "2" }
            flags: { 4: Escalated }
            fields:
              - { key: suser, source: stageUser }
              - { key: cs6, source: stageUri, label: stage_uri }
              - { key: flexDate1, source: endTime, label: end_time }
              - { key: cs4, source: flagLabels }
            """);
        var row = FullRow();
        row.Flags = 16;
        var cef = MapAndParse(row, mappings: mappings);
        Assert.Equal("ann:1", cef.Header[CefHeaderField.DeviceEventClassId]);
        Assert.Equal("2", cef.Header[CefHeaderField.Severity]);
        Assert.Equal("bob", cef["suser"]);
        Assert.Equal("/All Stages/Follow-Up", cef["cs6"]);
        Assert.Equal("stage_uri", cef["cs6Label"]);
        Assert.Equal("1794999999000", cef["flexDate1"]);
        Assert.Equal("Escalated", cef["cs4"]);
        Assert.Equal(6, cef.Extensions.Count);
    }

    [Fact]
    public void Over_long_values_are_truncated_and_counted()
    {
        var mapper = new AnnotationMapper(Default, new SyslogOutputOptions(), "h", () => Now);
        var row = FullRow();
        row.ModifiedBy = new string('u', 2000);
        var cef = ParsedCef.Parse(Encoding.UTF8.GetString(mapper.Map(row).Span));
        Assert.Equal(1023, cef["duser"].Length);
        Assert.Equal(1, mapper.TruncatedFields);
        Assert.Equal(RowChanges.Truncated, row.Changes);
        Assert.Equal("truncated", cef["cs6"]);
        Assert.Equal("aeg_changes", cef["cs6Label"]);
    }

    [Fact]
    public void A_row_without_changes_has_no_cs6()
    {
        var row = FullRow();
        var cef = MapAndParse(row);
        Assert.Equal(RowChanges.None, row.Changes);
        Assert.DoesNotContain("cs6", cef.Extensions.Keys);
        Assert.DoesNotContain("cs6Label", cef.Extensions.Keys);
    }

    [Theory]
    [InlineData(253_402_300_800_000)] // 10000-01-01, the placeholder an ESM export once wrote
    [InlineData(long.MaxValue)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public void A_date_CEF_cannot_carry_is_left_out_and_marked_instead_of_failing_the_row(long ms)
    {
        var row = FullRow();
        row.ManagerReceiptTimeMs = ms;
        row.EndTimeMs = ms;
        var cef = MapAndParse(row);
        Assert.DoesNotContain("deviceCustomDate2", cef.Extensions.Keys);
        Assert.DoesNotContain("deviceCustomDate2Label", cef.Extensions.Keys);
        Assert.Equal(row.EventId.ToString(System.Globalization.CultureInfo.InvariantCulture), cef["cn2"]);
        Assert.Equal("time_out_of_range", cef["cs6"]);
    }

    [Fact]
    public void The_last_date_CEF_can_carry_is_written()
    {
        var row = FullRow();
        row.ManagerReceiptTimeMs = AnnotationMapper.MaxCefDateMs;
        var cef = MapAndParse(row);
        Assert.Equal(DateTimeOffset.MaxValue.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), cef["deviceCustomDate2"]);
        Assert.DoesNotContain("cs6", cef.Extensions.Keys);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void A_missing_modification_time_is_left_out_and_marked(long ms)
    {
        var row = FullRow();
        row.ModificationTimeMs = ms;
        var cef = MapAndParse(row);
        Assert.DoesNotContain("deviceCustomDate1", cef.Extensions.Keys);
        Assert.Contains("missing_time", cef["cs6"].Split(','));
    }

    [Fact]
    public void Changes_set_before_mapping_are_written_with_the_ones_the_mapper_finds_in_a_fixed_order()
    {
        var row = FullRow();
        row.Changes = RowChanges.FutureTime | RowChanges.UnresolvedStage;
        row.ModifiedBy = new string('u', 2000);
        Assert.Equal("truncated,unresolved_stage,future_time", MapAndParse(row)["cs6"]);
    }

    [Fact]
    public void Every_combination_of_changes_has_a_name_listing_exactly_its_kinds()
    {
        var all = RowChangeNames.Kinds.Aggregate(RowChanges.None, (a, k) => a | k.Kind);
        for (var c = RowChanges.None; c <= all; c++)
        {
            var names = RowChangeNames.Of(c).Split(',', StringSplitOptions.RemoveEmptyEntries);
            var expected = RowChangeNames.Kinds.Where(k => (c & k.Kind) != 0).Select(k => k.Name);
            Assert.Equal(expected, names);
        }
    }

    [Fact]
    public void A_2048_byte_audit_trail_is_kept_whole()
    {
        var line = "3,1795000000123,alice,Follow-Up,,,,\n";
        var trail = string.Concat(Enumerable.Repeat(line, 2048 / line.Length + 1))[..2048];
        var row = FullRow();
        row.AuditTrail = trail;
        Assert.Equal(trail, MapAndParse(row)["cs1"]);
    }
}
