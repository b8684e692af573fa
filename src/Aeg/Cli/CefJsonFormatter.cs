using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Aeg.Cef;

namespace Aeg.Cli;

/// <summary>
/// Turns one CEF line into the JSON object <c>aeg cef parse</c> prints, reusing one writer and one
/// unescape buffer for all lines so a long stream allocates nothing per line.
/// </summary>
internal sealed class CefJsonFormatter : IDisposable
{
    private static readonly JsonEncodedText SyslogName = JsonEncodedText.Encode("syslog");
    private static readonly JsonEncodedText PriName = JsonEncodedText.Encode("pri");
    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText HostName = JsonEncodedText.Encode("host");
    private static readonly JsonEncodedText VersionName = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText ExtensionsName = JsonEncodedText.Encode("extensions");
    private static readonly JsonEncodedText ErrorName = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText PositionName = JsonEncodedText.Encode("position");

    private static readonly (CefHeaderField Field, JsonEncodedText Name)[] HeaderNames =
    [
        (CefHeaderField.DeviceVendor, JsonEncodedText.Encode("deviceVendor")),
        (CefHeaderField.DeviceProduct, JsonEncodedText.Encode("deviceProduct")),
        (CefHeaderField.DeviceVersion, JsonEncodedText.Encode("deviceVersion")),
        (CefHeaderField.DeviceEventClassId, JsonEncodedText.Encode("deviceEventClassId")),
        (CefHeaderField.Name, JsonEncodedText.Encode("name")),
        (CefHeaderField.Severity, JsonEncodedText.Encode("severity")),
    ];

    /// <summary>Not a <see cref="CefError"/>: the line was over the limit and was not parsed.</summary>
    public static readonly JsonEncodedText LineTooLongCode = JsonEncodedText.Encode("LineTooLong");

    // Indexed by the enum value, so reporting an error allocates no string.
    private static readonly JsonEncodedText[] ErrorCodes = EncodeErrorCodes();

    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private byte[] _string = ArrayPool<byte>.Shared.Rent(4096);
    private readonly Utf8JsonWriter _json;
    private byte[] _unescaped = ArrayPool<byte>.Shared.Rent(4096);

    public CefJsonFormatter()
    {
        // The encoder only sees the names (ASCII: CEF keys and fixed names); text values go through
        // JsonUtf8String, which keeps non-ASCII as UTF-8 and turns ill-formed input into U+FFFD.
        _json = new Utf8JsonWriter(_output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>Formats <paramref name="line"/>; true when it parsed, false when the JSON is an error object.</summary>
    /// <remarks>The JSON (without a line break) is in <see cref="Json"/> until the next call.</remarks>
    public bool Format(ReadOnlySpan<byte> line)
    {
        Restart();
        var reader = new CefReader(line);
        if (!reader.IsValid)
        {
            WriteError(ErrorCodes[(int)reader.Error], reader.ErrorPosition);
            return false;
        }

        _json.WriteStartObject();
        WriteSyslog(ref reader);
        _json.WriteNumber(VersionName, reader.Version);
        foreach (var (field, name) in HeaderNames)
        {
            WriteHeader(ref reader, field, name);
        }

        _json.WriteStartObject(ExtensionsName);
        while (reader.ReadNextExtension())
        {
            _json.WritePropertyName(reader.Key);
            WriteValue(ref reader);
        }

        if (reader.Error != CefError.None)
        {
            // The whole line is rejected: a half-read extension would silently lose pairs.
            Restart();
            WriteError(ErrorCodes[(int)reader.Error], reader.ErrorPosition);
            return false;
        }

        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.Flush();
        return true;
    }

    /// <summary>Writes the error object for a line that was too long to parse.</summary>
    public void FormatTooLong(int maxLineBytes)
    {
        Restart();
        WriteError(LineTooLongCode, maxLineBytes);
    }

    /// <summary>The UTF-8 JSON of the last formatted line.</summary>
    public ReadOnlySpan<byte> Json => _output.WrittenSpan;

    public void Dispose()
    {
        _json.Dispose();
        ArrayPool<byte>.Shared.Return(_unescaped);
        ArrayPool<byte>.Shared.Return(_string);
    }

    private void Restart()
    {
        _output.ResetWrittenCount();
        _json.Reset(_output);
    }

    private void WriteError(JsonEncodedText code, int position)
    {
        _json.WriteStartObject();
        _json.WriteString(ErrorName, code);
        _json.WriteNumber(PositionName, position);
        _json.WriteEndObject();
        _json.Flush();
    }

    private void WriteSyslog(ref CefReader reader)
    {
        if (reader.SyslogFormat == SyslogFormat.None && reader.SyslogTimestamp.IsEmpty && reader.SyslogHost.IsEmpty)
        {
            _json.WriteNull(SyslogName);
            return;
        }

        _json.WriteStartObject(SyslogName);
        if (reader.SyslogPriority < 0)
        {
            _json.WriteNull(PriName);
        }
        else
        {
            _json.WriteNumber(PriName, reader.SyslogPriority);
        }

        WriteText(TimestampName, reader.SyslogTimestamp);
        WriteText(HostName, reader.SyslogHost);
        _json.WriteEndObject();
    }

    private void WriteHeader(ref CefReader reader, CefHeaderField field, JsonEncodedText name)
    {
        if (!reader.HeaderNeedsUnescaping(field))
        {
            WriteText(name, reader.GetHeaderRaw(field));
            return;
        }

        // Unescaping never lengthens text, so the raw length is always enough.
        EnsureUnescapeCapacity(reader.GetHeaderRaw(field).Length);
        if (!reader.TryCopyHeader(field, _unescaped, out var length))
        {
            throw new InvalidOperationException($"CefReader unescaped header {field} to more bytes than it had raw");
        }

        WriteText(name, _unescaped.AsSpan(0, length));
    }

    private void WriteValue(ref CefReader reader)
    {
        if (!reader.ValueNeedsUnescaping)
        {
            WriteStringValue(reader.RawValue);
            return;
        }

        EnsureUnescapeCapacity(reader.RawValue.Length);
        if (!reader.TryCopyValue(_unescaped, out var length))
        {
            throw new InvalidOperationException("CefReader unescaped a value to more bytes than it had raw");
        }

        WriteStringValue(_unescaped.AsSpan(0, length));
    }

    private void EnsureUnescapeCapacity(int length)
    {
        if (_unescaped.Length < length)
        {
            ArrayPool<byte>.Shared.Return(_unescaped);
            _unescaped = ArrayPool<byte>.Shared.Rent(length);
        }
    }

    private void WriteText(JsonEncodedText name, ReadOnlySpan<byte> utf8)
    {
        _json.WritePropertyName(name);
        WriteStringValue(utf8);
    }

    private void WriteStringValue(ReadOnlySpan<byte> utf8)
    {
        if (JsonUtf8String.IsPlain(utf8))
        {
            // The writer's own path is faster, and for such text its output is the same.
            _json.WriteStringValue(utf8);
            return;
        }

        var capacity = JsonUtf8String.MaxLength(utf8.Length);
        if (_string.Length < capacity)
        {
            ArrayPool<byte>.Shared.Return(_string);
            _string = ArrayPool<byte>.Shared.Rent(capacity);
        }

        var length = JsonUtf8String.Write(utf8, _string);
        _json.WriteRawValue(_string.AsSpan(0, length), skipInputValidation: true);
    }

    private static JsonEncodedText[] EncodeErrorCodes()
    {
        var errors = Enum.GetValues<CefError>();
        var codes = new JsonEncodedText[errors.Max(e => (int)e) + 1];
        foreach (var error in errors)
        {
            codes[(int)error] = JsonEncodedText.Encode(error.ToString());
        }

        return codes;
    }
}
