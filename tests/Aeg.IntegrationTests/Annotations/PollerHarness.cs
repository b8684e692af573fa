using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.State;
using Aeg.Syslog;
using Serilog;

namespace Aeg.IntegrationTests.Annotations;

/// <summary>A test database, a state directory and a way to build pollers over them.</summary>
internal sealed class PollerHarness : IAsyncDisposable
{
    private PollerHarness(TestDatabase db)
    {
        Db = db;
        StateDirectory = Directory.CreateTempSubdirectory("aeg-poller-").FullName;
    }

    public TestDatabase Db { get; }
    public string StateDirectory { get; }
    public PollerOptions Options { get; } = new()
    {
        FirstStart = "beginning",
        RetryMinDelay = TimeSpan.FromMilliseconds(20),
        RetryMaxDelay = TimeSpan.FromMilliseconds(200),
    };
    public SourceOptions Source { get; } = new();
    public static CefMappings Mappings { get; } = RepoMappings.Load();
    public AnnotationStateFile StateFile => new(StateDirectory);

    public static async Task<PollerHarness> CreateAsync(string? adminConnectionString = null) => new(await TestDatabase.CreateEsmAsync(adminConnectionString));

    public AnnotationPoller CreatePoller(ISyslogSender sender, AnnotationDatabase? database = null, SyslogOutputOptions? syslog = null,
        TimeProvider? time = null)
    {
        var poller = new AnnotationPoller(
            new AnnotationSource(database ?? Db.Database, Source, Mappings.Fields.Select(f => f.Source).ToHashSet()),
            new AnnotationMapper(Mappings, syslog ?? new SyslogOutputOptions(), "aeg-test.example.com"),
            sender, StateFile, Options, new LoggerConfiguration().CreateLogger(), time);
        poller.Initialize();
        return poller;
    }

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        Directory.Delete(StateDirectory, recursive: true);
    }
}

/// <summary>This machine's clock moved on by <paramref name="offset"/>: a poller restarted after a stop of that length, without the wait.</summary>
internal sealed class ShiftedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
