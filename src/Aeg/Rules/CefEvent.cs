using System.Text;
using Aeg.Cef;

namespace Aeg.Rules;

/// <summary>
/// An event's fields as strings, built only after a rule matched (it allocates) to render
/// templates. Empty values count as missing, as they do for the <c>exists</c> operator.
/// </summary>
public sealed class CefEvent
{
    private readonly string?[] _headers = new string?[6];
    private readonly Dictionary<string, string> _extensions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _labelKeys = new(StringComparer.Ordinal);

    private CefEvent(string raw) => Raw = raw;

    /// <summary>The frame as received (syslog header included), decoded as UTF-8.</summary>
    public string Raw { get; }
    public string? SyslogHost { get; private set; }
    /// <summary>The full ESM event fetched for an <c>enrich: esm</c> rule (set by the ticket worker), or null.</summary>
    public IEventEnrichment? Enrichment { get; set; }

    /// <summary>False when the frame is not valid CEF (then only <see cref="Raw"/> is known).</summary>
    public bool IsValid { get; private set; }

    /// <summary>Reads every field of <paramref name="frame"/>; never throws.</summary>
    public static CefEvent Parse(ReadOnlySpan<byte> frame)
    {
        var e = new CefEvent(Encoding.UTF8.GetString(frame));
        var reader = new CefReader(frame);
        if (!reader.IsValid)
        {
            return e;
        }
        e.IsValid = true;
        e.SyslogHost = NonEmpty(Encoding.UTF8.GetString(reader.SyslogHost));
        for (var i = 0; i < 6; i++)
        {
            e._headers[i] = NonEmpty(reader.GetHeaderString((CefHeaderField)i));
        }
        while (reader.ReadNextExtension())
        {
            var key = Encoding.UTF8.GetString(reader.Key);
            var value = reader.GetValueString();
            // The first of duplicated keys wins, as in the matcher.
            if (!e._extensions.TryAdd(key, value))
            {
                continue;
            }
            if (key.Length > 5 && key.EndsWith("Label", StringComparison.Ordinal))
            {
                e._labelKeys.TryAdd(value, key[..^5]);
            }
        }
        return e;
    }

    /// <summary>The field's value, or null when it is missing or empty.</summary>
    public string? Get(FieldRef field) => field.Kind switch
    {
        FieldKind.Header => _headers[(int)field.Header],
        FieldKind.Extension => _extensions.TryGetValue(field.Name, out var v) ? NonEmpty(v) : null,
        FieldKind.Label => _labelKeys.TryGetValue(field.Name, out var key) && _extensions.TryGetValue(key, out var v) ? NonEmpty(v) : null,
        FieldKind.SyslogHost => SyslogHost,
        FieldKind.Raw => Raw,
        FieldKind.Esm => NonEmpty(Enrichment?.Get(field.Name)),
        _ => null,
    };

    /// <summary>Builds the event from an already-parsed string (a job read back from the outbox).</summary>
    public static CefEvent Parse(string frame) => Parse(Encoding.UTF8.GetBytes(frame));

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}

/// <summary>Fields fetched from elsewhere for a matched event (the full ESM event), read by path.</summary>
public interface IEventEnrichment
{
    /// <summary>The value at <paramref name="path"/> (dot-separated) as text, or null when the event has none.</summary>
    string? Get(string path);
}
