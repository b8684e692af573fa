using System.Text;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>Everything CefReader says about one line, copied out as strings for assertions.</summary>
internal sealed record ParsedMessage(
    CefError Error,
    int ErrorPosition,
    SyslogFormat SyslogFormat,
    int SyslogPriority,
    string SyslogTimestamp,
    string SyslogHost,
    int Version,
    string[] Header,
    string[][] Extensions)
{
    public static ParsedMessage Parse(ReadOnlySpan<byte> line)
    {
        var reader = new CefReader(line);
        var header = new string[6];
        for (var i = 0; i < 6; i++)
        {
            header[i] = reader.GetHeaderString((CefHeaderField)i);
        }

        var extensions = new List<string[]>();
        while (reader.ReadNextExtension())
        {
            var value = reader.GetValueString();
            // Every way of getting at a value must agree.
            var buffer = new byte[reader.RawValue.Length];
            Assert.True(reader.TryCopyValue(buffer, out var written));
            Assert.Equal(value, Encoding.UTF8.GetString(buffer, 0, written));
            // The copied bytes, not the decoded string: a value need not be valid UTF-8.
            Assert.True(reader.ValueEquals(buffer.AsSpan(0, written)));
            Assert.False(reader.ValueEquals([.. buffer.AsSpan(0, written), (byte)'x']));
            Assert.Equal(written, CefEscaping.UnescapedLength(reader.RawValue, header: false));
            extensions.Add([Encoding.UTF8.GetString(reader.Key), value]);
        }

        if (reader.Error == CefError.None)
        {
            for (var i = 0; i < 6; i++)
            {
                var raw = reader.GetHeaderRaw((CefHeaderField)i);
                var copy = new byte[raw.Length];
                Assert.True(reader.TryCopyHeader((CefHeaderField)i, copy, out var copied));
                Assert.True(reader.HeaderEquals((CefHeaderField)i, copy.AsSpan(0, copied)));
                Assert.Equal(header[i], Encoding.UTF8.GetString(copy, 0, copied));
            }
        }

        return new ParsedMessage(reader.Error, reader.ErrorPosition, reader.SyslogFormat, reader.SyslogPriority,
            Encoding.UTF8.GetString(reader.SyslogTimestamp), Encoding.UTF8.GetString(reader.SyslogHost),
            reader.Version, reader.Error is CefError.None or CefError.ExtensionWithoutKey ? header : [], [.. extensions]);
    }
}
