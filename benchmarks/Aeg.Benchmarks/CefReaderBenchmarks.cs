using System.Buffers;
using Aeg.Cef;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Aeg.Benchmarks;

/// <summary>
/// <see cref="CefReader"/> on the sample lines: the header alone, and every extension value read
/// the way a real consumer reads it (unescaped into a reused buffer only when it needs it).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class CefReaderBenchmarks
{
    private byte[] _line = [];

    // Reused like CefJsonFormatter's buffer. A stackalloc here would be zeroed on every call
    // (1 KB: 10-45 ns of the benchmark's own on this host), which is not the reader's cost.
    private readonly byte[] _scratch = new byte[1024];

    [ParamsAllValues]
    public LineSize Size { get; set; }

    [ParamsAllValues]
    public Prefix Prefix { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _line = Samples.Line(Size, Prefix);
        // A line that fails early would measure the error path, not parsing.
        var expectedPairs = FullIteration();
        if (expectedPairs <= 0)
        {
            throw new InvalidOperationException($"{Size}/{Prefix} did not parse");
        }
    }

    /// <summary>Syslog prefix, version and the six header fields.</summary>
    [Benchmark]
    [BenchmarkCategory("HeaderOnly")]
    public int HeaderOnly()
    {
        var reader = new CefReader(_line);
        if (!reader.IsValid)
        {
            return -1;
        }

        return reader.SyslogPriority + reader.SyslogHost.Length + reader.Version
            + reader.GetHeaderRaw(CefHeaderField.DeviceVendor).Length
            + reader.GetHeaderRaw(CefHeaderField.DeviceProduct).Length
            + reader.GetHeaderRaw(CefHeaderField.DeviceVersion).Length
            + reader.GetHeaderRaw(CefHeaderField.DeviceEventClassId).Length
            + reader.GetHeaderRaw(CefHeaderField.Name).Length
            + reader.GetHeaderRaw(CefHeaderField.Severity).Length;
    }

    /// <summary>The header plus every extension key and unescaped value.</summary>
    [Benchmark]
    [BenchmarkCategory("FullIteration")]
    public int FullIteration()
    {
        Span<byte> scratch = _scratch;
        var reader = new CefReader(_line);
        if (!reader.IsValid)
        {
            return -1;
        }

        var total = reader.GetHeaderRaw(CefHeaderField.Severity).Length;
        while (reader.ReadNextExtension())
        {
            total += reader.Key.Length;
            if (!reader.ValueNeedsUnescaping)
            {
                total += reader.RawValue.Length;
                continue;
            }

            var rawLength = reader.RawValue.Length;
            if (rawLength <= scratch.Length)
            {
                reader.TryCopyValue(scratch, out var written);
                total += written;
            }
            else
            {
                // Longer than any sample value; kept so the loop is what a real consumer would write.
                var rented = ArrayPool<byte>.Shared.Rent(rawLength);
                reader.TryCopyValue(rented, out var written);
                total += written;
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return reader.Error == CefError.None ? total : -1;
    }
}
