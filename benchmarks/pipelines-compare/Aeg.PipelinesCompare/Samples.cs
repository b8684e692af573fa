using System.Reflection;
using System.Text;

namespace Aeg.PipelinesCompare;

/// <summary>The three sample CEF lines of <c>benchmarks/samples/</c>, each behind the RFC 3164 header, as a forwarder sends them.</summary>
public static class Samples
{
    /// <summary>Short (~200 B), typical (~700 B) and long (~3.7 KB) line, in that order, without framing.</summary>
    public static byte[][] Lines()
    {
        var prefix = Read("rfc3164-prefix.txt");
        return [.. new[] { "short.txt", "typical.txt", "long.txt" }.Select(name => Encoding.UTF8.GetBytes(prefix + " " + Read(name)))];
    }

    /// <summary><paramref name="count"/> lines cycling through <paramref name="lines"/>, LF-framed or RFC 6587 octet-counted.</summary>
    public static byte[] Framed(byte[][] lines, int count, bool octetCounting)
    {
        var output = new MemoryStream();
        for (var i = 0; i < count; i++)
        {
            var line = lines[i % lines.Length];
            if (octetCounting)
            {
                output.Write(Encoding.ASCII.GetBytes($"{line.Length} "));
            }

            output.Write(line);
            if (!octetCounting)
            {
                output.WriteByte((byte)'\n');
            }
        }

        return output.ToArray();
    }

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("samples/" + name)
            ?? throw new InvalidOperationException($"sample {name} is not embedded");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // One line per file; the file's final newline is not part of it.
        return reader.ReadToEnd().TrimEnd('\r', '\n');
    }
}
