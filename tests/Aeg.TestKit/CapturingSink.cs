using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Aeg.TestKit;

/// <summary>Keeps every rendered log line, for assertions on what was logged.</summary>
internal sealed class CapturingSink : ILogEventSink
{
    private readonly List<LogEvent> _events = [];

    public ILogger Logger() => new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(this).CreateLogger();

    public void Emit(LogEvent logEvent)
    {
        lock (_events)
        {
            _events.Add(logEvent);
        }
    }

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public IEnumerable<string> Lines(LogEventLevel level) => Events.Where(e => e.Level == level).Select(e => e.RenderMessage());
}
