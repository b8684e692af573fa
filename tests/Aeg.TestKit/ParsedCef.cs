using System.Text;
using Aeg.Cef;

namespace Aeg.TestKit;

/// <summary>A CEF line read back with <see cref="CefReader"/> into strings, for assertions.</summary>
internal sealed class ParsedCef
{
    public required SyslogFormat SyslogFormat { get; init; }
    public required int SyslogPriority { get; init; }
    public required string SyslogHost { get; init; }
    public required Dictionary<CefHeaderField, string> Header { get; init; }
    public required Dictionary<string, string> Extensions { get; init; }

    public string this[string key] => Extensions[key];

    /// <summary>The event id (cn2) of every line, in order.</summary>
    public static List<long> EventIds(IEnumerable<string> lines) => lines.Select(l => long.Parse(Parse(l)["cn2"])).ToList();

    /// <summary>The event id (cn2) of every line given as raw bytes, in order.</summary>
    public static List<long> EventIds(IEnumerable<byte[]> lines) => EventIds(lines.Select(l => Encoding.UTF8.GetString(l)));

    public static ParsedCef Parse(string line)
    {
        var reader = new CefReader(Encoding.UTF8.GetBytes(line));
        Assert.True(reader.IsValid, $"CefReader rejected the line ({reader.Error} at {reader.ErrorPosition}): {line}");
        var header = new Dictionary<CefHeaderField, string>();
        foreach (var f in Enum.GetValues<CefHeaderField>())
        {
            header[f] = reader.GetHeaderString(f);
        }
        var format = reader.SyslogFormat;
        var priority = reader.SyslogPriority;
        var host = Encoding.UTF8.GetString(reader.SyslogHost);
        var ext = new Dictionary<string, string>();
        while (reader.ReadNextExtension())
        {
            var key = Encoding.UTF8.GetString(reader.Key);
            Assert.False(ext.ContainsKey(key), $"key {key} appears twice in {line}");
            ext[key] = reader.GetValueString();
        }
        Assert.Equal(CefError.None, reader.Error);
        return new ParsedCef { SyslogFormat = format, SyslogPriority = priority, SyslogHost = host, Header = header, Extensions = ext };
    }
}
