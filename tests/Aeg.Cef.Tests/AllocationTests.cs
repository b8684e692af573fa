using System.Buffers;
using System.Text;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>CefReader and CefWriter must not allocate per message, on any path a listener uses.</summary>
public sealed class AllocationTests
{
    private static byte[][] Lines()
    {
        var many = new StringBuilder("<134>Nov 22 02:10:37 esm01 CEF:0|ArcSight|ArcSight|7.0|rule:101|Rule \\| fired|Medium|");
        for (var i = 0; i < 120; i++)
        {
            many.Append(i == 0 ? "" : " ").Append("ad.k").Append(i).Append("=value ").Append(i).Append(" with \\= and \\\\ and \\n");
        }

        return
        [
            Encoding.UTF8.GetBytes(many.ToString()),
            "<165>1 2026-11-22T02:10:37.003Z aeg aeg 42 ANN [x@1 a=\"b\\]\"] CEF:0|HP|AEG|1.0|1|Annotation Event|3|cs1=1,1539102087491,root,Queued,,,,\\n cs1Label=audit_trail cs2=comment with \\= and spaces   duser=jürgen cn2=4711"u8.ToArray(),
            "CEF: 0|V|P|1|1|N|3|angle=106.7<=180 user=root msg=x =y a=x\ty fname=C:\\Windows\\x"u8.ToArray(),
            "CEF:0|V|P|1|1|N|3|"u8.ToArray(),
            "not cef at all"u8.ToArray(),
            "CEF:0|V|P|1|1|N|3|no key here"u8.ToArray(),
        ];
    }

    [Fact]
    public void Reader_allocates_nothing_per_message()
    {
        var lines = Lines();
        var buffer = new byte[8192];
        var checksum = ParseAll(lines, buffer, 10); // JIT and first-call allocations happen here.

        var before = GC.GetAllocatedBytesForCurrentThread();
        checksum += ParseAll(lines, buffer, 20_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        // The parses must have done their work: 120 + 5 + 5 pairs per round.
        Assert.Equal(20_010L * (120 + 5 + 5), checksum);
    }

    private static long ParseAll(byte[][] lines, byte[] buffer, int rounds)
    {
        long pairs = 0;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var line in lines)
            {
                var reader = new CefReader(line);
                if (!reader.IsValid)
                {
                    continue;
                }

                reader.HeaderEquals(CefHeaderField.DeviceVendor, "ArcSight"u8);
                reader.TryCopyHeader(CefHeaderField.Name, buffer, out _);
                _ = reader.SyslogHost.Length + reader.SyslogTimestamp.Length;
                while (reader.ReadNextExtension())
                {
                    if (reader.ValueNeedsUnescaping)
                    {
                        reader.TryCopyValue(buffer, out _);
                    }

                    reader.ValueEquals("root"u8);
                    pairs++;
                }
            }
        }

        return pairs;
    }

    [Fact]
    public void Writer_allocates_nothing_per_message()
    {
        var buffer = new ArrayBufferWriter<byte>(16384);
        var writer = new CefWriter(buffer);
        var auditTrail = string.Concat(Enumerable.Repeat("1,1539102087491,root,Queued,,,,\n", 60));
        var at = DateTimeOffset.UnixEpoch.AddDays(20000);
        // Warm up past tiered compilation: a loaded CI machine once saw 4,256 B of one-time
        // runtime work (tier-up) land inside the measured loop.
        for (var i = 0; i < 20_000; i++)
        {
            WriteOne(writer, buffer, auditTrail, at);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        long bytes = 0;
        for (var i = 0; i < 20_000; i++)
        {
            bytes += WriteOne(writer, buffer, auditTrail, at);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(bytes > 20_000L * auditTrail.Length);
    }

    private static int WriteOne(CefWriter writer, ArrayBufferWriter<byte> buffer, string auditTrail, DateTimeOffset at)
    {
        buffer.ResetWrittenCount();
        writer.Reset();
        writer.WriteSyslogRfc3164(134, at, "aeg01.example.com", "aeg");
        writer.WriteHeader("HP", "AEG", "1.0", "annotation", "Annotation Event", "3");
        writer.WriteExtension("shost", "aeg01.example.com");
        writer.WriteExtension("cs1", auditTrail);
        writer.WriteExtension("cs1Label", "audit_trail");
        writer.WriteExtension("cs2", "a comment with = and \\ and |");
        writer.WriteExtension("cn2", 4711L);
        writer.WriteExtension("deviceCustomDate1", at);
        writer.WriteExtension("duser"u8, "jürgen"u8);
        return buffer.WrittenCount;
    }
}
