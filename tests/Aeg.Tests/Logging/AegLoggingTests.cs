using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Logging;
using Serilog;
using Serilog.Events;

namespace Aeg.Tests.Logging;

/// <summary>The <c>logging:</c> section: the rolling file, its level, and validation.</summary>
public sealed class AegLoggingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aeg-log-test-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void A_configured_directory_gets_a_dated_log_file_with_the_configured_level()
    {
        var log = AegLogging.Create(debug: false, new LoggingOptions { Directory = _dir, Level = LogEventLevel.Warning });
        log.Information("not written {N}", 1);
        log.Warning("written {Key}", "poller.interval");
        (log as IDisposable)!.Dispose();

        var file = Assert.Single(Directory.GetFiles(_dir));
        Assert.Matches(@"aeg-\d{8}\.log$", file);
        var text = File.ReadAllText(file);
        Assert.Contains("[WRN] written poller.interval", text);
        Assert.DoesNotContain("not written", text);
    }

    [Fact]
    public void Debug_flag_lowers_the_level_to_debug_but_not_below_a_configured_verbose()
    {
        var log = AegLogging.Create(debug: true, new LoggingOptions { Directory = _dir, Level = LogEventLevel.Error });
        Assert.True(log.IsEnabled(LogEventLevel.Debug));
        Assert.False(log.IsEnabled(LogEventLevel.Verbose));
        (log as IDisposable)!.Dispose();
        var verbose = AegLogging.Create(debug: true, new LoggingOptions { Level = LogEventLevel.Verbose });
        Assert.True(verbose.IsEnabled(LogEventLevel.Verbose));
        Assert.False(AegLogging.Create(debug: false).IsEnabled(LogEventLevel.Debug));
    }

    [Fact]
    public void Past_the_size_limit_a_new_file_starts_and_only_the_retained_number_is_kept()
    {
        var log = AegLogging.Create(debug: false, new LoggingOptions { Directory = _dir, FileSizeLimitMB = 1, RetainedFiles = 2, RollingInterval = RollingInterval.Infinite });
        var line = new string('x', 4096);
        for (var i = 0; i < 800; i++)
        {
            log.Information("{Line}", line);
        }
        (log as IDisposable)!.Dispose();
        var files = Directory.GetFiles(_dir);
        Assert.Equal(2, files.Length);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 1024 * 1024 + 8192));
    }

    [Fact]
    public void The_logging_section_is_read_resolved_against_the_config_folder_and_validated()
    {
        Directory.CreateDirectory(_dir);
        var config = Path.Combine(_dir, "aeg.yaml");
        File.WriteAllText(Path.Combine(_dir, "cef-mappings.yaml"), File.ReadAllText(TestServices.RepoFile("cef-mappings.yaml")));
        File.WriteAllText(config, "logging:\n  level: debug\n  directory: logs\n  rollingInterval: hour\n  retainedFiles: 3\n");
        var options = AegConfig.Load(config);
        Assert.Equal((LogEventLevel.Debug, Path.Combine(_dir, "logs"), RollingInterval.Hour, 3),
            (options.Logging.Level, options.Logging.Directory, options.Logging.RollingInterval, options.Logging.RetainedFiles));

        File.WriteAllText(config, "logging:\n  retainedFiles: 0\n  fileSizeLimitMB: -1\n");
        var ex = Assert.Throws<ConfigException>(() => AegConfig.Load(config));
        Assert.Contains(ex.Problems, p => p.Key == "logging.retainedFiles");
        Assert.Contains(ex.Problems, p => p.Key == "logging.fileSizeLimitMB");

        File.WriteAllText(config, "logging:\n  level: chatty\n");
        Assert.Equal("logging.level", Assert.Throws<ConfigException>(() => AegConfig.Load(config)).Problems.Single().Key);
    }
}
