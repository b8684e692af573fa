using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Aeg.Cef.Tests.Fuzzing;

/// <summary>What the oracle did with one line, beyond "no property broken".</summary>
public enum CefReaderOutcome
{
    /// <summary>The reader rejected the line (an error code, as it should for garbage).</summary>
    Rejected,
    /// <summary>Accepted, but the severity is one CefWriter refuses, so there is nothing to re-write.</summary>
    AcceptedNotWritable,
    /// <summary>Accepted, re-written with CefWriter and re-parsed to the same fields.</summary>
    RoundTripped,
}

/// <summary>
/// Checks the properties every line must have under <see cref="CefReader"/>: it never throws,
/// every span it hands out lies inside the line, its work is bounded by the line length
/// (pairs ≤ bytes, spans in order and disjoint, the end stays the end), every way of reading a
/// value agrees, and an accepted line re-written with <see cref="CefWriter"/> parses to the
/// same fields. Returns why a property broke, or null.
/// </summary>
public static class CefReaderOracle
{
    /// <summary>Checks one line; exceptions escape to the caller (the engine counts them as crashes).</summary>
    public static string? Check(byte[] line, out CefReaderOutcome outcome)
    {
        outcome = CefReaderOutcome.Rejected;
        var first = Read(line, out var fields);
        if (first is not null || fields is null)
        {
            return first;
        }

        // The severity must be one CefWriter takes; anything else the writer refuses on purpose.
        if (!CefLimits.IsValidSeverity(fields.Header[5]))
        {
            outcome = CefReaderOutcome.AcceptedNotWritable;
            return null;
        }

        var output = new ArrayBufferWriter<byte>();
        var writer = new CefWriter(output);
        var h = fields.Header;
        writer.WriteHeader(h[0], h[1], h[2], h[3], h[4], h[5], fields.Version);
        var truncated = new bool[fields.Pairs.Count];
        for (var i = 0; i < fields.Pairs.Count; i++)
        {
            var before = writer.TruncatedFields;
            writer.WriteExtension(fields.Pairs[i].Key, fields.Pairs[i].Value);
            truncated[i] = writer.TruncatedFields > before;
        }

        var rewritten = output.WrittenSpan.ToArray();
        var second = Read(rewritten, out var again);
        if (second is not null)
        {
            return $"the re-written line broke a property: {second}; re-written: {Show(rewritten)}";
        }

        if (again is null)
        {
            return $"the re-written line was rejected; re-written: {Show(rewritten)}";
        }

        if (again.Version != fields.Version)
        {
            return $"version {fields.Version} came back as {again.Version}";
        }

        for (var i = 0; i < 6; i++)
        {
            var expected = ExpectedHeader(h[i], (CefHeaderField)i);
            if (again.Header[i] != expected)
            {
                return $"header field {(CefHeaderField)i} '{expected}' came back as '{again.Header[i]}'; re-written: {Show(rewritten)}";
            }
        }

        if (again.Pairs.Count != fields.Pairs.Count)
        {
            return $"{fields.Pairs.Count} pairs came back as {again.Pairs.Count}; re-written: {Show(rewritten)}";
        }

        for (var i = 0; i < fields.Pairs.Count; i++)
        {
            var (key, value) = fields.Pairs[i];
            var (keyAgain, valueAgain) = again.Pairs[i];
            var same = truncated[i]
                ? valueAgain.Length < value.Length && value.AsSpan().StartsWith(valueAgain)
                : valueAgain.AsSpan().SequenceEqual(value);
            if (!key.AsSpan().SequenceEqual(keyAgain) || !same)
            {
                return $"pair {i} {Show(key)}={Show(value)} came back as {Show(keyAgain)}={Show(valueAgain)}; re-written: {Show(rewritten)}";
            }
        }

        outcome = CefReaderOutcome.RoundTripped;
        return null;
    }

    // What CefWriter makes of a header field: line breaks become spaces, then the CEF length cut.
    private static string ExpectedHeader(string value, CefHeaderField field)
    {
        value = value.Replace('\r', ' ').Replace('\n', ' ');
        var limit = CefLimits.MaxHeaderLength(field);
        if (value.Length <= limit)
        {
            return value;
        }

        return value[..(char.IsHighSurrogate(value[limit - 1]) ? limit - 1 : limit)];
    }

    /// <summary>Reads a line checking every span and value accessor; <paramref name="fields"/> is null when the line was rejected.</summary>
    private static string? Read(byte[] line, out ParsedFields? fields)
    {
        fields = null;
        var reader = new CefReader(line);
        if (reader.ErrorPosition < 0 || reader.ErrorPosition > line.Length)
        {
            return $"error position {reader.ErrorPosition} outside 0..{line.Length}";
        }

        if (reader.SyslogPriority is < -1 or > 191)
        {
            return $"syslog priority {reader.SyslogPriority}";
        }

        if ((OutOfRange(line, reader.SyslogTimestamp) ?? OutOfRange(line, reader.SyslogHost)) is { } prefixProblem)
        {
            return $"syslog prefix: {prefixProblem}";
        }

        if (!reader.IsValid)
        {
            return null;
        }

        if (reader.CefStart < 0 || reader.ExtensionStart < reader.CefStart || reader.ExtensionStart > line.Length)
        {
            return $"CefStart {reader.CefStart} / ExtensionStart {reader.ExtensionStart} outside the line of {line.Length}";
        }

        var header = new string[6];
        var previousEnd = reader.CefStart;
        for (var i = 0; i < 6; i++)
        {
            var field = (CefHeaderField)i;
            var raw = reader.GetHeaderRaw(field);
            if (OutOfRange(line, raw) is { } problem)
            {
                return $"header {field}: {problem}";
            }

            var offset = (int)Offset(line, raw);
            if (!raw.IsEmpty && offset < previousEnd)
            {
                return $"header {field} at {offset} overlaps what came before ({previousEnd})";
            }

            previousEnd = raw.IsEmpty ? previousEnd : offset + raw.Length;
            var copy = new byte[raw.Length];
            if (!reader.TryCopyHeader(field, copy, out var written))
            {
                return $"header {field} does not fit a buffer of its raw length";
            }

            if (written != CefEscaping.UnescapedLength(raw, header: true) || !reader.HeaderEquals(field, copy.AsSpan(0, written)))
            {
                return $"header {field}: TryCopyHeader, UnescapedLength and HeaderEquals disagree";
            }

            header[i] = reader.GetHeaderString(field);
            if (header[i] != Encoding.UTF8.GetString(copy, 0, written))
            {
                return $"header {field}: GetHeaderString and TryCopyHeader disagree";
            }
        }

        var pairs = new List<(byte[] Key, byte[] Value)>();
        var lastEnd = reader.ExtensionStart;
        var steps = 0;
        while (true)
        {
            // One step per call; a reader that does not move on would loop here forever.
            if (++steps > line.Length + 2)
            {
                return $"ReadNextExtension called {steps} times on {line.Length} bytes without finishing";
            }

            if (!reader.ReadNextExtension())
            {
                break;
            }

            var key = reader.Key;
            var value = reader.RawValue;
            if ((OutOfRange(line, key) ?? OutOfRange(line, value)) is { } problem)
            {
                return $"pair {pairs.Count}: {problem}";
            }

            var keyAt = (int)Offset(line, key);
            var valueAt = (int)Offset(line, value);
            // Pairs come in order and never overlap: the work is linear in the line length.
            if (key.IsEmpty || !CefLimits.IsValidKey(key) || keyAt < lastEnd || line[keyAt + key.Length] != (byte)'=' || valueAt != keyAt + key.Length + 1)
            {
                return $"pair {pairs.Count}: bad key '{Show(key.ToArray())}' at {keyAt} (previous pair ended at {lastEnd})";
            }

            lastEnd = valueAt + value.Length;
            var copy = new byte[value.Length];
            if (!reader.TryCopyValue(copy, out var written))
            {
                return $"pair {pairs.Count}: the value does not fit a buffer of its raw length";
            }

            var unescaped = copy.AsSpan(0, written);
            if (written != CefEscaping.UnescapedLength(value, header: false) || !reader.ValueEquals(unescaped)
                || reader.GetValueString() != Encoding.UTF8.GetString(unescaped)
                || (!reader.ValueNeedsUnescaping && !unescaped.SequenceEqual(value)))
            {
                return $"pair {pairs.Count}: TryCopyValue, UnescapedLength, ValueEquals, GetValueString disagree on '{Show(value.ToArray())}'";
            }

            pairs.Add((key.ToArray(), unescaped.ToArray()));
        }

        if (reader.ReadNextExtension())
        {
            return "ReadNextExtension returned true after it had returned false";
        }

        if (pairs.Count > line.Length)
        {
            return $"{pairs.Count} pairs from {line.Length} bytes";
        }

        if (reader.Error != CefError.None)
        {
            return reader.ErrorPosition < reader.ExtensionStart ? $"extension error {reader.Error} at {reader.ErrorPosition}, before the extension" : null;
        }

        fields = new ParsedFields(reader.Version, header, pairs);
        return null;
    }

    private static string? OutOfRange(byte[] line, ReadOnlySpan<byte> part)
    {
        if (part.IsEmpty)
        {
            return null;
        }

        var offset = Offset(line, part);
        return offset < 0 || offset + (long)part.Length > line.Length ? $"span at {offset}+{part.Length} outside the line of {line.Length}" : null;
    }

    private static long Offset(byte[] line, ReadOnlySpan<byte> part)
        => (long)Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(line), ref MemoryMarshal.GetReference(part));

    /// <summary>Bytes as text for a failure message, control bytes and invalid UTF-8 made visible, long ones cut.</summary>
    public static string Show(byte[] bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.AsSpan(0, Math.Min(bytes.Length, 300)))
        {
            text.Append(b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}");
        }

        return bytes.Length > 300 ? $"{text}… ({bytes.Length} bytes)" : text.ToString();
    }

    private sealed record ParsedFields(int Version, string[] Header, List<(byte[] Key, byte[] Value)> Pairs);
}
