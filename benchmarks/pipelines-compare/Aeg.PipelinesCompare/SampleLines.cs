using Aeg.Benchmarks;
using Aeg.ListenerCompare;

namespace Aeg.PipelinesCompare;

/// <summary>What the connections carry: the sample lines of <c>benchmarks/samples/</c> behind the RFC 3164 header, as a forwarder sends them.</summary>
public static class SampleLines
{
    /// <summary>The short (~200 B), typical (~700 B) and long (~3.7 KB) line, in that order, without framing.</summary>
    public static byte[][] Lines() =>
        [Samples.Line(LineSize.Short, Prefix.Rfc3164), Samples.Line(LineSize.Typical, Prefix.Rfc3164), Samples.Line(LineSize.Long, Prefix.Rfc3164)];

    /// <summary><paramref name="count"/> lines cycling through <paramref name="lines"/>, LF-framed or RFC 6587 octet-counted.</summary>
    public static byte[] Framed(byte[][] lines, int count, bool octetCounting) =>
        CefLoad.Framed([.. Enumerable.Range(0, count).Select(i => lines[i % lines.Length])], octetCounting);
}
