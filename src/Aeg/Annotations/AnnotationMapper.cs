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

    private readonly CefMappings _mappings;
    private readonly SyslogOutputOptions _syslog;
    private readonly string _hostName;
    private readonly ArrayBufferWriter<byte> _buffer = new(8192);
    private readonly CefWriter _writer;
    private readonly (string Key, AnnotationField Source, string? LabelKey, string? Label)[] _fields;
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
        _fields = mappings.Fields.Select(f => (f.Key, f.Source, f.Label is null ? null : f.Key + "Label", f.Label)).ToArray();
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
        var h = _mappings.Header;
        _writer.WriteHeader(h.DeviceVendor, h.DeviceProduct, h.DeviceVersion, h.DeviceEventClassId, h.Name, Severity(row));
        foreach (var (key, source, labelKey, label) in _fields)
        {
            if (WriteValue(key, source, row) && labelKey is not null)
            {
                _writer.WriteExtension(labelKey, label);
            }
        }
        TruncatedFields += _writer.TruncatedFields;
        return _buffer.WrittenMemory;
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

    private bool WriteValue(string key, AnnotationField source, AnnotationRow row)
    {
        switch (source)
        {
            case AnnotationField.HostName: return WriteText(key, _hostName);
            case AnnotationField.ModifiedBy: return WriteText(key, row.ModifiedBy);
            case AnnotationField.AuditTrail: return WriteText(key, row.AuditTrail);
            case AnnotationField.CurrentComment: return WriteText(key, row.CurrentComment);
            case AnnotationField.Stage: return WriteText(key, row.StageName);
            case AnnotationField.StageUri: return WriteText(key, row.StageUri);
            case AnnotationField.StageUser: return WriteText(key, row.StageUser);
            case AnnotationField.StageUpdateTime: return WriteDate(key, row.StageUpdateTimeMs);
            case AnnotationField.FlagLabels:
                return row.Flags is { } f && WriteText(key, FlagLabels(f));
            case AnnotationField.Flags: return WriteNumber(key, row.Flags);
            case AnnotationField.Version: return WriteNumber(key, row.Version);
            case AnnotationField.EventId: return WriteNumber(key, row.EventId);
            case AnnotationField.ModificationTime: return WriteDate(key, row.ModificationTimeMs);
            case AnnotationField.ManagerReceiptTime: return WriteDate(key, row.ManagerReceiptTimeMs);
            case AnnotationField.EndTime: return WriteDate(key, row.EndTimeMs);
            case AnnotationField.MissedVersions:
                return row.MissedVersions > 0 && WriteNumber(key, row.MissedVersions);
            default: return false;
        }
    }

    private bool WriteText(string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }
        _writer.WriteExtension(key, value);
        return true;
    }

    private bool WriteNumber(string key, long? value)
    {
        if (value is not { } v)
        {
            return false;
        }
        _writer.WriteExtension(key, v);
        return true;
    }

    private bool WriteDate(string key, long? epochMs)
    {
        if (epochMs is not { } ms)
        {
            return false;
        }
        _writer.WriteExtension(key, DateTimeOffset.FromUnixTimeMilliseconds(ms));
        return true;
    }
}
