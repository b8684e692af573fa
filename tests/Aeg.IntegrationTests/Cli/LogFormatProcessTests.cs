namespace Aeg.IntegrationTests.Cli;

/// <summary>What a person (or journald) reads on aeg's stderr, from the real process.</summary>
public sealed class LogFormatProcessTests
{
    [Fact]
    public async Task On_a_terminal_each_line_starts_with_an_iso_8601_date_time_and_zone()
    {
        var (exit, _, stderr) = await AegProcess.RunAsync(["poll", "--once", "--config", "/nonexistent/aeg.yaml"]);
        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n'), l => l.Contains("[ERR] ", StringComparison.Ordinal));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2} \[ERR\] Configuration error", line);
    }

    [Fact]
    public async Task Under_systemd_each_line_carries_its_syslog_priority_and_no_timestamp_of_its_own()
    {
        var (exit, _, stderr) = await AegProcess.RunAsync(["poll", "--once", "--config", "/nonexistent/aeg.yaml"],
            new Dictionary<string, string> { ["JOURNAL_STREAM"] = "8:12345" });
        Assert.Equal(2, exit);
        var first = stderr.Split('\n')[0];
        // sd-daemon(3): "<3>" is err; journald stamps the time itself.
        Assert.StartsWith("<3>Configuration error", first);
        Assert.DoesNotMatch(@"\d{4}-\d{2}-\d{2}T", first);
    }
}
