using System.Buffers;
using System.Text;
using Aeg.Cef;
using Aeg.Syslog;

namespace Aeg.Annotations;

/// <summary>
/// Turns an <see cref="AnnotationRow"/> into one syslog + CEF message per cef-mappings.yaml,
/// into a buffer reused from message to message.
/// </summary>
public sealed class AnnotationMapper
{
    // Syslog severity 5 (notice) for every message: the CEF severity carries the meaning.
    private const int SyslogSeverityNotice = 5;
    private const string AppName = "aeg";

    /// <summary>The last millisecond of 9999-12-31 UTC: the latest date an event can carry.</summary>
    public const long MaxCefDateMs = 253_402_300_799_999;

    private readonly CefMappings _mappings;
    private readonly SyslogOutputOptions _syslog;
    private readonly string _hostName;
    private readonly ArrayBufferWriter<byte> _buffer = new(8192);
    private readonly CefWriter _writer;
    private readonly Field[] _fields;
    private readonly Field? _changesField;
    private readonly CefPreparedHeader _header;
    private readonly (long Mask, string Label)[] _flagBits;
    private readonly Dictionary<long, string> _flagLabelCache = [];
    private readonly Func<DateTimeOffset> _clock;

    public AnnotationMapper(CefMappings mappings, SyslogOutputOptions syslog, string hostName, Func<DateTimeOffset>? clock = null)
    {
        _mappings = mappings;
        _syslog = syslog;
        _hostName = hostName;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
        _writer = new CefWriter(_buffer);
        // Keys, labels and the constant header fields are checked, escaped and encoded here once,
        // not on every row: per field the row then costs one copy of "key=" and its value.
        _fields = mappings.Fields.Where(f => f.Source != AnnotationField.Changes).Select(f => PrepareField(f, hostName)).ToArray();
        _changesField = mappings.Fields.Where(f => f.Source == AnnotationField.Changes).Select(f => PrepareField(f, hostName)).FirstOrDefault();
        var h = mappings.Header;
        _header = CefPreparedHeader.Create(h.DeviceVendor, h.DeviceProduct, h.DeviceVersion, h.DeviceEventClassId, h.Name);
        _flagBits = mappings.Flags.OrderBy(kv => kv.Key).Select(kv => (1L << kv.Key, kv.Value)).ToArray();
    }

    /// <summary>Fields cut to their CEF limit since this mapper was created.</summary>
    public long TruncatedFields { get; private set; }

    /// <summary>The message for <paramref name="row"/>; valid until the next call.</summary>
    public ReadOnlyMemory<byte> Map(AnnotationRow row)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        var priority = _syslog.Facility * 8 + SyslogSeverityNotice;
        var now = _clock();
        if (_syslog.Format == SyslogMessageFormat.Rfc5424)
        {
            _writer.WriteSyslogRfc5424(priority, now, _hostName, AppName, default, "annotation");
        }
        else
        {
            _writer.WriteSyslogRfc3164(priority, now, _hostName, AppName);
        }
        _writer.WriteHeader(_header, Severity(row));
        if (row.ModificationTimeMs <= 0)
        {
            row.Changes |= RowChanges.MissingTime;
        }
        foreach (var field in _fields)
        {
            if (WriteValue(field, row) && field.Label is { } label)
            {
                _writer.WriteExtension(label);
            }
        }
        if (_writer.TruncatedFields > 0)
        {
            row.Changes |= RowChanges.Truncated;
            TruncatedFields += _writer.TruncatedFields;
        }
        // Last, whatever its place in the mappings: only now is every change of the row known.
        if (_changesField is { } changes && row.Changes != RowChanges.None)
        {
            _writer.WriteExtension(changes.Key, RowChangeNames.Of(row.Changes));
            if (changes.Label is { } label)
            {
                _writer.WriteExtension(label);
            }
        }
        return _buffer.WrittenMemory;
    }

    /// <summary>
    /// The message for a row that can be sent; false, with <see cref="AnnotationRow.Fault"/> saying why,
    /// for one the source could not read or the mapping cannot write (the caller quarantines it).
    /// </summary>
    public bool TryMap(AnnotationRow row, out ReadOnlyMemory<byte> message)
    {
        message = default;
        if (row.Fault is not null)
        {
            return false;
        }
        try
        {
            message = Map(row);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            row.Fault = $"mapping failed: {ex.GetType().Name}: {ex.Message}";
            return false;
        }
    }

    /// <summary>The comma-separated labels of the set bits known to the flag table.</summary>
    public string FlagLabels(long flags)
    {
        if (_flagLabelCache.TryGetValue(flags, out var cached))
        {
            return cached;
        }
        var sb = new StringBuilder();
        foreach (var (mask, label) in _flagBits)
        {
            if ((flags & mask) != 0)
            {
                if (sb.Length > 0)
                {
                    sb.Append(',');
                }
                sb.Append(label);
            }
        }
        var result = sb.ToString();
        if (_flagLabelCache.Count < 4096)
        {
            _flagLabelCache[flags] = result;
        }
        return result;
    }

    private string Severity(AnnotationRow row) =>
        row.StageName is not null && _mappings.SeverityByStage.TryGetValue(row.StageName, out var s) ? s : _mappings.Header.DefaultSeverity;

    private bool WriteValue(Field field, AnnotationRow row)
    {
        var key = field.Key;
        switch (field.Source)
        {
            case AnnotationField.HostName:
                // Constant: prepared whole, like a label.
                if (field.HostName is not { } host)
                {
                    return false;
                }
                _writer.WriteExtension(host);
                return true;
            case AnnotationField.ModifiedBy: return WriteText(key, row.ModifiedBy);
            case AnnotationField.AuditTrail: return WriteText(key, row.AuditTrailValue);
            case AnnotationField.CurrentComment: return WriteText(key, row.CurrentCommentValue);
            case AnnotationField.Stage: return WriteText(key, row.StageName);
            case AnnotationField.StageUri: return WriteText(key, row.StageUri);
            case AnnotationField.StageUser: return WriteText(key, row.StageUser);
            case AnnotationField.StageUpdateTime: return WriteDate(key, row.StageUpdateTimeMs, row);
            case AnnotationField.FlagLabels:
                return row.Flags is { } f && WriteText(key, FlagLabels(f));
            case AnnotationField.Flags: return WriteNumber(key, row.Flags);
            case AnnotationField.Version: return WriteNumber(key, row.Version);
            case AnnotationField.EventId: return WriteNumber(key, row.EventId);
            // 0 stands for a missing time (MissingTime): leaving it out beats claiming 1970.
            case AnnotationField.ModificationTime: return row.ModificationTimeMs > 0 && WriteDate(key, row.ModificationTimeMs, row);
            case AnnotationField.ManagerReceiptTime: return WriteDate(key, row.ManagerReceiptTimeMs, row);
            case AnnotationField.EndTime: return WriteDate(key, row.EndTimeMs, row);
            case AnnotationField.MissedVersions:
                return row.MissedVersions > 0 && WriteNumber(key, row.MissedVersions);
            default: return false;
        }
    }

    private bool WriteText(CefPreparedKey key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }
        _writer.WriteExtension(key, value);
        return true;
    }

    // The bytes the batch reader kept, when valid UTF-8 (the same output as the decoded string).
    private bool WriteText(CefPreparedKey key, Utf8Text value)
    {
        if (!value.TryGetUtf8(out var utf8))
        {
            return WriteText(key, value.Text);
        }
        if (utf8.IsEmpty)
        {
            return false;
        }
        _writer.WriteExtension(key, utf8);
        return true;
    }

    private bool WriteNumber(CefPreparedKey key, long? value)
    {
        if (value is not { } v)
        {
            return false;
        }
        _writer.WriteExtension(key, v);
        return true;
    }

    private bool WriteDate(CefPreparedKey key, long? epochMs, AnnotationRow row)
    {
        if (epochMs is not { } ms)
        {
            return false;
        }
        // A date CEF cannot carry (before 1970 or after 9999, e.g. a year-10000 placeholder) is
        // left out and marked: a SmartConnector would reject the event or misread it.
        if (ms is < 0 or > MaxCefDateMs)
        {
            row.Changes |= RowChanges.TimeOutOfRange;
            return false;
        }
        _writer.WriteExtension(key, ms);
        return true;
    }

    private static Field PrepareField(CefFieldMapping f, string hostName)
    {
        var key = CefPreparedKey.Create(f.Key);
        var label = f.Label is null ? null : CefPreparedPair.Create(f.Key + "Label", f.Label);
        var host = f.Source == AnnotationField.HostName && !string.IsNullOrEmpty(hostName) ? CefPreparedPair.Create(key, hostName) : null;
        return new Field(key, f.Source, label, host);
    }

    private sealed record Field(CefPreparedKey Key, AnnotationField Source, CefPreparedPair? Label, CefPreparedPair? HostName);
}
