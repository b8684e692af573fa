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
            Assert.True(reader.ValueEquals(Encoding.UTF8.GetBytes(value)));
            Assert.False(reader.ValueEquals(Encoding.UTF8.GetBytes(value + "x")));
            Assert.Equal(written, CefEscaping.UnescapedLength(reader.RawValue, header: false));
            extensions.Add([Encoding.UTF8.GetString(reader.Key), value]);
        }

        if (reader.Error == CefError.None)
        {
            for (var i = 0; i < 6; i++)
            {
                Assert.True(reader.HeaderEquals((CefHeaderField)i, Encoding.UTF8.GetBytes(header[i])));
            }
        }

        return new ParsedMessage(reader.Error, reader.ErrorPosition, reader.SyslogFormat, reader.SyslogPriority,
            Encoding.UTF8.GetString(reader.SyslogTimestamp), Encoding.UTF8.GetString(reader.SyslogHost),
            reader.Version, reader.Error is CefError.None or CefError.ExtensionWithoutKey ? header : [], [.. extensions]);
    }
}
