using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Syslog;
using Aeg.Tests.Configuration;

namespace Aeg.Tests.Annotations;

public sealed class ConfigurationTests : IDisposable
{
    private readonly ConfigFolder _config = new();

    public void Dispose() => _config.Dispose();

    [Fact]
    public void Example_config_loads_with_the_documented_values()
    {
        var example = Path.Combine(TestServices.RepoRoot, "content", "config", "aeg.example.yaml");
        var o = AegConfig.Load(example);
        Assert.Equal("arcsight", o.Database.Database);
        Assert.Equal("AEG_DB_PASSWORD", o.Database.PasswordEnv);
        Assert.Equal(TimeSpan.FromSeconds(1), o.Poller.Interval);
        Assert.Equal(5000, o.Poller.BatchSize);
        Assert.Equal(TimeKind.EpochMs, o.Source.TimeKind);
        Assert.Equal("arc_resource", o.Source.StageLookup!.Table);
        Assert.Equal(SyslogProtocol.Udp, o.Syslog.Protocol);
        Assert.Equal(SyslogMessageFormat.Rfc3164, o.Syslog.Format);
        Assert.Null(o.Mappings);   // the built-in mappings: the example passes its check wherever it is copied
    }

    [Fact]
    public void Defaults_apply_when_keys_are_absent_and_relative_paths_resolve_against_the_file()
    {
        var o = _config.Load("state:\n  directory: st\n");
        Assert.Equal(new SourceOptions().Columns.ModificationTime, o.Source.Columns.ModificationTime);
        Assert.Equal(_config.File("st"), o.State.Directory);
        Assert.Equal(TimeSpan.FromSeconds(30), o.Poller.LookBack);
        Assert.Equal("now", o.Poller.FirstStart);
    }

    [Fact]
    public void Unknown_key_is_an_error_naming_file_and_dotted_key()
    {
        var path = _config.WithMappings("poller:\n  interval: 5s\n  intervall: 6s\n");
        var ex = Assert.Throws<ConfigException>(() => AegConfig.Load(path));
        Assert.Equal(path, ex.File);
        var problem = Assert.Single(ex.Problems);
        Assert.Equal("poller.intervall", problem.Key);
        Assert.Contains("unknown key", problem.Reason);
        Assert.StartsWith(path + ": poller.intervall:", ex.Message);
    }

    [Fact]
    public void Password_in_the_config_file_is_refused_and_not_echoed()
    {
        var path = _config.WithMappings("database:\n  password: s3cr3t-value\n");
        var ex = Assert.Throws<ConfigException>(() => AegConfig.Load(path));
        Assert.Equal("database.password", ex.Problems[0].Key);
        Assert.Contains("passwordEnv or passwordFile", ex.Message);
        Assert.DoesNotContain("s3cr3t-value", ex.Message);
    }

    [Theory]
    [InlineData("poller:\n  interval: 150ms\n", "poller.interval", "at least 200ms")]
    [InlineData("poller:\n  interval: five\n", "poller.interval", "not a duration")]
    [InlineData("poller:\n  batchSize: 0\n", "poller.batchSize", "1–1000000")]
    [InlineData("poller:\n  firstStart: yesterday\n", "poller.firstStart", "ISO 8601")]
    [InlineData("source:\n  table: \"x; DROP TABLE y\"\n", "source.table", "not a table name")]
    [InlineData("source:\n  columns:\n    stage: \"a b\"\n", "source.columns.stage", "not a plain column name")]
    [InlineData("source:\n  timeKind: seconds\n", "source.timeKind", "")]
    [InlineData("source:\n  fetch: sometimes\n", "source.fetch", "")]
    [InlineData("syslog:\n  port: 0\n", "syslog.port", "65535")]
    [InlineData("database:\n  passwordEnv: A\n  passwordFile: /x\n", "database.passwordEnv", "not both")]
    public void Bad_values_name_the_key_and_the_reason(string yaml, string key, string reason)
    {
        var problem = Assert.Single(_config.Problems(yaml), p => p.Key == key);
        Assert.Contains(reason, problem.Reason);
    }

    [Fact]
    public void A_site_without_lookup_tables_and_with_datetime_columns_builds_the_matching_query()
    {
        var o = _config.Load("""
            source:
              table: arcsight.annotations
              timeKind: datetime
              columns: { modifiedBy: modifier_name, stage: stage_name, endTime: "" }
              stageLookup: null
              userLookup: null
            """);
        Assert.Null(o.Source.StageLookup);
        Assert.Equal(TimeKind.Datetime, o.Source.TimeKind);
        var q = new Aeg.Annotations.AnnotationQuery(o.Source).After;
        Assert.Contains("FROM `arcsight`.`annotations` a WHERE", q);
        Assert.Contains("a.`modifier_name`", q);
        Assert.Contains("a.`stage_name`, NULL", q);
        Assert.DoesNotContain("JOIN", q);
        Assert.DoesNotContain("end_time", q);
    }

    [Fact]
    public void Missing_mappings_file_is_reported()
    {
        var ex = Assert.Throws<ConfigException>(() => AegConfig.Load(_config.Write("mappings: nowhere.yaml\n")));
        Assert.Contains(ex.Problems, p => p.Key == "mappings" && p.Reason.Contains("nowhere.yaml"));
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("5s", 5000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("00:00:07", 7000)]
    public void Durations_parse_with_units(string text, int ms)
    {
        Assert.True(DurationConverter.TryParse(text, out var t));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), t);
    }

    [Fact]
    public void First_start_accepts_now_beginning_and_iso_times()
    {
        Assert.True(PollerOptions.TryParseFirstStart("now", out var now));
        Assert.Null(now);
        Assert.True(PollerOptions.TryParseFirstStart("beginning", out var b));
        Assert.Equal(DateTimeOffset.MinValue, b);
        Assert.True(PollerOptions.TryParseFirstStart("2026-11-01T00:00:00Z", out var t));
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), t);
        Assert.False(PollerOptions.TryParseFirstStart("soon", out _));
    }

    [Fact]
    public void The_database_password_is_read_through_its_database_keys_and_is_empty_when_unset()
    {
        var env = "AEG_TEST_PW_" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal("", DatabasePassword.Resolve(new DatabaseOptions(), "x.yaml"));
        var missing = Assert.Throws<ConfigException>(() => DatabasePassword.Resolve(new DatabaseOptions { PasswordEnv = env }, "x.yaml"));
        Assert.Equal("database.passwordEnv", Assert.Single(missing.Problems).Key);
        var unreadable = Assert.Throws<ConfigException>(() => DatabasePassword.Resolve(new DatabaseOptions { PasswordFile = _config.File("none") }, "x.yaml"));
        Assert.Equal("database.passwordFile", Assert.Single(unreadable.Problems).Key);
    }
}
