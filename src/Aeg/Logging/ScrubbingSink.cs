using Aeg.Configuration;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace Aeg.Logging;

/// <summary>
/// Wraps a log sink so no secret known to <see cref="SecretRegistry"/> reaches it: property values,
/// the message template and the exception text (message and stack) are scrubbed before the line is written.
/// </summary>
/// <remarks>Call sites need not scrub for the log: a URL, an error body or an exception text that carries a
/// token is caught here, whichever code logged it.</remarks>
public sealed class ScrubbingSink(ILogEventSink inner, SecretRegistry registry) : ILogEventSink, IDisposable
{
    private static readonly MessageTemplateParser Parser = new();

    public void Emit(LogEvent logEvent)
    {
        var scrubber = registry.Scrubber;
        inner.Emit(scrubber.IsEmpty ? logEvent : Scrub(logEvent, scrubber));
    }

    /// <summary>A copy of <paramref name="e"/> with every secret replaced by <c>***</c>.</summary>
    public static LogEvent Scrub(LogEvent e, SecretScrubber scrubber)
    {
        var text = scrubber.Scrub(e.MessageTemplate.Text);
        var template = ReferenceEquals(text, e.MessageTemplate.Text) || text == e.MessageTemplate.Text ? e.MessageTemplate : Parser.Parse(text);
        var exception = e.Exception is null ? null : new ScrubbedException(e.Exception, scrubber);
        var properties = e.Properties.Select(p => new LogEventProperty(p.Key, Scrub(p.Value, scrubber)));
        return new LogEvent(e.Timestamp, e.Level, exception, template, properties, e.TraceId ?? default, e.SpanId ?? default);
    }

    private static LogEventPropertyValue Scrub(LogEventPropertyValue value, SecretScrubber scrubber)
    {
        switch (value)
        {
            case ScalarValue { Value: string s }:
                var scrubbed = scrubber.Scrub(s);
                return scrubbed == s ? value : new ScalarValue(scrubbed);
            case ScalarValue { Value: null or bool or int or long or double or decimal or DateTimeOffset or DateTime or TimeSpan }:
                return value;
            case ScalarValue scalar:
                var rendered = scalar.Value!.ToString() ?? "";
                var clean = scrubber.Scrub(rendered);
                return clean == rendered ? value : new ScalarValue(clean);
            case SequenceValue sequence:
                return new SequenceValue(sequence.Elements.Select(v => Scrub(v, scrubber)));
            case StructureValue structure:
                return new StructureValue(structure.Properties.Select(p => new LogEventProperty(p.Name, Scrub(p.Value, scrubber))), structure.TypeTag);
            case DictionaryValue dictionary:
                return new DictionaryValue(dictionary.Elements.Select(kv => new KeyValuePair<ScalarValue, LogEventPropertyValue>(kv.Key, Scrub(kv.Value, scrubber))));
            default:
                return value;
        }
    }

    public void Dispose() => (inner as IDisposable)?.Dispose();

    /// <summary>An exception whose message and text (what the log prints) are those of the original, scrubbed.</summary>
    private sealed class ScrubbedException(Exception original, SecretScrubber scrubber) : Exception(scrubber.Scrub(original.Message))
    {
        public override string ToString() => scrubber.Scrub(original.ToString());
    }
}
