using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Aeg.TestKit;

/// <summary>
/// Everything a Serilog logger writes, kept for assertions: the events, their rendered messages per
/// level, and the whole output as text with exceptions and properties (for secret scans).
/// </summary>
public sealed class LogCapture : IDisposable
{
    private readonly List<LogEvent> _events = [];
    private readonly StringWriter _text = new();
    private readonly MessageTemplateTextFormatter _formatter =
        new("{Level:u3} {Message:lj} {Properties:j}{NewLine}{Exception}", System.Globalization.CultureInfo.InvariantCulture);

    public LogCapture()
    {
        Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new Sink(this)).CreateLogger();
    }

    /// <summary>The logger to hand to the code under test; every level is kept.</summary>
    public Logger Logger { get; }

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

    /// <summary>The rendered messages of one level, in order.</summary>
    public IEnumerable<string> Lines(LogEventLevel level) => Events.Where(e => e.Level == level).Select(e => e.RenderMessage());

    /// <summary>All output so far: level, message, properties and exception of every event.</summary>
    public string Text
    {
        get
        {
            lock (_events)
            {
                return _text.ToString();
            }
        }
    }

    public void Dispose() => Logger.Dispose();

    // Not the capture itself: the logger disposes its sinks, and disposing the capture disposes the logger.
    private sealed class Sink(LogCapture capture) : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            lock (capture._events)
            {
                capture._events.Add(logEvent);
                capture._formatter.Format(logEvent, capture._text);
            }
        }
    }
}
